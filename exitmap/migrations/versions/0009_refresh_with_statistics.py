"""Refresh history with fresh planner statistics after bulk changes.

Inserting 270,000 events into a database whose statistics still describe a few thousand led
the planner to nested loops over unit_event in the refresh: cloning 100,000 units took 297 s.
``refresh_marked_units()`` analyses the marked-units table, and after a bulk change the two
tables the refresh reads, before refreshing; the trigger, the loader and the policy sync
call it.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Beyond this many units in one change, unit_event's statistics are likely stale.
BULK_UNITS = 1000

REFRESH_MARKED = f"""
CREATE FUNCTION refresh_marked_units() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    marked bigint;
BEGIN
    ANALYZE refresh_units;
    SELECT count(*) INTO marked FROM refresh_units;
    IF marked > {BULK_UNITS} THEN
        ANALYZE unit_event;
        ANALYZE unit;
    END IF;
    PERFORM unit_event_refresh();
END
$$
"""

TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION unit_history_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1
       OR current_setting('exitmap.history_written', true) = 'on' THEN
        RETURN NULL;
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS refresh_units (unit_id integer PRIMARY KEY)
        ON COMMIT DELETE ROWS;
    TRUNCATE refresh_units;
    IF TG_TABLE_NAME = 'unit' THEN
        INSERT INTO refresh_units SELECT DISTINCT id FROM changed;
    ELSE
        INSERT INTO refresh_units SELECT DISTINCT unit_id FROM changed;
    END IF;
    PERFORM set_config('exitmap.history_written', 'on', true);
    PERFORM refresh_marked_units();
    PERFORM set_config('exitmap.history_written', 'off', true);
    RETURN NULL;
END
$$
"""


def _migration(name: str):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(name))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    op.execute(
        "CREATE TEMP TABLE IF NOT EXISTS refresh_units (unit_id integer PRIMARY KEY) "
        "ON COMMIT DELETE ROWS"
    )
    op.execute(REFRESH_MARKED)
    op.execute(TRIGGER_FUNCTION)


def downgrade() -> None:
    op.execute(_migration("0007_unit_event_evaluation.py").TRIGGER_FUNCTION)
    op.execute("DROP FUNCTION refresh_marked_units()")
