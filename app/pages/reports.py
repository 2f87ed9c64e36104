"""举报 (issue #15): the office's queue and desk, a department's and a prefecture's lists, a
leader's counts, one report with its history and the step to take.

``/reports``: the province office sees every report and the form for a report taken by
telephone or letter; a department the reports handed to it; a prefecture those in its
territory; a leader only counts. ``/reports/<reference>``: one report as the caller's scope may
see it (the database's policies too), its history with who, when and notes, and the steps the
caller's role may take in its state (reports/states.py). The reporter's contact is shown to the
office alone, read from its own table, which no other session can select. Every step, refusal
and contact view is audited — by reference, step and outcome, never with the reporter or notes.
"""

from __future__ import annotations

from urllib.parse import unquote

import flask
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from access.guard import current_scope, guarded, record, rule
from app.components.tables import Col, facts, frame, table
from app.context import Context
from app.i18n import texts
from app.state import ViewState
from etl.locate import parse_address
from exitmap import clock
from exitmap.errors import UserError
from exitmap.policy.reports import reports_policy
from exitmap.vocabulary import PREFECTURES
from layers.holds import held_on, holds
from reports import handling, read
from reports.handling import departments
from reports.intake import MAX_DESCRIPTION, MAX_FIELD, Contact, Intake, file_report
from reports.routing import place_of_areas, place_of_point
from reports.states import LABELS as STATE_LABELS
from reports.states import STEPS, StepRefused

