"""Submissions in the database: kept whole on upload, read in the caller's scope, moved from
state to state with a transition row and an audit row in the same transaction.

Every read is filtered by the caller's scope in SQL (``scope_sql``) — and, for the app's
database role, by row-level security as well (migration 0006).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa

from access import audit
from exitmap.errors import UserError
from exitmap.scope import Scope, scope_sql
from exitmap.vocabulary import PREFECTURES
from submissions import jobs
from submissions.states import LABELS, TransitionRefused, transition
from submissions.validate import check_upload

VALIDATE = "validate"
# What a listing or a page shows of a submission (never its bytes).
FIELDS = (
    "id",
    "prefecture_adcode",
    "file_name",
    "sha256",
    "as_of",
    "state",
    "summary",
    "created_by",
    "created_at",
    "load_id",
    "accepted_by",
    "accepted_at",
)


class NotFound(UserError):
    """No such submission in the caller's scope."""


@dataclass(frozen=True)
class Submission:
    id: int
    prefecture_adcode: int
    file_name: str
    sha256: str
    as_of: dt.date
    state: str
    summary: dict | None
    created_by: str
    created_at: dt.datetime
    load_id: int | None
    accepted_by: str | None
    accepted_at: dt.datetime | None

    @property
    def prefecture(self) -> str:
        return PREFECTURES.get(self.prefecture_adcode, str(self.prefecture_adcode))

    @property
    def state_label(self) -> str:
        return LABELS[self.state]

    @property
    def validated(self) -> bool:
        return self.summary is not None

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "prefecture": {"adcode": self.prefecture_adcode, "name": self.prefecture},
            "file_name": self.file_name,
            "sha256": self.sha256,
            "as_of": self.as_of.isoformat(),
            "state": self.state,
            "state_label": self.state_label,
            "summary": self.summary,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "load_id": self.load_id,
            "accepted_by": self.accepted_by,
            "accepted_at": self.accepted_at.isoformat() if self.accepted_at else None,
        }


def upload_prefecture(scope: Scope, prefecture: int | None) -> int:
    """Whose register this is: a prefecture user's own; the office names one."""
    if scope.role == "prefecture":
        own = scope.adcodes() or []
        if prefecture is not None and prefecture not in own:
            raise UserError("只能报送本州（市）的登记表")
        return own[0]
    if scope.role not in ("province", "system"):
        raise UserError("当前角色无权报送登记表")
    if prefecture not in PREFECTURES:
        raise UserError("请选择登记表所属的州（市）")
    return int(prefecture)


def create(
    engine: sa.Engine,
    scope: Scope,
    name: str,
    content: bytes,
    as_of: dt.date,
    prefecture: int | None = None,
) -> int:
    """Keep the upload whole (a draft) and queue its validation; return its id.

    The size and type are checked before anything is stored; the rest of the checks are the
    worker's (``exitmap worker``), whatever they find the file stays."""
    name = check_upload(name, content)
    adcode = upload_prefecture(scope, prefecture)
    sha = hashlib.sha256(content).hexdigest()
    with engine.begin() as conn:
        new_id = conn.execute(
            sa.text(
                "INSERT INTO submission (prefecture_adcode, file_name, content, sha256, as_of, "
                "created_by) VALUES (:p, :name, :content, :sha, :as_of, :who) RETURNING id"
            ),
            {
                "p": adcode,
                "name": name,
                "content": content,
                "sha": sha,
                "as_of": as_of,
                "who": scope.user,
            },
        ).scalar_one()
        jobs.enqueue(conn, VALIDATE, new_id)
        audit.record(
            conn,
            scope,
            "upload",
            f"submission/{new_id}",
            {"file": name, "as_of": as_of, "prefecture": adcode, "bytes": len(content)},
            sha256=sha,
        )
    return new_id


def _where(scope: Scope) -> str:
    return scope_sql("prefecture_adcode")


def _row(conn: sa.Connection, scope: Scope, submission_id: int, columns: str, lock=False):
    """Some columns of one submission in the caller's scope (``lock``: held until commit)."""
    row = conn.execute(
        sa.text(
            f"SELECT {columns} FROM submission WHERE id = :id AND {_where(scope)}"
            + (" FOR UPDATE" if lock else "")
        ),
        {"id": submission_id, **scope.params()},
    ).one_or_none()
    if row is None:
        raise NotFound(f"没有编号为 {submission_id} 的报送（或不在您的权限范围内）")
    return row


def get(engine: sa.Engine, scope: Scope, submission_id: int) -> Submission:
    with engine.connect() as conn:
        return Submission(*_row(conn, scope, submission_id, ", ".join(FIELDS)))


