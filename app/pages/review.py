"""审核 /review: the office's queue and, per prefecture, this period's register.

/review         the period (settings) and each prefecture's status in it (arrived, late,
                returned, accepted), and the registers waiting for review
/review/<id>    one register: what accepting it would change in the register (new units,
                status/dates/category/coordinates old → new, units it no longer lists), on a
                map; return it with a comment, or accept it: the worker loads it (a job, as
                the validation is) while the page shows the load's progress (polling the
                job's row); the state becomes 已采用 when the load commits.
"""

from __future__ import annotations

import dash_leaflet as dl
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from access.guard import guarded
from app.components.mapview import background, map_container, outline
from app.components.tables import Col, frame, table
from app.context import Context
from app.state import ViewState
from exitmap.errors import UserError
from submissions import jobs, periods, review, store

# Marker colours of the difference's kinds (colour-blind safe, with the legend's words).
KINDS = {
    "added": ("新增装备", "#1b7837"),
    "changed": ("有变化的装备", "#e08214"),
    "missing": ("新表中缺少的装备", "#b2182b"),
}


def layout(ctx: Context, state: ViewState) -> html.Div:
    scope = ctx.scope()
    period, rows = periods.standing(ctx.engine, scope, ctx.today())
    status_cols = [
        Col("州（市）", lambda r: r["prefecture"], nowrap=True),
        Col(
            "本期登记表",
            lambda r: html.Span(r["label"], className=f"tag {_tone(r['status'])}"),
            nowrap=True,
        ),
        Col("迟交", lambda r: "是" if r["late"] else ""),
        Col(
            "报送",
            lambda r: (
                dcc.Link(str(r["submission_id"]), href=f"/review/{r['submission_id']}")
                if r["submission_id"]
                else ""
            ),
        ),
    ]
    queue = store.listing(ctx.engine, scope, ("submitted",))
    queue_cols = [
        Col("编号", lambda s: dcc.Link(str(s.id), href=f"/review/{s.id}"), nowrap=True),
        Col("州（市）", lambda s: s.prefecture, nowrap=True),
        Col("数据日期", lambda s: s.as_of.isoformat(), nowrap=True),
        Col("文件", lambda s: s.file_name),
        Col("检查结果", lambda s: store.summary_text(s.summary)),
        Col("上传", lambda s: f"{s.created_by} {s.created_at:%Y-%m-%d %H:%M}"),
    ]
    return html.Div(
        [
            html.H1("审核登记表"),
            html.P(f"本期：{period.label()}，报送截止 {period.deadline}。", id="r-period"),
            html.H2(f"待审核（{len(queue)}）"),
            frame(table(queue_cols, queue, id="r-queue"), "待审核"),
            html.H2("各州（市）本期报送情况"),
            frame(table(status_cols, rows, id="r-status"), "各州（市）本期报送情况"),
        ],
        className="card review-page",
        id="review-page",
    )


def _tone(status: str) -> str:
    return {"late": "bad", "returned": "warn", "accepted": "ok"}.get(status, "")


def _markers(diff: dict) -> list:
    out = []
    for kind, (label, colour) in KINDS.items():
        for u in diff[kind]:
            if u.get("lon_wgs84") is None or u.get("lat_wgs84") is None:
                continue
            out.append(
                dl.CircleMarker(
                    center=[u["lat_wgs84"], u["lon_wgs84"]],
                    radius=7,
                    color=colour,
                    fillColor=colour,
                    fillOpacity=0.8,
                    className=f"diff-{kind}",
                    children=dl.Tooltip(f"{label}：{u['enterprise_name']} {u['equipment_name']}"),
                )
            )
    return out


def _diff_tables(diff: dict) -> list:
    unit_cols = [
        Col("装备", lambda u: u["unit_key"], nowrap=True),
        Col("企业", lambda u: u["enterprise_name"]),
        Col("装备名称", lambda u: u["equipment_name"]),
        Col("当前状态", lambda u: u.get("status") or ""),
        Col("退出类别", lambda u: u.get("category") or ""),
    ]
    change_cols = [
        Col("装备", lambda c: c["unit_key"], nowrap=True),
        Col("企业", lambda c: c["enterprise_name"]),
        Col("项目", lambda c: c["label"], nowrap=True),
        Col("原值", lambda c: c["old"]),
        Col("新值", lambda c: c["new"]),
    ]
    changes = [
        {**c, "unit_key": u["unit_key"], "enterprise_name": u["enterprise_name"]}
        for u in diff["changed"]
        for c in u["changes"]
    ]
    return [
        html.H2(f"新增装备（{len(diff['added'])}）"),
        frame(table(unit_cols, diff["added"], id="r-added"), "新增装备"),
        html.H2(f"有变化的装备（{len(diff['changed'])}）"),
        frame(table(change_cols, changes, id="r-changed"), "有变化的装备"),
        html.H2(f"新表中缺少的装备（{len(diff['missing'])}）"),
        frame(table(unit_cols, diff["missing"], id="r-missing"), "新表中缺少的装备"),
    ]


def _legend() -> html.Ul:
    return html.Ul(
        [
            html.Li([html.Span("●", style={"color": colour}), " ", label])
            for label, colour in KINDS.values()
        ],
        className="legend-inline",
    )


