"""州市 /prefecture/<adcode>: standing, rank, overdue and due-soon units, freeze, quota, map."""

from __future__ import annotations

import datetime as dt

import polars as pl
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from access.guard import guarded
from app import format as fmt
from app.components import mapview
from app.components.grid import NUMBER, grid_question, infinite_grid
from app.components.kpi import card, standing_cards
from app.components.tables import Col, facts, frame, table
from app.context import Context
from app.i18n import layer_words, t, v
from app.pages import errors
from app.pages import reports as report_pages
from app.state import ViewState, parse, to_search
from exitmap.policy import default_policy
from exitmap.scope import Scope
from layers import resettlement
from layers.freeze import decisions
from layers.inspections import findings
from layers.map import MEASURES, rank
from layers.unit_table import QueryError, UnitQuery, unit_rows
from layers.units import apply_filters


def unit_link(r: dict, search: str, text=None):
    from urllib.parse import quote

    return dcc.Link(
        text or r["equipment_name"], href=f"/unit/{quote(r['unit_key'], safe='')}{search}"
    )


def unit_columns(lang: str, search: str, extra: list[Col] = ()) -> list[Col]:
    return [
        Col(t("c.enterprise", lang), lambda r: r["enterprise_name"]),
        Col(t("c.equipment", lang), lambda r: unit_link(r, search)),
        Col(t("c.sub_industry", lang), lambda r: v(r["sub_industry"], lang)),
        Col(t("c.category", lang), lambda r: v(r["category"], lang)),
        Col(t("c.status", lang), lambda r: v(r["status"], lang) or t("x.unstated", lang)),
        Col(
            t("c.deadline", lang),
            lambda r: fmt.date(r["deadline"], lang) if r["deadline"] else "—",
            True,
        ),
        *extra,
        Col(t("c.energy", lang), lambda r: fmt.number(r["energy_tce"], lang), True),
    ]


def layout(ctx: Context, state: ViewState, raw: str) -> html.Div:
    lang = state.lang
    try:
        adcode = int(raw)
    except ValueError:
        adcode = None
    if adcode not in ctx.prefecture_bounds:
        return errors.page(state, t("e.bad_adcode", lang, value=raw))
    on = state.date(ctx.today())
    search = to_search(state)
    scope = ctx.scope()
    table_ = ctx.ranking_table(on, known_on=state.known, **state.filters())
    ranked = rank(table_, state.measure)
    row = ranked.filter(pl.col("adcode") == adcode).to_dicts()[0]
    name = v(row["name"], lang)
    units = apply_filters(
        ctx.data.units(on, scope, known_on=state.known), prefecture=adcode, **state.filters()
    )
    in_scope = units.filter(pl.col("in_scope"))
    overdue = in_scope.filter(pl.col("overdue")).sort("days_late", descending=True)
    soon = in_scope.filter(
        pl.col("remaining")
        & ~pl.col("overdue")
        & pl.col("deadline").is_not_null()
        & (pl.col("deadline") >= on)
        & (pl.col("deadline") <= on + dt.timedelta(days=90))
    ).sort("deadline")
    m = MEASURES[state.measure]
    kpis = [
        card(
            t("k.rank", lang),
            f"{row['rank']} / 16",
            f"{t('m.' + state.measure, lang)}：{fmt.measure_value(row[m.column], m.kind, lang)}",
        ),
        *standing_cards(row, lang)[:7],
    ]
    late_col = Col(t("c.days_late", lang), lambda r: fmt.integer(r["days_late"]), True)
    freeze_box = _freeze_box(ctx, state, adcode, on)
    quota_box = facts(
        [
            (t("c.released", lang), fmt.tce(row["quota_released_tce"], lang)),
            (t("c.allocated", lang), fmt.tce(row["quota_allocated_tce"], lang)),
            (t("c.balance", lang), fmt.tce(row["quota_balance_tce"], lang)),
        ]
    )
    hideout = {"prefecture": adcode}
    points, too_many = mapview.points_or_note(ctx, units, lang)
    the_map = mapview.map_container(
        "pf-map",
        [
            dl_counties(ctx, hideout),
            mapview.outline(ctx, "pf"),
            mapview.unit_layer("pf-units", points, {"lang": lang, "search": search}),
        ],
        bounds=ctx.prefecture_bounds[adcode],
        class_name="map small",
    )
    return html.Div(
        [
            html.Div(
                [
                    html.H1(name, id="prefecture-name"),
                    html.Span(fmt.as_of(state, on), className="muted"),
                    dcc.Link(t("p.back", lang), href="/" + search),
                ],
                className="page-title",
            ),
            html.Div(kpis, className="kpis", style={"marginBottom": "12px"}),
            html.Div(
                [
                    html.Div(
                        [
                            html.H2(t("p.map", lang)),
                            *([html.P(too_many, className="small muted")] if too_many else []),
                            the_map,
                        ],
                        className="card",
                    ),
                    html.Div(
                        [
                            html.Div(
                                [html.H2(t("p.freeze", lang)), *freeze_box],
                                className="card",
                                id="pf-freeze",
                            ),
                            html.Div([html.H2(t("p.quota", lang)), quota_box], className="card"),
                            side_list(
                                t("p.overdue", lang),
                                unit_columns(lang, search, [late_col]),
                                overdue,
                                "pf-overdue",
                                lang,
                            ),
                            side_list(
                                t("p.due_soon", lang),
                                unit_columns(lang, search),
                                soon,
                                "pf-soon",
                                lang,
                            ),
                            report_pages.prefecture_box(ctx, adcode, lang),
                        ],
                        className="side",
                    ),
                ],
                className="overview",
            ),
            html.Div(
                [
                    html.H2(f"{t('p.units', lang)}（{units.height}）"),
                    units_grid(adcode, lang, search),
                ],
                className="card",
                style={"marginTop": "12px"},
            ),
            # The seed's other duties here, after the units (a phone reaches the list first).
            html.Div(
                [
                    _inspections_box(ctx, adcode, on, lang),
                    _resettlement_box(ctx, adcode, on, lang),
                ],
                className="duties",
            ),
        ]
    )