def listing(
    engine: sa.Engine, scope: Scope, states: tuple[str, ...] | None = None, limit: int = 500
) -> list[Submission]:
    """Newest first, in the caller's scope, optionally of some states only."""
    where = [_where(scope)]
    params: dict[str, object] = {**scope.params(), "limit": limit}
    if states:
        where.append("state = ANY(:states)")
        params["states"] = list(states)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f"SELECT {', '.join(FIELDS)} FROM submission WHERE {' AND '.join(where)} "
                "ORDER BY created_at DESC, id DESC LIMIT :limit"
            ),
            params,
        ).all()
    return [Submission(*r) for r in rows]


def report(engine: sa.Engine, scope: Scope, submission_id: int) -> dict | None:
    """The Frictionless report (None until validated)."""
    with engine.connect() as conn:
        return _row(conn, scope, submission_id, "report")[0]


def file(engine: sa.Engine, scope: Scope, submission_id: int, annotated: bool = False):
    """(file name, bytes) of the upload as sent, or of its marked copy (None until made)."""
    column = "annotated" if annotated else "content"
    with engine.connect() as conn:
        name, content = _row(conn, scope, submission_id, f"file_name, {column}")
    if annotated and content is not None and not name.lower().endswith((".xlsx", ".xlsm")):
        name = name.rsplit(".", 1)[0] + "（标注）.xlsx"
    return name, content


def history(engine: sa.Engine, scope: Scope, submission_id: int) -> list[dict]:
    """Each change of state, oldest first: who, when, the comment."""
    get(engine, scope, submission_id)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT from_state, action, to_state, username, role, comment, at "
                "FROM submission_transition WHERE submission_id = :id ORDER BY at, id"
            ),
            {"id": submission_id},
        ).mappings()
        return [dict(r) for r in rows]


def lock(conn: sa.Connection, scope: Scope, submission_id: int) -> Submission:
    """The submission, locked for a change of state (two reviewers cannot both act)."""
    return Submission(*_row(conn, scope, submission_id, ", ".join(FIELDS), lock=True))


def record_transition(
    conn: sa.Connection,
    scope: Scope,
    current: Submission,
    action: str,
    comment: str = "",
    extra: dict | None = None,
) -> str:
    """Check the transition, write the new state, its history row and its audit row."""
    step = transition(current.state, action, scope.role, comment)
    if action == "submit":
        _check_submittable(current)
    conn.execute(
        sa.text("UPDATE submission SET state = :state WHERE id = :id"),
        {"state": step.target, "id": current.id},
    )
    conn.execute(
        sa.text(
            "INSERT INTO submission_transition (submission_id, from_state, action, to_state, "
            "username, role, comment) VALUES (:id, :source, :action, :target, :who, :role, "
            ":comment)"
        ),
        {
            "id": current.id,
            "source": current.state,
            "action": action,
            "target": step.target,
            "who": scope.user,
            "role": scope.role,
            "comment": comment.strip(),
        },
    )
    audit.record(
        conn,
        scope,
        "submission",
        f"submission/{current.id}",
        {"action": action, "from": current.state, "to": step.target, "comment": comment.strip()}
        | (extra or {}),
        sha256=current.sha256,
    )
    return step.target


def _check_submittable(current: Submission) -> None:
    if not current.validated:
        raise TransitionRefused("登记表尚未检查完毕，请等检查结束后再报送")
    summary = current.summary
    if summary.get("file_errors") or summary.get("rejected") or not summary.get("rows"):
        raise TransitionRefused(
            f"登记表有 {summary.get('rejected', 0)} 行被拒绝"
            + ("、文件有错误" if summary.get("file_errors") else "")
            + "，请按问题清单修正后重新上传，再报送"
        )


def act(
    engine: sa.Engine, scope: Scope, submission_id: int, action: str, comment: str = ""
) -> Submission:
    """Submit, return or reopen (accepting loads the register: ``review.accept``)."""
    if action == "accept":
        raise TransitionRefused("采用请使用采用操作（将载入登记表）")
    with engine.begin() as conn:
        current = lock(conn, scope, submission_id)
        try:
            record_transition(conn, scope, current, action, comment)
        except TransitionRefused as exc:
            _refused(engine, scope, current, action, exc)
            raise
    return get(engine, scope, submission_id)


def _refused(engine, scope: Scope, current: Submission, action: str, exc: Exception) -> None:
    """A refused transition leaves its own audit row (outside the rolled-back transaction)."""
    audit.record(
        engine,
        scope,
        "forbidden",
        f"submission/{current.id}",
        {"action": action, "state": current.state, "reason": str(exc)},
    )


def summary_text(summary: dict | None) -> str:
    if summary is None:
        return "检查中"
    carried = "".join(
        f"；{label} {summary[key]} {unit}"
        for key, label, unit in (("plans", "职工安置方案", "个"), ("sites", "场地处置", "处"))
        if summary.get(key)
    )
    return (
        f"共 {summary['rows']} 行：通过 {summary['ok']}，有警告 {summary['warning']}，"
        f"拒绝 {summary['rejected']}{carried}"
    )


def to_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
