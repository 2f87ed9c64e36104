"""Province / prefecture KPI cards."""

from __future__ import annotations

import re

from dash import html

from app import format as fmt
from app.i18n import t

_SPLIT = re.compile(r"^([-+]?[\d,.]+[万亿]?)\s*(.*)$")


def _value(value: str) -> list:
    """'1,385.6万吨标准煤' → big '1,385.6万' + small '吨标准煤'. Each part stays whole; a narrow
    card puts the unit on the next line rather than cutting the number."""
    m = _SPLIT.match(value)
    if not m or not m.group(2):
        return [html.Span(value, className="kpi-num")]
    return [html.Span(m.group(1), className="kpi-num"), html.Span(m.group(2), className="kpi-unit")]


def card(label: str, value: str, sub: str | None = None, tone: str = "", id=None) -> html.Div:
    kids = [html.Div(label, className="kpi-label"), html.Div(_value(value), className="kpi-value")]
    if sub:
        kids.append(html.Div(sub, className="kpi-sub"))
    kwargs = {"id": id} if id else {}
    return html.Div(kids, className=f"kpi {tone}".strip(), **kwargs)


def standing_cards(row: dict, lang: str, frozen: int | None = None) -> list:
    """Cards for one standing row (province total or a prefecture)."""
    cards = [
        card(
            t("k.in_scope", lang),
            fmt.units(row["units_in_scope"], lang),
            fmt.tce(row["energy_in_scope_tce"], lang),
        ),
        card(
            t("k.resolved", lang),
            fmt.units(row["units_resolved"], lang),
            fmt.tce(row["energy_resolved_tce"], lang),
            "ok",
        ),
        card(
            t("k.remaining", lang),
            fmt.units(row["units_remaining"], lang),
            fmt.tce(row["energy_remaining_tce"], lang),
        ),
        card(
            t("k.overdue", lang),
            fmt.units(row["units_overdue"], lang),
            None,
            "bad" if row["units_overdue"] else "ok",
            id="kpi-overdue",
        ),
        card(
            t("k.completion_units", lang),
            fmt.pct(row["completion_units_pct"]),
            None,
            "",
            id="kpi-completion",
        ),
        card(t("k.completion_energy", lang), fmt.pct(row["completion_energy_pct"])),
        card(
            t("k.quota_balance", lang),
            fmt.tce(row["quota_balance_tce"], lang),
            f"{t('c.released', lang)} {fmt.tce(row['quota_released_tce'], lang)}",
        ),
    ]
    if frozen is not None:
        cards.append(card(t("k.frozen", lang), str(frozen), None, "bad" if frozen else "ok"))
    else:
        cards.append(card(t("k.surcharge", lang), fmt.yuan(row["surcharge_estimate_yuan"], lang)))
    return cards
