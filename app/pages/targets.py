"""年度目标任务 on the 区域限批 page: the year's target lines of the prefectures the caller sees,
with what was done, and — for those who may draft decisions — the form that drafts a line for
another office user to approve on 决定 (maker–checker, approvals/drafts.py).

It sits on the freeze page because a missed target is what the optional target trigger reads
(freeze.toml [target_trigger]); the page says whether that trigger is on.
"""

from __future__ import annotations

import datetime as dt

from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from access.guard import guarded
from access.rules import allowed
from app import format as fmt
from app.components.tables import Col, table
from app.components.tables import frame as framed
from app.context import Context
from app.forms import day, number
from app.i18n import texts, v
from app.state import ViewState
from approvals import drafts
from etl.targets import TargetLine
from exitmap.errors import UserError
from exitmap.policy import default_policy
from exitmap.vocabulary import ALL_SUB_INDUSTRIES, CATEGORIES, PREFECTURES
from layers.targets import lines

ZH_EN = {
    "title": ("{year}年度目标任务", "{year} annual targets"),
    "intro": (
        "省级下达各州（市）的年度退出目标：目标装备数与能耗按当年 1 月 1 日至完成期限的实际退出"
        "计算；一项目标的完成率取其各项中最低者，州（市）的完成率为各项平均。",
        "The province's targets for each prefecture: units and energy count the exits from"
        " 1 January to the due date; a line is as done as its least-done part, a prefecture"
        " is the mean of its lines.",
    ),
    "trigger_on": (
        "未完成年度目标任务触发区域限批：已启用（完成期限后 {days} 天内）。",
        "A missed annual target triggers a freeze: on (for {days} days after its due date).",
    ),
    "trigger_off": (
        "未完成年度目标任务触发区域限批：未启用（data/policy/freeze.toml）。",
        "A missed annual target triggers a freeze: off (data/policy/freeze.toml).",
    ),
    "none": ("本年度尚未下达目标任务。", "No targets set for the year."),
    "prefecture": ("州（市）", "Prefecture"),
    "what": ("范围", "Scope"),
    "all": ("全部类别", "All categories"),
    "units": ("装备（完成/目标）", "Units (done/target)"),
    "tce": ("能耗，吨标准煤（完成/目标）", "Energy, tce (done/target)"),
    "named": ("指定装备（已退出/指定）", "Named units (exited/named)"),
    "due": ("完成期限", "Due"),
    "pct": ("完成率", "Done"),
    "state": ("状态", "State"),
    "done": ("已完成", "done"),
    "missed": ("逾期未完成", "missed"),
    "running": ("进行中", "in progress"),
    "draft": ("起草目标任务（另一位省级用户在「决定」页审批后生效）", "Draft a target line"),
    "year": ("年度", "Year"),
    "category": ("退出类别（不选：全部）", "Category (none: all)"),
    "sub": ("细分行业（不选：全部）", "Sub-industry (none: all)"),
    "target_units": ("目标装备数（台/套）", "Units to exit"),
    "target_tce": ("目标能耗（吨标准煤）", "Energy to release (tce)"),
    "due_input": ("完成期限（默认 12 月 31 日）", "Due (default 31 December)"),
    "named_input": ("指定装备编码（以分号分隔）", "Named unit keys (separated by ;)"),
    "document": ("下达文号", "Document"),
    "submit": ("起草", "Draft"),
    "drafted": (
        "已起草 {id} 号，等待另一位省级用户在「决定」页审批。",
        "Draft {id} made; another office user approves it on 决定.",
    ),
}


tx = texts(ZH_EN)


def _pair(done, target, number) -> str:
    return "—" if target is None or target != target else f"{number(done)} / {number(target)}"


