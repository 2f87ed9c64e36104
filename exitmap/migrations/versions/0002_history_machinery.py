"""History machinery: each event knows when it stops applying and what it means.

Replaying "the state on D" for 100,000 units must be a filter, not a computation. So every
row of ``unit_event`` carries, besides what a register said:
- history facts: ``valid_to`` (the next event's date), ``ever_extended`` (an extension status
  recorded by then), ``exit_since`` (the start of the unbroken run of exit statuses — 已关停
  then 已拆除 exited on the first);
- a copy of its unit's register fields (``u_*``: prefecture, sub-industry, energy, declared
  category and dates), so the as-of views read one table;
- its evaluation under the policy (``e_*``: effective category, deadline and how it is
  derived, exit date, status classes), which does not depend on the date looked from.
What depends on the date (exited by then, overdue by then, the surcharge in force, the
freeze-trigger switch) stays in the query (layers/units.py).

``unit_event_refresh()`` computes all of it in one UPDATE (one new row version, not three)
for the units listed in the temporary table ``refresh_units``; ``refresh_marked_units()``
first refreshes planner statistics after bulk changes (a 100k-unit insert planned on stale
statistics took 297 s, with them 3.7 s). Statement-level triggers on ``unit_event`` and
``unit`` call it for any writer; the loader, which writes in bulk, marks its transaction
(``exitmap.history_written``) and refreshes once at the end (etl/load.py).

Which statuses are exits, extensions… and each category's deadline rule are policy data
(data/policy/deadlines.toml); ``status_class`` and ``policy_category`` mirror them for SQL,
seeded here and re-synced by ``exitmap db migrate`` (etl/policy_sync.py), which re-evaluates
every event when the rules change.

The two functions' SQL is in ``exitmap/migrations/fragments.py``, which 0003 shares (its
downgrade restores them).

Revision ID: 0002
Revises: 0001
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

from exitmap.migrations.fragments import MARKED_TABLE, REFRESH_0002, REFRESH_MARKED_0002

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

STATUS_SEED = {
    "exited": ("已关停", "已拆除", "已转产"),
    "rectified": ("已改造达标",),
    "extension": ("延期整改",),
    "operating": ("在产",),
}
CATEGORY_COLUMNS = (
    "category", "kind", "fixed_deadline", "months", "extension_months", "must_suspend",
)  # fmt: skip
CATEGORY_SEED = (
    ("淘汰类", "fixed", dt.date(2021, 12, 31), None, None, False),
    ("限制类", "fixed", dt.date(2025, 12, 31), None, None, False),
    ("能耗不达标", "identified_plus_months", None, 6, 3, False),
    ("环保不达标", "rectify_deadline", None, None, None, False),
    ("质量不达标", "rectify_deadline", None, None, None, False),
    ("安全不达标", "rectify_deadline", None, None, None, True),
)

TRIGGER_FUNCTION = """
CREATE FUNCTION unit_history_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
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


# One trigger per kind of change: transition tables allow only one event per trigger.
TRIGGERS = {
    "unit_event_history_insert": "AFTER INSERT ON unit_event REFERENCING NEW TABLE AS changed",
    "unit_event_history_update": "AFTER UPDATE ON unit_event REFERENCING NEW TABLE AS changed",
    "unit_event_history_delete": "AFTER DELETE ON unit_event REFERENCING OLD TABLE AS changed",
    "unit_copy_update": "AFTER UPDATE ON unit REFERENCING NEW TABLE AS changed",
}


def upgrade() -> None:
    op.bulk_insert(
        sa.table("status_class", sa.column("status"), sa.column("class")),
        [{"status": s, "class": c} for c, statuses in STATUS_SEED.items() for s in statuses],
    )
    op.bulk_insert(
        sa.table("policy_category", *(sa.column(c) for c in CATEGORY_COLUMNS)),
        [dict(zip(CATEGORY_COLUMNS, row, strict=True)) for row in CATEGORY_SEED],
    )
    # The functions name refresh_units; it must exist for their bodies to be checked.
    op.execute(MARKED_TABLE)
    op.execute(REFRESH_0002)
    op.execute(REFRESH_MARKED_0002)
    op.execute(TRIGGER_FUNCTION)
    for name, when in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT "
            "EXECUTE FUNCTION unit_history_trigger()"
        )


def downgrade() -> None:
    for name, when in TRIGGERS.items():
        op.execute(f"DROP TRIGGER {name} ON {when.split(' ON ')[1].split()[0]}")
    op.execute("DROP FUNCTION unit_history_trigger()")
    op.execute("DROP FUNCTION refresh_marked_units()")
    op.execute("DROP FUNCTION unit_event_refresh()")
    op.execute("DELETE FROM policy_category")
    op.execute("DELETE FROM status_class")
