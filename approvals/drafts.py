"""Draft a decision, approve it (another user), and apply it through etl's decision writers in
the approval's own transaction.

The drafter can never approve their own draft: refused here, and by the table's check
constraint whatever writes the row. Who may draft: the roles of the ``decide`` rule; who may
approve: the office (``approve_decision``), the command line naming the approver.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa

from access import audit
from access.rules import allowed
from etl.decisions import DecisionError, allocate, decide_freeze, lift_freeze, resolve_prefecture
from etl.targets import TargetLine, set_target
from exitmap import settings
from exitmap.errors import UserError
from exitmap.policy import default_policy
from exitmap.scope import Scope, scope_sql
from layers.freeze import freeze_list
from layers.quota import available

KINDS = {
    "freeze_decide": "区域限批决定",
    "freeze_lift": "解除区域限批",
    "quota_allocate": "能耗指标分配",
    "annual_target": "年度目标任务",
}
# What each kind needs, checked when drafted (the writers check the rest when applied).
NEEDS = {
    "freeze_decide": ("document", "on"),
    "freeze_lift": ("document", "on"),
    "quota_allocate": ("tce", "project", "on"),
    "annual_target": ("year",),
}


class DraftRefused(UserError):
    """A draft that cannot be made or approved as asked; the message says why."""


@dataclass(frozen=True)
class Draft:
    id: int
    kind: str
    prefecture_adcode: int
    params: dict
    state: str
    drafted_by: str
    approved_by: str | None
    decision_id: int | None
    # The document's name and SHA-256 (its bytes only through ``document``).
    document_name: str | None = None
    document_sha256: str | None = None
    approved_at: dt.datetime | None = None


_FIELDS = (
    "id, kind, prefecture_adcode, params, state, drafted_by, approved_by, decision_id, "
    "document_name, document_sha256, approved_at"
)
PDF_MAGIC = b"%PDF-"


def document_limit() -> int:
    """The largest document PDF taken, in bytes (EXITMAP_MAX_DOCUMENT_MB)."""
    return settings.get_int("max_document_mb") * 1024 * 1024


def too_large(name: str | None) -> str:
    """The refusal of a document past the limit (also said by the web route, which refuses
    it before reading it)."""
    return f"文件 {name or '（未命名）'}：超过上限 {document_limit() // 2**20} MB，未保存草稿"


def _check_pdf(name: str | None, pdf: bytes | None) -> None:
    if pdf is None:
        return
    if len(pdf) > document_limit():
        raise DraftRefused(too_large(name))
    if not pdf.startswith(PDF_MAGIC):
        raise DraftRefused(f"文件 {name}：不是 PDF 文件（应以 %PDF- 开头），未保存草稿")


def draft(
    engine: sa.Engine,
    scope: Scope,
    kind: str,
    prefecture: str | int,
    params: dict,
    document: tuple[str, bytes] | None = None,
) -> int:
    """Keep a draft for another user to approve; return its id."""
    if kind not in KINDS:
        raise DraftRefused(f"没有「{kind}」这类决定")
    if not allowed(scope.role, "decide"):
        raise DraftRefused("当前角色无权起草决定")
    missing = [k for k in NEEDS[kind] if params.get(k) in (None, "")]
    if missing:
        raise DraftRefused(f"{KINDS[kind]}缺少：{'、'.join(missing)}")
    if kind == "annual_target":
        params = _target_params(params)
    name, pdf = document or (None, None)
    _check_pdf(name, pdf)
    digest = hashlib.sha256(pdf).hexdigest() if pdf is not None else None
    with engine.begin() as conn:
        adcode, pref_name = resolve_prefecture(conn, prefecture)
        if not scope.sees(adcode):
            raise DraftRefused(f"无权起草{pref_name}的决定")
        new_id = conn.execute(
            sa.text(
                "INSERT INTO decision_draft (kind, prefecture_adcode, params, document_name, "
                "document_pdf, document_sha256, drafted_by) VALUES (:kind, :p, "
                "CAST(:params AS jsonb), :dn, :pdf, :sha, :who) RETURNING id"
            ),
            {
                "kind": kind,
                "p": adcode,
                "params": json.dumps(params, ensure_ascii=False, default=str),
                "dn": name,
                "pdf": pdf,
                "sha": digest,
                "who": scope.user,
            },
        ).scalar_one()
        audit.record(
            conn,
            scope,
            "decision",
            f"decision_draft/{new_id}",
            {"stage": "draft", "kind": kind, "prefecture": adcode, **params},
            sha256=digest,
        )
    return new_id


def _target_params(params: dict) -> dict:
    """A target line's parameters, checked when drafted (the named units when approved)."""
    try:
        line = TargetLine.from_params(params)
    except (KeyError, TypeError, ValueError) as exc:
        raise DraftRefused(f"年度目标任务的参数无效（{exc}）") from None
    if problems := line.problems():
        raise DraftRefused("；".join(message for _, message in problems))
    return line.params()