ZH_EN = {
    "title": ("举报办理", "Public reports"),
    "queue": ("举报列表", "Reports"),
    "counts": ("举报统计", "Report counts"),
    "reference": ("编号", "Reference"),
    "received": ("受理时间", "Received"),
    "kind": ("类别", "Kind"),
    "prefecture": ("州（市）", "Prefecture"),
    "department": ("承办部门", "Department"),
    "state": ("状态", "State"),
    "expected": ("办理期限", "Due"),
    "overdue": ("逾期", "Overdue"),
    "ack_overdue": ("超期未甄别", "Not screened in time"),
    "yes": ("是", "yes"),
    "reports": ("件数", "Reports"),
    "open": ("未办结", "Open"),
    "none": ("暂无举报。", "No reports."),
    "description": ("举报内容", "Description"),
    "place": ("位置", "Place"),
    "firm": ("被举报企业", "Firm named"),
    "unit": ("涉及装备（编码）", "Unit (key)"),
    "channel": ("来源", "Channel"),
    "acknowledge": ("甄别期限", "Screen by"),
    "history": ("办理记录", "History"),
    "photos": ("照片", "Photos"),
    "at": ("时间", "When"),
    "who": ("经办人", "Who"),
    "step": ("步骤", "Step"),
    "outcome": ("结果", "Outcome"),
    "notes": ("备注", "Notes"),
    "contact": ("举报人（仅省办可见）", "Reporter (the office only)"),
    "contact_none": ("举报人未留联系方式。", "The reporter left no contact."),
    "take": ("办理", "Take a step"),
    "submit": ("提交", "Submit"),
    "no_steps": ("当前状态下您没有可办理的步骤。", "No step is yours in this state."),
    "new": ("登记电话、来信举报", "Enter a telephone or letter report"),
    "phone": ("电话", "Telephone"),
    "letter": ("来信", "Letter"),
    "address": ("地址", "Address"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
    "name": ("举报人姓名", "Reporter's name"),
    "tel": ("举报人电话", "Reporter's telephone"),
    "email": ("举报人邮箱", "Reporter's e-mail"),
    "filed": ("已登记，编号 {reference}", "Entered as {reference}"),
    "taken": ("已办理：{step}", "Done: {step}"),
    "missing": ("没有这个举报，或您无权查看。", "No such report, or not yours to see."),
    "leader": ("领导查看举报统计数字。", "Leaders see the counts."),
    "back": ("返回举报列表", "Back to the reports"),
    "disputed": (
        "该装备的退出经举报查实存在争议：其释放的能耗指标自 {held} 起暂扣，待省办决定。",
        "A substantiated report disputes this unit's exit: its released quota is held from {held}"
        " until the office decides.",
    ),
    "released_hold": ("已解除暂扣（{decision}）", "Hold lifted ({decision})"),
    "decision": ("省办决定（如：经核实已拆除）", "The office's decision"),
    "lift": ("解除暂扣", "Lift the hold"),
    "in_prefecture": (
        "举报（未办结 {open}，逾期 {overdue}）",
        "Reports ({open} open, {overdue} overdue)",
    ),
}
CHANNELS = {
    "web": ("网站", "web"),
    "open311": ("平台接口", "Open311"),
    "phone": ZH_EN["phone"],
    "letter": ZH_EN["letter"],
}


tx = texts(ZH_EN)


def _when(value) -> str:
    return "" if value is None else value.astimezone(clock.ZONE).strftime("%Y-%m-%d %H:%M")


def _kind_name(code: str) -> str:
    kinds = reports_policy().kinds
    return kinds[code].name if code in kinds else code


def _state_text(row) -> str:
    outcome = row.get("resolution") or (
        row.get("screening") if row.get("screening") not in (None, "valid") else None
    )
    text = STATE_LABELS[row["status"]]
    return f"{text}（{STATE_LABELS[outcome]}）" if outcome else text


def _reference_col(lang: str) -> Col:
    return Col(
        tx("reference", lang),
        lambda r: dcc.Link(r["service_request_id"], href=f"/reports/{r['service_request_id']}"),
        nowrap=True,
    )


def _overdue_col(lang: str) -> Col:
    yes = tx("yes", lang)
    return Col(
        tx("overdue", lang),
        lambda r: html.Strong(yes, className="overdue") if r["overdue"] else "",
    )


def _queue(ctx: Context, scope, lang: str):
    frame_ = read.reports(ctx.engine, scope, ctx.today())
    if frame_.empty:
        return html.P(tx("none", lang), id="reports-none")
    yes = tx("yes", lang)
    cols = [
        _reference_col(lang),
        Col(tx("received", lang), lambda r: _when(r["requested_datetime"]), nowrap=True),
        Col(tx("kind", lang), lambda r: r["service_name"]),
        Col(tx("prefecture", lang), lambda r: PREFECTURES.get(r["prefecture_adcode"], "")),
        Col(tx("department", lang), lambda r: r["agency_responsible"]),
        Col(tx("state", lang), _state_text),
        Col(tx("expected", lang), lambda r: _when(r["expected_datetime"])[:10], nowrap=True),
        _overdue_col(lang),
        Col(tx("ack_overdue", lang), lambda r: yes if r["acknowledge_overdue"] else ""),
    ]
    # pandas holds missing values as NaN/NaT: the cells want None.
    rows = frame_.astype(object).where(frame_.notna(), None).to_dict("records")
    record("page_view", "/reports", {"list": "reports"}, row_count=len(rows))
    return frame(table(cols, rows, id="reports-table"), tx("queue", lang))


def _counts(ctx: Context, scope, lang: str):
    counts = read.counts(ctx.engine, scope, ctx.today())
    if counts.empty:
        return html.P(tx("none", lang), id="reports-none")
    cols = [
        Col(tx("prefecture", lang), lambda r: PREFECTURES.get(r["prefecture_adcode"], "")),
        Col(tx("kind", lang), lambda r: _kind_name(r["service_code"])),
        Col(tx("state", lang), lambda r: STATE_LABELS[r["status"]]),
        Col(tx("reports", lang), lambda r: str(int(r["reports"])), num=True),
        Col(tx("open", lang), lambda r: str(int(r["open"])), num=True),
        Col(tx("overdue", lang), lambda r: str(int(r["overdue"])), num=True),
    ]
    return frame(table(cols, counts.to_dict("records"), id="reports-counts"), tx("counts", lang))


def prefecture_box(ctx: Context, adcode: int, lang: str) -> html.Div:
    """The prefecture page's list of its open reports, overdue first (a leader: the counts)."""
    scope = ctx.scope().narrow(adcode)
    found = read.reports(ctx.engine, scope, ctx.today(), prefecture=adcode)
    found = found[found["open"]].sort_values(
        ["overdue", "expected_datetime"], ascending=[False, True], kind="stable"
    )
    title = tx("in_prefecture", lang, open=len(found), overdue=int(found["overdue"].sum()))
    if scope.role == "leader" or found.empty:
        return html.Div([html.H2(title)], className="card", id="pf-reports")
    cols = [
        _reference_col(lang),
        Col(tx("kind", lang), lambda r: r["service_name"]),
        Col(tx("state", lang), lambda r: STATE_LABELS[r["status"]]),
        Col(tx("expected", lang), lambda r: _when(r["expected_datetime"])[:10], nowrap=True),
        _overdue_col(lang),
    ]
    rows = found.astype(object).where(found.notna(), None).to_dict("records")
    return html.Div(
        [html.H2(title), frame(table(cols, rows, id="pf-reports-table"), title)],
        className="card",
        id="pf-reports",
    )


def hold_box(ctx: Context, unit_key: str, lang: str):
    """The unit page's flag when a substantiated report disputes the unit's exit, with the
    office's control to lift the hold; None when the unit is not held."""
    scope = ctx.scope()
    hold = held_on(holds(ctx.engine, unit_key, scope), ctx.today())
    if hold is None:
        return None
    kids = [html.P(tx("disputed", lang, held=hold["held_from"].isoformat()), id="unit-disputed")]
    if scope.role in ("province", "system"):
        kids += [
            html.Div(
                [
                    _input("uh-decision", tx("decision", lang), maxLength=MAX_FIELD),
                    html.Button(tx("lift", lang), id="uh-lift"),
                    html.P(id="uh-message", role="status"),
                ],
                className="report-desk",
            )
        ]
    return html.Div(kids, className="banner", id="unit-hold")


def _input(id_: str, label: str, **attrs) -> html.Div:
    return html.Div([html.Label(label, htmlFor=id_), dcc.Input(id=id_, **attrs)], className="field")


def _new_form(lang: str) -> html.Div:
    kinds = [{"label": k.name, "value": k.code} for k in reports_policy().kinds.values()]
    return html.Div(
        [
            html.H2(tx("new", lang)),
            dcc.RadioItems(
                id="rn-channel",
                options=[{"label": tx(c, lang), "value": c} for c in ("phone", "letter")],
                value="phone",
                inline=True,
                className="choices",
            ),
            html.Div(
                [
                    html.Label(tx("kind", lang), htmlFor="rn-kind"),
                    dcc.Dropdown(id="rn-kind", options=kinds, clearable=False),
                ],
                className="field",
            ),
            html.Div(
                [
                    html.Label(tx("description", lang), htmlFor="rn-description"),
                    dcc.Textarea(id="rn-description", maxLength=MAX_DESCRIPTION),
                ],
                className="field",
            ),
            _input("rn-address", tx("address", lang), maxLength=MAX_FIELD),
            _input("rn-lon", tx("lon", lang), maxLength=20, inputMode="decimal"),
            _input("rn-lat", tx("lat", lang), maxLength=20, inputMode="decimal"),
            _input("rn-firm", tx("firm", lang), maxLength=MAX_FIELD),
            _input("rn-name", tx("name", lang), maxLength=MAX_FIELD),
            _input("rn-phone", tx("tel", lang), maxLength=MAX_FIELD),
            _input("rn-email", tx("email", lang), maxLength=MAX_FIELD),
            html.Button(tx("submit", lang), id="rn-submit"),
            html.P(id="rn-message", role="status"),
        ],
        className="report-desk",
        id="reports-new",
    )


def layout(ctx: Context, state: ViewState) -> html.Div:
    lang = state.lang
    scope = ctx.scope()
    if scope.role == "leader":
        body = [html.P(tx("leader", lang)), _counts(ctx, scope, lang)]
    else:
        body = [_queue(ctx, scope, lang)]
        if scope.role in ("province", "system"):
            body.append(_new_form(lang))
    return html.Div([html.H1(tx("title", lang)), *body], className="card", id="reports-page")


def _steps_for(role: str, found: dict) -> list[str]:
    return [
        name
        for name, step in STEPS.items()
        if name != "receive"
        and role in step.roles
        and found["status"] in step.sources
        and (not step.needs_valid or found["screening"] == "valid")
    ]


def _detail_body(ctx: Context, scope, reference: str, lang: str):
    found = read.report(ctx.engine, scope, reference, ctx.today())
    if found is None:
        return html.P(tx("missing", lang), id="report-missing", role="alert")
    county = ctx.county_names.get(found["county_adcode"] or 0, "")
    place = " ".join(
        x
        for x in (
            PREFECTURES.get(found["prefecture_adcode"], ""),
            county,
            found["address_string"] or "",
            f"({found['long']:.5f}, {found['lat']:.5f})" if found["lat"] is not None else "",
        )
        if x
    )
    overdue = tx("yes", lang) if found["overdue"] else ""
    parts = [
        facts(
            [
                (tx("reference", lang), found["service_request_id"]),
                (tx("kind", lang), _kind_name(found["service_code"])),
                (tx("description", lang), found["description"]),
                (tx("place", lang), place),
                (tx("firm", lang), found["firm_named"]),
                (tx("channel", lang), tx_channel(found["channel"], lang)),
                (tx("department", lang), found["agency_responsible"]),
                (tx("state", lang), _state_text(found)),
                (tx("received", lang), _when(found["requested_datetime"])),
                (tx("acknowledge", lang), _when(found["acknowledge_datetime"])),
                (tx("expected", lang), _when(found["expected_datetime"])),
                (tx("overdue", lang), overdue),
                (tx("unit", lang), found["unit_key"]),
            ]
        )
    ]
    if scope.role in ("province", "system"):
        contact = read.contact(ctx.engine, reference)
        record("report", reference, {"view": "contact"})
        parts += [
            html.H2(tx("contact", lang)),
            facts(
                [
                    (tx("name", lang), contact["name"]),
                    (tx("tel", lang), contact["phone"]),
                    (tx("email", lang), contact["email"]),
                ]
            )
            if contact
            else html.P(tx("contact_none", lang)),
        ]
    cols = [
        Col(tx("at", lang), lambda e: _when(e["at"]), nowrap=True),
        Col(tx("who", lang), lambda e: e["actor"]),
        Col(
            tx("step", lang), lambda e: STEPS[e["step"]].label if e["step"] in STEPS else e["step"]
        ),
        Col(tx("state", lang), lambda e: STATE_LABELS.get(e["to_status"], e["to_status"])),
        Col(tx("outcome", lang), lambda e: STATE_LABELS.get(e["outcome"] or "", "")),
        Col(tx("department", lang), lambda e: e["department"] or ""),
        Col(tx("notes", lang), lambda e: e["notes"]),
    ]
    if found["photos"]:
        parts += [
            html.H2(tx("photos", lang)),
            html.Div(
                [
                    html.A(
                        html.Img(
                            src=f"/reports/{reference}/photo/{pid}",
                            alt=f"{tx('photos', lang)} {n}",
                            className="report-photo",
                        ),
                        href=f"/reports/{reference}/photo/{pid}",
                        target="_blank",
                    )
                    for n, pid in enumerate(found["photos"], start=1)
                ],
                className="report-photos",
            ),
        ]
    parts += [
        html.H2(tx("history", lang)),
        frame(table(cols, found["events"], id="report-history"), tx("history", lang)),
    ]
    steps = _steps_for(scope.role, found)
    parts += [html.H2(tx("take", lang)), _step_form(steps, found, lang)]
    return html.Div(parts)


def tx_channel(channel: str, lang: str) -> str:
    zh, en = CHANNELS.get(channel, (channel, channel))
    return en if lang == "en" else zh


def _step_form(steps: list[str], found: dict, lang: str) -> html.Div:
    if not steps:
        return html.P(tx("no_steps", lang), id="rp-no-steps")
    outcomes = sorted({o for s in steps for o in STEPS[s].outcomes}, key=list(STATE_LABELS).index)
    return html.Div(
        [
            html.Div(
                [
                    html.Label(tx("step", lang), htmlFor="rp-step"),
                    dcc.Dropdown(
                        id="rp-step",
                        options=[{"label": STEPS[s].label, "value": s} for s in steps],
                        value=steps[0],
                        clearable=False,
                    ),
                ],
                className="field",
            ),
            html.Div(
                [
                    html.Label(tx("outcome", lang), htmlFor="rp-outcome"),
                    dcc.Dropdown(
                        id="rp-outcome",
                        options=[{"label": STATE_LABELS[o], "value": o} for o in outcomes],
                    ),
                ],
                className="field",
            ),
            html.Div(
                [
                    html.Label(tx("department", lang), htmlFor="rp-department"),
                    dcc.Dropdown(
                        id="rp-department",
                        options=list(departments()),
                        value=found["agency_responsible"],
                    ),
                ],
                className="field",
            ),
            _input("rp-unit", tx("unit", lang), maxLength=MAX_FIELD),
            html.Div(
                [
                    html.Label(tx("notes", lang), htmlFor="rp-notes"),
                    dcc.Textarea(id="rp-notes", maxLength=MAX_DESCRIPTION),
                ],
                className="field",
            ),
            html.Button(tx("submit", lang), id="rp-submit"),
            html.P(id="rp-message", role="status"),
        ],
        className="report-desk",
    )


def detail(ctx: Context, state: ViewState, reference: str) -> html.Div:
    lang = state.lang
    scope = ctx.scope()
    if scope.role == "leader":
        record("forbidden", f"/reports/{reference}", {"rule": "leader_counts_only"})
        body = html.P(tx("leader", lang), id="report-missing", role="alert")
    else:
        body = _detail_body(ctx, scope, reference, lang)
    return html.Div(
        [
            html.H1(f"{tx('title', lang)} · {reference[:40]}"),
            dcc.Link(tx("back", lang), href="/reports"),
            html.Div(body, id="report-detail"),
        ],
        className="card",
        id="report-page",
    )


def _lang(search: str | None) -> str:
    return "en" if "lang=en" in (search or "") else "zh"


def register(app, ctx: Context) -> None:
    @app.server.route("/reports/<reference>/photo/<int:photo_id>")
    @rule("view")
    def report_photo(reference: str, photo_id: int):
        """A report's photo, as the caller's session may see the report (a leader: counts)."""
        scope = current_scope()
        found = None if scope.role == "leader" else read.photo(ctx.engine, reference[:40], photo_id)
        if found is None:
            record("forbidden", f"/reports/{reference[:40]}/photo/{photo_id}", {"rule": "view"})
            flask.abort(404)
        record("page_view", f"/reports/{reference[:40]}/photo/{photo_id}", {})
        resp = flask.Response(found[1], mimetype=found[0])
        resp.headers["Content-Disposition"] = "inline"
        return resp

    @guarded(
        app,
        "work_reports",
        Output("rp-message", "children"),
        Output("report-detail", "children"),
        Input("rp-submit", "n_clicks"),
        State("rp-step", "value"),
        State("rp-outcome", "value"),
        State("rp-department", "value"),
        State("rp-unit", "value"),
        State("rp-notes", "value"),
        State("url", "pathname"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def take(_n, step, outcome, department, unit, notes, pathname, search):
        lang = _lang(search)
        path = pathname or ""
        if not path.startswith("/reports/") or not step:
            raise PreventUpdate
        reference = path[len("/reports/") :][:40]
        scope = current_scope()
        chosen = STEPS.get(step)
        try:
            done = handling.take(
                ctx.engine,
                scope,
                reference,
                step,
                clock.now(),
                outcome=outcome if chosen and chosen.outcomes else None,
                notes=notes or "",
                department=department if step in ("assign", "reassign") else None,
                unit_key=(unit or "").strip()[:MAX_FIELD] or None,
            )
        except StepRefused as refused:
            record("forbidden", reference, {"step": step, "reason": refused.reason})
            return html.Span(str(refused), role="alert"), _detail_body(ctx, scope, reference, lang)
        record(
            "report",
            reference,
            {"step": done.step, "outcome": done.outcome, "department": done.department},
        )
        message = tx("taken", lang, step=STEPS[done.step].label)
        return message, _detail_body(ctx, scope, reference, lang)

    @guarded(
        app,
        "handle_reports",
        Output("uh-message", "children"),
        Input("uh-lift", "n_clicks"),
        State("uh-decision", "value"),
        State("url", "pathname"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def lift(_n, decision, pathname, search):
        lang = _lang(search)
        path = unquote(pathname or "")
        if not path.startswith("/unit/"):
            raise PreventUpdate
        unit_key = path[len("/unit/") :]
        try:
            handling.release_hold(
                ctx.engine, current_scope(), unit_key, ctx.today(), (decision or "")[:MAX_FIELD]
            )
        except StepRefused as refused:
            record("forbidden", unit_key, {"step": "release_hold", "reason": refused.reason})
            return html.Span(str(refused), role="alert")
        record("decision", unit_key, {"step": "release_hold"})
        return tx("released_hold", lang, decision=(decision or "").strip()[:MAX_FIELD])

    @guarded(
        app,
        "handle_reports",
        Output("rn-message", "children"),
        Input("rn-submit", "n_clicks"),
        State("rn-channel", "value"),
        State("rn-kind", "value"),
        State("rn-description", "value"),
        State("rn-address", "value"),
        State("rn-lon", "value"),
        State("rn-lat", "value"),
        State("rn-firm", "value"),
        State("rn-name", "value"),
        State("rn-phone", "value"),
        State("rn-email", "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def enter(_n, channel, kind, description, address, lon, lat, firm, name, phone, email, search):
        lang = _lang(search)
        scope = current_scope()
        given = [(v or "").strip()[: MAX_DESCRIPTION + 1] for v in (description, address, lon, lat)]
        description, address, lon, lat = given
        try:
            if channel not in ("phone", "letter"):
                raise UserError("来源应为电话或来信")
            with ctx.engine.connect() as conn:
                if lon or lat:
                    try:
                        point = float(lon), float(lat)
                    except ValueError:
                        raise UserError("经度、纬度应为数字") from None
                    place = place_of_point(conn, *point, address or None)
                else:
                    prefecture, county, _ = parse_address(address)
                    place = place_of_areas(conn, prefecture, county, address)
            intake = Intake(
                service_code=kind or "",
                description=description,
                place=place,
                channel=channel,
                firm_named=(firm or "").strip(),
                contact=Contact(*((v or "").strip() for v in (name, phone, email))),
            )
            reference = file_report(
                ctx.engine, intake, clock.now(), actor=scope.user, actor_role=scope.role
            )
        except UserError as exc:
            return html.Span(str(exc), role="alert")
        record("report", reference, {"step": "receive", "channel": channel, "service_code": kind})
        return [
            tx("filed", lang, reference=reference),
            " ",
            dcc.Link(reference, href=f"/reports/{reference}"),
        ]
