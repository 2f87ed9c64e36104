"""The standing's index carries the unit: its reads never touch the heap of unit_event.

``ix_unit_event_as_of`` (0004) holds, beside each current in-scope version's start, the columns
the standing's summary sums and filters on, so that it can read the index alone. The summary
also joins the holds on a disputed unit's quota (0007) by unit, and the unit was not among
those columns: PostgreSQL read every version of every timeline from the heap instead (a
parallel sequential scan of some 70 MB at 100,000 units, measured: 135 ms of the summary's
135 ms). With the unit in the entry the index alone answers.

Self-contained: a renumbering at merge time is a rename of this file and its ``revision``.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# 0004's columns, in its order.
AS_OF_COLUMNS = [
    "valid_to",
    "u_prefecture_adcode",
    "u_sector",
    "u_sub_industry",
    "e_category",
    "status",
    "u_energy_tce",
    "u_electricity_10k_kwh",
    "e_is_exit",
    "e_exit_date",
    "e_is_rectified",
    "e_deadline",
]
CURRENT_IN_SCOPE = sa.text("superseded_at IS NULL AND e_category IS NOT NULL")


def _as_of_index(columns: list[str]) -> None:
    op.drop_index("ix_unit_event_as_of", table_name="unit_event")
    op.create_index(
        "ix_unit_event_as_of",
        "unit_event",
        ["event_date"],
        postgresql_include=columns,
        postgresql_where=CURRENT_IN_SCOPE,
    )


def upgrade() -> None:
    _as_of_index([*AS_OF_COLUMNS, "unit_id"])


def downgrade() -> None:
    _as_of_index(AS_OF_COLUMNS)