def _read(conn: sa.Connection, scope: Scope, draft_id: int, lock: bool = False) -> Draft:
    """The draft in the caller's scope (``lock``: held for a change until commit)."""
    row = conn.execute(
        sa.text(
            f"SELECT {_FIELDS} FROM decision_draft WHERE id = :id AND "
            f"{scope_sql('prefecture_adcode')}" + (" FOR UPDATE" if lock else "")
        ),
        {"id": draft_id, **scope.params()},
    ).one_or_none()
    if row is None:
        raise DraftRefused(f"没有编号为 {draft_id} 的决定草稿（或不在您的权限范围内）")
    return Draft(*row)


def get(engine: sa.Engine, scope: Scope, draft_id: int) -> Draft:
    with engine.connect() as conn:
        return _read(conn, scope, draft_id)


def pending(engine: sa.Engine, scope: Scope) -> list[Draft]:
    """Drafts awaiting approval, in the caller's scope."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f"SELECT {_FIELDS} FROM decision_draft WHERE state = 'draft' AND "
                f"{scope_sql('prefecture_adcode')} ORDER BY id"
            ),
            scope.params(),
        ).all()
    return [Draft(*r) for r in rows]


def decided(engine: sa.Engine, scope: Scope, limit: int = 50) -> list[Draft]:
    """The approved drafts (each now a decision), newest first, in the caller's scope."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f"SELECT {_FIELDS} FROM decision_draft WHERE state = 'approved' AND "
                f"{scope_sql('prefecture_adcode')} ORDER BY approved_at DESC, id DESC LIMIT :n"
            ),
            {**scope.params(), "n": limit},
        ).all()
    return [Draft(*r) for r in rows]


def document(engine: sa.Engine, scope: Scope, draft_id: int) -> tuple[str, bytes, str]:
    """The document of a draft in the caller's scope (name, bytes, SHA-256); the taking is
    audited. Refused when the draft is not in the scope or has no document."""
    with engine.begin() as conn:
        row = conn.execute(
            sa.text(
                "SELECT document_name, document_pdf, document_sha256 FROM decision_draft "
                f"WHERE id = :id AND document_pdf IS NOT NULL AND {scope_sql('prefecture_adcode')}"
            ),
            {"id": draft_id, **scope.params()},
        ).one_or_none()
        if row is None:
            raise DraftRefused(f"决定草稿 {draft_id} 没有文件（或不在您的权限范围内）")
        audit.record(
            conn,
            scope,
            "download",
            f"decision_draft/{draft_id}/document",
            {"bytes": len(row.document_pdf)},
            sha256=row.document_sha256,
        )
    return row.document_name or f"决定{draft_id}.pdf", bytes(row.document_pdf), row.document_sha256


