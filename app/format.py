"""Numbers the way a Chinese report writes them: 万 and 亿, 吨标准煤, 元; English alongside."""

from __future__ import annotations

import datetime as dt
import math

from app.i18n import t

_UNITS = {
    "tce": ("吨标准煤", "tce"),
    "yuan": ("元", "yuan"),
    "units": ("台（套）", "units"),
    "reports": ("件", "reports"),
    "kwh": ("千瓦时", "kWh"),
}


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _trim(x: float, digits: int) -> str:
    text = f"{x:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def number(x, lang: str = "zh", digits: int = 1) -> str:
    """1234 → 1,234; 56,000 → 5.6万; 1.2e8 → 1.2亿 (Chinese) / 56.0k, 1.2 million (English)."""
    if _missing(x):
        return "—"
    a = abs(x)
    if lang == "en":
        if a >= 1e9:
            return _trim(x / 1e9, 2) + " billion"
        if a >= 1e6:
            return _trim(x / 1e6, 2) + " million"
        return _trim(x, 0 if float(x).is_integer() else digits)
    if a >= 1e8:
        return _trim(x / 1e8, 2) + "亿"
    if a >= 1e4:
        return _trim(x / 1e4, 2 if a < 1e5 else 1) + "万"
    return _trim(x, 0 if float(x).is_integer() else digits)


def amount(x, unit: str, lang: str = "zh") -> str:
    """A number with its unit: 593.7万吨标准煤, 1.37亿元, 42台（套）."""
    if _missing(x):
        return "—"
    zh, en = _UNITS[unit]
    if lang == "en":
        return f"{number(x, lang)} {en}"
    return f"{number(x, lang)}{zh}"


def tce(x, lang: str = "zh") -> str:
    return amount(x, "tce", lang)


def yuan(x, lang: str = "zh") -> str:
    return amount(x, "yuan", lang)


def units(x, lang: str = "zh") -> str:
    return amount(x, "units", lang)


def pct(x) -> str:
    return "—" if _missing(x) else f"{x:.1f}%"


def integer(x) -> str:
    return "—" if _missing(x) else f"{int(x):,}"


def date(d, lang: str = "zh") -> str:
    if d is None or (isinstance(d, float) and math.isnan(d)):
        return "—"
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    if lang == "en":
        return d.isoformat()
    return f"{d.year}年{d.month}月{d.day}日"


def measure_value(x, kind: str, lang: str = "zh") -> str:
    if kind == "pct":
        return pct(x)
    if kind in ("units", "reports"):
        return amount(x, kind, lang)
    return tce(x, lang)


def as_of(state, on: dt.date) -> str:
    """「统计日期 D」, and 「（按 K 当时掌握）」 when the view reads what was known on K."""
    text = t("view_as_of", state.lang, date=date(on, state.lang))
    if state.known:
        text += t("known_on", state.lang, date=date(state.known, state.lang))
    return text


def freeze_decided(row, lang: str = "zh") -> str:
    """The 限批 decision in force, from a row of layers.freeze.freeze_list."""
    start = date(row["decision_start"], lang)
    return t("p.freeze_decided", lang, doc=row["decision_document"], start=start)
