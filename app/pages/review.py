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
from app.components.submission_words import (
    prefecture_name,
    state_label,
    status_label,
    step_label,
    summary_text,
)
from app.components.tables import Col, frame, table
from app.context import Context
from app.i18n import in_lang, texts, v
from app.state import ViewState
from exitmap.errors import UserError
from submissions import jobs, periods, review, store

# Marker colours of the difference's kinds (colour-blind safe, with the legend's words).
KINDS = {
    "added": (("新增装备", "New units"), "#1b7837"),
    "changed": (("有变化的装备", "Changed units"), "#e08214"),
    "missing": (("新表中缺少的装备", "Units the new register omits"), "#b2182b"),
}
ZH_EN = {
    "title": ("审核登记表", "Review registers"),
    "period": (
        "本期：{start} 至 {end}，报送截止 {deadline}。",
        "This period: {start} to {end}; due by {deadline}.",
    ),
    "queue": ("待审核", "To review"),
    "standing": ("各州（市）本期报送情况", "This period, by prefecture"),
    "prefecture": ("州（市）", "Prefecture"),
    "register": ("本期登记表", "This period's register"),
    "late": ("迟交", "Late"),
    "yes": ("是", "yes"),
    "submission": ("报送", "Submission"),
    "id": ("编号", "No."),
    "as_of": ("数据日期", "Data date"),
    "file": ("文件", "File"),
    "checked": ("检查结果", "Check"),
    "uploaded": ("上传", "Uploaded"),
    "unit": ("装备", "Unit"),
    "firm": ("企业", "Firm"),
    "equipment": ("装备名称", "Equipment"),
    "status": ("当前状态", "Status"),
    "category": ("退出类别", "Category"),
    "field": ("项目", "Field"),
    "old": ("原值", "Old"),
    "new": ("新值", "New"),
    "queued": ("排队中，等待载入", "Queued for loading"),
    "loading": ("载入中", "Loading"),
    "progress": ("载入进度", "Load progress"),
    "nothing": (
        "此登记表当前状态为「{state}」，无需审核。",
        "This register is {state}: nothing to review.",
    ),
    "last_failed": ("上次载入未成功：", "The last load failed: "),
    "comment": (
        "审核意见（退回时必填，报送单位可见）",
        "Comment (required to return; the prefecture sees it)",
    ),
    "return": ("退回", "Return"),
    "accept": ("采用并载入", "Accept and load"),
    "heading": ("审核 {id}：{pref} {file}", "Review {id}: {pref} {file}"),
    "facts": ("数据日期 {as_of} · 状态 ", "Data date {as_of} · state "),
    "marked": ("下载原文件的标注版", "Download the marked workbook"),
    "difference": ("与现有登记的差异", "Difference against the register"),
    "unchecked": ("尚未检查完毕。", "Not checked yet."),
    "decide": ("审核", "Decision"),
    "back": ("返回审核列表", "Back to the review list"),
    "missing": ("没有编号为 {rest} 的报送", "No submission {rest}"),
    "started": (
        "已开始载入，完成后状态变为「已采用」。",
        "Loading started; the state becomes accepted when it is done.",
    ),
    "returned": ("已退回，报送单位将看到审核意见。", "Returned; the prefecture sees your comment."),
    "accepted": (
        "已采用并载入：新增 {added}，更新 {updated}。",
        "Accepted and loaded: {added} new, {updated} updated.",
    ),
    "accepted_sheets": (
        "职工安置方案 {plans} 个、场地处置 {sites} 处已写入。",
        "{plans} resettlement plans and {sites} exited sites written.",
    ),
    "failed": ("载入未成功：", "The load failed: "),
}
# The difference's field names (submissions/review.py CHANGED_FIELDS and coordinates).
FIELD_EN = {
    "status": "Status",
    "category": "Category",
    "identified_date": "Identified",
    "rectify_deadline": "Rectify by",
    "planned_exit_date": "Planned exit",
    "actual_exit_date": "Actual exit",
    "coordinates": "Coordinates",
}


_tx = texts(ZH_EN)


def _counted(title: str, n: int, lang: str) -> str:
    return f"{title} ({n})" if lang == "en" else f"{title}（{n}）"


def _search(lang: str) -> str:
    return "?lang=en" if lang == "en" else ""