def _loading(job: jobs.Job) -> list:
    """The load's progress bar (the job queued or running)."""
    step = "排队中，等待载入" if job.state == "queued" else job.step or "载入中"
    return [
        html.Div(
            [
                html.Progress(
                    value=str(job.progress), max="1", id="r-progress", **{"aria-label": "载入进度"}
                ),
                html.Span(step, id="r-step", role="status"),
            ],
            className="s-progress",
        )
    ]


def _decision(s: store.Submission, job: jobs.Job | None = None) -> list:
    """What the office can do now: the load's progress while an acceptance runs, the
    comment and the two buttons while the register waits, else its state."""
    if job is not None and job.active:
        return _loading(job)
    if s.state != "submitted":
        return [html.P(f"此登记表当前状态为「{s.state_label}」，无需审核。", id="r-done")]
    failed = []
    if job is not None and job.state == "failed":
        failed = [html.P(f"上次载入未成功：{job.message}", className="error", id="r-failed")]
    return [
        *failed,
        html.Label(
            ["审核意见（退回时必填，报送单位可见）", dcc.Textarea(id="r-comment", maxLength=4000)]
        ),
        html.Div(
            [
                html.Button("退回", id="r-return", n_clicks=0),
                html.Button("采用并载入", id="r-accept", n_clicks=0),
            ],
            className="buttons",
        ),
    ]


def detail_layout(ctx: Context, state: ViewState, rest: str) -> html.Div:
    scope = ctx.scope()
    try:
        sid = int(rest)
        s = store.get(ctx.engine, scope, sid)
    except (ValueError, UserError):
        return html.Div(
            [html.H1("审核"), html.P(f"没有编号为 {rest} 的报送")],
            className="card",
            id="review-missing",
        )
    diff = review.difference(ctx.engine, scope, sid) if s.validated else None
    job = jobs.of_submission(ctx.engine, sid, review.ACCEPT)
    bounds = ctx.prefecture_bounds.get(s.prefecture_adcode)
    return html.Div(
        [
            html.H1(f"审核 {s.id}：{s.prefecture} {s.file_name}"),
            html.P(
                [
                    f"数据日期 {s.as_of} · 状态 ",
                    html.Span(s.state_label, className="tag", id="r-state"),
                    f" · {store.summary_text(s.summary)}",
                ]
            ),
            html.A("下载原文件的标注版", href=f"/api/v1/submissions/{s.id}/annotated"),
            html.H2("与现有登记的差异"),
            _legend(),
            map_container(
                "r-map",
                [*background(ctx, "r"), outline(ctx, "r"), *(_markers(diff) if diff else [])],
                bounds=bounds,
                class_name="map review-map",
            ),
            *(_diff_tables(diff) if diff else [html.P("尚未检查完毕。")]),
            html.H2("审核"),
            html.Div(_decision(s, job), className="review-actions", id="r-actions"),
            html.P(id="r-message", role="status"),
            dcc.Store(id="r-id", data=s.id),
            dcc.Interval(id="r-poll", interval=1000, disabled=not (job and job.active)),
            dcc.Link("返回审核列表", href="/review"),
        ],
        className="card review-page",
        id="review-detail",
    )


def register(app, ctx: Context) -> None:
    @guarded(
        app,
        "approve",
        Output("r-message", "children"),
        Output("r-state", "children"),
        Output("r-actions", "children"),
        Output("r-poll", "disabled"),
        Input("r-return", "n_clicks"),
        Input("r-accept", "n_clicks"),
        State("r-comment", "value"),
        State("r-id", "data"),
        prevent_initial_call=True,
    )
    def decide(returns, accepts, comment, sid):
        from dash import ctx as cb

        # Only a real click decides (a button drawn anew fires its callback with no click).
        if not (returns if cb.triggered_id == "r-return" else accepts):
            raise PreventUpdate
        scope, sid = ctx.scope(), int(sid)
        try:
            if cb.triggered_id == "r-accept":
                # The worker loads it; this request only queues the job.
                job = review.request_accept(ctx.engine, scope, sid, comment or "")
                s = store.get(ctx.engine, scope, sid)
                return "已开始载入，完成后状态变为「已采用」。", s.state_label, _loading(job), False
            store.act(ctx.engine, scope, sid, "return", comment or "")
            message = "已退回，报送单位将看到审核意见。"
        except UserError as exc:
            s = store.get(ctx.engine, scope, sid)
            return str(exc), s.state_label, _decision(s), True
        s = store.get(ctx.engine, scope, sid)
        return message, s.state_label, _decision(s), True

    @guarded(
        app,
        "approve",
        Output("r-message", "children", allow_duplicate=True),
        Output("r-state", "children", allow_duplicate=True),
        Output("r-actions", "children", allow_duplicate=True),
        Output("r-poll", "disabled", allow_duplicate=True),
        Input("r-poll", "n_intervals"),
        State("r-id", "data"),
        prevent_initial_call=True,
    )
    def loading(_n, sid):
        scope, sid = ctx.scope(), int(sid)
        s = store.get(ctx.engine, scope, sid)
        job = jobs.of_submission(ctx.engine, sid, review.ACCEPT)
        if job is None:
            return "", s.state_label, _decision(s), True
        if job.active:
            return "", s.state_label, _loading(job), False
        if job.state == "done":
            loaded = job.result or {}
            added, updated = loaded.get("inserted", 0), loaded.get("updated", 0)
            return (
                f"已采用并载入：新增 {added}，更新 {updated}。",
                s.state_label,
                _decision(s),
                True,
            )
        return f"载入未成功：{job.message}", s.state_label, _decision(s), True
