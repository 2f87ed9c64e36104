"""报送 /submit: a prefecture sends its register and sees what the check found.

/submit         the upload form (a plain multipart form to /submit/upload, bounded by the
                ingest limit, not the callbacks' body limit) and the caller's submissions
/submit/<id>    one submission: the progress bar (polling its job row), the summary, the
                problems (AG Grid, filtered by status, "next problem"), the downloads (the
                marked workbook, the report CSV and JSON), the office's comment, 报送.
"""

from __future__ import annotations

import datetime as dt

import dash_ag_grid as dag
import flask
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from flask_wtf.csrf import generate_csrf

from access.guard import guarded, guarded_clientside, rule
from app.components.grid import column_defaults, grid_options
from app.components.submission_words import (
    prefecture_name,
    severity_label,
    state_label,
    step_label,
    summary_text,
)
from app.components.tables import Col, frame, table
from app.context import Context
from app.http import takes_upload
from app.i18n import in_lang, texts
from app.state import ViewState
from exitmap.errors import UserError
from exitmap.vocabulary import PREFECTURES
from submissions import jobs, store
from submissions.report import errors_of
from submissions.states import actions_for

ERROR_KEY = "exitmap_upload_error"
PROBLEM_COLUMNS = (
    ("sheet", ("工作表", "Sheet"), 110),
    ("cellRef", ("单元格", "Cell"), 80),
    ("rowNumber", ("行", "Row"), 84),
    ("fieldName", ("列", "Column"), 120),
    ("level", ("级别", "Level"), 120),
    ("cell", ("填写内容", "Value"), 140),
    ("message", ("问题", "Problem"), 320),
)
FILTERS = {"all": ("全部", "All"), "error": ("错误", "Errors"), "warning": ("警告", "Warnings")}
ZH_EN = {
    "title": ("报送登记表", "Submit a register"),
    "intro": (
        "上传后系统在后台按入库规则逐行检查（与 exitmap load --dry-run 相同），"
        "检查通过后方可报送省级审核。",
        "Once uploaded, the register is checked row by row in the background by the loading"
        " rules (as exitmap load --dry-run); a register that passes can be submitted to the"
        " office for review.",
    ),
    "file": ("登记表文件（xlsx、xls 或 csv）", "Register file (xlsx, xls or csv)"),
    "as_of": ("数据日期", "Data date"),
    "prefecture": ("州（市）", "Prefecture"),
    "upload": ("上传并检查", "Upload and check"),
    "mine": ("我的报送", "My submissions"),
    "id": ("编号", "No."),
    "file_name": ("文件", "File"),
    "state": ("状态", "State"),
    "checked": ("检查结果", "Check"),
    "uploaded": ("上传", "Uploaded"),
    "queued": ("排队中", "Queued"),
    "queued_check": ("排队中，等待检查", "Queued for checking"),
    "failed": ("检查失败：", "Check failed: "),
    "checking": ("检查中", "Checking"),
    "done": ("检查完成", "Check complete"),
    "marked": ("下载标注后的原文件", "Download the marked workbook"),
    "csv": ("下载问题清单 CSV", "Download the problems (CSV)"),
    "json": ("问题清单 JSON", "Problems (JSON)"),
    "file_problems": ("；文件问题：", "; file problems: "),
    "problems": ("问题清单（{n} 条）", "Problems ({n})"),
    "next": ("下一个问题", "Next problem"),
    "comment": ("省级审核意见：", "The office's comment: "),
    "submit": ("报送", "Submit"),
    "heading": ("报送 {id}：{file}", "Submission {id}: {file}"),
    "facts": ("{pref} · 数据日期 {as_of} · 状态 ", "{pref} · data date {as_of} · state "),
    "by": (" · {who} 上传于 {at}", " · uploaded by {who}, {at}"),
    "progress": ("检查进度", "Check progress"),
    "back": ("返回报送列表", "Back to my submissions"),
    "missing": (
        "没有编号为 {rest} 的报送（或不在您的权限范围内）",
        "No submission {rest} (or not in your scope)",
    ),
    "missing_title": ("报送", "Submission"),
    "submitted": ("已报送，等待省级审核。", "Submitted; the office reviews it next."),
}


