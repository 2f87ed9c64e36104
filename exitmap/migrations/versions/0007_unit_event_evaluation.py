"""Each event carries its evaluation under the policy, so a date's standing is a plain filter.

Nothing about a unit's deadline or exit date depends on the date it is looked at from: they
follow from the state the event records, its unit's register fields and the policy. Computing
them for 100,000 units at query time cost most of the standing query; now they are computed
when an event is written (columns prefixed ``e_``), by ``unit_event_evaluate()``, which
the history refresh calls. The policy's category rules are mirrored in ``policy_category``
(like ``status_class``), seeded here and re-synced by ``exitmap db migrate``
(etl/policy_sync.py), which re-evaluates every event when the rules change.
What does depend on the date — exited by then, overdue by then, the surcharge in force, the
freeze trigger switch — stays in the query (layers/units.py).

Revision ID: 0007
Revises: 0006
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SEED_COLUMNS = ("category", "kind", "fixed_deadline", "months", "extension_months", "must_suspend")
SEED = (
    ("淘汰类", "fixed", dt.date(2021, 12, 31), None, None, False),
    ("限制类", "fixed", dt.date(2025, 12, 31), None, None, False),
    ("能耗不达标", "identified_plus_months", None, 6, 3, False),
    ("环保不达标", "rectify_deadline", None, None, None, False),
    ("质量不达标", "rectify_deadline", None, None, None, False),
    ("安全不达标", "rectify_deadline", None, None, None, True),
)

COLUMNS = (
    ("e_category", sa.Text()),
    ("e_rectify_deadline", sa.Date()),
    ("e_exit_date", sa.Date()),
    ("e_deadline_kind", sa.Text()),
    ("e_fixed_deadline", sa.Date()),
    ("e_base_deadline", sa.Date()),
    ("e_cap_deadline", sa.Date()),
    ("e_deadline", sa.Date()),
    ("e_must_suspend", sa.Boolean()),
    ("e_is_exit", sa.Boolean()),
    ("e_is_rectified", sa.Boolean()),
    ("e_is_operating", sa.Boolean()),
)


def _eom(x: str) -> str:
    """The last day of x's month: a month-precision date bounds the whole month."""
    return f"(date_trunc('month', {x}) + interval '1 month - 1 day')::date"


_PLUS = "identified + make_interval(months => {m})"
EVALUATE = f"""
CREATE FUNCTION unit_event_evaluate() RETURNS void LANGUAGE sql AS $$
    UPDATE unit_event e
    SET {", ".join(f"{c} = x.{c}" for c, _ in COLUMNS)}
    FROM (
        SELECT d.*,
               CASE d.e_deadline_kind
                   WHEN 'fixed' THEN d.e_fixed_deadline
                   WHEN 'rectify_deadline' THEN d.e_rectify_deadline
                   WHEN 'identified_plus_months' THEN CASE
                       WHEN d.e_base_deadline IS NULL THEN d.e_rectify_deadline
                       WHEN d.e_rectify_deadline > d.e_cap_deadline THEN d.e_cap_deadline
                       WHEN d.e_rectify_deadline > d.e_base_deadline THEN d.e_rectify_deadline
                       WHEN d.ever_extended THEN d.e_cap_deadline
                       WHEN d.e_rectify_deadline IS NOT NULL THEN d.e_rectify_deadline
                       ELSE d.e_base_deadline END
               END AS e_deadline
        FROM (
            SELECT c.id, c.ever_extended, c.e_category, c.e_rectify_deadline,
                   c.e_is_exit, c.e_is_rectified, c.e_is_operating,
                   CASE WHEN c.e_is_exit THEN COALESCE(c.exit_month_end, c.exit_since) END
                       AS e_exit_date,
                   pc.kind AS e_deadline_kind, pc.fixed_deadline AS e_fixed_deadline,
                   COALESCE(pc.must_suspend, false) AS e_must_suspend,
                   CASE WHEN pc.kind = 'identified_plus_months' THEN
                       CASE WHEN c.identified_precision = 'month'
                            THEN {_eom(_PLUS.format(m="pc.months"))}
                            ELSE ({_PLUS.format(m="pc.months")})::date END
                   END AS e_base_deadline,
                   CASE WHEN pc.kind = 'identified_plus_months' THEN
                       CASE WHEN c.identified_precision = 'month'
                            THEN {_eom(_PLUS.format(m="pc.months + COALESCE(pc.extension_months, 0)"))}
                            ELSE ({_PLUS.format(m="pc.months + COALESCE(pc.extension_months, 0)")})::date
                       END
                   END AS e_cap_deadline
            FROM (
                SELECT ev.id, ev.ever_extended, ev.exit_since,
                       ev.u_identified_date AS identified,
                       ev.u_identified_date_precision::text AS identified_precision,
                       COALESCE(ev.category, ev.u_category) AS e_category,
                       -- An event that restates the unit's own dates keeps their precision.
                       CASE WHEN COALESCE(ev.rectify_deadline, ev.u_rectify_deadline)
                                 = ev.u_rectify_deadline
                             AND ev.u_rectify_deadline_precision = 'month'
                            THEN {_eom("ev.u_rectify_deadline")}
                            ELSE COALESCE(ev.rectify_deadline, ev.u_rectify_deadline)
                       END AS e_rectify_deadline,
                       CASE WHEN ev.actual_exit_date = ev.u_actual_exit_date
                             AND ev.u_actual_exit_date_precision = 'month'
                            THEN {_eom("ev.u_actual_exit_date")}
                            ELSE ev.actual_exit_date
                       END AS exit_month_end,
                       EXISTS (SELECT 1 FROM status_class s
                               WHERE s.status = ev.status AND s.class = 'exited') AS e_is_exit,
                       EXISTS (SELECT 1 FROM status_class s
                               WHERE s.status = ev.status AND s.class = 'rectified')
                           AS e_is_rectified,
                       EXISTS (SELECT 1 FROM status_class s
                               WHERE s.status = ev.status AND s.class = 'operating')
                           AS e_is_operating
                FROM unit_event ev JOIN refresh_units r ON r.unit_id = ev.unit_id
            ) c
            LEFT JOIN policy_category pc ON pc.category = c.e_category
        ) d
    ) x
    WHERE e.id = x.id
      AND ({", ".join(f"e.{c}" for c, _ in COLUMNS)})
          IS DISTINCT FROM ({", ".join(f"x.{c}" for c, _ in COLUMNS)})
$$
"""


