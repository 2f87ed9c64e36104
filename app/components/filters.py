"""The filter bar: map measure, sector, sub-industry, category, status, as-of date, the
按当时掌握 switch (what was known on that date, not now), unit layer; its values for a view
state and the view state for its values."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from dash import dcc, html, no_update
from dash.exceptions import PreventUpdate

from app.i18n import t, v
from app.state import EARLIEST, ViewState, parse
from exitmap.vocabulary import CATEGORIES, SECTORS, STATUSES, SUB_INDUSTRIES
from layers.map import MEASURES


def _options(values, lang):
    return [{"label": v(x, lang), "value": x} for x in values]


def sub_options(sectors, lang):
    subs = [s for sec in (sectors or SECTORS) for s in SUB_INDUSTRIES[sec]]
    return _options(subs, lang)


# The sub-industry list follows the sectors chosen, in the browser: a server round trip here
# held back the map's restyle, which waits for the sub-industry value this may change.
NARROW_SUBS_JS = """function (sector, sub, search) {
  var table = %s;
  var lang = /[?&]lang=en(&|$)/.test(search || "") ? "en" : "zh";
  var chosen = (sector && sector.length) ? sector : table.order;
  var options = [];
  chosen.forEach(function (s) { options = options.concat(table[lang][s] || []); });
  var allowed = {};
  options.forEach(function (o) { allowed[o.value] = true; });
  var kept = (sub || []).filter(function (s) { return allowed[s]; });
  return [options, kept.length !== (sub || []).length ? kept : window.dash_clientside.no_update];
}"""


def narrow_subs_js() -> str:
    """NARROW_SUBS_JS with the vocabulary's sub-industries by sector, labelled in each language."""
    table = {
        lang: {sec: _options(SUB_INDUSTRIES[sec], lang) for sec in SECTORS} for lang in ("zh", "en")
    }
    table["order"] = list(SECTORS)
    return NARROW_SUBS_JS % json.dumps(table, ensure_ascii=False)


def _dropdown(id_, label, options, value, lang, wide=False):
    return html.Div(
        [
            # The id names the dropdown's button too (assets/a11y.js: Dash names it by its value).
            html.Label(label, htmlFor=id_, id=f"{id_}-label"),
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
                    html.Label(t("f.measure", lang), id=f"{prefix}-measure-label"),
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
                html.Label(t("f.on", lang), htmlFor=f"{prefix}-on", id=f"{prefix}-on-label"),
                dcc.DatePickerSingle(
                    id=f"{prefix}-on",
                    # Dash gives the field its placeholder as its name ("Select Date" by default).
                    placeholder=t("f.on", lang),
                    date=state.date(today).isoformat(),
                    min_date_allowed=EARLIEST.isoformat(),
                    max_date_allowed=today.isoformat(),
                    display_format="YYYY-MM-DD",
                    first_day_of_week=1,
                ),
            ],
            className="field",
        ),
        html.Div(
            _switch(f"{prefix}-known", t("f.known", lang), bool(state.known)),
            title=t("f.known_hint", lang),
        ),
    ]
    if units:
        kids.append(_switch(f"{prefix}-units", t("f.units", lang), state.units))
    # On narrow screens the bar folds behind a button (style.css, assets/layout.js).
    return html.Div(
        [
            html.Button(
                t("f.toggle", lang),
                id=f"{prefix}-filters-toggle",
                className="filters-toggle",
                type="button",
                **{"aria-expanded": "false", "aria-controls": "filters"},
            ),
            html.Div(kids, className="filters no-print-controls", id="filters"),
        ],
        className="filter-panel",
    )


def _switch(id_: str, label: str, on: bool) -> dcc.Checklist:
    """A one-box checklist: value ["on"] when ticked."""
    return dcc.Checklist(
        id=id_,
        options=[{"label": label, "value": "on"}],
        value=["on"] if on else [],
        className="check",
    )


def state_from(
    search, measure, sector, sub, cat, status, on, units, today, known=None
) -> ViewState:
    """The view state the filter bar shows (the language comes from the URL). The 按当时掌握
    switch (``known``) reads as known on the date shown."""
    base = parse(search, today)
    pairs = [
        ("measure", measure),
        ("sector", ",".join(sector or [])),
        ("sub", ",".join(sub or [])),
        ("cat", ",".join(cat or [])),
        ("status", ",".join(status or [])),
    ]
    if on and on[:10] != today.isoformat():
        pairs.append(("on", on[:10]))
    if known:
        pairs.append(("known", (on or today.isoformat())[:10]))
    if units:
        pairs.append(("units", "1"))
    if base.lang == "en":
        pairs.append(("lang", "en"))
    return parse("?" + urlencode([(k, x) for k, x in pairs if x]), today)


def filter_values(state: ViewState, today: dt.date) -> tuple:
    """The filter bar's values for a view state: measure, sector, sub, cat, status, on, units,
    known."""
    return (
        state.measure,
        list(state.sector),
        list(state.sub),
        list(state.cat),
        list(state.status),
        state.date(today).isoformat(),
        ["on"] if state.units else [],
        ["on"] if state.known else [],
    )


def bar_update(wanted: tuple, now: tuple) -> list:
    """The filter values to set for a URL reached by back/forward: no_update where the bar
    already agrees. PreventUpdate when it agrees everywhere."""
    values = [
        no_update if new == old or new == (old or []) else new
        for new, old in zip(wanted, now, strict=True)
    ]
    if all(x is no_update for x in values):
        raise PreventUpdate
    return values
