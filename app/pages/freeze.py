"""区域限批 /freeze: prefectures triggered (rule) and decided (documents), since, history; the
year's annual targets (app/pages/targets.py), which the optional target trigger reads."""

from __future__ import annotations

import datetime as dt

from dash import dcc, html

from app import format as fmt
from app.components.tables import Col, table
from app.components.tables import frame as framed
from app.context import Context
from app.i18n import layer_words, t, v
from app.pages import targets
from app.state import ViewState, to_search
from exitmap.policy import default_policy
from layers.freeze import decisions


def _since(ctx: Context, state: ViewState, on: dt.date, adcode: int, need: int) -> dt.date | None:
    """Since when the rule has been triggered: the day the need-th still-overdue unit fell due."""
    units = ctx.data.units(on, ctx.scope(), known_on=state.known)
    deadlines = sorted(
        d
        for d, p, f in zip(
            units["deadline"], units["prefecture_adcode"], units["freeze_trigger"], strict=True
        )
        if f and p == adcode and d is not None
    )
    return deadlines[need - 1] + dt.timedelta(days=1) if len(deadlines) >= need else None


def layout(ctx: Context, state: ViewState) -> html.Div:
    lang = state.lang
    on = state.date(ctx.today())
    search = to_search(state)
    policy = default_policy()
    scope = ctx.scope()
    frame = ctx.data.freeze_list(on, scope, state.known, **layer_words(lang)).to_dict("records")
    for r in frame:
        r["since"] = (
            _since(ctx, state, on, r["adcode"], policy.freeze.min_overdue_units)
            if r["triggered"]
            else None
        )
    frame.sort(
        key=lambda r: (not (r["triggered"] or r["decided"]), -r["trigger_units"], r["adcode"])
    )

    def yes(flag):
        return (
            html.Span(t("yes", lang), className="tag bad")
            if flag
            else html.Span(t("no", lang), className="muted")
        )

    cols = [
        Col(
            t("c.prefecture", lang),
            lambda r: dcc.Link(v(r["name"], lang), href=f"/prefecture/{r['adcode']}{search}"),
        ),
        Col(t("c.triggered", lang), lambda r: yes(r["triggered"])),
        Col(t("c.reasons", lang), lambda r: r["trigger_reasons"]),
        Col(
            t("c.since", lang),
            lambda r: fmt.date(r["since"], lang) if r["since"] else "—",
            nowrap=True,
        ),
        Col(
            t("z.units", lang),
            lambda r: (
                html.Ul([html.Li(u) for u in r["triggering_units"]], className="small")
                if r["triggering_units"]
                else ""
            ),
        ),
        Col(t("c.decided", lang), lambda r: yes(r["decided"])),
        Col(t("c.document", lang), lambda r: r["decision_document"] or ""),
        Col(
            t("c.since", lang),
            lambda r: fmt.date(r["decision_start"], lang) if r["decided"] else "",
            nowrap=True,
        ),
        Col(t("c.note", lang), lambda r: r["disagreement"]),
    ]
    hist = decisions(ctx.engine, scope, known_on=state.known).to_dict("records")
    hist_cols = [
        Col(t("c.prefecture", lang), lambda r: v(r["name"], lang)),
        Col(t("c.document", lang), lambda r: r["document_no"]),
        Col(t("c.since", lang), lambda r: fmt.date(r["start_date"], lang), nowrap=True),
        Col(
            t("c.lifted", lang),
            lambda r: fmt.date(r["lift_date"], lang) if r["lift_date"] else "—",
            nowrap=True,
        ),
        Col(t("c.lift_doc", lang), lambda r: r["lift_document_no"] or ""),
        Col(t("c.reasons", lang), lambda r: r["reason"] or ""),
    ]
    return html.Div(
        [
            html.Div(
                [
                    html.H1(t("z.title", lang)),
                    html.Span(fmt.as_of(state, on), className="muted"),
                ],
                className="page-title",
            ),
            html.P(t("z.intro", lang), className="muted"),
            html.Div(
                [
                    html.H2(t("z.current", lang)),
                    framed(
                        table(cols, frame, id="freeze-table", row_id=lambda r: str(r["adcode"])),
                        t("z.current", lang),
                        "table-frame",
                    ),
                ],
                className="card",
            ),
            html.Div(
                [
                    html.H2(t("z.history", lang)),
                    framed(
                        table(hist_cols, hist, id="freeze-history"),
                        t("z.history", lang),
                        "table-frame",
                    )
                    if hist
                    else html.P(t("z.no_history", lang)),
                ],
                className="card",
                style={"marginTop": "12px"},
            ),
            targets.section(ctx, state, on),
        ]
    )
