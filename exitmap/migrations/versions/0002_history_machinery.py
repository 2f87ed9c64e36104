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

Revision ID: 0002
Revises: 0001
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

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

COPIES = (  # copy column, unit column
    ("u_prefecture_adcode", "prefecture_adcode"),
    ("u_sector", "sector"),
    ("u_sub_industry", "sub_industry"),
    ("u_energy_tce", "energy_tce"),
    ("u_electricity_10k_kwh", "electricity_10k_kwh"),
    ("u_category", "category"),
    ("u_identified_date", "identified_date"),
    ("u_identified_date_precision", "identified_date_precision"),
    ("u_rectify_deadline", "rectify_deadline"),
    ("u_rectify_deadline_precision", "rectify_deadline_precision"),
    ("u_actual_exit_date", "actual_exit_date"),
    ("u_actual_exit_date_precision", "actual_exit_date_precision"),
)
EVALUATION = (
    "e_category", "e_rectify_deadline", "e_exit_date", "e_deadline_kind", "e_fixed_deadline",
    "e_base_deadline", "e_cap_deadline", "e_deadline", "e_must_suspend", "e_is_exit",
    "e_is_rectified", "e_is_operating",
)  # fmt: skip
WRITTEN = ("valid_to", "ever_extended", "exit_since", *(c for c, _ in COPIES), *EVALUATION)


def _eom(x: str) -> str:
    """The last day of x's month: a month-precision date bounds the whole month."""
    return f"(date_trunc('month', {x}) + interval '1 month - 1 day')::date"


def _plus(months: str) -> str:
    return f"h.u_identified_date + make_interval(months => {months})"


_EXT = "pc.months + COALESCE(pc.extension_months, 0)"

REFRESH = f"""
CREATE FUNCTION unit_event_refresh() RETURNS void LANGUAGE sql AS $$
    UPDATE unit_event e SET {", ".join(f"{c} = x.{c}" for c in WRITTEN)}
    FROM (
        SELECT v.*,
               CASE v.e_deadline_kind
                   WHEN 'fixed' THEN v.e_fixed_deadline
                   WHEN 'rectify_deadline' THEN v.e_rectify_deadline
                   WHEN 'identified_plus_months' THEN CASE
                       WHEN v.e_base_deadline IS NULL THEN v.e_rectify_deadline
                       WHEN v.e_rectify_deadline > v.e_cap_deadline THEN v.e_cap_deadline
                       WHEN v.e_rectify_deadline > v.e_base_deadline THEN v.e_rectify_deadline
                       WHEN v.ever_extended THEN v.e_cap_deadline
                       WHEN v.e_rectify_deadline IS NOT NULL THEN v.e_rectify_deadline
                       ELSE v.e_base_deadline END
               END AS e_deadline
        FROM (
            -- Evaluation under the policy (0007): what the state means, whatever the date.
            SELECT h.*,
                   CASE WHEN h.e_is_exit THEN
                       COALESCE(CASE WHEN h.actual_exit_date = h.u_actual_exit_date
                                      AND h.u_actual_exit_date_precision = 'month'
                                     THEN {_eom("h.u_actual_exit_date")}
                                     ELSE h.actual_exit_date END,
                                h.exit_since)
                   END AS e_exit_date,
                   -- An event that restates the unit's own deadline keeps its precision.
                   CASE WHEN COALESCE(h.rectify_deadline, h.u_rectify_deadline)
                             = h.u_rectify_deadline
                         AND h.u_rectify_deadline_precision = 'month'
                        THEN {_eom("h.u_rectify_deadline")}
                        ELSE COALESCE(h.rectify_deadline, h.u_rectify_deadline)
                   END AS e_rectify_deadline,
                   pc.kind AS e_deadline_kind, pc.fixed_deadline AS e_fixed_deadline,
                   COALESCE(pc.must_suspend, false) AS e_must_suspend,
                   CASE WHEN pc.kind = 'identified_plus_months' THEN
                       CASE WHEN h.u_identified_date_precision = 'month'
                            THEN {_eom(_plus("pc.months"))}
                            ELSE ({_plus("pc.months")})::date END
                   END AS e_base_deadline,
                   CASE WHEN pc.kind = 'identified_plus_months' THEN
                       CASE WHEN h.u_identified_date_precision = 'month'
                            THEN {_eom(_plus(_EXT))}
                            ELSE ({_plus(_EXT)})::date END
                   END AS e_cap_deadline
            FROM (
                -- History facts (0003) and the unit's register fields (0005).
                SELECT w.id, w.status, w.rectify_deadline, w.actual_exit_date,
                       w.valid_to, w.ever_extended, w.e_is_exit, w.e_is_rectified,
                       w.e_is_operating,
                       CASE WHEN w.e_is_exit THEN
                           min(w.event_date) FILTER (WHERE w.e_is_exit)
                               OVER (PARTITION BY w.unit_id, w.run)
                       END AS exit_since,
                       COALESCE(w.category, u.category) AS e_category,
                       {", ".join(f"u.{src} AS {c}" for c, src in COPIES)}
                FROM (
                    SELECT c.*,
                           lead(c.event_date) OVER o AS valid_to,
                           bool_or(c.is_extension) OVER o AS ever_extended,
                           -- Exits in an unbroken run share the count of non-exits before.
                           count(*) FILTER (WHERE NOT c.e_is_exit) OVER o AS run
                    FROM (
                        SELECT ev.id, ev.unit_id, ev.event_date, ev.status, ev.category,
                               ev.rectify_deadline, ev.actual_exit_date,
                               EXISTS (SELECT 1 FROM status_class s WHERE s.status = ev.status
                                       AND s.class = 'exited') AS e_is_exit,
                               EXISTS (SELECT 1 FROM status_class s WHERE s.status = ev.status
                                       AND s.class = 'extension') AS is_extension,
                               EXISTS (SELECT 1 FROM status_class s WHERE s.status = ev.status
                                       AND s.class = 'rectified') AS e_is_rectified,
                               EXISTS (SELECT 1 FROM status_class s WHERE s.status = ev.status
                                       AND s.class = 'operating') AS e_is_operating
                        FROM unit_event ev JOIN refresh_units r ON r.unit_id = ev.unit_id
                    ) c
                    WINDOW o AS (PARTITION BY c.unit_id ORDER BY c.event_date, c.id)
                ) w
                JOIN unit u ON u.id = w.unit_id
            ) h
            LEFT JOIN policy_category pc ON pc.category = h.e_category
        ) v
    ) x
    WHERE e.id = x.id
      AND ({", ".join(f"e.{c}" for c in WRITTEN)})
          IS DISTINCT FROM ({", ".join(f"x.{c}" for c in WRITTEN)})
$$
"""


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
MARKED_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS refresh_units (unit_id integer PRIMARY KEY) "
    "ON COMMIT DELETE ROWS"
)


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
    op.execute(REFRESH)
    op.execute(REFRESH_MARKED)
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
