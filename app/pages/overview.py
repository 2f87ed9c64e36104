"""总览 /: the province map coloured by a measure, KPIs, ranking, sub-industries, progress."""

from __future__ import annotations

import datetime as dt
import time

import polars as pl
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from access.guard import guarded, guarded_clientside
from app import format as fmt
from app.components import mapview
from app.components.filters import (
    bar_update,
    filter_bar,
    filter_values,
    narrow_subs_js,
    state_from,
)
from app.components.kpi import standing_cards
from app.components.legend import FREEZE_TEXT, legend
from app.components.tables import frame
from app.context import Context
from app.i18n import t, v
from app.state import ViewState, parse, to_search
from exitmap.policy.reports import reports_policy
from exitmap.vocabulary import PROVINCE_ADCODE
from layers.map import (
    MEASURES,
    by_sub_industry,
    choropleth,
    progress,
    rank,
)
from layers.report_counts import county_features
from reports.states import LABELS as STATE_LABELS
from reports.states import STATES


def map_hideout(ctx: Context, table_: pl.DataFrame, state: ViewState) -> dict:
    h = choropleth(table_, state.measure)
    kind = MEASURES[state.measure].kind
    col = MEASURES[state.measure].column
    h["values"] = {
        str(
            r["adcode"]
        ): f"{t('m.' + state.measure, state.lang)}：{fmt.measure_value(r[col], kind, state.lang)}"
        for r in table_.to_dicts()
    }
    # Prefectures outside the caller's scope (and not published): grey, and said so.
    for adcode in ctx.prefecture_bounds:
        h["values"].setdefault(str(adcode), t("no_access", state.lang))
    names = mapview.label_names(state.lang)
    if names:
        h["names"] = names
    h["lang"] = state.lang
    h["stamp"] = time.time()
    return h


def units_payload(ctx: Context, state: ViewState, on: dt.date) -> tuple[dict | None, str | None]:
    if not state.units:
        return None, None
    frame = ctx.data.units(on, ctx.scope(), known_on=state.known)
    from layers.units import apply_filters

    frame = apply_filters(frame, **state.filters())
    return mapview.points_or_note(ctx, frame, state.lang)


def reports_payload(ctx: Context, state: ViewState, on: dt.date) -> tuple[dict, dict]:
    """The layer of reports by county as the caller's scope counts them on ``on`` (as known
    on the view's known-on date), and its words in the view's language."""
    lang = state.lang
    kinds = reports_policy().kinds
    counts = ctx.data.report_counts(on, ctx.scope(), known_on=state.known)
    data = county_features(counts, ctx.data.report_places(), list(kinds), list(STATES))
    hideout = {
        "lang": lang,
        "kinds": {code: v(kind.name, lang) for code, kind in kinds.items()},
        "states": [v(STATE_LABELS[s], lang) for s in STATES],
        "words": {
            key: t(f"r.{key}", lang) for key in ("reports", "kind", "open", "overdue", "summary")
        },
    }
    return mapview.shift_points(ctx, data), hideout


def total_label(ctx: Context, table_: pl.DataFrame) -> str:
    """The last row sums what the table holds: the province, or only the caller's own."""
    whole = ctx.scope().all_prefectures or table_.height == len(ctx.prefecture_bounds) + 1
    return "province" if whole else "scope_total"


def ranking(
    table_: pl.DataFrame, state: ViewState, sees=lambda adcode: True, total_key="province"
) -> dict:
    """The ranking table as data, drawn in the browser (assets/ranking.js):
    17 rows of Dash components cost the renderer ~160 ms on every filter change, text nodes
    a few. Every value is a string and is set as text there, never as markup."""
    lang, m = state.lang, MEASURES[state.measure]
    ranked = rank(table_, state.measure).to_dicts()
    top = 100 if m.kind == "pct" else max((abs(r[m.column] or 0) for r in ranked), default=0) or 1
    search = to_search(state)

    def bar(val) -> int:
        return 0 if val is None else max(2, round(60 * abs(val) / top))

    def tags(r) -> list[str]:
        out = [t("nav.freeze", lang)] if r["freeze_triggered"] else []
        return out + ([FREEZE_TEXT["decided"][lang != "zh"]] if r.get("freeze_decided") else [])

    def row(r, name: dict, scaled: bool = True) -> dict:
        return {
            "row": str(r["adcode"]),
            "cells": [
                str(r["rank"]),
                name,
                {
                    "bar": bar(r[m.column]) if scaled else None,
                    "text": fmt.measure_value(r[m.column], m.kind, lang),
                },
                fmt.integer(r["units_in_scope"]),
                fmt.integer(r["units_resolved"]),
                fmt.integer(r["units_remaining"]),
                fmt.integer(r["units_overdue"]),
                fmt.pct(r["completion_units_pct"]),
                {"tags": tags(r)},
            ],
        }

    total = table_.filter(pl.col("adcode") == PROVINCE_ADCODE).to_dicts()[0] | {"rank": ""}
    return {
        "caption": t("o.ranking_caption", lang, measure=t(f"m.{state.measure}", lang)),
        "headers": [
            t("c.rank", lang),
            t("c.prefecture", lang),
            t(f"m.{state.measure}", lang),
            t("c.in_scope", lang),
            t("c.resolved", lang),
            t("c.remaining", lang),
            t("c.overdue", lang),
            t("c.completion", lang),
            t("c.freeze", lang),
        ],
        "num": [True, False, True, True, True, True, True, True, False],
        "rows": [
            row(
                r,
                {"text": v(r["name"], lang), "href": f"/prefecture/{r['adcode']}{search}"}
                # A published row of another prefecture: its page is not the caller's.
                if sees(r["adcode"])
                else {"text": v(r["name"], lang)},
            )
            for r in ranked
        ],
        # The province total last, without a link, and without a bar: on the prefectures'
        # scale it ran to 300 px, widened the column and squeezed the names onto three lines.
        "total": row(total, {"text": t(total_key, lang)}, scaled=False),
    }


