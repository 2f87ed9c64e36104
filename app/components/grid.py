"""AG Grid for long tables: one component however many rows (the Dash renderer stays fast)."""

from __future__ import annotations

import dash_ag_grid as dag

# AG Grid builds "{page} 1 {of} 6" and "1 {to} 100 {of} 600" from the same words, so the
# Chinese reads "第 1 / 6" and "1 – 100 / 600" rather than a word order that fits neither.
LOCALE_ZH = {
    "page": "第",
    "of": "/",
    "to": "–",
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


def grid_options(lang: str, **extra) -> dict:
    """AG Grid's own words (paging, filters) in the page's language, and our common options."""
    return {
        "animateRows": False,
        "enableCellTextSelection": True,
        **({"localeText": LOCALE_ZH} if lang == "zh" else {}),
        **extra,
    }


# Numbers as people read them (61,027; 1,385.6), in the grid only: sorting, filtering and the
# downloads keep the plain values.
NUMBER = {
    "type": "numericColumn",
    "filter": "agNumberColumnFilter",
    "valueFormatter": {"function": "params.value == null ? '' : d3.format(',.2~f')(params.value)"},
}


def column_defaults(min_width: int) -> dict:
    """Headers wrap instead of being cut ("结余（吨标准煤）"); long cells show whole on hover."""
    return {
        "sortable": True,
        "filter": True,
        "resizable": True,
        "flex": 1,
        "minWidth": min_width,
        "wrapHeaderText": True,
        "autoHeaderHeight": True,
        "tooltipValueGetter": {"function": "params.valueFormatted ?? params.value"},
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
        d = {"field": field, "headerName": header, **(NUMBER if numeric else {})}
        if link and field == link[0]:
            d["cellRenderer"] = "ExitmapLink"
            d["cellRendererParams"] = {"href": link[1]}
        defs.append(d)
    return dag.AgGrid(
        id=id_,
        rowData=rows,
        columnDefs=defs,
        defaultColDef=column_defaults(120),
        dashGridOptions=grid_options(lang),
        style={"height": height},
        className="ag-theme-quartz",
    )
