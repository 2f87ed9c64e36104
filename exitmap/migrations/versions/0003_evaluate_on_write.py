"""Evaluate events as they are written, not after; firms' references checked per load.

Under 0002 a first load of 100,000 units wrote every event twice: the bare event, then
``unit_event_refresh`` gave it its history facts, unit copies and evaluation — a second row
version of every row, and most of the load's time. Now the evaluation is a query,
``evaluated_events()``, over the temporary table ``event_input`` (bare events). It yields
whole ``unit_event`` rows, so a writer that creates units inserts their events evaluated
(etl/load.py), and a refresh copies existing events into ``event_input`` and updates from the
same query. What is computed is unchanged from 0002: both run ``evaluation()`` of
``exitmap/migrations/fragments.py``, 0002 over the marked units' events, 0003 over
``event_input``.

Writing 100,000 units also paid for things no reader uses: the foreign keys of
``enterprise`` (the loader checks a load's administrative codes once, as for ``unit`` in 0001),
``unit``'s indexes on firm and prefecture (every view reads units whole or by id or key) and
``unit.row_hash`` (an md5 per row in Python, to tell changed units from unchanged ones; the
loader now compares the fields themselves).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from exitmap.migrations.fragments import (
    BARE,
    BARE_NAMES,
    BULK_UNITS,
    MARKED_EVENTS,
    MARKED_TABLE,
    REFRESH_0002,
    REFRESH_MARKED_0002,
    evaluation,
    refresh_update,
)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

EVENT_INPUT = (
    "CREATE TEMP TABLE IF NOT EXISTS event_input "
    f"({', '.join(f'{n} {t}' for n, t in BARE)}) ON COMMIT DELETE ROWS"
)

EVALUATED = f"""
CREATE FUNCTION evaluated_events() RETURNS SETOF unit_event LANGUAGE sql STABLE AS $$
{evaluation("event_input")}$$
"""

REFRESH = f"""
CREATE OR REPLACE FUNCTION unit_event_refresh() RETURNS void LANGUAGE sql AS $$
{refresh_update("evaluated_events()")}$$
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
    IF marked > {BULK_UNITS} THEN
        -- Only what the refresh joins on: all of unit's columns took half a second.
        ANALYZE unit_event (id, unit_id);
        ANALYZE unit (id);
    END IF;
    PERFORM event_input_open();
    INSERT INTO event_input
        SELECT {", ".join(f"ev.{c}" for c in BARE_NAMES)}
        FROM {MARKED_EVENTS};
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
    op.execute(MARKED_TABLE)
    op.execute(REFRESH_0002)
    op.execute(REFRESH_MARKED_0002)
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
