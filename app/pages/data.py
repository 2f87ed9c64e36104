"""数据 /data: the units for the current filters in AG Grid; CSV, Excel, GeoJSON of what is shown.

What is shown is the grid's own row set after its search box, column filters and sort
(``virtualRowData``), so a download holds exactly the rows on screen, in that order — each row
as the server reads it again for the caller, never the values the browser sent back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import dash_ag_grid as dag
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from access.guard import current_caller, guarded, record
from app import format as fmt
from app.components.filters import bar_update, filter_bar, filter_values, state_from
from app.components.grid import NUMBER, column_defaults, grid_options
from app.context import Context
from app.i18n import t, v
from app.state import ViewState, parse, to_search
from exitmap.cells import neutralise_frame
from layers.units import apply_filters

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


# The filter bar's controls, in the order of filter_values (without measure and units).
BAR = (
    ("sector", "value"),
    ("sub", "value"),
    ("cat", "value"),
    ("status", "value"),
    ("on", "date"),
    ("known", "value"),
)


def rows_for(ctx: Context, state: ViewState) -> list[dict]:
    on = state.date(ctx.today())
    scope = ctx.scope()
    frame = apply_filters(ctx.data.units(on, scope, known_on=state.known), **state.filters())
    wide = ctx.data.prefecture_wide(on, scope, known_on=state.known)
    names = {a: r["name"] for a, r in wide.items()}
    out = []
    for r in frame.to_dicts():
        out.append(
            {
                "unit_key": r["unit_key"],
                "prefecture": v(names.get(r["prefecture_adcode"], ""), state.lang),
                "county": ctx.county_names.get(r["county_adcode"], ""),
                "enterprise_name": r["enterprise_name"],
                "sector": v(r["sector"], state.lang),
                "sub_industry": v(r["sub_industry"], state.lang),
                "equipment_name": r["equipment_name"],
                "spec": r["spec"],
                "category": v(r["category"], state.lang),
                "status": v(r["status"], state.lang) or t("x.unstated", state.lang),
                "deadline": r["deadline"].isoformat() if r["deadline"] else None,
                "days_late": r["days_late"],
                "energy_tce": r["energy_tce"],
                "lon": round(r["lon"], 6),
                "lat": round(r["lat"], 6),
            }
        )
    return out


def bar_state(ctx: Context, *bar_and_search) -> ViewState:
    """The view the filter bar shows: its values (BAR's order), then the URL's query string."""
    *bar, url_search = bar_and_search
    base = parse(url_search, ctx.today())
    sector, sub, cat, status, on, known = bar
    return state_from(
        url_search, base.measure, sector, sub, cat, status, on, base.units, ctx.today(), known
    )


def held_rows(ours: list[dict], shown: list) -> list[dict]:
    """The rows the grid shows (its search, column filters and order kept), each as we read it
    for this caller: the browser names the rows, never their values, and a row we did not send
    (another prefecture's, or made up) is not in the file."""
    by_key = {r["unit_key"]: r for r in ours}
    keys = (r.get("unit_key") for r in shown if isinstance(r, dict))
    return [by_key[k] for k in keys if isinstance(k, str) and k in by_key]


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
    rows = rows_for(ctx, state)
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
            html.P(t("d.print_note", lang), className="print-only muted"),
            html.Div(
                [
                    html.Label(t("d.search", lang), htmlFor="d-search", className="sr-only"),
                    dcc.Input(
                        id="d-search",
                        type="search",
                        placeholder=t("d.search", lang),
                        className="search",
                        debounce=False,
                    ),
                    html.Button(t("d.csv", lang), id="d-csv", className="btn"),
                    html.Button(t("d.xlsx", lang), id="d-xlsx", className="btn"),
                    html.Button(t("d.geojson", lang), id="d-geojson", className="btn"),
                    html.Span(t("d.rows", lang, n=len(rows)), id="d-count", className="muted"),
                    dcc.Download(id="d-download"),
                ],
                className="downloads",
            ),
            dag.AgGrid(
                id="d-grid",
                rowData=rows,
                columnDefs=column_defs(lang),
                defaultColDef=column_defaults(100),
                dashGridOptions=grid_options(lang, pagination=True, paginationPageSize=100),
                style={"height": "calc(100vh - 300px)", "minHeight": "500px"},
                className="ag-theme-quartz",
            ),
        ]
    )


