"""Refreshing events' history facts, unit copies and evaluation (migration 0002) in bulk.

Any write to unit_event or unit fires a statement trigger that refreshes the units touched.
A writer that changes many units at once says so (``writing_history``), so the trigger stands
aside, and refreshes them itself in one pass at the end (``refresh_history``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa


@contextlib.contextmanager
def writing_history(conn: sa.Connection) -> Iterator[None]:
    """Inside: the history trigger skips this transaction's writes."""
    conn.execute(sa.text("SELECT set_config('exitmap.history_written', 'on', true)"))
    yield
    conn.execute(sa.text("SELECT set_config('exitmap.history_written', 'off', true)"))


def refresh_history(conn: sa.Connection, units_sql: str, params: dict | None = None) -> None:
    """Refresh every event of the units ``units_sql`` selects (one column of unit ids)."""
    conn.execute(
        sa.text(
            "CREATE TEMP TABLE IF NOT EXISTS refresh_units (unit_id integer PRIMARY KEY) "
            "ON COMMIT DELETE ROWS"
        )
    )
    conn.execute(sa.text("TRUNCATE refresh_units"))
    conn.execute(sa.text(f"INSERT INTO refresh_units {units_sql}"), params or {})
    conn.execute(sa.text("SELECT refresh_marked_units()"))
