"""Units whose exit a substantiated report disputes (unit_hold, migration 0007): the holds on a
unit's released quota, for the unit page. Read in the caller's scope (by the unit's prefecture;
the database's policy filters too)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from exitmap.scope import Scope, scope_sql

HOLDS_SQL = f"""
SELECT h.held_from, h.released_on, h.decision FROM unit_hold h JOIN unit u ON u.id = h.unit_id
WHERE u.unit_key = :key AND {scope_sql("h.prefecture_adcode")}
ORDER BY h.held_from, h.id
"""


def holds(engine: sa.Engine, unit_key: str, scope: Scope) -> list[dict]:
    """The unit's holds, oldest first: held_from, released_on (None: still held), decision."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(HOLDS_SQL), {"key": unit_key} | scope.params()).mappings()
        return [dict(r) for r in rows]


def held_on(found: list[dict], on: dt.date) -> dict | None:
    """The hold in force on ``on``, if any."""
    for hold in found:
        if hold["held_from"] <= on and (hold["released_on"] is None or hold["released_on"] > on):
            return hold
    return None