# The trigger (0005) now stands aside whenever the writer says it keeps history itself — the
# loader, and anyone calling the refresh directly — not only for the loader's inserts.
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
    PERFORM unit_event_refresh();
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
    op.create_table(
        "policy_category",
        sa.Column("category", sa.Text(), primary_key=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("fixed_deadline", sa.Date(), nullable=True),
        sa.Column("months", sa.Integer(), nullable=True),
        sa.Column("extension_months", sa.Integer(), nullable=True),
        sa.Column("must_suspend", sa.Boolean(), nullable=False),
    )
    op.bulk_insert(
        sa.table(
            "policy_category",
            sa.column("category"),
            sa.column("kind"),
            sa.column("fixed_deadline", sa.Date()),
            sa.column("months"),
            sa.column("extension_months"),
            sa.column("must_suspend"),
        ),
        [dict(zip(SEED_COLUMNS, row, strict=True)) for row in SEED],
    )
    for column, type_ in COLUMNS:
        op.add_column("unit_event", sa.Column(column, type_, nullable=True))
    op.execute(
        "CREATE TEMP TABLE IF NOT EXISTS refresh_units (unit_id integer PRIMARY KEY) "
        "ON COMMIT DELETE ROWS"
    )
    op.execute(EVALUATE)
    # The refresh (0005) now ends by evaluating the events it refreshed.
    refresh = _migration("0005_unit_event_unit_copy.py").REFRESH
    op.execute("DROP FUNCTION unit_event_refresh()")
    op.execute(refresh.rstrip().removesuffix("$$") + "    SELECT unit_event_evaluate();\n$$")
    op.execute(TRIGGER_FUNCTION)
    op.execute("TRUNCATE refresh_units")
    op.execute("INSERT INTO refresh_units SELECT id FROM unit")
    op.execute("SELECT set_config('exitmap.history_written', 'on', true)")
    op.execute("SELECT unit_event_evaluate()")
    op.execute("SELECT set_config('exitmap.history_written', 'off', true)")


def downgrade() -> None:
    op.execute(
        _migration("0005_unit_event_unit_copy.py").TRIGGER_FUNCTION.replace(
            "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"
        )
    )
    op.execute("DROP FUNCTION unit_event_refresh()")
    op.execute(_migration("0005_unit_event_unit_copy.py").REFRESH)
    op.execute("DROP FUNCTION unit_event_evaluate()")
    for column, _ in COLUMNS:
        op.drop_column("unit_event", column)
    op.drop_table("policy_category")
