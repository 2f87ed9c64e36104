"""决定 /decisions: 区域限批 decisions and lifts and quota allocations, made by two people.

One user drafts (the ``decide`` rule); the draft waits, beside what the policy engine says of it,
until another office user approves it (``approve_decision``) — the drafter's own approval is
refused on the server (approvals/drafts.py), whatever the page shows.
"""

from __future__ import annotations

import datetime as dt

from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from access.guard import guarded
from app.components.tables import Col, frame, table
from app.context import Context
from app.state import ViewState
from approvals import drafts
from exitmap.errors import UserError
from exitmap.vocabulary import PREFECTURES


def _pending(ctx: Context) -> html.Div:
    scope = ctx.scope()
    rows = [
        {"d": d, "view": drafts.engine_view(ctx.engine, d)}
        for d in drafts.pending(ctx.engine, scope)
    ]
    cols = [
        Col("编号", lambda r: str(r["d"].id), nowrap=True),
        Col("决定", lambda r: drafts.KINDS[r["d"].kind], nowrap=True),
        Col("州（市）", lambda r: PREFECTURES.get(r["d"].prefecture_adcode, ""), nowrap=True),
        Col("内容", lambda r: drafts.describe(r["d"])),
        Col("政策引擎", lambda r: r["view"]),
        Col("起草人", lambda r: r["d"].drafted_by, nowrap=True),
    ]  # fmt: skip
    return frame(table(cols, rows, id="d-pending", row_id=lambda r: str(r["d"].id)), "待审批")


def layout(ctx: Context, state: ViewState) -> html.Div:
    prefectures = [{"label": n, "value": a} for a, n in PREFECTURES.items()]
    return html.Div(
        [
            html.H1("决定（两人审批）"),
            html.P(
                "区域限批决定、解除与能耗指标分配由一人起草、另一人审批后生效；起草人不能审批自己的草稿。",
                className="muted",
            ),
            html.H2("起草"),
            html.Div(
                [
                    html.Label(["决定", dcc.Dropdown(
                        id="d-kind", clearable=False, value="freeze_decide",
                        options=[{"label": v, "value": k} for k, v in drafts.KINDS.items()
                                 if k != "annual_target"])]),  # drafted on 区域限批
                    html.Label(["州（市）", dcc.Dropdown(id="d-prefecture", options=prefectures)]),
                    html.Label(["文号", dcc.Input(id="d-document", maxLength=200)]),
                    html.Label(["日期（YYYY-MM-DD）", dcc.Input(
                        id="d-date", maxLength=10, value=ctx.today().isoformat())]),
                    html.Label(["吨标准煤（分配）", dcc.Input(
                        id="d-tce", inputMode="decimal", maxLength=20)]),
                    html.Label(["项目（分配）", dcc.Input(id="d-project", maxLength=200)]),
                    html.Label(["理由", dcc.Input(id="d-reason", maxLength=500)]),
                    html.Button("起草", id="d-draft", n_clicks=0),
                ],
                className="admin-form decision-form",
            ),
            html.H2("待审批"),
            html.Div(_pending(ctx), id="d-pending-frame"),
            html.Div(
                [
                    html.Label(
                        ["草稿编号", dcc.Input(id="d-id", inputMode="numeric", maxLength=10)]
                    ),
                    html.Button("审批通过", id="d-approve", n_clicks=0),
                ],
                className="admin-form",
            ),
            html.P(id="d-message", role="status"),
        ],
        className="card decisions-page",
        id="decisions-page",
    )  # fmt: skip


def register(app, ctx: Context) -> None:
    @guarded(
        app,
        "decide",
        Output("d-message", "children"),
        Output("d-pending-frame", "children"),
        Input("d-draft", "n_clicks"),
        State("d-kind", "value"),
        State("d-prefecture", "value"),
        State("d-document", "value"),
        State("d-date", "value"),
        State("d-tce", "value"),
        State("d-project", "value"),
        State("d-reason", "value"),
        prevent_initial_call=True,
    )
    def draft(clicks, kind, prefecture, document, on, tce, project, reason):
        if not clicks:
            raise PreventUpdate
        try:
            day = _date(on)
            params = {"document": document or None, "on": day.isoformat()}
            if kind == "freeze_decide":
                params["reason"] = reason or None
            if kind == "quota_allocate":
                params |= {"tce": _number(tce), "project": project or None}
            if prefecture is None:
                raise UserError("请选择州（市）")
            new_id = drafts.draft(ctx.engine, ctx.scope(), kind, prefecture, params)
        except UserError as exc:
            return str(exc), _pending(ctx)
        return f"已起草 {new_id} 号，等待另一位省级用户审批。", _pending(ctx)

    @guarded(
        app,
        "approve_decision",
        Output("d-message", "children", allow_duplicate=True),
        Output("d-pending-frame", "children", allow_duplicate=True),
        Input("d-approve", "n_clicks"),
        State("d-id", "value"),
        prevent_initial_call=True,
    )
    def approve(clicks, draft_id):
        if not clicks or not draft_id:
            raise PreventUpdate
        try:
            number = int(_number(draft_id))
            drafts.approve(ctx.owner or ctx.engine, ctx.scope(), number)
        except UserError as exc:
            return str(exc), _pending(ctx)
        return f"{number} 号已审批通过并生效。", _pending(ctx)


def _number(text) -> float | None:
    """A number typed in a text field (the number field's steppers are too small to tap)."""
    if text in (None, ""):
        return None
    try:
        return float(str(text).replace(",", "").strip())
    except ValueError:
        raise UserError(f"应填写数字，收到「{str(text)[:20]}」") from None


def _date(text: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise UserError(f"日期应为 YYYY-MM-DD 格式，收到「{(text or '')[:20]}」") from None