_tx = texts(ZH_EN)


def _upload_form(ctx: Context, role: str, lang: str) -> html.Form:
    """A plain multipart form to /submit/upload. Dash draws no file or date input that a form
    sends: the two are put into their slots in the browser (assets/submission.js)."""
    fields = [
        dcc.Input(type="hidden", name="csrf_token", value=generate_csrf(), id="s-csrf"),
        html.Label([_tx("file", lang), html.Span(**{"data-native": "file"})]),
        html.Label(
            [
                _tx("as_of", lang),
                html.Span(**{"data-native": "date", "data-value": ctx.today().isoformat()}),
            ]
        ),
    ]
    if role != "prefecture":
        fields.append(
            html.Label(
                [
                    _tx("prefecture", lang),
                    dcc.Dropdown(
                        id="s-prefecture-pick",
                        options=[
                            {"label": prefecture_name(a, lang), "value": a} for a in PREFECTURES
                        ],
                        clearable=False,
                    ),
                    dcc.Input(type="hidden", name="prefecture", id="s-prefecture"),
                ]
            )
        )
    fields.append(html.Button(_tx("upload", lang), type="submit", id="s-upload"))
    return html.Form(
        fields,
        action="/submit/upload",
        method="POST",
        encType="multipart/form-data",
        className="submit-form",
        id="s-form",
    )


def _listing(submissions: list[store.Submission], lang: str) -> html.Div:
    search = "?lang=en" if lang == "en" else ""
    cols = [
        Col(_tx("id", lang), lambda s: dcc.Link(str(s.id), href=f"/submit/{s.id}{search}"),
            nowrap=True),
        Col(_tx("prefecture", lang), lambda s: prefecture_name(s.prefecture_adcode, lang),
            nowrap=True),
        Col(_tx("file_name", lang), lambda s: s.file_name),
        Col(_tx("as_of", lang), lambda s: s.as_of.isoformat(), nowrap=True),
        Col(_tx("state", lang), lambda s: state_label(s.state, lang), nowrap=True),
        Col(_tx("checked", lang), lambda s: summary_text(s.summary, lang)),
        Col(_tx("uploaded", lang), lambda s: f"{s.created_by} {s.created_at:%Y-%m-%d %H:%M}"),
    ]  # fmt: skip
    return frame(table(cols, submissions, id="s-list"), _tx("mine", lang))


def layout(ctx: Context, state: ViewState) -> html.Div:
    scope, lang = ctx.scope(), state.lang
    error = flask.session.pop(ERROR_KEY, None) if flask.has_request_context() else None
    return html.Div(
        [
            html.H1(_tx("title", lang)),
            html.P(_tx("intro", lang), className="muted"),
            html.P(error, id="s-error", className="error", role="alert") if error else None,
            _upload_form(ctx, scope.role, lang),
            html.H2(_tx("mine", lang)),
            _listing(store.listing(ctx.engine, scope, limit=100), lang),
        ],
        className="card submit-page",
        id="submit-page",
    )


def _progress(job: jobs.Job | None, lang: str) -> tuple[float, str]:
    if job is None:
        return 0.0, _tx("queued", lang)
    if job.state == "failed":
        return job.progress, _tx("failed", lang) + job.message
    if job.state == "queued":
        return 0.0, _tx("queued_check", lang)
    return job.progress, step_label(job.step, lang) or _tx("checking", lang)


def _problem_columns(lang: str) -> list[dict]:
    defs = [
        {"field": f, "headerName": in_lang(h, lang), "minWidth": w} for f, h, w in PROBLEM_COLUMNS
    ]
    defs[-1]["flex"] = 3  # the message takes the room
    # Filtered by the status buttons, not shown (the 级别 column says it in words).
    return [*defs, {"field": "severity", "hide": True}]


def _problems(report: dict | None, lang: str) -> list[dict]:
    rows = []
    for i, e in enumerate(errors_of(report or {})):
        rows.append({**e, "level": severity_label(e["severity"], lang), "n": i})
    return rows


