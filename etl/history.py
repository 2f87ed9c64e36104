"""Writing events with their history facts, unit copies and evaluation (migrations 0002, 0003).

Any write to unit_event or unit fires a statement trigger that refreshes the units touched.
A writer that changes many units at once says so (``writing_history``), so the trigger stands
aside. The writer then inserts the events of units that had none already evaluated
(``open_event_input``, fill event_input, ``insert_evaluated``), and refreshes the units it
changed in one pass at the end (``refresh_history``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa

# What a writer states about an event, in the order of event_input's columns (0003).
EVENT_INPUT_COLUMNS = (
    "id, unit_id, event_date, status, previous_status, category, rectify_deadline, "
    "actual_exit_date, load_id"
)


@contextlib.contextmanager
def writing_history(conn: sa.Connection) -> Iterator[None]:
    """Inside: the history trigger skips this transaction's writes."""
    conn.execute(sa.text("SELECT set_config('exitmap.history_written', 'on', true)"))
    yield
    conn.execute(sa.text("SELECT set_config('exitmap.history_written', 'off', true)"))


def refresh_history(conn: sa.Connection, units_sql: str) -> None:
    """Refresh every event of the units ``units_sql`` selects (one column of unit ids)."""
    conn.execute(
        sa.text(
            "CREATE TEMP TABLE IF NOT EXISTS refresh_units (unit_id integer PRIMARY KEY) "
            "ON COMMIT DELETE ROWS"
        )
    )
    conn.execute(sa.text("TRUNCATE refresh_units"))
    conn.execute(sa.text(f"INSERT INTO refresh_units {units_sql}"))
    conn.execute(sa.text("SELECT refresh_marked_units()"))


def open_event_input(conn: sa.Connection) -> None:
    """An empty event_input (EVENT_INPUT_COLUMNS) for this transaction's new events."""
    conn.execute(sa.text("SELECT event_input_open()"))


def insert_evaluated(conn: sa.Connection) -> int:
    """Insert the events in event_input, evaluated.

    Only for units without events so far: their history is these events alone. The event
    ids must come from unit_event's sequence.
    """
    return conn.execute(sa.text("INSERT INTO unit_event SELECT * FROM evaluated_events()")).rowcount
