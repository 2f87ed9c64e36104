"""AG Grid for long tables: one component however many rows (the Dash renderer stays fast)."""

from __future__ import annotations

import dash_ag_grid as dag

LOCALE_ZH = {
    "page": "页",
    "of": "共",
    "to": "至",
    "more": "更多",
    "next": "下一页",
    "previous": "上一页",
    "first": "首页",
    "last": "末页",
    "filterOoo": "筛选……",
    "equals": "等于",
    "contains": "包含",
    "noRowsToShow": "无数据",
    "searchOoo": "搜索……",
    "pageSizeSelectorLabel": "每页行数：",
}


def grid(
    id_: str,
    rows: list[dict],
    columns: list[tuple[str, str, bool]],
    lang: str,
    height: str = "420px",
    link: tuple[str, str] | None = None,
) -> dag.AgGrid:
    """columns: (field, header, numeric). link: (field, href field) renders a link cell."""
    defs = []
    for field, header, numeric in columns:
        d = {"field": field, "headerName": header}
        if numeric:
            d["type"] = "numericColumn"
            d["filter"] = "agNumberColumnFilter"
        if link and field == link[0]:
            d["cellRenderer"] = "ExitmapLink"
            d["cellRendererParams"] = {"href": link[1]}
        defs.append(d)
    return dag.AgGrid(
        id=id_,
        rowData=rows,
        columnDefs=defs,
        defaultColDef={
            "sortable": True,
            "filter": True,
            "resizable": True,
            "flex": 1,
            "minWidth": 90,
        },
        dashGridOptions={
            "animateRows": False,
            "enableCellTextSelection": True,
            **({"localeText": LOCALE_ZH} if lang == "zh" else {}),
        },
        style={"height": height},
        className="ag-theme-quartz",
    )
