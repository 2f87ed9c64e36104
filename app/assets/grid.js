/* AG Grid cell renderer: a link whose text and address are data (React escapes both). */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});
dagcomponentfuncs.ExitmapLink = function (props) {
  var href = props.data && props.colDef.cellRendererParams ? props.data[props.colDef.cellRendererParams.href] : null;
  if (!href || !/^\/[a-z]/.test(href)) return React.createElement("span", null, props.value);
  return React.createElement("a", { href: href }, props.value);
};
