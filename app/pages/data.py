"""数据 /data: the units for the current filters in AG Grid, paged on the server; CSV, Excel,
GeoJSON of what the grid shows.

The page holds no rows: the grid asks for one block at a time (layers.unit_table: searched,
filtered and sorted in SQL, within the caller's access scope), however many units there are.
A download is built on the server from the same question — the view in the URL, the search
words, the grid's own filter and sort models — never from rows the browser posts, and holds at
most EXITMAP_MAX_DOWNLOAD_ROWS rows (more: the page asks for narrower filters, no file is cut).
Each file names who took it and when, and leaves a line in the audit log with its SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from access.guard import current_caller, guarded, guarded_clientside, record
from app import format as fmt
from app.components.filters import bar_update, filter_bar, filter_values, state_from
from app.components.grid import NUMBER, grid_question, infinite_grid
from app.context import Context
from app.i18n import t, v
from app.state import ViewState, parse, to_search
from exitmap import settings
from exitmap.scope import Scope
from exitmap.vocabulary import PREFECTURES
from exports.lists import lists_zip
from exports.table import STEM, table_csv, table_geojson, table_xlsx
from layers.unit_table import QueryError, UnitQuery, search_words, unit_count, unit_rows

FIELDS = (
    ("unit_key", "c.unit_key"),
    ("prefecture", "c.prefecture"),
    ("county", "c.county"),
    ("enterprise_name", "c.enterprise"),
    ("sector", "c.sector"),
    ("sub_industry", "c.sub_industry"),
    ("equipment_name", "c.equipment"),
    ("spec", "c.spec"),
    ("category", "c.category"),
    ("status", "c.status"),
    ("deadline", "c.deadline"),
    ("days_late", "c.days_late"),
    ("energy_tce", "c.energy"),
    ("lon", None),
    ("lat", None),
)
FIELD_NAMES = {f for f, _ in FIELDS}


# The filter bar's controls, in the order of filter_values (without measure and units).
BAR = (
    ("sector", "value"),
    ("sub", "value"),
    ("cat", "value"),
    ("status", "value"),
    ("on", "date"),
    ("known", "value"),
)


def question(ctx: Context, view: str | None, text: str | None, request: dict | None):
    """The view's filters, the search box and the grid's request as one UnitQuery
    (and the block it asks for); the view comes from the page's own query string."""
    state = parse(view, ctx.today())
    start, end, where, order = grid_question(request, FIELD_NAMES)
    filters = state.filters()
    query = UnitQuery(
        state.date(ctx.today()),
        filters,
        " ".join(search_words(text)),
        where,
        order,
        known_on=state.known,
    )
    return state, query, start, end


def display(r: dict, lang: str) -> dict:
    """One unit's row as the grid and the downloads show it, in the page's language."""
    return {
        "unit_key": r["unit_key"],
        "prefecture": v(PREFECTURES.get(r["prefecture"], ""), lang),
        "county": r["county"] or "",
        "enterprise_name": r["enterprise_name"],
        "sector": v(r["sector"], lang),
        "sub_industry": v(r["sub_industry"], lang),
        "equipment_name": r["equipment_name"],
        "spec": r["spec"],
        "category": v(r["category"], lang),
        "status": v(r["status"], lang) or t("x.unstated", lang),
        "deadline": r["deadline"].isoformat() if r["deadline"] else None,
        "days_late": r["days_late"],
        "energy_tce": r["energy_tce"],
        "lon": round(r["lon"], 6),
        "lat": round(r["lat"], 6),
    }


def column_defs(lang: str) -> list[dict]:
    defs = []
    for field, key in FIELDS:
        d = {"field": field, "headerName": t(key, lang) if key else field}
        if field in ("days_late", "energy_tce", "lon", "lat"):
            d |= NUMBER
        if field in ("lon", "lat"):
            d["hide"] = True
        if field == "enterprise_name":
            d["minWidth"] = 220
        defs.append(d)
    return defs


