"""Evaluate events as they are written, not after; firms' references checked per load.

Under 0002 a first load of 100,000 units wrote every event twice: the bare event, then
``unit_event_refresh`` gave it its history facts, unit copies and evaluation — a second row
version of every row, and most of the load's time. Now the evaluation is a query,
``evaluated_events()``, over the temporary table ``event_input`` (bare events). It yields
whole ``unit_event`` rows, so a writer that creates units inserts their events evaluated
(etl/load.py), and a refresh copies existing events into ``event_input`` and updates from the
same query. What is computed is unchanged from 0002; the four status-class look-ups are now
one join.

Writing 100,000 units also paid for things no reader uses: the foreign keys of
``enterprise`` (the loader checks a load's administrative codes once, as for ``unit`` in 0001),
``unit``'s indexes on firm and prefecture (every view reads units whole or by id or key) and
``unit.row_hash`` (an md5 per row in Python, to tell changed units from unchanged ones; the
loader now compares the fields themselves).

Revision ID: 0003
Revises: 0002
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _load_0002():
    """0002's definitions: the downgrade restores them, and the columns are the same."""
    path = Path(__file__).with_name("0002_history_machinery.py")
    spec = importlib.util.spec_from_file_location("exitmap_migration_0002", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_0002 = _load_0002()
COPIES = _0002.COPIES
WRITTEN = _0002.WRITTEN
_eom, _plus, _EXT = _0002._eom, _0002._plus, _0002._EXT

# What a register says about an event; unit_event's first columns, in the table's order.
BARE = (
    ("id", "integer"),
    ("unit_id", "integer"),
    ("event_date", "date"),
    ("status", "text"),
    ("previous_status", "text"),
    ("category", "text"),
    ("rectify_deadline", "date"),
    ("actual_exit_date", "date"),
    ("load_id", "integer"),
)
BARE_NAMES = tuple(name for name, _ in BARE)
EVENT_INPUT = (
    "CREATE TEMP TABLE IF NOT EXISTS event_input "
    f"({', '.join(f'{n} {t}' for n, t in BARE)}) ON COMMIT DELETE ROWS"
)

EVALUATED = f"""
CREATE FUNCTION evaluated_events() RETURNS SETOF unit_event LANGUAGE sql STABLE AS $$
    SELECT {", ".join(("d." if c == "e_deadline" else "v.") + c for c in (*BARE_NAMES, *WRITTEN))}
    FROM (
        -- Evaluation under the policy: what the state means, whatever the date.
        SELECT h.*,
               CASE WHEN h.e_is_exit THEN
                   COALESCE(CASE WHEN h.actual_exit_date = h.u_actual_exit_date
                                  AND h.u_actual_exit_date_precision = 'month'
                                 THEN {_eom("h.u_actual_exit_date")}
                                 ELSE h.actual_exit_date END,
                            h.exit_since)
               END AS e_exit_date,
               -- An event that restates the unit's own deadline keeps its precision.
               CASE WHEN COALESCE(h.rectify_deadline, h.u_rectify_deadline)
                         = h.u_rectify_deadline
                     AND h.u_rectify_deadline_precision = 'month'
                    THEN {_eom("h.u_rectify_deadline")}
                    ELSE COALESCE(h.rectify_deadline, h.u_rectify_deadline)
               END AS e_rectify_deadline,
               pc.kind AS e_deadline_kind, pc.fixed_deadline AS e_fixed_deadline,
               COALESCE(pc.must_suspend, false) AS e_must_suspend,
               CASE WHEN pc.kind = 'identified_plus_months' THEN
                   CASE WHEN h.u_identified_date_precision = 'month'
                        THEN {_eom(_plus("pc.months"))}
                        ELSE ({_plus("pc.months")})::date END
               END AS e_base_deadline,
               CASE WHEN pc.kind = 'identified_plus_months' THEN
                   CASE WHEN h.u_identified_date_precision = 'month'
                        THEN {_eom(_plus(_EXT))}
                        ELSE ({_plus(_EXT)})::date END
               END AS e_cap_deadline
        FROM (
            -- History facts and the unit's register fields.
            SELECT w.*,
                   CASE WHEN w.e_is_exit THEN
                       min(w.event_date) FILTER (WHERE w.e_is_exit)
                           OVER (PARTITION BY w.unit_id, w.run)
                   END AS exit_since,
                   COALESCE(w.category, u.category) AS e_category,
                   {", ".join(f"u.{src} AS {c}" for c, src in COPIES)}
            FROM (
                SELECT c.*,
                       lead(c.event_date) OVER o AS valid_to,
                       bool_or(c.is_extension) OVER o AS ever_extended,
                       -- Exits in an unbroken run share the count of non-exits before.
                       count(*) FILTER (WHERE NOT c.e_is_exit) OVER o AS run
                FROM (
                    SELECT ev.*,
                           COALESCE(sc.exited, false) AS e_is_exit,
                           COALESCE(sc.extension, false) AS is_extension,
                           COALESCE(sc.rectified, false) AS e_is_rectified,
                           COALESCE(sc.operating, false) AS e_is_operating
                    FROM event_input ev
                    LEFT JOIN (
                        SELECT status, bool_or(class = 'exited') AS exited,
                               bool_or(class = 'extension') AS extension,
                               bool_or(class = 'rectified') AS rectified,
                               bool_or(class = 'operating') AS operating
                        FROM status_class GROUP BY status
                    ) sc ON sc.status = ev.status
                ) c
                WINDOW o AS (PARTITION BY c.unit_id ORDER BY c.event_date, c.id)
            ) w
            JOIN unit u ON u.id = w.unit_id
        ) h
        LEFT JOIN policy_category pc ON pc.category = h.e_category
    ) v,
    LATERAL (
        SELECT CASE v.e_deadline_kind
            WHEN 'fixed' THEN v.e_fixed_deadline
            WHEN 'rectify_deadline' THEN v.e_rectify_deadline
            WHEN 'identified_plus_months' THEN CASE
                WHEN v.e_base_deadline IS NULL THEN v.e_rectify_deadline
                WHEN v.e_rectify_deadline > v.e_cap_deadline THEN v.e_cap_deadline
                WHEN v.e_rectify_deadline > v.e_base_deadline THEN v.e_rectify_deadline
                WHEN v.ever_extended THEN v.e_cap_deadline
                WHEN v.e_rectify_deadline IS NOT NULL THEN v.e_rectify_deadline
                ELSE v.e_base_deadline END
        END AS e_deadline
    ) d
$$
"""

REFRESH = f"""
CREATE OR REPLACE FUNCTION unit_event_refresh() RETURNS void LANGUAGE sql AS $$
    UPDATE unit_event e SET {", ".join(f"{c} = x.{c}" for c in WRITTEN)}
    FROM evaluated_events() x
    WHERE e.id = x.id
      AND ({", ".join(f"e.{c}" for c in WRITTEN)})
          IS DISTINCT FROM ({", ".join(f"x.{c}" for c in WRITTEN)})
$$
"""

# An empty event_input for this transaction, created on a session's first use.
EVENT_INPUT_OPEN = f"""
CREATE FUNCTION event_input_open() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    {EVENT_INPUT};
    TRUNCATE event_input;
END
$$
"""

REFRESH_MARKED = f"""
CREATE OR REPLACE FUNCTION refresh_marked_units() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    marked bigint;
BEGIN
    ANALYZE refresh_units;
    SELECT count(*) INTO marked FROM refresh_units;
    IF marked > {_0002.BULK_UNITS} THEN
        -- Only what the refresh joins on: all of unit's columns took half a second.
        ANALYZE unit_event (id, unit_id);
        ANALYZE unit (id);
    END IF;
    PERFORM event_input_open();
    INSERT INTO event_input
        SELECT {", ".join(f"ev.{c}" for c in BARE_NAMES)}
        FROM unit_event ev JOIN refresh_units r ON r.unit_id = ev.unit_id;
    ANALYZE event_input;
    PERFORM unit_event_refresh();
END
$$
"""


def upgrade() -> None:
    op.drop_index("ix_unit_enterprise_id", table_name="unit")
    op.drop_index("ix_unit_prefecture_adcode", table_name="unit")
    op.drop_column("unit", "row_hash")
    op.drop_constraint("enterprise_county_adcode_fkey", "enterprise", type_="foreignkey")
    op.drop_constraint("enterprise_prefecture_adcode_fkey", "enterprise", type_="foreignkey")
    # The functions name event_input; it must exist for their bodies to be checked.
    op.execute(EVENT_INPUT)
    op.execute(EVALUATED)
    op.execute(REFRESH)
    op.execute(EVENT_INPUT_OPEN)
    op.execute(REFRESH_MARKED)


def downgrade() -> None:
    op.execute("DROP FUNCTION refresh_marked_units()")
    op.execute("DROP FUNCTION event_input_open()")
    op.execute("DROP FUNCTION unit_event_refresh()")
    op.execute("DROP FUNCTION evaluated_events()")
    op.execute(_0002.MARKED_TABLE)
    op.execute(_0002.REFRESH)
    op.execute(_0002.REFRESH_MARKED)
    op.create_foreign_key(
        "enterprise_prefecture_adcode_fkey",
        "enterprise",
        "prefecture",
        ["prefecture_adcode"],
        ["adcode"],
    )
    op.create_foreign_key(
        "enterprise_county_adcode_fkey", "enterprise", "county", ["county_adcode"], ["adcode"]
    )
    # The hashes are gone: an empty one makes the next load rewrite (not re-date) each unit.
    op.add_column("unit", sa.Column("row_hash", sa.String(32), nullable=False, server_default=""))
    op.alter_column("unit", "row_hash", server_default=None)
    op.create_index("ix_unit_prefecture_adcode", "unit", ["prefecture_adcode"])
    op.create_index("ix_unit_enterprise_id", "unit", ["enterprise_id"])
