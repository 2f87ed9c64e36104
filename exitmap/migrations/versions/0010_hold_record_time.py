"""Record time for the holds on a disputed unit's quota (unit_hold, migration 0007).

A hold says from which day a unit's released quota is held (``held_from``) and from which day
the office's decision lets it count again (``released_on``); a view "as known on" a day must
also know when each was recorded. ``recorded_at``: when the substantiated finding that made the
hold was recorded (the closing step's time); ``released_at``: when the office's decision was
recorded. Rows from before this revision take the closing step's time of their report and the
start of their ``released_on`` day in the province.

Written to be renumbered at merge time: it reads nothing of the revisions around it.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from exitmap import settings

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _role() -> str:
    name = settings.get("app_db_role")
    return '"' + name.replace('"', '""') + '"'


def upgrade() -> None:
    op.add_column("unit_hold", sa.Column("recorded_at", sa.DateTime(timezone=True)))
    op.add_column("unit_hold", sa.Column("released_at", sa.DateTime(timezone=True)))
    op.execute(
        "UPDATE unit_hold h SET recorded_at = COALESCE(r.closed_datetime,"
        " h.held_from::timestamp AT TIME ZONE 'Asia/Shanghai') FROM report r WHERE r.id = h.report_id"
    )
    op.execute(
        "UPDATE unit_hold SET released_at = released_on::timestamp AT TIME ZONE 'Asia/Shanghai'"
        " WHERE released_on IS NOT NULL"
    )
    op.alter_column("unit_hold", "recorded_at", nullable=False, server_default=sa.func.now())
    op.create_check_constraint(
        "unit_hold_released_recorded",
        "unit_hold",
        "(released_on IS NULL) = (released_at IS NULL)",
    )
    op.execute(f"GRANT UPDATE (released_at) ON unit_hold TO {_role()}")


def downgrade() -> None:
    op.execute(f"REVOKE UPDATE (released_at) ON unit_hold FROM {_role()}")
    op.drop_constraint("unit_hold_released_recorded", "unit_hold")
    op.drop_column("unit_hold", "released_at")
    op.drop_column("unit_hold", "recorded_at")
