"""The policy as the database mirrors it (status_class, policy_category), and the check
that the mirror is current — the evaluated events are only right if it is."""

from __future__ import annotations

import sqlalchemy as sa

from exitmap.errors import UserError
from exitmap.policy import Policy

StatusRows = frozenset[tuple[str, str]]
CategoryRows = frozenset[tuple]


class PolicyNotSynced(UserError):
    """data/policy changed since the database evaluated its events."""


def status_rows(policy: Policy) -> StatusRows:
    sets = policy.statuses
    return frozenset(
        (status, cls)
        for cls, statuses in (
            ("exited", sets.exited),
            ("rectified", sets.rectified),
            ("extension", sets.extension),
            ("operating", sets.operating),
        )
        for status in statuses
    )


def category_rows(policy: Policy) -> CategoryRows:
    return frozenset(
        (r.name, r.kind, r.deadline, r.months, r.extension_months, r.must_suspend)
        for r in policy.categories.values()
    )


def read_mirror(conn: sa.Connection) -> tuple[StatusRows, CategoryRows]:
    statuses = frozenset(
        tuple(r) for r in conn.execute(sa.text('SELECT status, "class" FROM status_class'))
    )
    categories = frozenset(
        tuple(r)
        for r in conn.execute(
            sa.text(
                "SELECT category, kind, fixed_deadline, months, extension_months, must_suspend "
                "FROM policy_category"
            )
        )
    )
    return statuses, categories


def check_policy_synced(conn: sa.Connection, policy: Policy) -> None:
    """Raise a clear error when the database evaluated its events under other rules.

    Checked once per database and policy in a process: the rules change by an edit of
    data/policy followed by ``exitmap db migrate``, not while a page is being served.
    """
    wanted = (status_rows(policy), category_rows(policy))
    key = (conn.engine.url.render_as_string(hide_password=True), wanted)
    if key in _SYNCED:
        return
    if read_mirror(conn) != wanted:
        raise PolicyNotSynced(
            "数据库中的政策规则与 data/policy 不一致：请运行 exitmap db migrate 以按现行规则重算。"
        )
    _SYNCED.add(key)


_SYNCED: set[tuple] = set()
