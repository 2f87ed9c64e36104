"""职工安置 read side (seed 四(三)): the plans recorded by a date, their sums per prefecture, and
the firms whose units had exited by then with no plan on record — within a scope (in SQL)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from exitmap.scope import EVERYTHING, Scope, scope_sql
from exitmap.vocabulary import RESETTLEMENT_CHANNELS
from layers.units import EXITED_UNITS, STATE_CTES, read_exited

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


# Firms with a unit exited on or before :on (an exited status, an exit date by then) and no
# plan dated by then: a firm by its credit code, else its name, as a plan names it either way.
WITHOUT_PLAN_SQL = f"""
WITH {STATE_CTES},
planned AS (
    SELECT unnest(ARRAY[e.credit_code, e.name]) AS firm
    FROM resettlement_plan r JOIN enterprise e ON e.id = r.enterprise_id
    WHERE r.plan_date <= :on AND {scope_sql("r.prefecture_adcode")}
)
SELECT ev.prefecture_adcode, p.name AS prefecture_name, en.name AS enterprise_name,
       min(en.credit_code) AS credit_code, count(*) AS exited_units
{EXITED_UNITS}
  AND NOT EXISTS (SELECT 1 FROM planned WHERE planned.firm = COALESCE(en.credit_code, en.name))
GROUP BY ev.prefecture_adcode, p.name, en.name
ORDER BY ev.prefecture_adcode, en.name
"""
WITHOUT_PLAN_COLUMNS = [
    "prefecture_adcode",
    "prefecture_name",
    "enterprise_name",
    "credit_code",
    "exited_units",
]


def without_plan(engine: sa.Engine, on: dt.date, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Firms with a unit exited on or before ``on`` and no plan dated by then: one row per firm
    (name, credit code, prefecture, exited units)."""
    rows = read_exited(engine, WITHOUT_PLAN_SQL, on, scope)
    return pd.DataFrame.from_records(rows, columns=WITHOUT_PLAN_COLUMNS)


def summary(engine: sa.Engine, on: dt.date, scope: Scope = EVERYTHING) -> dict[str, int]:
    """Workers affected and resettled by the plans, and firms with no plan, on ``on``."""
    found = plans(engine, on, scope)
    return {
        "workers": int(found["workers"].sum()),
        "resettled": int(found["resettled"].sum()),
        "firms_without_plan": len(without_plan(engine, on, scope)),
    }