def taken_by(user: str, at: dt.datetime) -> dict:
    """Who took a file and when: written into it, and into its name."""
    return {"user": user, "at": at.isoformat(timespec="seconds")}


def export(rows: list[dict], kind: str, marking: str, taken: dict) -> tuple[dict, bytes]:
    """The dcc.Download payload and the file's bytes (for its hash in the audit log)."""
    frame = neutralise_frame(pd.DataFrame(rows, columns=[f for f, _ in FIELDS]))
    stamp = taken["at"].replace(":", "").replace("-", "")[:15]
    stem = f"exitmap-units_{taken['user']}_{stamp}"
    if kind == "csv":
        text = "\ufeff" + frame.to_csv(index=False)
        return {"content": text, "filename": f"{stem}.csv"}, text.encode()
    if kind == "xlsx":
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xl:
            frame.to_excel(xl, index=False, sheet_name="units")
            note = [marking, f"导出：{taken['user']} {taken['at']}"]
            pd.DataFrame({"note": [n for n in note if n]}).to_excel(
                xl, index=False, sheet_name="marking"
            )
            xl.book.properties.creator = taken["user"]
            xl.book.properties.lastModifiedBy = taken["user"]
            xl.book.properties.description = f"导出：{taken['user']} {taken['at']}"
        data = buf.getvalue()
        return dcc.send_bytes(data, f"{stem}.xlsx"), data
    feats = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            "properties": {k: r.get(k) for k, _ in FIELDS if k not in ("lon", "lat")},
        }
        for r in rows
    ]
    doc = {"type": "FeatureCollection", "features": feats, "exported_by": taken}
    if marking:
        doc["marking"] = marking
    text = json.dumps(doc, ensure_ascii=False)
    return {"content": text, "filename": f"{stem}.geojson"}, text.encode()


def register(app, ctx: Context) -> None:
    @guarded(
        app,
        "view",
        Output("d-grid", "dashGridOptions"),
        Input("d-search", "value"),
        State("d-grid", "dashGridOptions"),
        prevent_initial_call=True,
    )
    def search(text, options):
        return {**(options or {}), "quickFilterText": text or ""}

    @guarded(
        app,
        "view",
        Output("d-count", "children"),
        Input("d-grid", "virtualRowData"),
        State("url", "search"),
    )
    def count(rows, url_search):
        return t("d.rows", parse(url_search).lang, n=len(rows or []))

    @guarded(
        app,
        "view",
        Output("url-want", "data", allow_duplicate=True),
        Output("d-grid", "rowData"),
        *(Input(f"df-{name}", prop) for name, prop in BAR),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def refilter(*bar_and_search):
        state = bar_state(ctx, *bar_and_search)
        return {"search": to_search(state), "was": bar_and_search[-1]}, rows_for(ctx, state)

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
        Input("d-csv", "n_clicks"),
        Input("d-xlsx", "n_clicks"),
        Input("d-geojson", "n_clicks"),
        State("d-grid", "virtualRowData"),
        *(State(f"df-{name}", prop) for name, prop in BAR),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def download(_c, _x, _g, shown, *bar_and_search):
        from dash import ctx as cb

        kind = {"d-csv": "csv", "d-xlsx": "xlsx", "d-geojson": "geojson"}.get(cb.triggered_id)
        if kind is None or shown is None:
            raise PreventUpdate
        rows = held_rows(rows_for(ctx, bar_state(ctx, *bar_and_search)), shown)
        taken = taken_by(current_caller().scope.user, ctx.now())
        file, data = export(rows, kind, ctx.marking, taken)
        record(
            "download",
            "/data",
            {"format": kind, "file": file["filename"]},
            row_count=len(rows),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        return file