def _result(ctx: Context, s: store.Submission, lang: str) -> list:
    """What the check found and what can be done with it (once the job is done)."""
    report = store.report(ctx.engine, ctx.scope(), s.id)
    summary = s.summary
    rows = _problems(report, lang)
    base = f"/api/v1/submissions/{s.id}"
    parts = [
        html.P(
            [
                html.Strong(summary_text(summary, lang)),
                *(
                    html.Span(_tx("file_problems", lang) + m)
                    for m in summary.get("file_errors", [])
                ),
            ],
            id="s-summary",
        ),
        html.Ul([html.Li(n) for n in summary.get("notes", [])], className="muted"),
        html.Div(
            [
                html.A(_tx("marked", lang), href=f"{base}/annotated", id="s-annotated"),
                html.A(_tx("csv", lang), href=f"{base}/report.csv", id="s-report-csv"),
                html.A(_tx("json", lang), href=base, id="s-report-json"),
            ],
            className="downloads",
        ),
    ]
    if rows:
        parts += [
            html.H2(_tx("problems", lang, n=len(rows))),
            html.Div(
                [
                    dcc.RadioItems(
                        id="s-filter",
                        options=[{"label": in_lang(v, lang), "value": k}
                                 for k, v in FILTERS.items()],
                        value="all",
                        inline=True,
                        className="s-filter",
                    ),
                    html.Button(_tx("next", lang), id="s-next", n_clicks=0),
                ],
                className="s-tools",
            ),
            dag.AgGrid(
                id="s-problems",
                rowData=rows,
                columnDefs=_problem_columns(lang),
                defaultColDef=column_defaults(70),
                dashGridOptions=grid_options(
                    lang, rowSelection={"mode": "singleRow", "checkboxes": False,
                                        "enableClickSelection": True},
                ),
                getRowId="params.data.n",
                style={"height": "360px"},
                className="ag-theme-quartz",
            ),
        ]  # fmt: skip
    return parts


def _actions(ctx: Context, s: store.Submission, lang: str) -> list:
    role = ctx.scope().role
    kids = []
    returned = [h for h in store.history(ctx.engine, ctx.scope(), s.id) if h["action"] == "return"]
    if returned:
        last = returned[-1]
        kids.append(
            html.P(
                [html.Strong(_tx("comment", lang)), last["comment"], f"（{last['username']}，"
                 f"{last['at']:%Y-%m-%d %H:%M}）"],
                className="s-comment",
                id="s-comment",
            )
        )  # fmt: skip
    # Offered only when the server would take it (it refuses otherwise, whatever is sent).
    if "submit" in actions_for(s.state, role) and s.validated and s.summary.get("valid"):
        kids.append(html.Button(_tx("submit", lang), id="s-submit", n_clicks=0))
    return kids


def detail_layout(ctx: Context, state: ViewState, rest: str) -> html.Div:
    lang = state.lang
    try:
        sid = int(rest)
        s = store.get(ctx.engine, ctx.scope(), sid)
    except (ValueError, UserError):
        return html.Div(
            [html.H1(_tx("missing_title", lang)), html.P(_tx("missing", lang, rest=rest[:40]))],
            className="card",
            id="submit-missing",
        )
    job = jobs.of_submission(ctx.engine, sid, "validate")
    done = s.validated
    progress, step = (1.0, _tx("done", lang)) if done else _progress(job, lang)
    pref = prefecture_name(s.prefecture_adcode, lang)
    return html.Div(
        [
            html.H1(_tx("heading", lang, id=s.id, file=s.file_name)),
            html.P(
                [
                    _tx("facts", lang, pref=pref, as_of=s.as_of),
                    html.Span(state_label(s.state, lang), className="tag", id="s-state"),
                    _tx("by", lang, who=s.created_by, at=f"{s.created_at:%Y-%m-%d %H:%M}"),
                ]
            ),
            html.Div(
                [
                    html.Progress(
                        value=str(progress),
                        max="1",
                        id="s-progress",
                        **{"aria-label": _tx("progress", lang)},
                    ),
                    html.Span(step, id="s-step", role="status"),
                ],
                className="s-progress",
            ),
            dcc.Interval(id="s-poll", interval=1000, disabled=done),
            dcc.Store(id="s-id", data=sid),
            dcc.Store(id="s-next-done"),
            dcc.Store(id="s-lang", data=lang),
            html.Div(_result(ctx, s, lang) if done else [], id="s-result"),
            html.Div(_actions(ctx, s, lang), id="s-actions"),
            html.P(id="s-message", role="status"),
            dcc.Link(_tx("back", lang), href="/submit" + ("?lang=en" if lang == "en" else "")),
        ],
        className="card submit-page",
        id="submit-detail",
    )


