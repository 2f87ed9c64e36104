"""unit_event.valid_to: the date each state stops applying, kept by statement-level triggers.

Replaying "the state on D" then becomes a filter (event_date ≤ D < valid_to) instead of a
search through each unit's history, which is what makes a standing over 100k units fast.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

REFRESH = """
CREATE FUNCTION unit_event_refresh_valid_to() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The refresh's own UPDATE fires the update trigger again: nothing to do at that depth.
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    UPDATE unit_event e SET valid_to = n.next_date
    FROM (
        SELECT id, lead(event_date) OVER (PARTITION BY unit_id ORDER BY event_date, id)
                   AS next_date
        FROM unit_event
        WHERE unit_id IN (SELECT DISTINCT unit_id FROM changed)
    ) n
    WHERE e.id = n.id AND e.valid_to IS DISTINCT FROM n.next_date;
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


def upgrade() -> None:
    op.add_column("unit_event", sa.Column("valid_to", sa.Date(), nullable=True))
    op.execute(REFRESH)
    for name, when in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT "
            "EXECUTE FUNCTION unit_event_refresh_valid_to()"
        )
    op.execute(
        """
        UPDATE unit_event e SET valid_to = n.next_date
        FROM (SELECT id, lead(event_date) OVER (PARTITION BY unit_id ORDER BY event_date, id)
                         AS next_date FROM unit_event) n
        WHERE e.id = n.id
        """
    )


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON unit_event")
    op.execute("DROP FUNCTION unit_event_refresh_valid_to()")
    op.drop_column("unit_event", "valid_to")
