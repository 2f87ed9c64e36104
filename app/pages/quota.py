"""能耗指标 /quota: ledger by prefecture (credits from exits, allocations, balance) and a map."""

from __future__ import annotations

import polars as pl
from dash import dcc, html

from app import format as fmt
from app.components import mapview
from app.components.grid import grid
from app.components.legend import legend
from app.components.tables import Col, frame, table
from app.context import Context
from app.i18n import t, v
from app.pages.overview import map_hideout
from app.state import ViewState, to_search
from exitmap.policy import default_policy
from exitmap.vocabulary import PROVINCE_ADCODE
from layers.quota import ledger, shortfalls

MAX_ENTRIES = 5000


def ledger_grid(records: list[dict], lang: str):
    rows = [
        {
            "date": r["entry_date"].isoformat() if r["entry_date"] else "",
            "prefecture": v(r["name"], lang),
            "kind": v(r["kind_label"], lang),
            "item": r["item"] or "",
            "document": r["document"] or "",
            "amount": round(float(r["amount_tce"]), 2),
            "balance": round(float(r["balance_tce"]), 2),
        }
        for r in records
    ]
    cols = [
        ("date", t("c.date", lang), False),
        ("prefecture", t("c.prefecture", lang), False),
        ("kind", t("c.kind", lang), False),
        ("item", t("c.item", lang), False),
        ("document", t("c.document", lang), False),
        ("amount", t("c.amount", lang), True),
        ("balance", t("c.balance", lang) + ("（吨标准煤）" if lang == "zh" else " (tce)"), True),
    ]
    return grid("quota-entries", rows, cols, lang, height="calc(100vh - 640px)")


def _shortfall_notes(ctx: Context, lang: str) -> list:
    """Allocations a changed history left short (balance below zero on a date), said plainly:
    a correction is never silently accepted."""
    with ctx.engine.connect() as conn:
        short = shortfalls(conn, default_policy())
    return [
        html.P(
            t(
                "q.short",
                lang,
                name=v(s.name, lang),
                date=fmt.date(s.on, lang),
                balance=fmt.tce(s.balance_tce, lang),
            ),
            className="warning",
        )
        for s in short
    ]


def layout(ctx: Context, state: ViewState) -> html.Div:
    lang = state.lang
    on = state.date(ctx.today())
    search = to_search(state)
    qstate = state.with_(measure="quota_balance", units=False)
    table_ = ctx.data.table(on, known_on=state.known)
    hideout = map_hideout(ctx, table_, qstate)
    rows = (
        table_.filter(pl.col("adcode") != PROVINCE_ADCODE)
        .sort("quota_balance_tce", descending=True)
        .to_dicts()
    )
    total = table_.filter(pl.col("adcode") == PROVINCE_ADCODE).to_dicts()[0]
    total["name"] = t("province", lang)
    cols = [
        Col(
            t("c.prefecture", lang),
            lambda r: (
                dcc.Link(v(r["name"], lang), href=f"/prefecture/{r['adcode']}{search}")
                if r["adcode"] != PROVINCE_ADCODE
                else r["name"]
            ),
        ),
        Col(t("c.released", lang), lambda r: fmt.tce(r["quota_released_tce"], lang), True),
        Col(t("c.allocated", lang), lambda r: fmt.tce(r["quota_allocated_tce"], lang), True),
        Col(t("c.balance", lang), lambda r: fmt.tce(r["quota_balance_tce"], lang), True),
    ]
    entries = ledger(ctx.engine, on, known_on=state.known)
    entries = entries.sort_values(["entry_date", "adcode"], ascending=[False, True]).head(
        MAX_ENTRIES
    )
    the_map = mapview.map_container(
        "qt-map",
        [
            *mapview.background(ctx, "qt"),
            *mapview.prefecture_layers(ctx, "qt", hideout),
            mapview.outline(ctx, "qt"),
            mapview.label_layer(ctx, "qt", hideout),
        ],
        bounds=ctx.province_bounds,
    )
    return html.Div(
        [
            html.Div(
                [
                    html.H1(t("q.title", lang)),
                    html.Span(fmt.as_of(state, on), className="muted"),
                ],
                className="page-title",
            ),
            html.P(t("q.intro", lang), className="muted"),
            *_shortfall_notes(ctx, lang),
            html.Div(
                [
                    html.Div(
                        [the_map, html.Div(legend(hideout, lang, False), className="legend")],
                        className="card map-card",
                    ),
                    html.Div(
                        [
                            html.Div(
                                frame(
                                    table(
                                        cols,
                                        rows,
                                        id="quota-table",
                                        total=total,
                                        row_id=lambda r: str(r["adcode"]),
                                    ),
                                    t("q.title", lang),
                                    "table-frame",
                                ),
                                className="card",
                            ),
                            html.Div(
                                [
                                    html.H2(t("q.all_entries", lang)),
                                    ledger_grid(entries.to_dict("records"), lang),
                                ],
                                className="card",
                            ),
                        ],
                        className="side",
                    ),
                ],
                className="overview",
            ),
        ]
    )
