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


def site_problems(area_mu: float, land_right: str, outcome: str) -> list[tuple[str, str]]:
    """What is wrong with a site's values, as (field, message in Chinese); none: nothing.
    The screen, the command line and the register's 场地处置 sheet all check with this."""
    problems: list[tuple[str, str]] = []
    if land_right not in LAND_RIGHTS:
        told = f"土地权利类型应为 {'、'.join(LAND_RIGHTS)} 之一，收到「{land_right}」"
        problems.append(("land_right", told))
    if outcome not in LAND_OUTCOMES:
        problems.append(
            ("outcome", f"处置方式应为 {'、'.join(LAND_OUTCOMES)} 之一，收到「{outcome}」")
        )
    if not area_mu > 0:
        problems.append(("area_mu", f"面积应大于 0（亩），现为 {area_mu}"))
    return problems


def exit_problem(exit_date: dt.date | None, unit_key: str, on: dt.date) -> str | None:
    """Why the site of ``unit_key`` cannot be disposed of on ``on`` given the unit's exit date
    (None: it can)."""
    if exit_date is None or pd.isna(exit_date) or exit_date > on:
        return f"装备「{unit_key}」在 {on} 尚未退出：其场地还不能处置"
    return None


def recorded_exit(engine: sa.Engine, unit_key: str, on: dt.date) -> tuple[int, dt.date | None]:
    """The unit's id and exit date as recorded, evaluated on ``on``."""
    state = evaluate(engine, on, unit_key=unit_key)
    if state.empty:
        raise DecisionError(f"找不到装备「{unit_key}」（或它在 {on} 尚未登记）")
    exit_date = state.iloc[0]["exit_date"]
    return int(state.iloc[0]["unit_id"]), None if pd.isna(exit_date) else _day(exit_date)


def _day(value) -> dt.date:
    """A date as read by pandas (a date, or a Timestamp) as a date."""
    return value.date() if isinstance(value, pd.Timestamp) else value


def write_site(
    conn: sa.Connection,
    unit: int,
    area_mu: float,
    land_right: str,
    outcome: str,
    outcome_date: dt.date,
    by: str,
) -> int:
    """Upsert a checked site of unit id ``unit`` in the caller's transaction; its id."""
    params = {"unit": unit, "area": area_mu, "land_right": land_right}
    params |= {"outcome": outcome, "on": outcome_date, "by": by}
    return conn.execute(sa.text(UPSERT_SQL), params).scalar_one()


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
    problems = site_problems(area_mu, land_right, outcome)
    if problems:
        raise DecisionError(problems[0][1])
    unit, exit_date = recorded_exit(engine, unit_key, outcome_date)
    problem = exit_problem(exit_date, unit_key, outcome_date)
    if problem:
        raise DecisionError(problem)
    with engine.begin() as conn:
        return write_site(conn, unit, area_mu, land_right, outcome, outcome_date, by)
