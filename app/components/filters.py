"""The filter bar: map measure, sector, sub-industry, category, status, as-of date, unit layer."""

from __future__ import annotations

import datetime as dt

from dash import dcc, html

from app.i18n import t, v
from app.state import CATEGORIES, EARLIEST, SECTORS, STATUSES, ViewState
from layers.map import MEASURES


def _options(values, lang):
    return [{"label": v(x, lang), "value": x} for x in values]


def sub_options(sectors, lang):
    subs = [s for sec in (sectors or SECTORS) for s in SECTORS[sec]]
    return _options(subs, lang)


def _dropdown(id_, label, options, value, lang, wide=False):
    return html.Div(
        [
            html.Label(label, htmlFor=id_),
            dcc.Dropdown(
                id=id_,
                options=options,
                value=list(value),
                multi=True,
                placeholder=t("f.all", lang),
                clearable=True,
                searchable=True,
            ),
        ],
        className="field wide" if wide else "field",
    )


def filter_bar(
    state: ViewState, today: dt.date, *, measure: bool = True, units: bool = True, prefix: str = "f"
) -> html.Div:
    lang = state.lang
    kids = []
    if measure:
        kids.append(
            html.Div(
                [
                    html.Label(t("f.measure", lang)),
                    dcc.RadioItems(
                        id=f"{prefix}-measure",
                        options=[{"label": t(f"m.{m}", lang), "value": m} for m in MEASURES],
                        value=state.measure,
                        className="measure-radio",
                        inline=True,
                    ),
                ],
                className="field measure-field",
            )
        )
    kids += [
        _dropdown(
            f"{prefix}-sector", t("f.sector", lang), _options(SECTORS, lang), state.sector, lang
        ),
        _dropdown(
            f"{prefix}-sub",
            t("f.sub_industry", lang),
            sub_options(state.sector, lang),
            state.sub,
            lang,
            True,
        ),
        _dropdown(
            f"{prefix}-cat",
            t("f.category", lang),
            _options(CATEGORIES, lang),
            state.cat,
            lang,
            True,
        ),
        _dropdown(
            f"{prefix}-status",
            t("f.status", lang),
            _options(STATUSES, lang),
            state.status,
            lang,
            True,
        ),
        html.Div(
            [
                html.Label(t("f.on", lang), htmlFor=f"{prefix}-on"),
                dcc.DatePickerSingle(
                    id=f"{prefix}-on",
                    date=state.date(today).isoformat(),
                    min_date_allowed=EARLIEST.isoformat(),
                    max_date_allowed=today.isoformat(),
                    display_format="YYYY-MM-DD",
                    first_day_of_week=1,
                ),
            ],
            className="field",
        ),
    ]
    if units:
        kids.append(
            dcc.Checklist(
                id=f"{prefix}-units",
                options=[{"label": t("f.units", lang), "value": "on"}],
                value=["on"] if state.units else [],
                className="check",
            )
        )
    return html.Div(kids, className="filters no-print-controls", id="filters")
