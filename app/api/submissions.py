"""``/api/v1/submissions``: registers sent and reviewed by other systems, and the 报送 page's
own upload and downloads — the same code as the pages and the command line (submissions/),
each route with its declared rule, read in the caller's scope, each answer audited.

    POST /api/v1/submissions                  multipart: file, as_of[, prefecture] → 202 + id
    GET  /api/v1/submissions[?state=]         the caller's submissions
    GET  /api/v1/submissions/{id}             state, summary, history, the report (JSON)
    GET  /api/v1/submissions/{id}/report.csv  the report as CSV (every cell inert)
    GET  /api/v1/submissions/{id}/annotated   the user's workbook with the problems marked
    POST /api/v1/submissions/{id}/submit|accept|return|reopen   (comment: for return, reopen)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from urllib.parse import quote

import flask

from access.guard import record, rule
from app.http import takes_upload
from exitmap.errors import UserError
from submissions import jobs, review, store
from submissions.report import csv_bytes
from submissions.states import CommentRequired, RoleRefused, TransitionRefused
from submissions.validate import UploadTooLarge

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACTIONS = ("submit", "accept", "return", "reopen")
# Who may ask for each action: the route's rule; the state table then decides the rest.
ACTION_RULES = {
    "submit": "submit_register",
    "accept": "approve",
    "return": "approve",
    "reopen": "approve",
}


def _status(exc: UserError) -> int:
    if isinstance(exc, store.NotFound):
        return 404
    if isinstance(exc, RoleRefused):
        return 403
    if isinstance(exc, CommentRequired):
        return 400
    if isinstance(exc, TransitionRefused):
        return 409
    if isinstance(exc, UploadTooLarge):
        return 413
    return 400


def _json(body: dict, status: int = 200) -> flask.Response:
    return flask.Response(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        mimetype="application/json",
    )


def _download(name: str, content: bytes, mimetype: str) -> flask.Response:
    # RFC 6266: the Chinese name for browsers that read filename*, a plain one for the rest.
    disposition = f"attachment; filename=submission.{name.rsplit('.', 1)[-1]}; "
    disposition += f"filename*=UTF-8''{quote(name)}"
    return flask.Response(content, mimetype=mimetype, headers={"Content-Disposition": disposition})


def detail(engine, scope, submission_id: int) -> dict:
    s = store.get(engine, scope, submission_id)
    job = jobs.of_submission(engine, submission_id)
    return {
        **s.as_json(),
        "job": None if job is None else job.as_json(),
        "history": store.history(engine, scope, submission_id),
        "report": store.report(engine, scope, submission_id),
    }


def register(api: flask.Blueprint, ctx) -> None:
    @api.errorhandler(UserError)
    def user_error(exc: UserError):
        return _json({"status": _status(exc), "message": str(exc)}, _status(exc))

    @api.route("/submissions", methods=["POST"])
    @rule("submit_register")
    @takes_upload
    def upload():
        sent = flask.request.files.get("file")
        if sent is None or not sent.filename:
            raise UserError("请随请求提交登记表文件（multipart 字段 file）")
        raw = flask.request.form.get("as_of", "")
        try:
            as_of = dt.date.fromisoformat(raw)
        except ValueError:
            raise UserError(f"as_of 应为 YYYY-MM-DD 格式，收到「{raw[:40]}」") from None
        prefecture = flask.request.form.get("prefecture")
        try:
            prefecture = int(prefecture) if prefecture else None
        except ValueError:
            raise UserError(f"prefecture 应为州（市）代码，收到「{prefecture[:20]}」") from None
        content = sent.read()
        new_id = store.create(ctx.engine, ctx.scope(), sent.filename, content, as_of, prefecture)
        return _json({"id": new_id, "state": "draft", "job": "queued"}, 202)

    @api.route("/submissions", methods=["GET"])
    @rule("api")
    def listing():
        states = tuple(flask.request.args.getlist("state")) or None
        found = store.listing(ctx.engine, ctx.scope(), states)
        record("api", flask.request.path, dict(flask.request.args), row_count=len(found))
        return _json({"submissions": [s.as_json() for s in found]})

    @api.route("/submissions/<int:submission_id>", methods=["GET"])
    @rule("api")
    def show(submission_id: int):
        body = detail(ctx.engine, ctx.scope(), submission_id)
        record("api", flask.request.path, {}, row_count=1, sha256=body["sha256"])
        return _json(body)

    @api.route("/submissions/<int:submission_id>/report.csv", methods=["GET"])
    @rule("download")
    def report_csv(submission_id: int):
        found = store.report(ctx.engine, ctx.scope(), submission_id)
        if found is None:
            raise TransitionRefused("登记表尚未检查完毕")
        content = csv_bytes(found)
        record("download", flask.request.path, {"what": "report.csv"}, sha256=_sha(content))
        return _download(f"问题清单_{submission_id}.csv", content, "text/csv; charset=utf-8")

    @api.route("/submissions/<int:submission_id>/annotated", methods=["GET"])
    @rule("download")
    def annotated(submission_id: int):
        name, content = store.file(ctx.engine, ctx.scope(), submission_id, annotated=True)
        if content is None:
            raise TransitionRefused("登记表尚未检查完毕")
        record("download", flask.request.path, {"what": "annotated"}, sha256=_sha(content))
        return _download(name, content, XLSX)

    def action_view(action: str):
        def view(submission_id: int):
            scope, comment = ctx.scope(), _comment()
            if action == "accept":
                # The worker loads it: 202 and the job; GET …/{id} shows its progress, and
                # the state becomes accepted when the load commits.
                job = review.request_accept(ctx.engine, scope, submission_id, comment)
                body = detail(ctx.engine, scope, submission_id)
                return _json({**body, "job": job.as_json()}, 202)
            store.act(ctx.engine, scope, submission_id, action, comment)
            return _json(detail(ctx.engine, scope, submission_id))

        view.__name__ = f"submission_{action}"
        return rule(ACTION_RULES[action])(view)

    for action in ACTIONS:
        api.add_url_rule(
            f"/submissions/<int:submission_id>/{action}",
            view_func=action_view(action),
            methods=["POST"],
        )


def _comment() -> str:
    if flask.request.is_json:
        body = flask.request.get_json(silent=True) or {}
        return str(body.get("comment") or "")[:4000]
    return flask.request.form.get("comment", "")[:4000]


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
