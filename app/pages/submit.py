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
from app.components.tables import Col, frame, table
from app.context import Context
from app.http import takes_upload
from app.state import ViewState
from exitmap.errors import UserError
from exitmap.vocabulary import PREFECTURES
from submissions import jobs, store
from submissions.report import SEVERITY_LABELS, errors_of
from submissions.states import ACTIONS, actions_for

ERROR_KEY = "exitmap_upload_error"
PROBLEM_COLUMNS = (
    ("sheet", "工作表", 110),
    ("cellRef", "单元格", 80),
    ("rowNumber", "行", 70),
    ("fieldName", "列", 120),
    ("level", "级别", 120),
    ("cell", "填写内容", 140),
    ("message", "问题", 320),
)
FILTERS = {"all": "全部", "error": "错误", "warning": "警告"}


def _upload_form(ctx: Context, role: str) -> html.Form:
    """A plain multipart form to /submit/upload. Dash draws no file or date input that a form
    sends: the two are put into their slots in the browser (assets/submission.js)."""
    fields = [
        dcc.Input(type="hidden", name="csrf_token", value=generate_csrf(), id="s-csrf"),
        html.Label(["登记表文件（xlsx、xls 或 csv）", html.Span(**{"data-native": "file"})]),
        html.Label(
            [
                "数据日期",
                html.Span(**{"data-native": "date", "data-value": ctx.today().isoformat()}),
            ]
        ),
    ]
    if role != "prefecture":
        fields.append(
            html.Label(
                [
                    "州（市）",
                    dcc.Dropdown(
                        id="s-prefecture-pick",
                        options=[{"label": n, "value": a} for a, n in PREFECTURES.items()],
                        clearable=False,
                    ),
                    dcc.Input(type="hidden", name="prefecture", id="s-prefecture"),
                ]
            )
        )
    fields.append(html.Button("上传并检查", type="submit", id="s-upload"))
    return html.Form(
        fields,
        action="/submit/upload",
        method="POST",
        encType="multipart/form-data",
        className="submit-form",
        id="s-form",
    )


def _listing(submissions: list[store.Submission]) -> html.Div:
    cols = [
        Col("编号", lambda s: dcc.Link(str(s.id), href=f"/submit/{s.id}"), nowrap=True),
        Col("州（市）", lambda s: s.prefecture, nowrap=True),
        Col("文件", lambda s: s.file_name),
        Col("数据日期", lambda s: s.as_of.isoformat(), nowrap=True),
        Col("状态", lambda s: s.state_label, nowrap=True),
        Col("检查结果", lambda s: store.summary_text(s.summary)),
        Col("上传", lambda s: f"{s.created_by} {s.created_at:%Y-%m-%d %H:%M}"),
    ]
    return frame(table(cols, submissions, id="s-list"), "我的报送")


def layout(ctx: Context, state: ViewState) -> html.Div:
    scope = ctx.scope()
    error = flask.session.pop(ERROR_KEY, None) if flask.has_request_context() else None
    return html.Div(
        [
            html.H1("报送登记表"),
            html.P(
                "上传后系统在后台按入库规则逐行检查（与 exitmap load --dry-run 相同），"
                "检查通过后方可报送省级审核。",
                className="muted",
            ),
            html.P(error, id="s-error", className="error", role="alert") if error else None,
            _upload_form(ctx, scope.role),
            html.H2("我的报送"),
            _listing(store.listing(ctx.engine, scope, limit=100)),
        ],
        className="card submit-page",
        id="submit-page",
    )


def _progress(job: jobs.Job | None) -> tuple[float, str]:
    if job is None:
        return 0.0, "排队中"
    if job.state == "failed":
        return job.progress, "检查失败：" + job.message
    if job.state == "queued":
        return 0.0, "排队中，等待检查"
    return job.progress, job.step or "检查中"


def _problem_columns() -> list[dict]:
    defs = [{"field": f, "headerName": h, "minWidth": w} for f, h, w in PROBLEM_COLUMNS]
    defs[-1]["flex"] = 3  # the message takes the room
    # Filtered by the status buttons, not shown (the 级别 column says it in words).
    return [*defs, {"field": "severity", "hide": True}]


def _problems(report: dict | None) -> list[dict]:
    rows = []
    for i, e in enumerate(errors_of(report or {})):
        rows.append({**e, "level": SEVERITY_LABELS[e["severity"]], "n": i})
    return rows


