"""Suggest a catalog category from a unit's specification (advisory only).

The register's declared 退出类别 stays authoritative (domain.md §3): the thresholds are
unverified for the 2019/2024 catalogs, so a suggestion only flags a row worth a second look.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from layers.policy.rules import NOT_LISTED, CatalogRule, Policy

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


def _bounds_text(rule: CatalogRule) -> str:
    parts = [
        f"{op}{_fmt(v)}"
        for op, v in ((">", rule.gt), ("≥", rule.ge), ("<", rule.lt), ("≤", rule.le))
        if v is not None
    ]
    return "且".join(parts) + (rule.spec_unit or "")


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
) -> Suggestion:
    """The category the catalog edition in force on ``on`` suggests for this equipment."""
    edition = policy.edition_on(on)
    if edition is None:
        return Suggestion(None, None, None, f"{on} 时尚无适用的目录版本")
    text = f"{equipment_name or ''} {spec or ''}"
    unit = policy.unit_aliases.get((spec_unit or "").strip().lower())
    value = spec_value if unit else None
    if value is None:
        value, unit = parse_spec(spec, policy)
    judged = False  # did any numeric rule for this equipment have the data it needs?
    for rule in policy.catalog_rules:
        if edition.name not in rule.editions or rule.sub_industry != sub_industry:
            continue
        if rule.equipment and not any(w in text for w in rule.equipment):
            continue
        if rule.keywords and not any(w in text for w in rule.keywords):
            continue
        if rule.numeric:
            if value is None or unit != rule.spec_unit:
                continue
            judged = True
            if not _bounds_hold(rule, value):
                continue
            why = f"规格 {_fmt(value)}{unit} 满足 {_bounds_text(rule)}"
        else:
            why = "装备名称或规格含关键词「" + "、".join(rule.keywords) + "」"
        flag = "" if rule.verified else "（门槛未核实）"
        return Suggestion(
            rule.category,
            edition.name,
            rule.id,
            f"按{edition.name}年本目录规则 {rule.id}：{why}，建议为{rule.category}{flag}",
            rule.verified,
        )
    if judged:
        return Suggestion(
            NOT_LISTED,
            edition.name,
            None,
            f"按{edition.name}年本目录：规格 {_fmt(value)}{unit} 不在淘汰类、限制类门槛之内",
        )
    return Suggestion(None, edition.name, None, "规格信息不足或目录规则未覆盖，无法建议类别")


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