def layout(ctx: Context, state: ViewState) -> html.Div:
    lang = state.lang
    return html.Div(
        [
            html.Div(
                [
                    html.H1(t("d.title", lang)),
                    html.Span(
                        fmt.as_of(state, state.date(ctx.today())),
                        className="muted",
                    ),
                ],
                className="page-title",
            ),
            filter_bar(state, ctx.today(), measure=False, units=False, prefix="df"),
            # The view the grid's rows answer (its query string); the filter bar moves it.
            dcc.Store(id="d-view", data=to_search(state)),
            html.P(t("d.print_note", lang), className="print-only muted"),
            html.Div(
                [
                    html.Label(t("d.search", lang), htmlFor="d-search", className="sr-only"),
                    dcc.Input(
                        id="d-search",
                        type="search",
                        placeholder=t("d.search", lang),
                        className="search",
                        debounce=0.3,
                        maxLength=100,
                    ),
                    html.Button(t("d.csv", lang), id="d-csv", className="btn"),
                    html.Button(t("d.xlsx", lang), id="d-xlsx", className="btn"),
                    html.Button(t("d.geojson", lang), id="d-geojson", className="btn"),
                    html.Button(
                        t("d.lists", lang),
                        id="d-lists",
                        className="btn",
                        title=t("d.lists_title", lang),
                    ),
                    dcc.Download(id="d-lists-download"),
                    html.Span(id="d-count", className="muted"),
                    html.Span(id="d-note", className="download-note", role="status"),
                    dcc.Download(id="d-download"),
                ],
                className="downloads",
            ),
            infinite_grid(
                "d-grid",
                column_defs(lang),
                lang,
                min_width=100,
                style={"height": "calc(100vh - 300px)", "minHeight": "500px"},
                pagination=True,
                paginationPageSize=100,
                paginationPageSizeSelector=[20, 50, 100],
            ),
        ]
    )


def taken_by(user: str, at: dt.datetime) -> dict:
    """Who took a file and when: written into it, and into its name."""
    return {"user": user, "at": at.isoformat(timespec="seconds")}


def download_file(
    ctx: Context, scope: Scope, state: ViewState, query: UnitQuery, kind: str, taken: dict
):
    """(dcc.Download's data, a note to show, the rows written, the file's bytes) for every row
    the question finds; over the limit, no file and a note saying why."""
    label = lambda x: v(x, state.lang)  # noqa: E731
    most = settings.get_int("max_download_rows")
    n = unit_count(ctx.engine, query, scope=scope, label=label)
    if n > most:
        return no_update, t("d.too_many", state.lang, n=f"{n:,}", most=f"{most:,}"), 0, b""
    found = unit_rows(ctx.engine, query, 0, n, scope=scope, label=label, limit=most)
    rows = [display(r, state.lang) for r in found.rows]
    fields = [f for f, _ in FIELDS]
    stamp = taken["at"].replace(":", "").replace("-", "")[:15]
    stem = f"{STEM}_{taken['user']}_{stamp}"
    if kind == "xlsx":
        data = table_xlsx(fields, rows, ctx.marking, taken)
        return dcc.send_bytes(data, f"{stem}.xlsx"), "", len(rows), data
    if kind == "csv":
        text = table_csv(fields, rows)
    else:
        text = table_geojson(fields, rows, ctx.marking, taken)
    file = {"content": text, "filename": f"{stem}.{kind}"}
    return file, "", len(rows), text.encode()