def sub_chart(ctx: Context, state: ViewState, on: dt.date) -> html.Div:
    """Done vs remaining per sub-industry as stacked bars (plain HTML: light, prints well)."""
    lang = state.lang
    energy = MEASURES[state.measure].column.startswith(("energy", "completion_energy"))
    rows = by_sub_industry(
        ctx.data.summary(on, ctx.scope(), known_on=state.known), **state.filters()
    ).to_dicts()
    key_done, key_left = (
        ("energy_resolved_tce", "energy_remaining_tce")
        if energy
        else ("units_resolved", "units_remaining")
    )
    rows.sort(key=lambda r: -(r[key_done] + r[key_left]))
    top = max((r[key_done] + r[key_left] for r in rows), default=0) or 1

    def amount(x):
        return fmt.tce(x, lang) if energy else fmt.integer(x)

    def short(x):
        return fmt.number(x, lang) if energy else fmt.integer(x)

    bars = []
    for r in rows:
        done, left = r[key_done], r[key_left]
        bars.append(
            html.Div(
                [
                    html.Span(v(r["sub_industry"], lang), className="hbar-label"),
                    html.Span(
                        [
                            html.Span(
                                className="hbar-done", style={"width": f"{100 * done / top:.2f}%"}
                            ),
                            html.Span(
                                className="hbar-left", style={"width": f"{100 * left / top:.2f}%"}
                            ),
                        ],
                        className="hbar-track",
                    ),
                    # Bare numbers: the key above gives the unit, and "万吨标准煤" twice
                    # would not fit beside the bar.
                    html.Span(f"{short(done)} / {short(left)}", className="hbar-value"),
                ],
                className="hbar",
                title=f"{t('x.resolved', lang)} {amount(done)}，"
                f"{t('x.remaining', lang)} {amount(left)}",
            )
        )
    key = html.Div(
        [
            html.Span(className="dot-sq done"),
            t("x.resolved", lang),
            html.Span(className="dot-sq left"),
            t("x.remaining", lang),
            html.Span(
                f"（{'吨标准煤' if lang == 'zh' else 'tce'}）"
                if energy
                else f"（{t('c.units_count', lang)}）",
                className="muted",
            ),
        ],
        className="chart-key",
    )
    return html.Div([key, frame(bars, t("o.by_sub", lang), "hbars")], id="ov-sub-chart")


def progress_chart(ctx: Context, state: ViewState, on: dt.date) -> html.Div:
    """Province completion at each year end: columns (plain HTML)."""
    lang = state.lang
    rows = progress(ctx.data, on, ctx.scope(), state.known, **state.filters()).to_dicts()
    cols = []
    for r in rows:
        pct_u = r["completion_units_pct"]
        label = (
            str(r["date"].year)
            if (r["date"].month, r["date"].day) == (12, 31)
            else fmt.date(r["date"], "en")
        )
        cols.append(
            html.Div(
                [
                    html.Span(fmt.pct(pct_u), className="vbar-value"),
                    html.Span(className="vbar-fill", style={"height": f"{pct_u or 0:.1f}%"}),
                    html.Span(label, className="vbar-label"),
                ],
                className="vbar",
                title=f"{label}: {t('k.completion_units', lang)} {fmt.pct(pct_u)}，"
                f"{t('k.completion_energy', lang)} {fmt.pct(r['completion_energy_pct'])}",
            )
        )
    return html.Div(
        [
            html.Div(t("k.completion_units", lang), className="chart-key muted"),
            html.Div(cols, className="vbars"),
        ],
        id="ov-progress-chart",
    )