def engine_view(engine: sa.Engine, d: Draft, on: dt.date | None = None) -> str:
    """What the policy engine says beside a draft: for a freeze or a lift, whether the rule is
    triggered on its date and why; for an allocation, the balance free on its date (the
    lowest of that date and every later one)."""
    if d.kind == "annual_target":
        return _target_view(engine, d, on)
    day = dt.date.fromisoformat(str(d.params["on"]))
    if d.kind != "quota_allocate":
        rows = freeze_list(engine, day, scope=Scope.everything().narrow(d.prefecture_adcode))
        if rows.empty:
            return ""
        row = rows.iloc[0]
        if not row["triggered"]:
            return f"{day} 规则未触发限批"
        return f"{day} 规则触发限批：{row['trigger_reasons']}"
    with engine.connect() as conn:
        free = available(conn, d.prefecture_adcode, on or day, default_policy())
    return (
        f"{day} 起可分配余额 {max(free, 0):,.2f} 吨标准煤；本次分配 {float(d.params['tce']):,.2f}"
    )


def _target_view(engine: sa.Engine, d: Draft, on: dt.date | None) -> str:
    """The line, and how far the prefecture is with the year's targets in force now."""
    from layers.targets import lines

    line = TargetLine.from_params(d.params)
    day = min(on or dt.date.today(), line.due_date)
    frame = lines(
        engine, day, Scope.everything().narrow(d.prefecture_adcode), years=(line.year,) * 2
    )
    now = (
        "尚无该年度目标"
        if frame.empty
        else f"该年度现有目标 {len(frame)} 项，完成率 {frame['pct'].mean():.1f}%（截至 {day}）"
    )
    return f"{line.describe()}；{now}"


def approve(engine: sa.Engine, scope: Scope, draft_id: int) -> int:
    """Apply the draft as approved by ``scope``'s user; return the decision's id. Everything
    (the decision, the draft's state, the audit row) in one transaction."""
    if scope.role not in ("province", "system"):
        _refuse(engine, scope, draft_id, "当前角色无权审批决定")
    try:
        return _approve(engine, scope, draft_id)
    except _Own as exc:  # the refusal is recorded outside the rolled-back transaction
        _refuse(engine, scope, draft_id, str(exc))
        raise


def _approve(engine: sa.Engine, scope: Scope, draft_id: int) -> int:
    with engine.begin() as conn:
        d = _read(conn, scope, draft_id, lock=True)
        if d.state != "draft":
            raise DraftRefused(f"草稿 {draft_id} 已由 {d.approved_by} 审批，不能再次审批")
        if d.drafted_by == scope.user:
            raise _Own(d.drafted_by)
        decision_id = _apply(conn, d, scope.user)
        conn.execute(
            sa.text(
                "UPDATE decision_draft SET state = 'approved', approved_by = :who, "
                "approved_at = now(), decision_id = :did WHERE id = :id"
            ),
            {"who": scope.user, "did": decision_id, "id": draft_id},
        )
        audit.record(
            conn,
            scope,
            "decision",
            f"decision_draft/{draft_id}",
            {"stage": "approve", "kind": d.kind, "drafted_by": d.drafted_by, **d.params},
        )
    return decision_id


class _Own(DraftRefused):
    def __init__(self, who: str):
        super().__init__(f"起草人（{who}）不能审批自己起草的决定，须由另一位用户审批")


def _refuse(engine: sa.Engine, scope: Scope, draft_id: int, why: str) -> None:
    audit.record(engine, scope, "forbidden", f"decision_draft/{draft_id}", {"reason": why})
    raise DraftRefused(why)


def _apply(conn: sa.Connection, d: Draft, approver: str) -> int:
    p = d.params
    if d.kind == "annual_target":
        try:
            line = TargetLine.from_params(p)
            return set_target(conn, d.prefecture_adcode, line, d.drafted_by, approver)
        except DecisionError as exc:
            raise DraftRefused(str(exc)) from None
    on = dt.date.fromisoformat(str(p["on"]))
    if d.kind == "freeze_decide":
        return decide_freeze(conn, d.prefecture_adcode, p["document"], on, p.get("reason"))
    if d.kind == "freeze_lift":
        return lift_freeze(conn, d.prefecture_adcode, p["document"], on)
    return allocate(conn, d.prefecture_adcode, float(p["tce"]), p["project"], on, p.get("document"))