def register(app, ctx: Context) -> None:
    @guarded(
        app,
        "view",
        Output("d-grid", "getRowsResponse"),
        Output("d-count", "children"),
        Input("d-grid", "getRowsRequest"),
        State("d-view", "data"),
        State("d-search", "value"),
        cache=True,
    )
    def rows(request, view, text):
        """One block of rows for the grid, and how many rows the question has."""
        if not request:
            raise PreventUpdate
        try:
            state, query, start, end = question(ctx, view, text, request)
        except QueryError:
            raise PreventUpdate from None
        label = lambda x: v(x, state.lang)  # noqa: E731
        found = unit_rows(ctx.engine, query, start, end, scope=ctx.scope(), label=label)
        block = [display(r, state.lang) for r in found.rows]
        count = t("d.rows", state.lang, n=found.total)
        return {"rowData": block, "rowCount": found.total}, count

    # A new view or search empties the grid's blocks: it asks for its rows again.
    guarded_clientside(
        app,
        "function (view, text) { window.exitmapGrid.refresh('d-grid'); }",
        Input("d-view", "data"),
        Input("d-search", "value"),
        prevent_initial_call=True,
    )

    @guarded(
        app,
        "view",
        Output("url-want", "data", allow_duplicate=True),
        Output("d-view", "data"),
        *(Input(f"df-{name}", prop) for name, prop in BAR),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def refilter(sector, sub, cat, status, on, known, url_search):
        base = parse(url_search, ctx.today())
        state = state_from(
            url_search, base.measure, sector, sub, cat, status, on, base.units, ctx.today(), known
        )
        return {"search": to_search(state), "was": url_search}, to_search(state)

    @guarded(
        app,
        "view",
        *(Output(f"df-{name}", prop) for name, prop in BAR),
        Input("url-nav", "data"),
        *(State(f"df-{name}", prop) for name, prop in BAR),
        State("url", "search"),
        State("url", "pathname"),
        prevent_initial_call=True,
    )
    def from_url(_nav, sector, sub, cat, status, on, known, search, pathname):
        """Back/forward on 数据 sets its filter bar from the URL (the grid follows)."""
        if (pathname or "").rstrip("/") != "/data":
            raise PreventUpdate
        today = ctx.today()
        values = filter_values(parse(search, today), today)
        wanted = (*values[1:6], values[7])  # without the measure and the unit layer
        return bar_update(wanted, (sector, sub, cat, status, (on or "")[:10], known))

    @guarded(
        app,
        "download",
        Output("d-download", "data"),
        Output("d-note", "children"),
        Input("d-csv", "n_clicks"),
        Input("d-xlsx", "n_clicks"),
        Input("d-geojson", "n_clicks"),
        State("d-view", "data"),
        State("d-search", "value"),
        State("d-grid", "getRowsRequest"),
        prevent_initial_call=True,
    )
    def download(_c, _x, _g, view, text, request):
        """The file of the grid's question, read again on the server (its filter and sort
        models from the grid's last request; its rows are never taken from the browser)."""
        from dash import ctx as cb

        kind = {"d-csv": "csv", "d-xlsx": "xlsx", "d-geojson": "geojson"}.get(cb.triggered_id)
        if kind is None:
            raise PreventUpdate
        try:
            state, query, _, _ = question(ctx, view, text, request)
        except QueryError:
            raise PreventUpdate from None
        taken = taken_by(current_caller().scope.user, ctx.now())
        file, note, count, data = download_file(ctx, ctx.scope(), state, query, kind, taken)
        if data:
            record(
                "download",
                "/data",
                {"format": kind, "file": file["filename"]},
                row_count=count,
                sha256=hashlib.sha256(data).hexdigest(),
            )
        return file, note

    @guarded(
        app,
        "download",
        Output("d-lists-download", "data"),
        Input("d-lists", "n_clicks"),
        State("d-view", "data"),
        prevent_initial_call=True,
    )
    def download_lists(clicks, view):
        """The public lists (seed 三(六), 三(八)) on the view's date, as the caller's own: its
        prefectures, and for a department the categories it leads."""
        if not clicks:
            raise PreventUpdate
        state = parse(view, ctx.today())
        on = state.date(ctx.today())
        scope = current_caller().scope
        data, rows = lists_zip(ctx.engine, on, scope, scope.user, ctx.now(), state.known)
        name = f"公示名单_{on.isoformat()}_{scope.user}.zip"
        record(
            "download",
            "/data",
            {"format": "lists", "on": on.isoformat(), "file": name},
            row_count=rows,
            sha256=hashlib.sha256(data).hexdigest(),
        )
        return dcc.send_bytes(data, name)


__all__ = ["layout", "register"]
