"""职工安置 read side (seed 四(三)): the plans recorded by a date, their sums per prefecture, and
the firms whose units had exited by then with no plan on record — within a scope (in SQL)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from exitmap.scope import EVERYTHING, Scope, scope_sql
from exitmap.vocabulary import RESETTLEMENT_CHANNELS
from layers.units import exited_by

PLANS_SQL = f"""
SELECT r.id, e.name AS enterprise_name, e.credit_code, r.prefecture_adcode,
       p.name AS prefecture_name, r.workers,
       {", ".join("r." + c for c in RESETTLEMENT_CHANNELS)},
       ({" + ".join("r." + c for c in RESETTLEMENT_CHANNELS)}) AS resettled,
       r.funds_10k_yuan, r.plan_date, r.status
FROM resettlement_plan r
JOIN enterprise e ON e.id = r.enterprise_id
JOIN prefecture p ON p.adcode = r.prefecture_adcode
WHERE r.plan_date <= :on AND {scope_sql("r.prefecture_adcode")}
ORDER BY r.prefecture_adcode, e.name
"""


def plans(engine: sa.Engine, on: dt.date, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """The plans dated on or before ``on`` that ``scope`` sees, with the number resettled."""
    with engine.connect() as conn:
        return pd.read_sql_query(sa.text(PLANS_SQL), conn, params={"on": on} | scope.params())


def without_plan(
    engine: sa.Engine, on: dt.date, scope: Scope = EVERYTHING, done: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Firms with a unit exited on or before ``on`` and no plan dated by then (``done``: the
    plans, if already read): one row per firm (name, credit code, prefecture, exited units)."""
    gone = exited_by(engine, on, scope)
    if done is None:
        done = plans(engine, on, scope)
    planned = set(done["credit_code"].dropna()) | set(done["enterprise_name"])
    firm = gone["credit_code"].fillna(gone["enterprise_name"])  # a firm by its code, else name
    gone = gone[~firm.isin(planned)]
    grouped = gone.groupby(
        ["prefecture_adcode", "prefecture_name", "enterprise_name"], dropna=False
    )
    out = grouped.agg(credit_code=("credit_code", "first"), exited_units=("unit_key", "size"))
    return out.reset_index().sort_values(["prefecture_adcode", "enterprise_name"], kind="stable")


def summary(engine: sa.Engine, on: dt.date, scope: Scope = EVERYTHING) -> dict[str, int]:
    """Workers affected and resettled by the plans, and firms with no plan, on ``on``."""
    found = plans(engine, on, scope)
    return {
        "workers": int(found["workers"].sum()),
        "resettled": int(found["resettled"].sum()),
        "firms_without_plan": len(without_plan(engine, on, scope, found)),
    }
