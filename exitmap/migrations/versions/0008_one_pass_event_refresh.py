"""Refresh an event's history facts, unit copies and evaluation in one UPDATE, not three.

Each UPDATE of a row leaves a dead version behind; three passes over 100,000 fresh events
left unit_event 2.6 times its size until a VACUUM FULL, and the standing query, which scans
it, slowed by as much. One pass writes each event once. ``unit_event_evaluate()`` (called by
the loader and the policy sync) is now this same refresh.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COPIES = (  # copy column, unit column (migration 0005)
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
EVALUATION = (  # migration 0007
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
CREATE OR REPLACE FUNCTION unit_event_refresh() RETURNS void LANGUAGE sql AS $$
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
    op.execute(REFRESH)
    op.execute("DROP FUNCTION unit_event_evaluate()")
    op.execute(
        "CREATE FUNCTION unit_event_evaluate() RETURNS void LANGUAGE sql AS $$\n"
        "    SELECT unit_event_refresh();\n$$"
    )


def downgrade() -> None:
    previous = _migration("0007_unit_event_evaluation.py")
    refresh = _migration("0005_unit_event_unit_copy.py").REFRESH
    op.execute("DROP FUNCTION unit_event_evaluate()")
    op.execute(previous.EVALUATE)
    op.execute("DROP FUNCTION unit_event_refresh()")
    op.execute(refresh.rstrip().removesuffix("$$") + "    SELECT unit_event_evaluate();\n$$")