def register(app, ctx: Context) -> None:
    @app.server.route("/submit/upload", methods=["POST"])
    @rule("submit_register")
    @takes_upload
    def submit_upload():
        sent = flask.request.files.get("file")
        try:
            if sent is None or not sent.filename:
                raise UserError("请选择要上传的登记表文件")
            as_of = _date(flask.request.form.get("as_of", ""))
            prefecture = flask.request.form.get("prefecture")
            new_id = store.create(
                ctx.engine,
                ctx.scope(),
                sent.filename,
                sent.read(),
                as_of,
                int(prefecture) if prefecture and prefecture.isdigit() else None,
            )
        except UserError as exc:
            flask.session[ERROR_KEY] = str(exc)
            return flask.redirect("/submit", code=303)
        return flask.redirect(f"/submit/{new_id}", code=303)

    @guarded(
        app,
        "view",
        Output("s-progress", "value"),
        Output("s-step", "children"),
        Output("s-result", "children"),
        Output("s-actions", "children"),
        Output("s-poll", "disabled"),
        Input("s-poll", "n_intervals"),
        State("s-id", "data"),
        State("s-lang", "data"),
        prevent_initial_call=True,
    )
    def poll(_n, sid, lang):
        s = store.get(ctx.engine, ctx.scope(), int(sid))
        if s.validated:
            return "1", _tx("done", lang), _result(ctx, s, lang), _actions(ctx, s, lang), True
        job = jobs.of_submission(ctx.engine, s.id, "validate")
        progress, step = _progress(job, lang)
        return str(progress), step, [], [], job is not None and job.state == "failed"

    @guarded(
        app,
        "view",
        Output("s-problems", "filterModel"),
        Input("s-filter", "value"),
        prevent_initial_call=True,
    )
    def filter_problems(kind):
        if kind not in ("error", "warning"):
            return {}
        return {"severity": {"filterType": "text", "type": "equals", "filter": kind}}

    # The office names the prefecture: the picker's choice goes into the form's field.
    guarded_clientside(
        app,
        "function (v) { return v == null ? '' : String(v); }",
        Output("s-prefecture", "value"),
        Input("s-prefecture-pick", "value"),
    )
    guarded_clientside(
        app,
        "function (n) { return n ? window.exitmapSubmission.next('s-problems', n) : n; }",
        Output("s-next-done", "data"),
        Input("s-next", "n_clicks"),
        prevent_initial_call=True,
    )

    @guarded(
        app,
        "submit_register",
        Output("s-message", "children"),
        Output("s-state", "children"),
        Output("s-actions", "children", allow_duplicate=True),
        Input("s-submit", "n_clicks"),
        State("s-id", "data"),
        State("s-lang", "data"),
        prevent_initial_call=True,
    )
    def submit(clicks, sid, lang):
        # A button drawn by the poll fires its callback once with no click: never a submission.
        if not clicks:
            raise PreventUpdate
        try:
            s = store.act(ctx.engine, ctx.scope(), int(sid), "submit")
        except UserError as exc:
            current = store.get(ctx.engine, ctx.scope(), int(sid))
            return str(exc), state_label(current.state, lang), _actions(ctx, current, lang)
        return _tx("submitted", lang), state_label(s.state, lang), _actions(ctx, s, lang)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"数据日期应为 YYYY-MM-DD 格式，收到「{text[:40]}」") from None