def section(ctx: Context, state: ViewState, on: dt.date) -> html.Div:
    """The year's lines (of ``on``'s year, as known on the view's known-on date) and the form."""
    lang, scope = state.lang, ctx.scope()
    frame = lines(ctx.engine, on, scope, state.known).to_dict("records")
    rule = default_policy().freeze.target
    cols = [
        Col(tx("prefecture", lang), lambda r: v(r["name"], lang), nowrap=True),
        Col(
            tx("what", lang),
            lambda r: (
                " ".join(v(x, lang) for x in (r["category"], r["sub_industry"]) if x)
                or tx("all", lang)
            ),
        ),
        Col(tx("units", lang), lambda r: _pair(r["units_done"], r["units"], str), True, True),
        Col(
            tx("tce", lang),
            lambda r: _pair(r["tce_done"], r["tce"], lambda x: f"{x:,.0f}"),
            True,
            True,
        ),
        Col(tx("named", lang), lambda r: _pair(r["named_done"], r["named"] or None, str), True),
        Col(tx("due", lang), lambda r: fmt.date(r["due"], lang), nowrap=True),
        Col(tx("pct", lang), lambda r: fmt.pct(r["pct"]), True, True),
        Col(tx("state", lang), lambda r: _state(r, lang), nowrap=True),
    ]
    body = [
        html.H2(tx("title", lang, year=on.year)),
        html.P(tx("intro", lang), className="muted"),
        html.P(
            tx("trigger_on", lang, days=rule.counts_for_days)
            if rule.enabled
            else tx("trigger_off", lang),
            className="muted",
            id="targets-trigger",
        ),
        framed(
            table(cols, frame, id="targets-table", row_id=lambda r: str(r["id"])),
            tx("title", lang, year=on.year),
            "table-frame",
        )
        if frame
        else html.P(tx("none", lang), id="targets-none"),
    ]
    if allowed(scope.role, "decide"):
        body += _form(ctx, lang, on)
    return html.Div(body, className="card", id="targets", style={"marginTop": "12px"})


def _state(r: dict, lang: str):
    if r["missed"]:
        return html.Span(tx("missed", lang), className="tag bad")
    return tx("done", lang) if r["pct"] >= 100 else tx("running", lang)


def _form(ctx: Context, lang: str, on: dt.date) -> list:
    scope = ctx.scope()
    prefectures = [
        {"label": v(name, lang), "value": adcode}
        for adcode, name in PREFECTURES.items()
        if scope.sees(adcode)
    ]

    def field(key: str, control) -> html.Label:
        return html.Label([tx(key, lang), control])

    return [
        html.H3(tx("draft", lang), style={"marginTop": "16px"}),
        html.Div(
            [
                field("prefecture", dcc.Dropdown(id="tg-prefecture", options=prefectures)),
                field("year", dcc.Input(id="tg-year", value=str(on.year), inputMode="numeric",
                                        maxLength=4)),
                field("category", dcc.Dropdown(id="tg-category", options=[
                    {"label": v(c, lang), "value": c} for c in CATEGORIES])),
                field("sub", dcc.Dropdown(id="tg-sub", options=[
                    {"label": v(s, lang), "value": s} for s in ALL_SUB_INDUSTRIES])),
                field("target_units", dcc.Input(id="tg-units", inputMode="numeric", maxLength=6)),
                field("target_tce", dcc.Input(id="tg-tce", inputMode="decimal", maxLength=20)),
                field("due_input", dcc.Input(id="tg-due", maxLength=10, placeholder="YYYY-MM-DD")),
                field("named_input", dcc.Input(id="tg-named", maxLength=2000)),
                field("document", dcc.Input(id="tg-document", maxLength=200)),
                html.Button(tx("submit", lang), id="tg-draft", n_clicks=0),
            ],
            className="admin-form decision-form",
        ),
        html.P(id="tg-message", role="status"),
    ]  # fmt: skip


def register(app, ctx: Context) -> None:
    @guarded(
        app,
        "decide",
        Output("tg-message", "children"),
        Input("tg-draft", "n_clicks"),
        State("tg-prefecture", "value"),
        State("tg-year", "value"),
        State("tg-category", "value"),
        State("tg-sub", "value"),
        State("tg-units", "value"),
        State("tg-tce", "value"),
        State("tg-due", "value"),
        State("tg-named", "value"),
        State("tg-document", "value"),
        prevent_initial_call=True,
    )
    def draft(clicks, prefecture, year, category, sub, units, tce, due, named, document):
        if not clicks:
            raise PreventUpdate
        try:
            if prefecture is None:
                raise UserError("请选择州（市）")
            keys = tuple(k.strip() for k in (named or "").replace("；", ";").split(";"))
            line = TargetLine(
                year=number(year, "年度", int, required=True),
                units=number(units, "目标装备数", int),
                tce=number(tce, "目标能耗"),
                category=category or None,
                sub_industry=sub or None,
                due=day(due, "完成期限", required=False),
                unit_keys=tuple(k for k in keys if k),
                document_no=(document or "").strip() or None,
            )
            new_id = drafts.draft(ctx.engine, ctx.scope(), "annual_target", prefecture,
                                  line.params())  # fmt: skip
        except UserError as exc:
            return str(exc)
        return tx("drafted", "zh", id=new_id)