def _resettlement_box(ctx: Context, adcode: int, on: dt.date, lang: str) -> html.Div:
    """职工安置 here: the workers the plans cover, those resettled, the firms without a plan."""
    sums = resettlement.summary(ctx.engine, on, ctx.scope().narrow(adcode))
    missing = sums["firms_without_plan"]
    pairs = [
        (t("c.workers", lang), fmt.integer(sums["workers"])),
        (t("c.resettled", lang), fmt.integer(sums["resettled"])),
        (
            t("c.no_plan", lang),
            html.Span(fmt.integer(missing), className="tag bad") if missing else "0",
        ),
    ]
    return html.Div([html.H2(t("p.resettlement", lang)), facts(pairs)], className="card")


def _inspections_box(ctx: Context, adcode: int, on: dt.date, lang: str) -> html.Div:
    """The open findings of the office's inspections here (督导检查), overdue ones marked."""
    found = findings(ctx.engine, on, ctx.scope().narrow(adcode))
    still = found[found["state"] != "closed"].to_dict("records")
    cols = [
        Col(t("c.finding", lang), lambda r: r["finding"]),
        Col(t("c.demand", lang), lambda r: r["demand"]),
        Col(t("c.deadline", lang), lambda r: fmt.date(r["deadline"], lang), nowrap=True),
        Col(
            t("c.days_late", lang),
            lambda r: (
                html.Span(fmt.integer(r["days_late"]), className="tag bad")
                if r["state"] == "overdue"
                else ""
            ),
            True,
        ),
        Col(t("c.visited", lang), lambda r: fmt.date(r["visited_on"], lang), nowrap=True),
    ]
    title = f"{t('p.inspections', lang)}（{len(still)}）"
    if not still:
        return html.Div([html.H2(title), html.P(t("p.none", lang))], className="card")
    body = frame([table(cols, still, id="pf-inspections")], title, "scroll short")
    return html.Div([html.H2(title), body], className="card")


# The side lists show the most urgent units; all of them are in the unit list below, paged.
SIDE_ROWS = 30


def side_list(title: str, cols: list[Col], units: pl.DataFrame, id_: str, lang: str):
    """A card listing the first SIDE_ROWS of ``units`` under a heading with their number."""
    shown = units.head(SIDE_ROWS).to_dicts()
    if not shown:
        return html.Div([html.H2(f"{title}（0）"), html.P(t("p.none", lang))], className="card")
    body = [table(cols, shown, id=id_)]
    if units.height > SIDE_ROWS:
        body.append(html.P(t("p.first_n", lang, n=SIDE_ROWS), className="small muted"))
    # Its own scrolling frame, reachable by keyboard and named (app.components.tables.frame).
    return html.Div(
        [html.H2(f"{title}（{units.height}）"), frame(body, title, "scroll short")],
        className="card",
    )


# The unit list's columns: (field of layers.unit_table, header key, numeric).
UNIT_FIELDS = (
    ("county", "c.county", False),
    ("enterprise_name", "c.enterprise", False),
    ("equipment_name", "c.equipment", False),
    ("sub_industry", "c.sub_industry", False),
    ("category", "c.category", False),
    ("status", "c.status", False),
    ("deadline", "c.deadline", False),
    ("days_late", "c.days_late", True),
    ("energy_tce", "c.energy", True),
)
# In scope first, then what remains, then what is late (each group by prefecture and key).
UNIT_ORDER = (("in_scope", True), ("remaining", True), ("overdue", True))