def _result(ctx: Context, s: store.Submission) -> list:
    """What the check found and what can be done with it (once the job is done)."""
    report = store.report(ctx.engine, ctx.scope(), s.id)
    summary = s.summary
    rows = _problems(report)
    base = f"/api/v1/submissions/{s.id}"
    parts = [
        html.P(
            [
                html.Strong(store.summary_text(summary)),
                *(html.Span("；文件问题：" + m) for m in summary.get("file_errors", [])),
            ],
            id="s-summary",
        ),
        html.Ul([html.Li(n) for n in summary.get("notes", [])], className="muted"),
        html.Div(
            [
                html.A("下载标注后的原文件", href=f"{base}/annotated", id="s-annotated"),
                html.A("下载问题清单 CSV", href=f"{base}/report.csv", id="s-report-csv"),
                html.A("问题清单 JSON", href=base, id="s-report-json"),
            ],
            className="downloads",
        ),
    ]
    if rows:
        parts += [
            html.H2(f"问题清单（{len(rows)} 条）"),
            html.Div(
                [
                    dcc.RadioItems(
                        id="s-filter",
                        options=[{"label": v, "value": k} for k, v in FILTERS.items()],
                        value="all",
                        inline=True,
                        className="s-filter",
                    ),
                    html.Button("下一个问题", id="s-next", n_clicks=0),
                ],
                className="s-tools",
            ),
            dag.AgGrid(
                id="s-problems",
                rowData=rows,
                columnDefs=_problem_columns(),
                defaultColDef=column_defaults(70),
                dashGridOptions=grid_options(
                    "zh", rowSelection={"mode": "singleRow", "checkboxes": False,
                                        "enableClickSelection": True},
                ),
                getRowId="params.data.n",
                style={"height": "360px"},
                className="ag-theme-quartz",
            ),
        ]  # fmt: skip
    return parts


def _actions(ctx: Context, s: store.Submission) -> list:
    role = ctx.scope().role
    kids = []
    returned = [h for h in store.history(ctx.engine, ctx.scope(), s.id) if h["action"] == "return"]
    if returned:
        last = returned[-1]
        kids.append(
            html.P(
                [html.Strong("省级审核意见："), last["comment"], f"（{last['username']}，"
                 f"{last['at']:%Y-%m-%d %H:%M}）"],
                className="s-comment",
                id="s-comment",
            )
        )  # fmt: skip
    # Offered only when the server would take it (it refuses otherwise, whatever is sent).
    if "submit" in actions_for(s.state, role) and s.validated and s.summary.get("valid"):
        kids.append(html.Button(ACTIONS["submit"], id="s-submit", n_clicks=0))
    return kids


def detail_layout(ctx: Context, state: ViewState, rest: str) -> html.Div:
    try:
        sid = int(rest)
        s = store.get(ctx.engine, ctx.scope(), sid)
    except (ValueError, UserError):
        return html.Div(
            [html.H1("报送"), html.P(f"没有编号为 {rest} 的报送（或不在您的权限范围内）")],
            className="card",
            id="submit-missing",
        )
    job = jobs.of_submission(ctx.engine, sid, "validate")
    done = s.validated
    progress, step = (1.0, "检查完成") if done else _progress(job)
    return html.Div(
        [
            html.H1(f"报送 {s.id}：{s.file_name}"),
            html.P(
                [
                    f"{s.prefecture} · 数据日期 {s.as_of} · 状态 ",
                    html.Span(s.state_label, className="tag", id="s-state"),
                    f" · {s.created_by} 上传于 {s.created_at:%Y-%m-%d %H:%M}",
                ]
            ),
            html.Div(
                [
                    html.Progress(
                        value=str(progress), max="1", id="s-progress", **{"aria-label": "检查进度"}
                    ),
                    html.Span(step, id="s-step", role="status"),
                ],
                className="s-progress",
            ),
            dcc.Interval(id="s-poll", interval=1000, disabled=done),
            dcc.Store(id="s-id", data=sid),
            dcc.Store(id="s-next-done"),
            html.Div(_result(ctx, s) if done else [], id="s-result"),
            html.Div(_actions(ctx, s), id="s-actions"),
            html.P(id="s-message", role="status"),
            dcc.Link("返回报送列表", href="/submit"),
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
        prevent_initial_call=True,
    )
    def poll(_n, sid):
        s = store.get(ctx.engine, ctx.scope(), int(sid))
        if s.validated:
            return "1", "检查完成", _result(ctx, s), _actions(ctx, s), True
        progress, step = _progress(jobs.of_submission(ctx.engine, s.id, "validate"))
        failed = step.startswith("检查失败")
        return str(progress), step, [], [], failed

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
        prevent_initial_call=True,
    )
    def submit(clicks, sid):
        # A button drawn by the poll fires its callback once with no click: never a submission.
        if not clicks:
            raise PreventUpdate
        try:
            s = store.act(ctx.engine, ctx.scope(), int(sid), "submit")
        except UserError as exc:
            current = store.get(ctx.engine, ctx.scope(), int(sid))
            return str(exc), current.state_label, _actions(ctx, current)
        return "已报送，等待省级审核。", s.state_label, _actions(ctx, s)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"数据日期应为 YYYY-MM-DD 格式，收到「{text[:40]}」") from None
