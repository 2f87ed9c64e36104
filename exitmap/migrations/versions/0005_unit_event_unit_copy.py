"""Each event carries a copy of its unit's register fields, so replaying a date is one scan.

The as-of views read, for every unit, its event valid on D and about a dozen of the unit's
fields (prefecture, sub-industry, energy, declared category and dates). Joining 100,000 units
to their events cost more than everything else in the standing query; the copy (columns
prefixed ``u_``) removes the join. Copies follow the unit: the history refresh (migration 0003)
now also copies, and a statement trigger on ``unit`` refreshes the events of changed units.
The loader writes the copies and history facts itself and marks its transaction
(``exitmap.history_written``) so the insert trigger does not redo them.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

PRECISION = postgresql.ENUM("day", "month", name="date_precision", create_type=False)
# (copy column, unit column, type)
COPIES = (
    ("u_prefecture_adcode", "prefecture_adcode", sa.Integer()),
    ("u_sector", "sector", sa.Text()),
    ("u_sub_industry", "sub_industry", sa.Text()),
    ("u_energy_tce", "energy_tce", sa.Float()),
    ("u_electricity_10k_kwh", "electricity_10k_kwh", sa.Float()),
    ("u_category", "category", sa.Text()),
    ("u_identified_date", "identified_date", sa.Date()),
    ("u_identified_date_precision", "identified_date_precision", PRECISION),
    ("u_rectify_deadline", "rectify_deadline", sa.Date()),
    ("u_rectify_deadline_precision", "rectify_deadline_precision", PRECISION),
    ("u_actual_exit_date", "actual_exit_date", sa.Date()),
    ("u_actual_exit_date_precision", "actual_exit_date_precision", PRECISION),
)
_SET = ", ".join(f"{c} = u.{src}" for c, src, _ in COPIES)
_DIFF = " OR ".join(f"e.{c} IS DISTINCT FROM u.{src}" for c, src, _ in COPIES)

# The history facts (as in 0003), then the unit copies, for the units in the temp table
# ``refresh_units``; a function taking a table, not an array, so 100k units stay a hash join.
REFRESH = f"""
CREATE FUNCTION unit_event_refresh() RETURNS void LANGUAGE sql AS $$
    UPDATE unit_event e
    SET valid_to = n.valid_to, ever_extended = n.ever_extended, exit_since = n.exit_since
    FROM (
        SELECT id, valid_to, ever_extended,
               CASE WHEN is_exit THEN
                   min(event_date) FILTER (WHERE is_exit) OVER (PARTITION BY unit_id, run)
               END AS exit_since
        FROM (
            SELECT id, unit_id, event_date, is_exit,
                   lead(event_date) OVER w AS valid_to,
                   bool_or(is_extension) OVER w AS ever_extended,
                   count(*) FILTER (WHERE NOT is_exit) OVER w AS run
            FROM (
                SELECT ev.id, ev.unit_id, ev.event_date,
                       EXISTS (SELECT 1 FROM status_class s
                               WHERE s.status = ev.status AND s.class = 'exited') AS is_exit,
                       EXISTS (SELECT 1 FROM status_class s
                               WHERE s.status = ev.status AND s.class = 'extension')
                           AS is_extension
                FROM unit_event ev JOIN refresh_units r ON r.unit_id = ev.unit_id
            ) classified
            WINDOW w AS (PARTITION BY unit_id ORDER BY event_date, id)
        ) ordered
    ) n
    WHERE e.id = n.id
      AND (e.valid_to, e.ever_extended, e.exit_since)
          IS DISTINCT FROM (n.valid_to, n.ever_extended, n.exit_since);
    UPDATE unit_event e SET {_SET}
    FROM unit u JOIN refresh_units r ON r.unit_id = u.id
    WHERE e.unit_id = u.id AND ({_DIFF});
$$
"""

TRIGGER_FUNCTION = """
CREATE FUNCTION unit_history_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The refresh's own UPDATE fires the update trigger again: nothing to do at that depth.
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    -- The loader writes history facts and copies with its events (etl/load.py).
    IF TG_TABLE_NAME = 'unit_event' AND TG_OP = 'INSERT'
       AND current_setting('exitmap.history_written', true) = 'on' THEN
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
    PERFORM unit_event_refresh();
    RETURN NULL;
END
$$
"""

EVENT_TRIGGERS = {
    "unit_event_valid_to_insert": "AFTER INSERT ON unit_event REFERENCING NEW TABLE AS changed",
    "unit_event_valid_to_update": "AFTER UPDATE ON unit_event REFERENCING NEW TABLE AS changed",
    "unit_event_valid_to_delete": "AFTER DELETE ON unit_event REFERENCING OLD TABLE AS changed",
}
UNIT_TRIGGERS = {
    "unit_copy_update": "AFTER UPDATE ON unit REFERENCING NEW TABLE AS changed",
}


def _migration(name: str):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(name))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    for column, _, type_ in COPIES:
        op.add_column("unit_event", sa.Column(column, type_, nullable=True))
    op.execute(f"UPDATE unit_event e SET {_SET} FROM unit u WHERE u.id = e.unit_id")
    for name in EVENT_TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON unit_event")
    op.execute("DROP FUNCTION unit_event_history_trigger()")
    op.execute("DROP FUNCTION unit_event_refresh_history(integer[])")
    # refresh_units must exist for the function body to be checked at creation.
    op.execute(
        "CREATE TEMP TABLE IF NOT EXISTS refresh_units (unit_id integer PRIMARY KEY) "
        "ON COMMIT DELETE ROWS"
    )
    op.execute(REFRESH)
    op.execute(TRIGGER_FUNCTION)
    for name, when in {**EVENT_TRIGGERS, **UNIT_TRIGGERS}.items():
        op.execute(
            f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT "
            "EXECUTE FUNCTION unit_history_trigger()"
        )


def downgrade() -> None:
    for name in EVENT_TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON unit_event")
    for name in UNIT_TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON unit")
    op.execute("DROP FUNCTION unit_history_trigger()")
    op.execute("DROP FUNCTION unit_event_refresh()")
    op.execute(_migration("0003_unit_event_history_fields.py").REFRESH)
    op.execute(
        "CREATE FUNCTION unit_event_history_trigger() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "    IF pg_trigger_depth() > 1 THEN RETURN NULL; END IF;\n"
        "    PERFORM unit_event_refresh_history(ARRAY(SELECT DISTINCT unit_id FROM changed));\n"
        "    RETURN NULL;\n"
        "END\n$$"
    )
    for name, when in EVENT_TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT "
            "EXECUTE FUNCTION unit_event_history_trigger()"
        )
    for column, _, _ in COPIES:
        op.drop_column("unit_event", column)
