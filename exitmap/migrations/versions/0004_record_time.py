"""Record time beside valid time: what was known when, and the observations history comes from.

Until now a unit's history was a list of status changes dated by the load's ``--as-of``, and a
load that changed a unit rewrote its events in place: the database knew the past only from
the day it was first fed, and forgot what it had said before a correction. Now:

- ``unit_observation``: what each load said of a unit (status, category, 整改期限, 实际退出日期),
  with the register's date (``observed_on``) and the date it holds from (``valid_from``: the
  exit date for an exit, else the register's date). A unit's timeline is derived from all its
  observations, the later recorded overriding the earlier from their valid date on
  (etl/history.py).
- ``unit_event`` rows are versions of that derived timeline: ``recorded_at`` (when the load
  that wrote them was recorded) and ``superseded_at`` (when a later load replaced the unit's
  timeline; NULL while current). A load that changes a unit writes its whole timeline anew and
  closes the old rows; nothing is updated in place but the evaluation. ``derived`` marks the
  state before a unit's first register date that the policy implies (in scope, not stated).
  Such a state has no status.
- ``load_record.recorded_at`` (the load's record time: now, or a backfilled date) and the
  decisions' record times (``freeze_decision.recorded_at``, ``lift_recorded_at``; quota entries
  have ``created_at``).

The one unique (unit, date) index becomes partial on current rows, which every default read
filters on. ``evaluated_events()`` and the refresh now carry the record columns; the refresh
re-evaluates current rows only: a superseded version keeps the evaluation it was shown with.

Self-contained: a renumbering at merge time is a rename of this file and its ``revision``.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from exitmap.migrations.fragments import BARE, MARKED_EVENTS, evaluation, refresh_update

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CARRIED = (("recorded_at", "timestamptz"), ("superseded_at", "timestamptz"), ("derived", "boolean"))
CARRIED_NAMES = tuple(name for name, _ in CARRIED)


def _event_input(columns) -> str:
    return (
        "CREATE TEMP TABLE IF NOT EXISTS event_input "
        f"({', '.join(f'{n} {t}' for n, t in columns)}) ON COMMIT DELETE ROWS"
    )


def _functions(columns, carried: tuple[str, ...], only_current: bool) -> list[str]:
    """evaluated_events, event_input_open and refresh_marked_units over event_input of
    ``columns`` (0003's shape, or with the record columns)."""
    names = ", ".join(n for n, _ in columns)
    current = " WHERE ev.superseded_at IS NULL" if only_current else ""
    return [
        "DROP TABLE IF EXISTS pg_temp.event_input",
        _event_input(columns),
        "CREATE OR REPLACE FUNCTION evaluated_events() RETURNS SETOF unit_event "
        f"LANGUAGE sql STABLE AS $$\n{evaluation('event_input', carried)}$$",
        f"""
CREATE OR REPLACE FUNCTION unit_event_refresh() RETURNS void LANGUAGE sql AS $$
{refresh_update("evaluated_events()")}$$
""",
        f"""
CREATE OR REPLACE FUNCTION event_input_open() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    {_event_input(columns)};
    TRUNCATE event_input;
END
$$
""",
        f"""
CREATE OR REPLACE FUNCTION refresh_marked_units() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    marked bigint;
BEGIN
    ANALYZE refresh_units;
    SELECT count(*) INTO marked FROM refresh_units;
    IF marked > 1000 THEN
        ANALYZE unit_event (id, unit_id);
        ANALYZE unit (id);
    END IF;
    PERFORM event_input_open();
    INSERT INTO event_input ({names})
        SELECT {", ".join(f"ev.{n}" for n, _ in columns)}
        FROM {MARKED_EVENTS}{current};
    ANALYZE event_input;
    PERFORM unit_event_refresh();
END
$$
""",
    ]


# The history triggers stand aside while the migration rewrites rows (migration 0002).
TRIGGERS_ASIDE = "SELECT set_config('exitmap.history_written', 'on', true)"
TRIGGERS_BACK = "SELECT set_config('exitmap.history_written', 'off', true)"


def upgrade() -> None:
    op.execute(TRIGGERS_ASIDE)
    op.add_column(
        "load_record",
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
    )
    op.execute("UPDATE load_record SET recorded_at = loaded_at")
    op.alter_column("load_record", "recorded_at", nullable=False)

    op.add_column(
        "unit_event",
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
    )
    op.add_column("unit_event", sa.Column("superseded_at", sa.DateTime(timezone=True)))
    op.add_column(
        "unit_event",
        sa.Column("derived", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute(
        "UPDATE unit_event e SET recorded_at = l.recorded_at FROM load_record l "
        "WHERE l.id = e.load_id"
    )
    op.alter_column("unit_event", "recorded_at", nullable=False)
    op.alter_column("unit_event", "status", nullable=True)
    op.drop_index("ix_unit_event_unit_date", table_name="unit_event")
    op.create_index(
        "ix_unit_event_current",
        "unit_event",
        ["unit_id", "event_date"],
        unique=True,
        postgresql_where=sa.text("superseded_at IS NULL"),
    )

    op.create_table(
        "unit_observation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("category", sa.Text()),
        sa.Column("rectify_deadline", sa.Date()),
        sa.Column("actual_exit_date", sa.Date()),
    )
    op.create_index("ix_unit_observation_unit", "unit_observation", ["unit_id", "id"])
    # What the old history said, as observations dated when they were (no exit dates moved).
    op.execute(
        "INSERT INTO unit_observation (unit_id, load_id, observed_on, valid_from, status, "
        "category, rectify_deadline, actual_exit_date) "
        "SELECT unit_id, load_id, event_date, event_date, status, category, rectify_deadline, "
        "actual_exit_date FROM unit_event ORDER BY unit_id, event_date, id"
    )

    op.add_column(
        "freeze_decision",
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
    )
    op.alter_column("freeze_decision", "recorded_at", nullable=False)
    op.add_column("freeze_decision", sa.Column("lift_recorded_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE freeze_decision SET lift_recorded_at = now() WHERE lift_date IS NOT NULL")

    for statement in _functions((*BARE, *CARRIED), CARRIED_NAMES, only_current=True):
        op.execute(statement)
    op.execute(TRIGGERS_BACK)


def downgrade() -> None:
    # 0003 kept one version per unit and stated every status: the current, stated rows.
    op.execute(TRIGGERS_ASIDE)
    op.execute("DELETE FROM unit_event WHERE superseded_at IS NOT NULL OR derived")
    op.drop_column("freeze_decision", "lift_recorded_at")
    op.drop_column("freeze_decision", "recorded_at")
    op.drop_table("unit_observation")
    op.drop_index("ix_unit_event_current", table_name="unit_event")
    op.create_index("ix_unit_event_unit_date", "unit_event", ["unit_id", "event_date"], unique=True)
    op.alter_column("unit_event", "status", nullable=False)
    for column in reversed(CARRIED_NAMES):
        op.drop_column("unit_event", column)
    op.drop_column("load_record", "recorded_at")
    # 0003's functions, over 0003's columns (a function returning unit_event rows is checked
    # against the table's shape when created).
    for statement in _functions(BARE, (), only_current=False):
        op.execute(statement)
    op.execute(TRIGGERS_BACK)
