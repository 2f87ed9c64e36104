"""What awaits a user, for the header: returned registers (a prefecture), registers to review
and decisions to approve (the office), and registers overdue for the period (both; settings
EXITMAP_SUBMISSION_*)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from exitmap.scope import Scope, scope_sql
from submissions import periods


def counts(engine: sa.Engine, scope: Scope, today: dt.date) -> dict[str, int]:
    """{"returned": n, "to_review": n, "overdue": n}, each in the caller's scope; a role sees
    only its own kinds (zero for the others)."""
    out = {"returned": 0, "to_review": 0, "overdue": 0, "to_approve": 0}
    if scope.role not in ("prefecture", "province"):
        return out
    with engine.connect() as conn:
        by_state = dict(
            conn.execute(
                sa.text(
                    # A prefecture's returned register waits until a newer upload replaces it.
                    f"""
                    SELECT s.state, count(*) FROM submission s
                    WHERE {scope_sql("s.prefecture_adcode")}
                      AND s.state IN ('returned', 'submitted')
                      AND NOT EXISTS (SELECT 1 FROM submission n
                                      WHERE n.prefecture_adcode = s.prefecture_adcode
                                        AND n.created_at > s.created_at)
                    GROUP BY s.state
                    """
                ),
                scope.params(),
            ).all()
        )
    if scope.role == "prefecture":
        out["returned"] = by_state.get("returned", 0)
    else:
        out["to_review"] = by_state.get("submitted", 0)
    if scope.role == "province":
        with engine.connect() as conn:
            # Decisions another user drafted: the caller's own wait for someone else.
            out["to_approve"] = conn.execute(
                sa.text(
                    "SELECT count(*) FROM decision_draft WHERE state = 'draft' "
                    f"AND drafted_by <> :me AND {scope_sql('prefecture_adcode')}"
                ),
                {"me": scope.user, **scope.params()},
            ).scalar_one()
    _, rows = periods.standing(engine, scope, today)
    out["overdue"] = sum(r["status"] == "late" for r in rows)
    return out
