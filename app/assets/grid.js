/* AG Grid cell renderer: a link whose text and address are data (React escapes both). */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});
dagcomponentfuncs.ExitmapLink = function (props) {
  var href = props.data && props.colDef.cellRendererParams ? props.data[props.colDef.cellRendererParams.href] : null;
  if (!href || !/^\/[a-z]/.test(href)) return React.createElement("span", null, props.value);
  return React.createElement("a", { href: href }, props.value);
};

/* Grids paged on the server (AG Grid's infinite row model): a new view or search drops the
   blocks held, so the grid asks the server for its rows again, from the first page. */
window.exitmapGrid = {
  refresh: function (id) {
    dash_ag_grid.getApiAsync(id).then(function (api) {
      if (api.paginationGetCurrentPage && api.paginationGetCurrentPage() > 0) api.paginationGoToFirstPage();
      api.purgeInfiniteCache();
    });
  },
};