def units_grid(adcode: int, lang: str, search: str):
    """Every unit of the prefecture, paged on the server (``register``: one block at a time)."""
    defs = []
    for field, key, numeric in UNIT_FIELDS:
        d = {"field": field, "headerName": t(key, lang), **(NUMBER if numeric else {})}
        if field == "equipment_name":
            d["cellRenderer"] = "ExitmapLink"
            d["cellRendererParams"] = {"href": "href"}
        defs.append(d)
    return html.Div(
        [
            dcc.Store(id="pf-view", data={"adcode": adcode, "search": search}),
            infinite_grid("pf-units-table", defs, lang, style={"height": "460px"}),
        ]
    )


def unit_block(ctx: Context, view: dict, request: dict | None, scope: Scope) -> dict:
    """The block of the prefecture's unit list a grid request asks for (getRowsResponse)."""
    from urllib.parse import quote

    state = parse(view.get("search"), ctx.today())
    adcode = int(view["adcode"])
    start, end, where, order = grid_question(request, {f for f, _, _ in UNIT_FIELDS})
    query = UnitQuery(
        state.date(ctx.today()),
        {**state.filters(), "prefecture": adcode},
        where=where,
        order=order + UNIT_ORDER,
        known_on=state.known,
    )
    label = lambda x: v(x, state.lang)  # noqa: E731
    found = unit_rows(ctx.engine, query, start, end, scope=scope, label=label)
    search = to_search(state)
    rows = [
        {
            "county": r["county"] or "",
            "enterprise_name": r["enterprise_name"],
            "equipment_name": r["equipment_name"],
            "href": f"/unit/{quote(r['unit_key'], safe='')}{search}",
            "sub_industry": v(r["sub_industry"], state.lang),
            "category": v(r["category"], state.lang),
            "status": v(r["status"], state.lang) or t("x.unstated", state.lang),
            "deadline": r["deadline"].isoformat() if r["deadline"] else "",
            "days_late": r["days_late"],
            "energy_tce": r["energy_tce"],
        }
        for r in found.rows
    ]
    return {"rowData": rows, "rowCount": found.total}


def register(app, ctx: Context) -> None:
    @guarded(
        app,
        "view",
        Output("pf-units-table", "getRowsResponse"),
        Input("pf-units-table", "getRowsRequest"),
        State("pf-view", "data"),
        cache=True,
    )
    def unit_list(request, view):
        if not request or not view:
            raise PreventUpdate
        try:
            return unit_block(ctx, view, request, ctx.scope())
        except QueryError:
            raise PreventUpdate from None


def dl_counties(ctx: Context, hideout: dict):
    import dash_leaflet as dl

    return dl.GeoJSON(
        url=ctx.geo.url("counties"),
        style=mapview.fn("countyStyle"),
        onEachFeature=mapview.fn("countyEach"),
        hideout=hideout,
        interactive=False,
        id="pf-counties",
    )


def _freeze_box(ctx: Context, state: ViewState, adcode: int, on: dt.date) -> list:
    lang = state.lang
    policy = default_policy()
    # The caller's whole list (cached, shared with 区域限批 and the other prefecture pages).
    frame = ctx.data.freeze_list(on, ctx.scope(), state.known, **layer_words(lang))
    r = frame[frame["adcode"] == adcode].iloc[0]
    kids = []
    if r["triggered"]:
        kids.append(
            html.P(
                html.Span(t("p.freeze_on", lang, reasons=r["trigger_reasons"]), className="tag bad")
            )
        )
        late = r["triggering_units"]
        kids.append(html.Ul([html.Li(u) for u in late[:SIDE_ROWS]], className="small"))
        if len(late) > SIDE_ROWS:
            kids.append(html.P(t("p.first_n", lang, n=SIDE_ROWS), className="small muted"))
        kids.append(
            html.P(
                t(
                    "p.freeze_lift",
                    lang,
                    n=int(r["trigger_units"]),
                    min=policy.freeze.min_overdue_units,
                ),
                className="small muted",
            )
        )
    else:
        kids.append(html.P(html.Span(t("p.freeze_off", lang), className="tag ok")))
    if r["decided"]:
        kids.append(html.P(fmt.freeze_decided(r, lang)))
    else:
        kids.append(html.P(t("p.freeze_no_decision", lang), className="muted small"))
    if r["disagreement"]:
        kids.append(html.P(r["disagreement"], className="warning"))
    hist = decisions(ctx.engine, ctx.scope().narrow(adcode), state.known)
    if len(hist):
        kids.append(html.P(f"{t('z.history', lang)}：{len(hist)}", className="small muted"))
    return kids
