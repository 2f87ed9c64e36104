"""Bring a database up to date: schema, the policy mirror, the boundaries.

What ``exitmap db migrate`` does, and what tests and benchmarks do to their throwaway
databases, so that each of them gets the same database.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from etl.load_boundaries import load_boundaries
from etl.policy_sync import sync_policy
from exitmap import migrate, settings
from layers.standing import published_function_sql


@dataclass(frozen=True)
class DatabaseReady:
    revision: str | None
    policy_changed: bool
    prefectures: int
    counties: int


def prepare_database(engine: sa.Engine) -> DatabaseReady:
    migrate.upgrade(engine)
    policy_changed = sync_policy(engine)
    with engine.begin() as conn:
        # Remade every time: its body is the standing's own summary query, as this code has it.
        conn.exec_driver_sql(published_function_sql(settings.get("app_db_role")))
    prefectures, counties = load_boundaries(engine)
    return DatabaseReady(migrate.current(engine), policy_changed, prefectures, counties)
