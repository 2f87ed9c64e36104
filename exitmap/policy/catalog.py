"""Suggest a catalog category from a unit's specification (advisory only).

The register's declared 退出类别 stays authoritative (domain.md §3): the thresholds are
unverified for the 2019/2024 catalogs, so a suggestion only flags a row worth a second look.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from exitmap.policy.rules import NOT_LISTED, CatalogRule, Policy
from exitmap.policy.texts import Translate, joined, say

# Categories the catalog itself decides; a 不达标 kind is decided by inspections instead.
CATALOG_DECIDED = ("淘汰类", "限制类")

_NUMBER = re.compile(r"(\d+(?:[.,]\d+)*)\s*([^\d\s,，;；、]*)")


@dataclass(frozen=True)
class Suggestion:
    category: str | None  # 淘汰类 | 限制类 | 目录外 | None (cannot judge)
    edition: str | None
    rule_id: str | None
    text: str  # Chinese explanation
    verified: bool = False


def parse_spec(text: str | None, policy: Policy) -> tuple[float | None, str | None]:
    """First "number + known unit" in a free-text spec such as "450m³高炉" → (450.0, "m³")."""
    if not text:
        return None, None
    aliases = sorted(policy.unit_aliases, key=len, reverse=True)
    for m in _NUMBER.finditer(text):
        tail = m.group(2).lower()
        for alias in aliases:  # longest first: "t/d" before "t", "m³" before "m"
            if tail.startswith(alias):
                return float(m.group(1).replace(",", "")), policy.unit_aliases[alias]
    return None, None


def _bounds_hold(rule: CatalogRule, x: float) -> bool:
    return (
        (rule.gt is None or x > rule.gt)
        and (rule.ge is None or x >= rule.ge)
        and (rule.lt is None or x < rule.lt)
        and (rule.le is None or x <= rule.le)
    )


def _bounds_text(rule: CatalogRule, lang: str = "zh") -> str:
    parts = [
        f"{op}{_fmt(v)}"
        for op, v in ((">", rule.gt), ("≥", rule.ge), ("<", rule.lt), ("≤", rule.le))
        if v is not None
    ]
    return joined("and", parts, lang) + (rule.spec_unit or "")


def _fmt(x: float) -> str:
    return f"{x:g}"


def suggest(
    policy: Policy,
    on: dt.date,
    *,
    sub_industry: str | None,
    equipment_name: str | None,
    spec: str | None,
    spec_value: float | None,
    spec_unit: str | None,
    lang: str = "zh",
    value: Translate | None = None,
) -> Suggestion:
    """The category the catalog edition in force on ``on`` suggests for this equipment.

    Its text is in ``lang`` (layers/texts.py), data values through ``value``.
    """
    edition = policy.edition_on(on)
    if edition is None:
        return Suggestion(None, None, None, say("suggest.no_edition", lang, value, on=on))
    text = f"{equipment_name or ''} {spec or ''}"
    unit = policy.unit_aliases.get((spec_unit or "").strip().lower())
    number = spec_value if unit else None
    if number is None:
        number, unit = parse_spec(spec, policy)
    judged = False  # did any numeric rule for this equipment have the data it needs?
    for rule in policy.catalog_rules:
        if edition.name not in rule.editions or rule.sub_industry != sub_industry:
            continue
        if rule.equipment and not any(w in text for w in rule.equipment):
            continue
        if rule.keywords and not any(w in text for w in rule.keywords):
            continue
        if rule.numeric:
            if number is None or unit != rule.spec_unit:
                continue
            judged = True
            if not _bounds_hold(rule, number):
                continue
            why = say(
                "suggest.spec",
                lang,
                None,
                value=_fmt(number),
                unit=unit,
                bounds=_bounds_text(rule, lang),
            )
        else:
            why = say("suggest.keyword", lang, None, words="、".join(rule.keywords))
        unverified = "" if rule.verified else say("suggest.unverified", lang)
        return Suggestion(
            rule.category,
            edition.name,
            rule.id,
            say(
                "suggest.rule",
                lang,
                value,
                edition=edition.name,
                rule=rule.id,
                why=why,
                suggested=rule.category,
                unverified=unverified,
            ),
            rule.verified,
        )
    if judged:
        return Suggestion(
            NOT_LISTED,
            edition.name,
            None,
            say("suggest.outside", lang, None, edition=edition.name, value=_fmt(number), unit=unit),
        )
    return Suggestion(None, edition.name, None, say("suggest.unknown", lang))


def disagrees(declared: str | None, suggested: str | None) -> bool:
    """Whether the suggestion contradicts the declared category.

    Against a catalog category (or none declared) any definite suggestion counts; against a
    不达标 kind only a 淘汰类 suggestion matters, since its fixed deadline may be earlier.
    """
    if suggested is None:
        return False
    if declared is None:
        return suggested in CATALOG_DECIDED
    if declared in CATALOG_DECIDED:
        return suggested != declared
    return suggested == "淘汰类"
