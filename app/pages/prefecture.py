"""州市 /prefecture/<adcode>: standing, rank, overdue and due-soon units, freeze, quota, map."""

from __future__ import annotations

import datetime as dt

import polars as pl
from dash import dcc, html

from app import format as fmt
from app.components import mapview
from app.components.grid import grid
from app.components.kpi import card, standing_cards
from app.components.tables import Col, facts, frame, table
from app.context import Context
from app.i18n import layer_words, t, v
from app.pages import errors
from app.state import ViewState, to_search
from exitmap.policy import default_policy
from layers.freeze import decisions, freeze_list
from layers.map import MEASURES, rank, unit_points
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
    overdue = in_scope.filter(pl.col("overdue")).sort("days_late", descending=True).to_dicts()
    soon = (
        in_scope.filter(
            pl.col("remaining")
            & ~pl.col("overdue")
            & pl.col("deadline").is_not_null()
            & (pl.col("deadline") >= on)
            & (pl.col("deadline") <= on + dt.timedelta(days=90))
        )
        .sort("deadline")
        .to_dicts()
    )
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
    points = mapview.shift_points(ctx, unit_points(units))
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
    all_units = units.sort(["in_scope", "remaining", "overdue"], descending=True).to_dicts()
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
                    html.Div([html.H2(t("p.map", lang)), the_map], className="card"),
                    html.Div(
                        [
                            html.Div(
                                [html.H2(t("p.freeze", lang)), *freeze_box],
                                className="card",
                                id="pf-freeze",
                            ),
                            html.Div([html.H2(t("p.quota", lang)), quota_box], className="card"),
                            html.Div(
                                [
                                    html.H2(f"{t('p.overdue', lang)}（{len(overdue)}）"),
                                    frame(
                                        table(
                                            unit_columns(lang, search, [late_col]),
                                            overdue,
                                            id="pf-overdue",
                                        ),
                                        t("p.overdue", lang),
                                        "scroll short",
                                    )
                                    if overdue
                                    else html.P(t("p.none", lang)),
                                ],
                                className="card",
                            ),
                            html.Div(
                                [
                                    html.H2(f"{t('p.due_soon', lang)}（{len(soon)}）"),
                                    frame(
                                        table(unit_columns(lang, search), soon, id="pf-soon"),
                                        t("p.due_soon", lang),
                                        "scroll short",
                                    )
                                    if soon
                                    else html.P(t("p.none", lang)),
                                ],
                                className="card",
                            ),
                        ],
                        className="side",
                    ),
                ],
                className="overview",
            ),
            html.Div(
                [
                    html.H2(f"{t('p.units', lang)}（{len(all_units)}）"),
                    units_grid(ctx, all_units, lang, search),
                ],
                className="card",
                style={"marginTop": "12px"},
            ),
        ]
    )


def units_grid(ctx: Context, units: list[dict], lang: str, search: str):
    from urllib.parse import quote

    rows = [
        {
            "county": ctx.county_names.get(r["county_adcode"], ""),
            "enterprise": r["enterprise_name"],
            "equipment": r["equipment_name"],
            "href": f"/unit/{quote(r['unit_key'], safe='')}{search}",
            "sub_industry": v(r["sub_industry"], lang),
            "category": v(r["category"], lang),
            "status": v(r["status"], lang) or t("x.unstated", lang),
            "deadline": r["deadline"].isoformat() if r["deadline"] else "",
            "days_late": r["days_late"],
            "energy": r["energy_tce"],
        }
        for r in units
    ]
    cols = [
        ("county", t("c.county", lang), False),
        ("enterprise", t("c.enterprise", lang), False),
        ("equipment", t("c.equipment", lang), False),
        ("sub_industry", t("c.sub_industry", lang), False),
        ("category", t("c.category", lang), False),
        ("status", t("c.status", lang), False),
        ("deadline", t("c.deadline", lang), False),
        ("days_late", t("c.days_late", lang), True),
        ("energy", t("c.energy", lang), True),
    ]
    return grid("pf-units-table", rows, cols, lang, height="460px", link=("equipment", "href"))


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
    mine = ctx.scope().narrow(adcode)
    frame = freeze_list(
        ctx.engine, on, scope=mine, policy=policy, known_on=state.known, **layer_words(lang)
    )
    r = frame[frame["adcode"] == adcode].iloc[0]
    kids = []
    if r["triggered"]:
        kids.append(
            html.P(
                html.Span(t("p.freeze_on", lang, reasons=r["trigger_reasons"]), className="tag bad")
            )
        )
        kids.append(html.Ul([html.Li(u) for u in r["triggering_units"]], className="small"))
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
        kids.append(
            html.P(
                t(
                    "p.freeze_decided",
                    lang,
                    doc=r["decision_document"],
                    start=fmt.date(r["decision_start"], lang),
                )
            )
        )
    else:
        kids.append(html.P(t("p.freeze_no_decision", lang), className="muted small"))
    if r["disagreement"]:
        kids.append(html.P(r["disagreement"], className="warning"))
    hist = decisions(ctx.engine, mine, state.known)
    if len(hist):
        kids.append(html.P(f"{t('z.history', lang)}：{len(hist)}", className="small muted"))
    return kids
