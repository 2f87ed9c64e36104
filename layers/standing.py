"""Per-prefecture standing as of a date: one PostGIS query, one row per prefecture + total.

Filters (sector, sub-industry, category, status) narrow the unit counts, energy, 限制类
lateness and surcharge. The 区域限批 trigger and the quota columns stay prefecture-wide: they
are facts about the prefecture, not about the slice being looked at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa

from exitmap.policy import Policy, default_policy
from exitmap.policy.mirror import check_policy_synced
from exitmap.vocabulary import PROVINCE_ADCODE, PROVINCE_NAME
from layers.units import STATE_CTES, filter_sql, policy_params

COLUMNS = [
    "adcode",
    "name",
    "units_in_scope",
    "units_resolved",
    "units_remaining",
    "units_overdue",
    "energy_in_scope_tce",
    "energy_resolved_tce",
    "completion_units_pct",
    "completion_energy_pct",
    "freeze_triggered",
    "freeze_reasons",
    "xianzhi_overdue",
    "quota_released_tce",
    "quota_allocated_tce",
    "quota_balance_tce",
    "surcharge_estimate_yuan",
]

# Grouped by prefecture and category so that freeze reasons can name the categories; the
# handful of rows (≤ 16 × 6) is folded into one row per prefecture in pandas.
STANDING_SQL = f"""
WITH {STATE_CTES},
sel AS (SELECT ev.*, (true {{filters}}) AS sel FROM ev WHERE ev.in_scope),
agg AS (
    SELECT prefecture_adcode AS adcode, category,
           count(*) FILTER (WHERE sel) AS units_in_scope,
           count(*) FILTER (WHERE sel AND resolved) AS units_resolved,
           count(*) FILTER (WHERE sel AND remaining) AS units_remaining,
           count(*) FILTER (WHERE sel AND overdue) AS units_overdue,
           COALESCE(sum(energy_tce) FILTER (WHERE sel), 0) AS energy_in_scope_tce,
           COALESCE(sum(energy_tce) FILTER (WHERE sel AND resolved), 0) AS energy_resolved_tce,
           count(*) FILTER (WHERE overdue AND trigger_category) AS trigger_overdue,
           COALESCE(sum(energy_tce) FILTER (WHERE exited), 0) AS quota_released_tce,
           COALESCE(sum(COALESCE(electricity_10k_kwh, 0) * 10000 * COALESCE(surcharge_rate, 0))
                    FILTER (WHERE sel AND remaining), 0) AS surcharge_estimate_yuan
    FROM sel
    GROUP BY 1, 2
),
alloc AS (
    SELECT prefecture_adcode AS adcode, sum(amount_tce) AS quota_allocated_tce
    FROM quota_entry WHERE kind = 'allocation' AND entry_date <= :on
    GROUP BY 1
)
SELECT p.adcode, p.name, agg.category, agg.units_in_scope, agg.units_resolved,
       agg.units_remaining, agg.units_overdue, agg.energy_in_scope_tce, agg.energy_resolved_tce,
       agg.trigger_overdue, agg.quota_released_tce, agg.surcharge_estimate_yuan,
       COALESCE(alloc.quota_allocated_tce, 0) AS quota_allocated_tce
