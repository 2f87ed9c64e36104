"""The audit log: who did what, when, from where — appended, never changed.

Every sign-in (and failed one), page view, download, export, load, decision and user change
leaves a row (migration 0005 ``audit_log``; the app's database role may only add to it).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa

from exitmap.scope import Scope

ACTIONS = (
    "login",
    "failed_login",
    "logout",
    "page_view",
    "forbidden",
    "download",
    "export",
    "api",
    "load",
    "decision",
    "user_change",
    # A register uploaded in the app, and each change of its state (submissions/).
    "upload",
    "submission",
    # A report from the public and each step of its handling (reports/).
    "report",
)

INSERT_SQL = """
INSERT INTO audit_log (username, role, scope, action, target, params, row_count, sha256,
                       address, user_agent)
VALUES (:username, :role, :scope, :action, :target, CAST(:params AS jsonb), :row_count, :sha256,
        :address, :user_agent)
"""

COLUMNS = [
    "at",
    "username",
    "role",
    "scope",
    "action",
    "target",
    "params",
    "row_count",
    "sha256",
    "address",
    "user_agent",
]


def record(
    engine: sa.Engine | sa.Connection,
    scope: Scope | None,
    action: str,
    target: str = "",
    params: dict | None = None,
    *,
    username: str | None = None,
    row_count: int | None = None,
    sha256: str | None = None,
    address: str | None = None,
    user_agent: str | None = None,
) -> None:
    """Append one row. ``scope`` None: nobody signed in (``username`` says who was tried).

    Given a connection, the row joins its transaction: it stands or falls with what it
    records (a submission's change of state)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    row = {
        "username": username if username is not None else (scope.user if scope else ""),
        "role": scope.role if scope else "",
        "scope": scope.describe() if scope else "",
        "action": action,
        "target": target[:2000],
        "params": json.dumps(params or {}, ensure_ascii=False, default=str),
        "row_count": row_count,
        "sha256": sha256,
        "address": address,
        "user_agent": (user_agent or "")[:500] or None,
    }
    if isinstance(engine, sa.Connection):
        engine.execute(sa.text(INSERT_SQL), row)
        return
    with engine.begin() as conn:
        conn.execute(sa.text(INSERT_SQL), row)


def entries(
    engine: sa.Engine,
    *,
    user: str | None = None,
    since: dt.date | dt.datetime | None = None,
    actions: Iterable[str] | None = None,
    limit: int = 10_000,
) -> pd.DataFrame:
    """Rows of the log, newest first, by user, date and action (COLUMNS)."""
    where, params = ["true"], {"limit": limit}
    if user:
        where.append("username = :user")
        params["user"] = user
    if since is not None:
        where.append("at >= :since")
        params["since"] = since
    actions = list(actions or [])
    if actions:
        where.append("action = ANY(:actions)")
        params["actions"] = actions
    sql = (
        f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE {' AND '.join(where)}"
        " ORDER BY at DESC, id DESC LIMIT :limit"
    )
    with engine.connect() as conn:
        rows = conn.execute(sa.text(sql), params).mappings().all()
    frame = pd.DataFrame.from_records([dict(r) for r in rows], columns=COLUMNS)
    frame["params"] = frame["params"].map(
        lambda p: json.dumps(p, ensure_ascii=False, sort_keys=True) if p else ""
    )
    return frame
