"""Mirror the policy's rules into the database, where the event evaluation (SQL) reads them.

``status_class`` (which statuses are exits, extensions…) and ``policy_category`` (each
category's deadline rule) must equal data/policy; when they change, every event is
re-evaluated (migration 0002). ``exitmap db migrate`` runs this.
"""

from __future__ import annotations

import sqlalchemy as sa

from etl.history import refresh_history, writing_history
from exitmap.policy import Policy, default_policy
from exitmap.policy.mirror import category_rows, read_mirror, status_rows


def sync_policy(engine: sa.Engine, policy: Policy | None = None) -> bool:
    """Make the mirror tables equal the policy; re-evaluate all history if they changed."""
    policy = policy or default_policy()
    with engine.begin() as conn:
        if read_mirror(conn) == (status_rows(policy), category_rows(policy)):
            return False
        conn.execute(sa.text("DELETE FROM status_class"))
        conn.execute(
            sa.text('INSERT INTO status_class (status, "class") VALUES (:s, :c)'),
            [{"s": s, "c": c} for s, c in sorted(status_rows(policy))],
        )
        conn.execute(sa.text("DELETE FROM policy_category"))
        conn.execute(
            sa.text(
                "INSERT INTO policy_category (category, kind, fixed_deadline, months, "
                "extension_months, must_suspend) VALUES (:c, :k, :d, :m, :x, :s)"
            ),
            [
                {"c": c, "k": k, "d": d, "m": m, "x": x, "s": s}
                for c, k, d, m, x, s in sorted(category_rows(policy))
            ],
        )
        refresh_all_history(conn)
    return True


def refresh_all_history(conn: sa.Connection) -> None:
    """Recompute every event's history facts, unit copies and evaluation."""
    with writing_history(conn):
        refresh_history(conn, "SELECT id FROM unit")