def layout(ctx: Context, state: ViewState) -> html.Div:
    today = ctx.today()
    on = state.date(today)
    lang = state.lang
    table_ = ctx.ranking_table(on, known_on=state.known, **state.filters())
    hideout = map_hideout(ctx, table_, state)
    # The side panels follow once the map is painted (map.js sets ov-ready): the map comes first.
    hideout["ready"] = "ov-ready"
    points, note = units_payload(ctx, state, on)
    reports, report_words = reports_payload(ctx, state, on)
    total = table_.filter(pl.col("adcode") == PROVINCE_ADCODE).to_dicts()[0]
    frozen = int(
        table_.filter((pl.col("adcode") != PROVINCE_ADCODE) & pl.col("freeze_triggered")).height
    )
    unit_hideout = {"lang": lang, "search": to_search(state)}
    the_map = mapview.map_container(
        "ov-map",
        [
            *mapview.background(ctx, "ov"),
            *mapview.prefecture_layers(ctx, "ov", hideout),
            mapview.outline(ctx, "ov"),
            mapview.label_layer(ctx, "ov", hideout),
            mapview.unit_layer("ov-units", points, unit_hideout),
            mapview.report_layer("ov-reports", reports, report_words, lang),
        ],
        bounds=ctx.province_bounds,
    )
    return html.Div(
        [
            dcc.Store(id="ov-ready"),
            dcc.Store(id="ov-style"),
            dcc.Store(id="ov-style-applied"),
            dcc.Store(id="ov-from-url"),
            filter_bar(state, today),
            html.Div(
                [
                    html.Div(
                        [
                            # The map's text version is the ranking: say so, and let keyboard
                            # users skip the map's tab stops to reach it.
                            html.A(
                                t("o.skip_to_ranking", lang),
                                href="#ov-ranking",
                                className="skip-link",
                            ),
                            html.P(t("o.map_alt", lang), id="ov-map-alt", className="sr-only"),
                            the_map,
                            html.Div(
                                legend(hideout, lang, state.units),
                                className="legend",
                                id="ov-legend",
                            ),
                            html.Div(
                                note or t("o.click_hint", lang),
                                className="map-note",
                                id="ov-map-note",
                            ),
                            html.Div(ctx.marking, className="map-marking") if ctx.marking else None,
                        ],
                        className="card map-card",
                        role="region",
                        **{"aria-label": t("o.map_label", lang), "aria-describedby": "ov-map-alt"},
                    ),
                    html.Div(
                        [
                            html.Div(
                                standing_cards(total, lang, frozen), className="kpis", id="ov-kpis"
                            ),
                            html.Div(
                                [
                                    html.H2(t("o.ranking", lang), id="ov-ranking-title"),
                                    dcc.Store(id="ov-ranking-data"),
                                    frame(
                                        html.Div(t("o.loading", lang), className="muted"),
                                        t("o.ranking", lang),
                                        "scroll ranking",
                                        id="ov-ranking",
                                    ),
                                ],
                                className="card ranking-card",
                            ),
                            html.Div(
                                [
                                    html.Div(
                                        [
                                            html.H2(t("o.by_sub", lang)),
                                            html.Div(id="ov-sub"),
                                        ],
                                        className="card",
                                    ),
                                    html.Div(
                                        [
                                            html.H2(
                                                t("o.progress", lang)
                                                if ctx.scope().all_prefectures
                                                else t("o.progress_scope", lang)
                                            ),
                                            html.Div(id="ov-progress"),
                                        ],
                                        className="card",
                                    ),
                                ],
                                className="two charts",
                            ),
                        ],
                        className="side",
                    ),
                ],
                className="overview ov-grid",
            ),
        ]
    )


FILTER_INPUTS = [
    Input("f-measure", "value"),
    Input("f-sector", "value"),
    Input("f-sub", "value"),
    Input("f-cat", "value"),
    Input("f-status", "value"),
    Input("f-on", "date"),
    Input("f-units", "value"),
    Input("f-known", "value"),
]


# The sector and the sub-industry value it narrows: one change of the user's.
NARROWED = {"f-sector.value", "f-sub.value"}


def _initial_call() -> bool:
    """Dash calls these callbacks once when the page is inserted (all inputs "changed"):
    the layout already holds those outputs, so skip. A user's change triggers one input, or
    two when a sector chosen drops a sub-industry (narrow_subs_js); back/forward
    (``from_url``) may change several at once and says so in ov-from-url."""
    from dash import callback_context

    props = {t_["prop_id"] for t_ in callback_context.triggered}
    return len(props) > 1 and "ov-from-url.data" not in props and not props <= NARROWED


