"""Writing history: observations, the timelines derived from them, evaluated (0002–0004).

A load records what it says of each new or changed unit as an *observation* (what a register
stated, dated by the register, valid from its exit date for an exit). A unit's timeline is
derived from all its observations, oldest recorded first, each overriding the earlier ones
from its valid date on; before the first date it holds, a unit with an exit category is in
scope from the policy's start (or its 问题认定日期, if later) in a derived state the register
did not state. A changed unit's whole timeline is written anew as a version recorded at the
load's time, closing the previous one (``superseded_at``): the record-time view keeps what was
said before (migration 0004).

Any other write to unit_event or unit fires a statement trigger that re-evaluates the current
rows of the units touched. A writer that changes many units at once says so
(``writing_history``), so the trigger stands aside, and writes its units' timelines evaluated
(``write_timelines``) or refreshes the units it changed in one pass (``refresh_history``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa

# What a writer states about an event, in the order of event_input's columns (0003, 0004).
EVENT_INPUT_COLUMNS = (
    "id, unit_id, event_date, status, previous_status, category, rectify_deadline, "
    "actual_exit_date, load_id, recorded_at, superseded_at, derived"
)
OBSERVATION_COLUMNS = (
    "unit_id, load_id, observed_on, valid_from, status, category, rectify_deadline, "
    "actual_exit_date"
)


def valid_from_sql(row: str, as_of: str, same_exit: str = "false") -> str:
    """From when an observation of ``row`` (status, actual_exit_date[_precision]) holds: its
    exit date for an exit status that gives one (the month's end for a month), never after
    the register's date ``as_of`` (an exit dated later is flagged by the read, as before).

    ``same_exit``: SQL true when the unit had already exited on that date (已关停 now 已拆除):
    the exit is old news, the new status holds from ``as_of``.
    """
    exit_date = (
        f"CASE WHEN {row}.actual_exit_date_precision = 'month' THEN "
        f"(date_trunc('month', {row}.actual_exit_date) + interval '1 month - 1 day')::date "
        f"ELSE {row}.actual_exit_date END"
    )
    return (
        f"CASE WHEN {row}.actual_exit_date IS NOT NULL AND {_is_exit(row + '.status')} "
        f"AND NOT ({same_exit}) THEN LEAST({exit_date}, {as_of}) ELSE {as_of} END"
    )


def _is_exit(status: str) -> str:
    return f"EXISTS (SELECT 1 FROM status_class x WHERE x.status = {status} AND x.class = 'exited')"


def same_exit_sql(row: str, old: str) -> str:
    """SQL true when ``row`` restates the exit date of an exit ``old`` already reported."""
    return (
        f"{old}.old_actual_exit_date IS NOT DISTINCT FROM {row}.actual_exit_date "
        f"AND {_is_exit(old + '.old_status')}"
    )


# The timelines of the units in rebuild_units, from their observations: an observation shows
# where no later-recorded one holds from an earlier or equal date. An exit dated later by a
# later register (its 实际退出日期 corrected forward, no return to production reported in
# between) is withdrawn: the unit had not exited then.
TIMELINE_SQL = f"""
INSERT INTO event_input ({EVENT_INPUT_COLUMNS})
WITH kept AS (
    SELECT o.* FROM unit_observation o JOIN rebuild_units r ON r.unit_id = o.unit_id
    WHERE NOT ({_is_exit("o.status")} AND EXISTS (
        SELECT 1 FROM unit_observation j
        WHERE j.unit_id = o.unit_id AND j.id > o.id AND j.valid_from > o.valid_from
          AND j.actual_exit_date IS DISTINCT FROM o.actual_exit_date
          AND {_is_exit("j.status")}
          AND NOT EXISTS (
              SELECT 1 FROM unit_observation k
              WHERE k.unit_id = o.unit_id AND k.id > o.id AND NOT {_is_exit("k.status")}
                AND k.valid_from > o.valid_from AND k.valid_from < j.valid_from)))
),
seen AS (
    SELECT o.*, min(o.valid_from) OVER (
               PARTITION BY o.unit_id ORDER BY o.id DESC
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS overridden_from
    FROM kept o
),
shown AS (
    SELECT * FROM seen WHERE overridden_from IS NULL OR valid_from < overridden_from
),
earliest AS (
    SELECT DISTINCT ON (s.unit_id) s.*, COALESCE(s.category, u.category) AS in_category,
           GREATEST(CAST(:scope_start AS date), u.identified_date) AS scope_from
    FROM shown s JOIN unit u ON u.id = s.unit_id
    ORDER BY s.unit_id, s.valid_from
),
timeline AS (
    SELECT unit_id, valid_from AS event_date, status, category, rectify_deadline,
           actual_exit_date, load_id, false AS derived
    FROM shown
    UNION ALL
    -- Before its first stated date: in scope from the policy's start, state not stated.
    SELECT unit_id, scope_from, NULL, category, rectify_deadline, NULL, load_id, true
    FROM earliest
    WHERE in_category IS NOT NULL AND scope_from < valid_from
)
SELECT nextval('unit_event_id_seq'), unit_id, event_date, status,
       lag(status) OVER (PARTITION BY unit_id ORDER BY event_date), category,
       rectify_deadline, actual_exit_date, load_id, CAST(:recorded_at AS timestamptz), NULL,
       derived
FROM timeline
"""


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

    Only for units without current events: their history is these events alone. The event
    ids must come from unit_event's sequence.
    """
    return conn.execute(sa.text("INSERT INTO unit_event SELECT * FROM evaluated_events()")).rowcount


def first_timeline_sql(created: str, as_of: str) -> str:
    """CTEs ``observed`` and ``staged`` for units just created (``created``: id, status,
    category, rectify_deadline, actual_exit_date[_precision], identified_date, first_load_id):
    record their first observation and put their whole timeline into event_input — what
    TIMELINE_SQL would derive from one observation, without its windows (a first load of
    100,000 units). Binds :recorded_at and :scope_start."""
    derived_from = f"GREATEST(CAST(:scope_start AS date), {created}.identified_date)"
    return f"""
    observed AS (
        INSERT INTO unit_observation ({OBSERVATION_COLUMNS})
        SELECT c.id, c.first_load_id, {as_of}, {valid_from_sql("c", as_of)}, c.status,
               c.category, c.rectify_deadline, c.actual_exit_date
        FROM {created} c
        RETURNING unit_id, load_id, valid_from, status, category, rectify_deadline,
                  actual_exit_date
    ),
    staged AS (
        INSERT INTO event_input ({EVENT_INPUT_COLUMNS})
        SELECT nextval('unit_event_id_seq'), o.unit_id, t.event_date, t.status, NULL,
               o.category, o.rectify_deadline, t.actual_exit_date, o.load_id,
               CAST(:recorded_at AS timestamptz), NULL, t.derived
        FROM observed o JOIN {created} ON {created}.id = o.unit_id
        CROSS JOIN LATERAL (VALUES
            (o.valid_from, o.status, o.actual_exit_date, false),
            ({derived_from}, NULL, NULL, true)
        ) AS t(event_date, status, actual_exit_date, derived)
        -- The derived state before the first stated date, for a unit with an exit category.
        WHERE NOT t.derived OR (o.category IS NOT NULL AND t.event_date < o.valid_from)
        RETURNING 1
    )"""


def write_timelines(
    conn: sa.Connection, units_sql: str, recorded_at: object, scope_start: object
) -> int:
    """Write the timelines of the units ``units_sql`` selects as versions recorded at
    ``recorded_at``, closing their current rows, with whatever event_input already holds
    (new units' timelines, ``first_timeline_sql``). Returns the rows written."""
    conn.execute(
        sa.text(
            "CREATE TEMP TABLE IF NOT EXISTS rebuild_units (unit_id integer PRIMARY KEY) "
            "ON COMMIT DROP"
        )
    )
    conn.execute(sa.text("TRUNCATE rebuild_units"))
    rebuilt = conn.execute(sa.text(f"INSERT INTO rebuild_units {units_sql}")).rowcount
    if rebuilt:
        conn.execute(sa.text("ANALYZE rebuild_units"))
        conn.execute(
            sa.text(
                "UPDATE unit_event e SET superseded_at = :recorded_at FROM rebuild_units r "
                "WHERE r.unit_id = e.unit_id AND e.superseded_at IS NULL"
            ),
            {"recorded_at": recorded_at},
        )
        params = {"recorded_at": recorded_at, "scope_start": scope_start}
        conn.execute(sa.text(TIMELINE_SQL), params)
    return insert_evaluated(conn)