FROM prefecture p
LEFT JOIN agg ON agg.adcode = p.adcode
LEFT JOIN alloc ON alloc.adcode = p.adcode
ORDER BY p.adcode, agg.category
"""

_SUMMED = [
    "units_in_scope",
    "units_resolved",
    "units_remaining",
    "units_overdue",
    "energy_in_scope_tce",
    "energy_resolved_tce",
    "quota_released_tce",
    "surcharge_estimate_yuan",
]


def query(
    conn: sa.Connection, on: dt.date, policy: Policy, xianzhi_triggers: bool, **filters
) -> pd.DataFrame:
    """The raw per-(prefecture, category) rows; exposed for the benchmark."""
    check_policy_synced(conn, policy)
    where, params = filter_sql(**filters)
    params |= policy_params(policy, on, xianzhi_triggers)
    rows = conn.execute(sa.text(STANDING_SQL.format(filters=where)), params).mappings().all()
    return pd.DataFrame.from_records([dict(r) for r in rows])


def standing(
    engine: sa.Engine,
    on: dt.date,
    *,
    sector: str | Iterable[str] | None = None,
    sub_industry: str | Iterable[str] | None = None,
    category: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = None,
    xianzhi_triggers: bool = False,
    policy: Policy | None = None,
) -> pd.DataFrame:
    """All 16 prefectures (by adcode) and a province total row (adcode 530000), COLUMNS."""
    policy = policy or default_policy()
    with engine.connect() as conn:
        raw = query(
            conn,
            on,
            policy,
            xianzhi_triggers,
            sector=sector,
            sub_industry=sub_industry,
            category=category,
            status=status,
        )
    rows = [_fold(group, policy) for _, group in raw.groupby("adcode", sort=True)]
    frame = pd.DataFrame.from_records(rows)
    frame = pd.concat([frame, pd.DataFrame([_total(frame)])], ignore_index=True)
    frame = frame[COLUMNS]
    frame.attrs["as_of"] = on
    frame.attrs["policy_versions"] = dict(policy.versions)
    return frame


def _fold(group: pd.DataFrame, policy: Policy) -> dict:
    """One prefecture's per-category rows → its standing row."""
    first = group.iloc[0]
    order = {c: i for i, c in enumerate(policy.categories)}  # reasons in the policy's order
    cats = group.dropna(subset=["category"])
    cats = cats.iloc[cats["category"].map(order).argsort()]
    row = {"adcode": int(first["adcode"]), "name": first["name"]}
    for col in _SUMMED:
        row[col] = cats[col].sum() if len(cats) else 0
    reasons = [
        f"{c}逾期{int(n)}个"
        for c, n in zip(cats["category"], cats["trigger_overdue"], strict=True)
        if n > 0
    ]
    trigger_count = int(cats["trigger_overdue"].sum()) if len(cats) else 0
    row["freeze_triggered"] = trigger_count >= policy.freeze.min_overdue_units
    row["freeze_reasons"] = "、".join(reasons) if row["freeze_triggered"] else ""
    xianzhi = cats[cats["category"] == "限制类"]
    row["xianzhi_overdue"] = int(xianzhi["units_overdue"].sum()) if len(xianzhi) else 0
    row["quota_allocated_tce"] = float(first["quota_allocated_tce"])
    return _finish(row)


def _total(frame: pd.DataFrame) -> dict:
    row = {"adcode": PROVINCE_ADCODE, "name": PROVINCE_NAME}
    for col in [*_SUMMED, "xianzhi_overdue", "quota_allocated_tce"]:
        row[col] = frame[col].sum()
    triggered = frame.loc[frame["freeze_triggered"], "name"].tolist()
    row["freeze_triggered"] = bool(triggered)
    row["freeze_reasons"] = (
        f"{len(triggered)}个州（市）触发：{'、'.join(triggered)}" if triggered else ""
    )
    return _finish(row)


def _finish(row: dict) -> dict:
    for col in ("units_in_scope", "units_resolved", "units_remaining", "units_overdue"):
        row[col] = int(row[col])
    row["xianzhi_overdue"] = int(row["xianzhi_overdue"])
    # Rounded so that a total is the sum of what is shown, and tests can compare exactly.
    for col in ("energy_in_scope_tce", "energy_resolved_tce", "quota_released_tce"):
        row[col] = round(float(row[col]), 2)
    row["quota_allocated_tce"] = round(float(row["quota_allocated_tce"]), 2)
    row["quota_balance_tce"] = round(row["quota_released_tce"] - row["quota_allocated_tce"], 2)
    row["surcharge_estimate_yuan"] = round(float(row["surcharge_estimate_yuan"]), 2)
    row["completion_units_pct"] = _pct(row["units_resolved"], row["units_in_scope"])
    row["completion_energy_pct"] = _pct(row["energy_resolved_tce"], row["energy_in_scope_tce"])
    return row


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None