def register(app, ctx: Context) -> None:
    @guarded(
        app,
        "view",
        Output("ov-style", "data"),
        Output("url-want", "data", allow_duplicate=True),
        *FILTER_INPUTS,
        Input("ov-from-url", "data"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def restyle(measure, sector, sub, cat, status, on, units, known, from_url, search):
        if _initial_call():
            raise PreventUpdate
        state = state_from(search, measure, sector, sub, cat, status, on, units, ctx.today(), known)
        table_ = ctx.ranking_table(state.date(ctx.today()), known_on=state.known, **state.filters())
        return map_hideout(ctx, table_, state), {"search": to_search(state), "was": search}

    # Applied in the browser to the Leaflet layers already drawn (no geometry rebuilt); the
    # side panels follow once the map's new colours are painted (map.js sets ov-style-applied).
    guarded_clientside(
        app,
        "function (h) { return window.exitmap.applyStyleThen(h, 'ov-style-applied'); }",
        Output("ov-style-applied", "data"),
        Input("ov-style", "data"),
        prevent_initial_call=True,
    )

    guarded_clientside(
        app,
        "function (d) { window.exitmapRanking.draw('ov-ranking', d); }",
        Input("ov-ranking-data", "data"),
        prevent_initial_call=True,
    )

    FOLLOW = [Input("ov-style-applied", "data"), Input("ov-ready", "data")]
    FILTER_STATES = [State(i.component_id, i.component_property) for i in FILTER_INPUTS]

    # One callback for everything beside the map: each response that brings new components
    # makes the Dash renderer walk the whole layout again (about 0.1 s here), so one, not three.
    @guarded(
        app,
        "view",
        Output("ov-kpis", "children"),
        Output("ov-ranking-data", "data"),
        Output("ov-legend", "children"),
        Output("ov-sub", "children"),
        Output("ov-progress", "children"),
        Output("ov-units", "data"),
        Output("ov-units", "hideout"),
        Output("ov-map-note", "children"),
        Output("ov-reports", "data"),
        Output("ov-reports", "hideout"),
        *FOLLOW,
        *FILTER_STATES,
        State("url", "search"),
        prevent_initial_call=True,
        cache=True,
    )
    def panels(applied, ready, measure, sector, sub, cat, status, on, units, known, search):
        if applied is None and ready is None:
            raise PreventUpdate
        state = state_from(search, measure, sector, sub, cat, status, on, units, ctx.today(), known)
        on_ = state.date(ctx.today())
        table_ = ctx.ranking_table(on_, known_on=state.known, **state.filters())
        total = table_.filter(pl.col("adcode") == PROVINCE_ADCODE).to_dicts()[0]
        frozen = int(
            table_.filter((pl.col("adcode") != PROVINCE_ADCODE) & pl.col("freeze_triggered")).height
        )
        legend_ = legend(choropleth(table_, state.measure), state.lang, state.units)
        side = (
            standing_cards(total, state.lang, frozen),
            ranking(table_, state, ctx.scope().sees, total_label(ctx, table_)),
            legend_,
            sub_chart(ctx, state, on_),
            progress_chart(ctx, state, on_),
        )
        if applied is None:  # the first paint: the unit and report layers are the layout's
            return *side, *(no_update,) * 5
        points, note = units_payload(ctx, state, on_)
        return (
            *side,
            points or {"type": "FeatureCollection", "features": []},
            {"lang": state.lang, "search": to_search(state)},
            note or t("o.click_hint", state.lang),
            *reports_payload(ctx, state, on_),
        )

    @guarded(
        app,
        "view",
        *(Output(i.component_id, i.component_property) for i in FILTER_INPUTS),
        Output("ov-from-url", "data"),
        Input("url-nav", "data"),
        *FILTER_STATES,
        State("url", "search"),
        State("url", "pathname"),
        prevent_initial_call=True,
    )
    def from_url(_nav, measure, sector, sub, cat, status, on, units, known, search, pathname):
        """Back/forward between filter states: the router re-renders on a path change only,
        so a new query string on 总览 sets the filter bar from it (and the map follows)."""
        if (pathname or "/").rstrip("/") not in ("", "/"):
            raise PreventUpdate
        today = ctx.today()
        now = (measure, sector, sub, cat, status, (on or "")[:10], units, known)
        return *bar_update(filter_values(parse(search, today), today), now), time.time()

    for prefix in ("f", "df"):
        guarded_clientside(
            app,
            narrow_subs_js(),
            Output(f"{prefix}-sub", "options"),
            Output(f"{prefix}-sub", "value"),
            Input(f"{prefix}-sector", "value"),
            State(f"{prefix}-sub", "value"),
            State("url", "search"),
            prevent_initial_call=True,
        )

    @guarded(
        app,
        "view",
        Output("url", "pathname"),
        Input("ov-pref", "clickData"),
        prevent_initial_call=True,
    )
    def open_prefecture(click):
        try:
            return f"/prefecture/{int(click['properties']['adcode'])}"
        except (TypeError, KeyError, ValueError):
            raise PreventUpdate from None
