"""Units whose exit a substantiated report disputes (unit_hold, migration 0007): the holds on a
unit's released quota, for the unit page. Read in the caller's scope (by the unit's prefecture;
the database's policy filters too), now or as known on a day (migration 0010's record times)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from exitmap.clock import end_of
from exitmap.scope import Scope, scope_sql

# As known on a day (``:known``, NULL: now): the holds recorded by then, and their lifting only
# if the office's decision was recorded by then too.
HOLDS_SQL = f"""
SELECT h.held_from,
       CASE WHEN CAST(:known AS timestamptz) IS NULL OR h.released_at < :known
            THEN h.released_on END AS released_on,
       CASE WHEN CAST(:known AS timestamptz) IS NULL OR h.released_at < :known
            THEN h.decision END AS decision
FROM unit_hold h JOIN unit u ON u.id = h.unit_id
WHERE u.unit_key = :key AND {scope_sql("h.prefecture_adcode")}
      AND (CAST(:known AS timestamptz) IS NULL OR h.recorded_at < :known)
ORDER BY h.held_from, h.id
"""


def holds(
    engine: sa.Engine, unit_key: str, scope: Scope, known_on: dt.date | None = None
) -> list[dict]:
    """The unit's holds, oldest first: held_from, released_on (None: still held), decision —
    as known on ``known_on`` if given."""
    known = end_of(known_on) if known_on else None
    params = {"key": unit_key, "known": known} | scope.params()
    with engine.connect() as conn:
        rows = conn.execute(sa.text(HOLDS_SQL), params).mappings()
        return [dict(r) for r in rows]


def held_on(found: list[dict], on: dt.date) -> dict | None:
    """The hold in force on ``on``, if any."""
    for hold in found:
        if hold["held_from"] <= on and (hold["released_on"] is None or hold["released_on"] > on):
            return hold
    return None
