"""装备 /unit/<key>: details, location, deadline basis, history, suggestion, surcharge."""

from __future__ import annotations

import dash_leaflet as dl
from dash import dcc, html

from app import format as fmt
from app.components import mapview
from app.components.tables import Col, facts, table
from app.context import Context
from app.geo import shift_point
from app.i18n import layer_words, t, v
from app.pages import errors
from app.pages import reports as report_pages
from app.state import ViewState, to_search
from layers.map import status_class
from layers.meta import unit_record
from layers.units import evaluate, history

# The overview's unit colours (app/assets/map.js STATUS_COLOURS).
STATUS_COLOURS = {
    "resolved": "#2c7fb8",
    "remaining": "#fdae61",
    "overdue": "#d7191c",
    "out": "#9e9e9e",
}


def layout(ctx: Context, state: ViewState, key: str) -> html.Div:
    lang = state.lang
    scope = ctx.scope()
    rec = unit_record(ctx.engine, key, scope)
    if rec is None:
        return errors.page(state, t("e.bad_unit", lang, value=key))
    on = state.date(ctx.today())
    search = to_search(state)
    ev = evaluate(
        ctx.engine, on, unit_key=key, scope=scope, known_on=state.known, **layer_words(lang)
    )
    hist = history(ctx.engine, key, scope).to_dict("records")
    lon, lat = rec["lon"], rec["lat"]
    if ctx.gcj:
        lon, lat = shift_point(lon, lat)
    # The unit itself, coloured by its as-of standing (the overview's unit colours). In the
    # marker pane: in the overlay pane the county polygons, fetched after it, painted over it.
    x = "out" if ev.empty else status_class(ev.iloc[0].to_dict())
    marker = dl.CircleMarker(
        id="un-point",
        center=[lat, lon],
        radius=9,
        color="#111",
        weight=2,
        fillColor=STATUS_COLOURS[x],
        fillOpacity=0.9,
        className=f"unit-marker unit-marker-{x}",
        pane="markerPane",
        children=dl.Tooltip(key),
    )
    the_map = mapview.map_container(
        "un-map",
        [
            *mapview.background(ctx, "un"),
            dl.GeoJSON(
                url=ctx.geo.url("counties"),
                style=mapview.fn("countyStyle"),
                # The unit's prefecture drawn light, the others grey (as on 州市 pages).
                hideout={"prefecture": -1 if ev.empty else int(ev.iloc[0]["prefecture_adcode"])},
                interactive=False,
            ),
            mapview.outline(ctx, "un"),
            marker,
        ],
        class_name="map tiny",
    )
    # Centred on the unit, close enough to see its county.
    the_map.center, the_map.zoom = [lat, lon], 9
    if ev.empty:
        state_box = [
            html.P(t("u.not_existing", lang, date=fmt.date(on, lang)), className="warning")
        ]
        title_row = {"enterprise_name": "", "equipment_name": key}
    else:
        r = ev.iloc[0].to_dict()
        title_row = r
        state_box = [
            facts(
                [
                    (t("c.category", lang), v(r["category"], lang)),
                    (t("c.status", lang), v(r["status"], lang) or t("x.unstated", lang)),
                    (
                        t("c.deadline", lang),
                        fmt.date(r["deadline"], lang) if r["deadline"] else "—",
                    ),
                    (t("c.days_late", lang), fmt.integer(r["days_late"]) if r["overdue"] else "—"),
                    (
                        t("u.exit_date", lang),
                        fmt.date(r["exit_date"], lang) if r["exit_date"] else "—",
                    ),
                ]
            ),
            html.H3(t("u.deadline", lang), style={"marginTop": "12px"}),
            html.P(r["deadline_basis"], id="deadline-basis"),
            html.H3(t("u.suggestion", lang)),
            html.P(
                [
                    html.B(r["suggested_category"] or "—"),
                    f"（{r['catalog_edition'] or '—'}）",
                    html.Br(),
                    html.Span(r["suggestion"], className="small muted"),
                ]
            ),
            html.H3(t("u.surcharge", lang)),
            html.P(
                [
                    fmt.yuan(r["surcharge_yuan"], lang),
                    " / 年" if lang == "zh" else " / yr",
                    html.Br(),
                    html.Span(
                        t("u.rate", lang, rate=r["surcharge_rate"], id=r["surcharge_id"]),
                        className="small muted",
                    ),
                ]
                if r["surcharge_yuan"]
                else t("u.no_surcharge", lang)
            ),
        ]
        if r["flags"]:
            state_box += [html.H3(t("u.flags", lang)), html.P(r["flags"], className="warning")]
    details = facts(
        [
            (t("c.unit_key", lang), key),
            (t("c.enterprise", lang), title_row.get("enterprise_name")),
            (t("u.credit", lang), title_row.get("credit_code")),
            (t("c.prefecture", lang), v(title_row.get("prefecture_name"), lang)),
            (t("c.county", lang), title_row.get("county_name")),
            (t("c.sector", lang), v(title_row.get("sector"), lang)),
            (t("c.sub_industry", lang), v(title_row.get("sub_industry"), lang)),
            (
                t("c.equipment", lang),
                f"{title_row.get('equipment_name') or ''} {title_row.get('equipment_no') or ''}",
            ),
            (t("c.spec", lang), title_row.get("spec")),
            (
                t("u.capacity", lang),
                fmt.number(rec["capacity_wt"], lang) if rec["capacity_wt"] else "—",
            ),
            (t("c.energy", lang), fmt.number(title_row.get("energy_tce"), lang)),
            (
                t("u.electricity", lang),
                fmt.amount((title_row.get("electricity_10k_kwh") or 0) * 1e4, "kwh", lang),
            ),
            (t("u.address", lang), rec["address"]),
            (
                t("u.location", lang),
                f"{rec['lat']:.5f}, {rec['lon']:.5f}（WGS-84，{rec['location_precision']}）",
            ),
        ]
    )
    timeline = html.Ul(
        [
            html.Li(
                [
                    html.Span(fmt.date(h["event_date"], lang), className="when"),
                    " ",
                    v(h["status"], lang) if isinstance(h["status"], str) else t("x.unstated", lang),
                    html.Span(
                        t("u.previous", lang, status=v(h["previous_status"], lang))
                        if isinstance(h["previous_status"], str)
                        else "",
                        className="muted",
                    ),
                    html.Div(
                        t("u.file", lang, file=h["file_name"] or "—"), className="small muted"
                    ),
                ]
            )
            for h in hist
        ],
        className="timeline",
        id="unit-history",
    )
    back = dcc.Link(t("p.back", lang), href="/" + search)
    pref = title_row.get("prefecture_adcode")
    links = [back]
    if pref:
        links.append(
            dcc.Link(
                " · " + v(title_row.get("prefecture_name"), lang),
                href=f"/prefecture/{int(pref)}{search}",
            )
        )
    return html.Div(
        [
            html.Div(
                [
                    html.H1(
                        f"{title_row.get('enterprise_name') or ''} "
                        f"{title_row.get('equipment_name') or ''}",
                        id="unit-title",
                    ),
                    html.Span(t("u.as_of_state", lang, date=fmt.date(on, lang)), className="muted"),
                    *links,
                ],
                className="page-title",
            ),
            html.Div(t("u.synthetic", lang), className="banner") if rec["synthetic"] else None,
            report_pages.hold_box(ctx, key, lang),
            html.Div(
                [
                    html.Div(
                        [
                            html.H2(t("u.details", lang)),
                            details,
                            html.Div(the_map, style={"marginTop": "12px"}),
                        ],
                        className="card",
                    ),
                    html.Div(
                        [html.H2(t("u.as_of_state", lang, date=fmt.date(on, lang))), *state_box],
                        className="card",
                    ),
                    html.Div([html.H2(t("u.history", lang)), timeline], className="card"),
                ],
                className="grid-3",
            ),
        ]
    )


__all__ = ["Col", "layout", "table"]
