"""History facts on each event, so replaying a date needs no look-back through history.

- ``ever_extended``: an extension status (延期整改) was recorded at or before this event;
- ``exit_since``: for an exit status, the date the current unbroken run of exits began
  (已关停 then 已拆除 exited on the first), else null.
Which statuses are exits or extensions is policy data (data/policy/deadlines.toml); the table
``status_class`` holds it for SQL, seeded here and re-synced by ``exitmap db migrate``
(etl/policy_sync.py). The refresh also keeps ``valid_to`` (migration 0002).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SEED = {
    "exited": ("已关停", "已拆除", "已转产"),
    "rectified": ("已改造达标",),
    "extension": ("延期整改",),
    "operating": ("在产",),
}

REFRESH = """
CREATE FUNCTION unit_event_refresh_history(unit_ids integer[]) RETURNS void
LANGUAGE sql AS $$
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
                   -- Exits in an unbroken run share the count of non-exits before them.
                   count(*) FILTER (WHERE NOT is_exit) OVER w AS run
            FROM (
                SELECT ev.id, ev.unit_id, ev.event_date,
                       EXISTS (SELECT 1 FROM status_class s
                               WHERE s.status = ev.status AND s.class = 'exited') AS is_exit,
                       EXISTS (SELECT 1 FROM status_class s
                               WHERE s.status = ev.status AND s.class = 'extension')
                           AS is_extension
                FROM unit_event ev
                WHERE ev.unit_id = ANY(unit_ids)
            ) classified
            WINDOW w AS (PARTITION BY unit_id ORDER BY event_date, id)
        ) ordered
    ) n
    WHERE e.id = n.id
      AND (e.valid_to, e.ever_extended, e.exit_since)
          IS DISTINCT FROM (n.valid_to, n.ever_extended, n.exit_since)
$$
"""

TRIGGER_FUNCTION = """
CREATE FUNCTION unit_event_history_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The refresh's own UPDATE fires the update trigger again: nothing to do at that depth.
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    PERFORM unit_event_refresh_history(ARRAY(SELECT DISTINCT unit_id FROM changed));
    RETURN NULL;
END
$$
"""

# One trigger per kind of change: transition tables allow only one event per trigger.
TRIGGERS = {
    "unit_event_valid_to_insert": "AFTER INSERT ON unit_event REFERENCING NEW TABLE AS changed",
    "unit_event_valid_to_update": "AFTER UPDATE ON unit_event REFERENCING NEW TABLE AS changed",
    "unit_event_valid_to_delete": "AFTER DELETE ON unit_event REFERENCING OLD TABLE AS changed",
}


def _create_triggers(function: str) -> None:
    for name, when in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT EXECUTE FUNCTION {function}()")


def _drop_triggers() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON unit_event")


def upgrade() -> None:
    op.create_table(
        "status_class",
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("class", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("status", "class"),
    )
    op.bulk_insert(
        sa.table("status_class", sa.column("status"), sa.column("class")),
        [{"status": s, "class": c} for c, statuses in SEED.items() for s in statuses],
    )
    op.add_column(
        "unit_event",
        sa.Column("ever_extended", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("unit_event", sa.Column("exit_since", sa.Date(), nullable=True))
    _drop_triggers()
    op.execute("DROP FUNCTION unit_event_refresh_valid_to()")
    op.execute(REFRESH)
    op.execute(TRIGGER_FUNCTION)
    _create_triggers("unit_event_history_trigger")
    op.execute("SELECT unit_event_refresh_history(ARRAY(SELECT DISTINCT unit_id FROM unit_event))")


def downgrade() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("0002_unit_event_valid_to.py")
    spec = importlib.util.spec_from_file_location("exitmap_migration_0002", path)
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    _drop_triggers()
    op.execute("DROP FUNCTION unit_event_history_trigger()")
    op.execute("DROP FUNCTION unit_event_refresh_history(integer[])")
    op.execute(previous.REFRESH)
    _create_triggers("unit_event_refresh_valid_to")
    op.drop_column("unit_event", "exit_since")
    op.drop_column("unit_event", "ever_extended")
    op.drop_table("status_class")
