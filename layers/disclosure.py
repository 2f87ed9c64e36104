"""Read side for briefings, public lists and the annual report (seed 三(六), 三(八), 四(一)).

Built on ``layers.units.evaluate`` (the one as-of evaluation) plus the register fields it does
not carry — capacity, exit method — so every list row is a unit ``evaluate`` also returns.
The lead departments of each category are policy data (data/policy/deadlines.toml, ``lead``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from exitmap.policy import Policy, default_policy
from exitmap.scope import EVERYTHING, Scope, scope_sql
from exitmap.vocabulary import PROVINCE_ADCODE
from layers.freeze import active, decisions, freeze_list
from layers.quota import ledger
from layers.standing import standing
from layers.units import evaluate

# Who leads each category and publishes its lists, in the policy's category order.
LEAD_DEPARTMENTS: dict[str, tuple[str, ...]] = {
    name: rule.lead for name, rule in default_policy().categories.items()
}
# The four 不达标 categories: rectify by a deadline, else closed (seed 二(一)2–5).
SUBSTANDARD = ("能耗不达标", "环保不达标", "质量不达标", "安全不达标")
# Statuses of a unit given time to rectify (the 限期整改 lists of seed 三(八)).
RECTIFYING = ("整改中", "延期整改", "停产")

REGISTER_SQL = f"""
SELECT u.unit_key, u.capacity_wt, u.exit_method, u.workers, u.planned_exit_date
FROM unit u WHERE {scope_sql("u.prefecture_adcode")}
"""


def departments(category: str | None) -> str:
    return "、".join(LEAD_DEPARTMENTS.get(category or "", ()))


def units(
    engine: sa.Engine,
    on: dt.date,
    policy: Policy | None = None,
    scope: Scope = EVERYTHING,
    known_on: dt.date | None = None,
    **filters,
) -> pd.DataFrame:
    """``evaluate`` on ``on`` (as known on ``known_on``, if given) with capacity_wt,
    exit_method, workers, planned_exit_date and the lead departments of each unit's category
    (the units ``scope`` sees)."""
    frame = evaluate(engine, on, policy=policy, scope=scope, known_on=known_on, **filters)
    with engine.connect() as conn:
        extra = pd.read_sql_query(sa.text(REGISTER_SQL), conn, params=scope.params())
    frame = frame.merge(extra, on="unit_key", how="left", validate="one_to_one")
    frame["departments"] = frame["category"].map(departments)
    frame.attrs["as_of"] = on
    return frame


def year_end(year: int, on: dt.date | None = None) -> dt.date:
    """The date a year is read on: 31 December, or ``on`` if the year is still running."""
    end = dt.date(year, 12, 31)
    return min(end, on) if on else end


def exited_in_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """Units of ``frame`` (from ``units``) that exited within ``year``, by exit date."""
    mask = frame["in_scope"] & (frame["resolution"] == "退出")
    mask &= frame["exit_date"].map(lambda d: d is not None and not pd.isna(d) and d.year == year)
    return frame[mask].sort_values(["prefecture_adcode", "exit_date", "unit_key"], kind="stable")


def quota_in_year(
    engine: sa.Engine, year: int, on: dt.date | None = None, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """Per prefecture (all 16, or those ``scope`` sees): quota released and allocated within
    ``year`` (tce)."""
    end = year_end(year, on)
    entries = ledger(engine, end, scope)
    entries = entries[entries["entry_date"].map(lambda d: d.year == year)]
    released = entries[entries["kind"] == "release"].groupby("adcode")["amount_tce"].sum()
    allocated = -entries[entries["kind"] == "allocation"].groupby("adcode")["amount_tce"].sum()
    table = standing(engine, end, scope=scope)[["adcode", "name", "quota_balance_tce"]]
    table = table[table["adcode"] != PROVINCE_ADCODE].copy()
    table["released_tce"] = table["adcode"].map(released).fillna(0.0).round(2)
    table["allocated_tce"] = table["adcode"].map(allocated).fillna(0.0).round(2)
    return table[["adcode", "name", "released_tce", "allocated_tce", "quota_balance_tce"]]


def freezes_in_year(
    engine: sa.Engine, year: int, on: dt.date | None = None, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """Per prefecture (that ``scope`` sees) on the year's last day: rule trigger, decision in
    force, and decisions started or lifted during the year."""
    end = year_end(year, on)
    table = freeze_list(engine, end, scope=scope)
    hist = decisions(engine, scope)

    def during(d) -> bool:
        return d is not None and not pd.isna(d) and d.year == year

    def docs(column: str) -> pd.Series:
        rows = hist[[during(d) for d in hist[column]]] if len(hist) else hist
        return rows.groupby("adcode")["document_no"].agg("、".join)

    started, lifted = docs("start_date"), docs("lift_date")
    table["started_in_year"] = [started.get(a, "") for a in table["adcode"]]
    table["lifted_in_year"] = [lifted.get(a, "") for a in table["adcode"]]
    table["in_force"] = table["adcode"].isin(active(hist, end)["adcode"])
    return table
