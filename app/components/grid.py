"""AG Grid for long tables: one component however many rows (the Dash renderer stays fast)."""

from __future__ import annotations

import dash_ag_grid as dag

from layers.unit_table import ColumnFilter, Condition, QueryError

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


# Tables paged on the server -------------------------------------------------------------------
# The grid asks for one block of rows at a time (AG Grid's infinite row model): the page holds
# no rows, a callback answers each request from layers.unit_table, sorted and filtered in SQL.

BLOCK = 100


def infinite_grid(
    id_: str,
    column_defs: list[dict],
    lang: str,
    *,
    min_width: int = 90,
    style: dict | None = None,
    **options,
) -> dag.AgGrid:
    return dag.AgGrid(
        id=id_,
        rowModelType="infinite",
        columnDefs=column_defs,
        defaultColDef=column_defaults(min_width),
        dashGridOptions=grid_options(
            lang,
            cacheBlockSize=BLOCK,
            # One request at a time: the grid's Dash side answers the latest request only.
            maxConcurrentDatasourceRequests=1,
            maxBlocksInCache=20,
            infiniteInitialRowCount=1,
            **options,
        ),
        style=style or {"height": "420px"},
        className="ag-theme-quartz",
    )


MAX_SORT_KEYS = 4
MAX_CONDITIONS = 4


def _conditions(model: dict) -> tuple[list[dict], bool]:
    """One column's filter model as its conditions and whether any of them is enough."""
    if isinstance(model.get("conditions"), list):
        parts = model["conditions"]
    elif "condition1" in model:  # the shape of older AG Grid versions
        parts = [model.get("condition1"), model.get("condition2")]
    else:
        parts = [model]
    parts = [p for p in parts if isinstance(p, dict)][:MAX_CONDITIONS]
    return parts, str(model.get("operator", "AND")).upper() == "OR"


def grid_question(request: dict | None, fields: set[str]):
    """A grid's request for rows as (start, end, column filters, sort keys) for
    layers.unit_table, naming only ``fields``; anything else is refused (QueryError)."""
    request = request or {}
    try:
        start = int(request.get("startRow") or 0)
        end = int(request.get("endRow") or start + BLOCK)
    except (TypeError, ValueError):
        raise QueryError("bad block") from None
    where = []
    model = request.get("filterModel") or {}
    if not isinstance(model, dict):
        raise QueryError("bad filter model")
    for column, spec in model.items():
        if column not in fields or not isinstance(spec, dict):
            raise QueryError(f"cannot filter {column!r}")
        parts, any_ = _conditions(spec)
        conds = tuple(
            Condition(str(p.get("type")), p.get("filter"), p.get("filterTo")) for p in parts
        )
        where.append(ColumnFilter(column, conds, any_))
    order = []
    for key in (request.get("sortModel") or [])[:MAX_SORT_KEYS]:
        if not isinstance(key, dict) or key.get("colId") not in fields:
            raise QueryError("cannot sort by that")
        order.append((key["colId"], key.get("sort") == "desc"))
    return start, end, tuple(where), tuple(order)
