"""The view's state lives in the URL: parse it strictly, write it back canonically.

``?measure=…&sector=钢铁,建材&sub=…&cat=…&status=…&on=2025-12-31&known=2025-12-31&units=1&lang=en``.
``known``: as the product knew it on that day (record time) — without it, everything known now.
Unknown values are dropped (and reported on the page), never passed on to a query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlencode

from app.i18n import LANGS
from exitmap.vocabulary import ALL_SUB_INDUSTRIES, CATEGORIES, SECTORS, STATUSES
from layers.map import DEFAULT_MEASURE, MEASURES

EARLIEST = dt.date(2015, 1, 1)

_LISTS = {"sector": SECTORS, "sub": ALL_SUB_INDUSTRIES, "cat": CATEGORIES, "status": STATUSES}


@dataclass(frozen=True)
class ViewState:
    measure: str = DEFAULT_MEASURE
    sector: tuple[str, ...] = ()
    sub: tuple[str, ...] = ()
    cat: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    on: dt.date | None = None  # None: today
    known: dt.date | None = None  # None: with everything known now
    units: bool = False
    lang: str = "zh"
    errors: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def filters(self) -> dict:
        """Keyword filters for layers.map / layers.standing (None when not filtering)."""
        return {
            "sector": list(self.sector) or None,
            "sub_industry": list(self.sub) or None,
            "category": list(self.cat) or None,
            "status": list(self.status) or None,
        }

    def date(self, today: dt.date) -> dt.date:
        return self.on or today

    def with_(self, **changes) -> ViewState:
        return replace(self, **changes)


def parse(search: str | None, today: dt.date | None = None) -> ViewState:
    qs = parse_qs((search or "").lstrip("?"), keep_blank_values=False)
    errors: list[tuple[str, str]] = []

    def one(name: str) -> str | None:
        values = qs.get(name)
        return values[-1] if values else None

    values: dict = {}
    measure = one("measure")
    if measure is not None:
        if measure in MEASURES:
            values["measure"] = measure
        else:
            errors.append(("measure", measure))
    for name, allowed in _LISTS.items():
        raw = one(name)
        if raw is None:
            continue
        good = []
        for item in raw.split(","):
            item = item.strip()
            if not item:
                continue
            if item in allowed:
                good.append(item)
            else:
                errors.append((name, item))
        values[name] = tuple(dict.fromkeys(good))
    for name in ("on", "known"):
        raw = one(name)
        if raw is None:
            continue
        try:
            day = dt.date.fromisoformat(raw)
            if day < EARLIEST or (today and day > today):
                raise ValueError(raw)
            values[name] = day
        except ValueError:
            errors.append((name, raw))
    units = one("units")
    if units is not None:
        if units in ("0", "1"):
            values["units"] = units == "1"
        else:
            errors.append(("units", units))
    lang = one("lang")
    if lang is not None:
        if lang in LANGS:
            values["lang"] = lang
        else:
            errors.append(("lang", lang))
    return ViewState(**values, errors=tuple(errors))


def to_search(state: ViewState) -> str:
    """Canonical query string (defaults left out), '' when everything is default."""
    pairs = []
    if state.measure != DEFAULT_MEASURE:
        pairs.append(("measure", state.measure))
    for name in _LISTS:
        vals = getattr(state, name)
        if vals:
            pairs.append((name, ",".join(vals)))
    if state.on:
        pairs.append(("on", state.on.isoformat()))
    if state.known:
        pairs.append(("known", state.known.isoformat()))
    if state.units:
        pairs.append(("units", "1"))
    if state.lang != "zh":
        pairs.append(("lang", state.lang))
    return "?" + urlencode(pairs, safe=",") if pairs else ""


def flag(search: str | None, name: str) -> bool:
    """Whether the query string sets ``name=1`` (its last value counts)."""
    values = parse_qs((search or "").lstrip("?")).get(name)
    return bool(values) and values[-1] == "1"


def lang_search(search: str | None) -> str:
    """Only the language part of a query string (for links that reset the view)."""
    state = parse(search)
    return "?lang=en" if state.lang == "en" else ""