def layout(ctx: Context, state: ViewState) -> html.Div:
    scope, lang = ctx.scope(), state.lang
    period, rows = periods.standing(ctx.engine, scope, ctx.today())
    status_cols = [
        Col(_tx("prefecture", lang), lambda r: prefecture_name(r["adcode"], lang), nowrap=True),
        Col(
            _tx("register", lang),
            lambda r: html.Span(
                status_label(r["status"], lang), className=f"tag {_tone(r['status'])}"
            ),
            nowrap=True,
        ),
        Col(_tx("late", lang), lambda r: _tx("yes", lang) if r["late"] else ""),
        Col(
            _tx("submission", lang),
            lambda r: (
                dcc.Link(
                    str(r["submission_id"]), href=f"/review/{r['submission_id']}{_search(lang)}"
                )
                if r["submission_id"]
                else ""
            ),
        ),
    ]
    queue = store.listing(ctx.engine, scope, ("submitted",))
    queue_cols = [
        Col(_tx("id", lang), lambda s: dcc.Link(str(s.id), href=f"/review/{s.id}{_search(lang)}"),
            nowrap=True),
        Col(_tx("prefecture", lang), lambda s: prefecture_name(s.prefecture_adcode, lang),
            nowrap=True),
        Col(_tx("as_of", lang), lambda s: s.as_of.isoformat(), nowrap=True),
        Col(_tx("file", lang), lambda s: s.file_name),
        Col(_tx("checked", lang), lambda s: summary_text(s.summary, lang)),
        Col(_tx("uploaded", lang), lambda s: f"{s.created_by} {s.created_at:%Y-%m-%d %H:%M}"),
    ]  # fmt: skip
    said = _tx("period", lang, start=period.start, end=period.end, deadline=period.deadline)
    return html.Div(
        [
            html.H1(_tx("title", lang)),
            html.P(said, id="r-period"),
            html.H2(_counted(_tx("queue", lang), len(queue), lang)),
            frame(table(queue_cols, queue, id="r-queue"), _tx("queue", lang)),
            html.H2(_tx("standing", lang)),
            frame(table(status_cols, rows, id="r-status"), _tx("standing", lang)),
        ],
        className="card review-page",
        id="review-page",
    )


def _tone(status: str) -> str:
    return {"late": "bad", "returned": "warn", "accepted": "ok"}.get(status, "")


def _markers(diff: dict, lang: str) -> list:
    out = []
    for kind, (words, colour) in KINDS.items():
        label = in_lang(words, lang)
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


def _diff_tables(diff: dict, lang: str) -> list:
    unit_cols = [
        Col(_tx("unit", lang), lambda u: u["unit_key"], nowrap=True),
        Col(_tx("firm", lang), lambda u: u["enterprise_name"]),
        Col(_tx("equipment", lang), lambda u: u["equipment_name"]),
        Col(_tx("status", lang), lambda u: v(u.get("status"), lang)),
        Col(_tx("category", lang), lambda u: v(u.get("category"), lang)),
    ]
    change_cols = [
        Col(_tx("unit", lang), lambda c: c["unit_key"], nowrap=True),
        Col(_tx("firm", lang), lambda c: c["enterprise_name"]),
        Col(_tx("field", lang), lambda c: _field(c, lang), nowrap=True),
        Col(_tx("old", lang), lambda c: v(c["old"], lang)),
        Col(_tx("new", lang), lambda c: v(c["new"], lang)),
    ]
    changes = [
        {**c, "unit_key": u["unit_key"], "enterprise_name": u["enterprise_name"]}
        for u in diff["changed"]
        for c in u["changes"]
    ]
    out = []
    for kind, rows, cols in (
        ("added", diff["added"], unit_cols),
        ("changed", changes, change_cols),
        ("missing", diff["missing"], unit_cols),
    ):
        title = in_lang(KINDS[kind][0], lang)
        out += [
            html.H2(_counted(title, len(diff[kind]), lang)),
            frame(table(cols, rows, id=f"r-{kind}"), title),
        ]
    return out


def _field(change: dict, lang: str) -> str:
    return FIELD_EN.get(change["field"], change["label"]) if lang == "en" else change["label"]


def _legend(lang: str) -> html.Ul:
    return html.Ul(
        [
            html.Li([html.Span("●", style={"color": colour}), " ", in_lang(words, lang)])
            for words, colour in KINDS.values()
        ],
        className="legend-inline",
    )


def _loading(job: jobs.Job, lang: str) -> list:
    """The load's progress bar (the job queued or running)."""
    if job.state == "queued":
        step = _tx("queued", lang)
    else:
        step = step_label(job.step, lang) or _tx("loading", lang)
    return [
        html.Div(
            [
                html.Progress(
                    value=str(job.progress),
                    max="1",
                    id="r-progress",
                    **{"aria-label": _tx("progress", lang)},
                ),
                html.Span(step, id="r-step", role="status"),
            ],
            className="s-progress",
        )
    ]


