"""Mirror the policy's status classes into the database, where history triggers need them."""

from __future__ import annotations

import sqlalchemy as sa

from layers.policy import Policy, default_policy


def status_classes(policy: Policy) -> set[tuple[str, str]]:
    sets = policy.statuses
    return {
        (status, cls)
        for cls, statuses in (
            ("exited", sets.exited),
            ("rectified", sets.rectified),
            ("extension", sets.extension),
            ("operating", sets.operating),
        )
        for status in statuses
    }


def sync_status_classes(engine: sa.Engine, policy: Policy | None = None) -> bool:
    """Make status_class equal the policy's; recompute history facts if it changed."""
    wanted = status_classes(policy or default_policy())
    with engine.begin() as conn:
        held = {tuple(r) for r in conn.execute(sa.text('SELECT status, "class" FROM status_class'))}
        if held == wanted:
            return False
        conn.execute(sa.text("DELETE FROM status_class"))
        conn.execute(
            sa.text('INSERT INTO status_class (status, "class") VALUES (:s, :c)'),
            [{"s": s, "c": c} for s, c in sorted(wanted)],
        )
        conn.execute(
            sa.text(
                "SELECT unit_event_refresh_history(ARRAY(SELECT DISTINCT unit_id FROM unit_event))"
            )
        )
    return True
