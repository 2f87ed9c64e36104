"""盘活土地资源 written to the database (seed 三(三)): what became of an exited unit's site —
area, land right, outcome and its date. One row per unit: recording it again replaces it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from etl.decisions import DecisionError
from exitmap.vocabulary import LAND_OUTCOMES, LAND_RIGHTS
from layers.units import evaluate

UPSERT_SQL = """
INSERT INTO exited_site (unit_id, area_mu, land_right, outcome, outcome_date, recorded_by)
VALUES (:unit, :area, :land_right, :outcome, :on, :by)
ON CONFLICT (unit_id) DO UPDATE SET area_mu = EXCLUDED.area_mu,
    land_right = EXCLUDED.land_right, outcome = EXCLUDED.outcome,
    outcome_date = EXCLUDED.outcome_date, recorded_by = EXCLUDED.recorded_by, recorded_at = now()
RETURNING id
"""


def record_site(
    engine: sa.Engine,
    unit_key: str,
    area_mu: float,
    land_right: str,
    outcome: str,
    outcome_date: dt.date,
    by: str,
) -> int:
    """Record what became of the site of ``unit_key`` (exited by ``outcome_date``); its id."""
    if land_right not in LAND_RIGHTS:
        raise DecisionError(f"土地权利类型应为 {'、'.join(LAND_RIGHTS)} 之一，收到「{land_right}」")
    if outcome not in LAND_OUTCOMES:
        raise DecisionError(f"处置方式应为 {'、'.join(LAND_OUTCOMES)} 之一，收到「{outcome}」")
    if not area_mu > 0:
        raise DecisionError(f"面积应大于 0（亩），现为 {area_mu}")
    state = evaluate(engine, outcome_date, unit_key=unit_key)
    if state.empty:
        raise DecisionError(f"找不到装备「{unit_key}」（或它在 {outcome_date} 尚未登记）")
    if pd.isna(state.iloc[0]["exit_date"]):
        raise DecisionError(f"装备「{unit_key}」在 {outcome_date} 尚未退出：其场地还不能处置")
    params = {"unit": int(state.iloc[0]["unit_id"]), "area": area_mu, "land_right": land_right}
    params |= {"outcome": outcome, "on": outcome_date, "by": by}
    with engine.begin() as conn:
        return conn.execute(sa.text(UPSERT_SQL), params).scalar_one()