def _decision(s: store.Submission, lang: str, job: jobs.Job | None = None) -> list:
    """What the office can do now: the load's progress while an acceptance runs, the
    comment and the two buttons while the register waits, else its state."""
    if job is not None and job.active:
        return _loading(job, lang)
    if s.state != "submitted":
        said = _tx("nothing", lang, state=state_label(s.state, lang))
        return [html.P(said, id="r-done")]
    failed = []
    if job is not None and job.state == "failed":
        said = _tx("last_failed", lang) + job.message
        failed = [html.P(said, className="error", id="r-failed")]
    return [
        *failed,
        html.Label([_tx("comment", lang), dcc.Textarea(id="r-comment", maxLength=4000)]),
        html.Div(
            [
                html.Button(_tx("return", lang), id="r-return", n_clicks=0),
                html.Button(_tx("accept", lang), id="r-accept", n_clicks=0),
            ],
            className="buttons",
        ),
    ]


def detail_layout(ctx: Context, state: ViewState, rest: str) -> html.Div:
    scope, lang = ctx.scope(), state.lang
    try:
        sid = int(rest)
        s = store.get(ctx.engine, scope, sid)
    except (ValueError, UserError):
        return html.Div(
            [html.H1(_tx("decide", lang)), html.P(_tx("missing", lang, rest=rest[:40]))],
            className="card",
            id="review-missing",
        )
    diff = review.difference(ctx.engine, scope, sid) if s.validated else None
    job = jobs.of_submission(ctx.engine, sid, review.ACCEPT)
    bounds = ctx.prefecture_bounds.get(s.prefecture_adcode)
    return html.Div(
        [
            html.H1(
                _tx(
                    "heading",
                    lang,
                    id=s.id,
                    pref=prefecture_name(s.prefecture_adcode, lang),
                    file=s.file_name,
                )
            ),
            html.P(
                [
                    _tx("facts", lang, as_of=s.as_of),
                    html.Span(state_label(s.state, lang), className="tag", id="r-state"),
                    f" · {summary_text(s.summary, lang)}",
                ]
            ),
            html.A(_tx("marked", lang), href=f"/api/v1/submissions/{s.id}/annotated"),
            html.H2(_tx("difference", lang)),
            _legend(lang),
            map_container(
                "r-map",
                [*background(ctx, "r"), outline(ctx, "r"), *(_markers(diff, lang) if diff else [])],
                bounds=bounds,
                class_name="map review-map",
            ),
            *(_diff_tables(diff, lang) if diff else [html.P(_tx("unchecked", lang))]),
            html.H2(_tx("decide", lang)),
            html.Div(_decision(s, lang, job), className="review-actions", id="r-actions"),
            html.P(id="r-message", role="status"),
            dcc.Store(id="r-id", data=s.id),
            dcc.Store(id="r-lang", data=lang),
            dcc.Interval(id="r-poll", interval=1000, disabled=not (job and job.active)),
            dcc.Link(_tx("back", lang), href="/review" + _search(lang)),
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
        State("r-lang", "data"),
        prevent_initial_call=True,
    )
    def decide(returns, accepts, comment, sid, lang):
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
                said = _tx("started", lang)
                return said, state_label(s.state, lang), _loading(job, lang), False
            store.act(ctx.engine, scope, sid, "return", comment or "")
        except UserError as exc:
            s = store.get(ctx.engine, scope, sid)
            return str(exc), state_label(s.state, lang), _decision(s, lang), True
        s = store.get(ctx.engine, scope, sid)
        return _tx("returned", lang), state_label(s.state, lang), _decision(s, lang), True

    @guarded(
        app,
        "approve",
        Output("r-message", "children", allow_duplicate=True),
        Output("r-state", "children", allow_duplicate=True),
        Output("r-actions", "children", allow_duplicate=True),
        Output("r-poll", "disabled", allow_duplicate=True),
        Input("r-poll", "n_intervals"),
        State("r-id", "data"),
        State("r-lang", "data"),
        prevent_initial_call=True,
    )
    def loading(_n, sid, lang):
        scope, sid = ctx.scope(), int(sid)
        s = store.get(ctx.engine, scope, sid)
        job = jobs.of_submission(ctx.engine, sid, review.ACCEPT)
        label = state_label(s.state, lang)
        if job is None:
            return "", label, _decision(s, lang), True
        if job.active:
            return "", label, _loading(job, lang), False
        if job.state == "done":
            loaded = job.result or {}
            said = _tx("accepted", lang, added=loaded.get("inserted", 0),
                       updated=loaded.get("updated", 0))  # fmt: skip
            if loaded.get("plans") or loaded.get("sites"):
                more = _tx("accepted_sheets", lang, plans=loaded["plans"], sites=loaded["sites"])
                said += (" " if lang == "en" else "") + more
            return said, label, _decision(s, lang), True
        return _tx("failed", lang) + job.message, label, _decision(s, lang), True
