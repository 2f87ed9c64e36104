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
        refresh_all_history(conn)
    return True


def refresh_all_history(conn: sa.Connection) -> None:
    """Recompute every event's history facts and unit copies (migrations 0003, 0005)."""
    conn.execute(
        sa.text(
            "CREATE TEMP TABLE IF NOT EXISTS refresh_units (unit_id integer PRIMARY KEY) "
            "ON COMMIT DELETE ROWS"
        )
    )
    conn.execute(sa.text("TRUNCATE refresh_units"))
    conn.execute(sa.text("INSERT INTO refresh_units SELECT id FROM unit"))
    conn.execute(sa.text("SELECT unit_event_refresh()"))
