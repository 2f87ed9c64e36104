"""专项工作 /duties: the seed's other duties on one page — 产能置换 projects, 督导检查 findings,
职工安置 plans and the land of exited sites — each listed within the caller's scope (filtered in
SQL by layers/), and, for the office (``record_duties``), entered on screen through the same
checked writers the command line uses (etl/replacement, inspections, resettlement, land).
"""

from __future__ import annotations

import datetime as dt

import dash_leaflet as dl
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from access import audit
from access.guard import guarded
from access.rules import allowed
from app import format as fmt
from app.components.mapview import background, map_container, outline
from app.components.tables import Col, table
from app.components.tables import frame as framed
from app.context import Context
from app.forms import day, number
from app.geo import shift_point
from app.i18n import texts, v
from app.state import ViewState
from etl.inspections import Finding, close_finding, record_inspection
from etl.land import record_site
from etl.replacement import Project, record_project
from etl.resettlement import record_plan
from exitmap.errors import UserError
from exitmap.vocabulary import (
    ALL_SUB_INDUSTRIES,
    LAND_OUTCOMES,
    LAND_RIGHTS,
    PREFECTURES,
    RESETTLEMENT_CHANNELS,
    RESETTLEMENT_STATUSES,
)
from layers import inspections, land, replacement, resettlement

ZH_EN = {
    "title": ("专项工作", "Other duties"),
    "intro": (
        "产能置换、督导检查、职工安置和退出场地土地处置"
        "（征求意见稿 二(三)、四(五)、四(三)、三(三)）。",
        "Capacity replacement, inspections, worker resettlement and the land of exited sites.",
    ),
    "replacement": ("产能置换项目", "Capacity replacement projects"),
    "inspections": ("督导检查发现的问题", "Inspection findings"),
    "resettlement": ("职工安置方案", "Worker resettlement plans"),
    "land": ("退出场地土地处置", "Land of exited sites"),
    "none": ("暂无记录。", "Nothing recorded."),
    "enter": ("录入", "Enter"),
    "close": ("销号", "Close"),
    "prefecture": ("州（市）", "Prefecture"),
    "name": ("项目名称", "Project"),
    "enterprise": ("企业", "Firm"),
    "sub": ("细分行业", "Sub-industry"),
    "capacity": ("新建产能（万吨/年）", "New capacity (10k t/yr)"),
    "used": ("使用退出产能", "Exited capacity used"),
    "ratio": ("置换比例", "Ratio"),
    "document": ("批复文号", "Document"),
    "approved_on": ("批复日期", "Approved on"),
    "uses": ("使用的退出装备（编码[=产能]，以分号分隔）", "Units used (key[=capacity]; …)"),
    "visited_on": ("检查日期", "Visited on"),
    "team": ("检查组", "Team"),
    "summary": ("检查情况", "Summary"),
    "finding": ("问题", "Finding"),
    "demand": ("整改要求", "Demand"),
    "deadline": ("整改期限", "Deadline"),
    "unit": ("装备编码", "Unit"),
    "state": ("状态", "State"),
    "findings": (
        "发现的问题（每行：问题|整改要求|期限[|装备编码]）",
        "Findings (one per line: finding|demand|deadline[|unit key])",
    ),
    "finding_id": ("问题编号", "Finding no."),
    "closed_on": ("销号日期", "Closed on"),
    "note": ("整改情况", "Note"),
    "firm": ("企业（统一社会信用代码或全称）", "Firm (credit code or full name)"),
    "workers": ("涉及职工", "Workers"),
    "resettled": ("已安置", "Resettled"),
    "plan_date": ("方案日期", "Plan date"),
    "status": ("方案状态", "Status"),
    "funds": ("安置资金（万元）", "Funds (10k yuan)"),
    "area": ("面积（亩）", "Area (mu)"),
    "right": ("土地权利", "Land right"),
    "outcome": ("处置方式", "Outcome"),
    "outcome_date": ("处置日期", "Outcome date"),
    "window_end": ("原用途保留至", "Original use until"),
    "open": ("未到期", "open"),
    "overdue": ("逾期", "overdue"),
    "closed": ("已销号", "closed"),
    "map": ("产能置换与退出场地", "Capacity replacement and exited sites"),
    "map_note": (
        "连线：新项目使用的退出装备（灰点）→ 新项目（深蓝点，位于其县或州市）；"
        "彩色圆点：退出场地，按处置方式着色。",
        "Lines: the exited units a new project uses → the project (in its county or prefecture);"
        " dots: exited sites, by what became of them.",
    ),
    "project": ("置换项目", "Replacement project"),
    "used_unit": ("被使用的退出装备", "Exited unit used"),
    "saved": ("已录入（编号 {id}）。", "Entered (no. {id})."),
    "closed_done": ("问题 {id} 已销号。", "Finding {id} closed."),
}


tx = texts(ZH_EN)


def layout(ctx: Context, state: ViewState) -> html.Div:
    lang, scope = state.lang, ctx.scope()
    on = state.date(ctx.today())
    office = allowed(scope.role, "record_duties")
    # Read once: the map and the lists draw the same projects and sites.
    projects = replacement.projects(ctx.engine, scope)
    sites = land.sites(ctx.engine, on, scope)
    return html.Div(
        [
            html.Div([html.H1(tx("title", lang)),
                      html.Span(fmt.as_of(state, on), className="muted")], className="page-title"),
            html.P(tx("intro", lang), className="muted"),
            _map_card(ctx, projects, sites, lang),
            _card("replacement", _projects(projects, lang),
                  _replacement_form(lang) if office else None, lang),
            _card("inspections", _findings(ctx, on, lang),
                  _inspection_form(lang) if office else None, lang),
            _card("resettlement", _plans(ctx, on, lang),
                  _resettlement_form(lang) if office else None, lang),
            _card("land", _sites(sites, lang), _land_form(lang) if office else None, lang),
        ],
        id="duties-page",
    )  # fmt: skip


# Sites by what became of them (ColorBrewer Dark2: told apart in colour-blind vision too).
OUTCOME_COLOURS = {"收回": "#1b9e77", "转让": "#7570b3", "转产": "#d95f02", "闲置": "#e7298a"}
PROJECT_COLOUR, USE_COLOUR = "#253494", "#636363"


def _map_card(ctx: Context, projects, sites, lang: str) -> html.Div:
    used = replacement.uses(ctx.engine, ctx.scope())
    where = {int(r.id): _at(ctx, r.lon, r.lat) for r in projects.itertuples()}
    layers = []
    for r in used.itertuples():
        if r.lon is None or r.project_id not in where:
            continue
        unit = _at(ctx, r.lon, r.lat)
        layers += [
            dl.Polyline(positions=[unit, where[r.project_id]], color=PROJECT_COLOUR, weight=2,
                        dashArray="5 4", className="duty-use"),
            dl.CircleMarker(center=unit, radius=5, color=USE_COLOUR, fillColor=USE_COLOUR,
                            fillOpacity=0.9, className="duty-used-unit",
                            children=dl.Tooltip(f"{tx('used_unit', lang)}：{r.unit_key}")),
        ]  # fmt: skip
    for r in projects.itertuples():
        tip = f"{tx('project', lang)}：{r.name}（{r.new_capacity_wt:g} 万吨/年）"
        layers.append(
            dl.CircleMarker(center=where[int(r.id)], radius=9, color="#fff", weight=2,
                            fillColor=PROJECT_COLOUR, fillOpacity=1, className="duty-project",
                            children=dl.Tooltip(tip))
        )  # fmt: skip
    for r in sites.itertuples():
        if r.lon is None:
            continue
        colour = OUTCOME_COLOURS[r.outcome]
        layers.append(
            dl.CircleMarker(center=_at(ctx, r.lon, r.lat), radius=7, color=colour,
                            fillColor=colour, fillOpacity=0.85, className="duty-site",
                            children=dl.Tooltip(f"{r.enterprise_name}：{v(r.outcome, lang)}"))
        )  # fmt: skip
    legend = html.Ul(
        [
            html.Li([html.Span(className="swatch", style={"background": PROJECT_COLOUR}),
                     tx("project", lang)]),
            html.Li([html.Span(className="swatch", style={"background": USE_COLOUR}),
                     tx("used_unit", lang)]),
            *(html.Li([html.Span(className="swatch", style={"background": c}), v(o, lang)])
              for o, c in OUTCOME_COLOURS.items()),
        ],
        className="duty-legend",
    )  # fmt: skip
    the_map = map_container(
        "du-map", [*background(ctx, "du"), outline(ctx, "du"), *layers], bounds=ctx.province_bounds
    )
    return html.Div(
        [html.H2(tx("map", lang)), html.P(tx("map_note", lang), className="muted"),
         html.Div(the_map, className="duty-map"), legend],
        className="card", id="duty-map", style={"marginTop": "12px"},
    )  # fmt: skip


def _at(ctx: Context, lon: float, lat: float) -> list[float]:
    """[lat, lon] on the map's background (GCJ-02 tiles shift WGS-84 points)."""
    if ctx.gcj:
        lon, lat = shift_point(lon, lat)
    return [lat, lon]


def _card(key: str, listing, form, lang: str) -> html.Div:
    body = [html.H2(tx(key, lang)), listing]
    if form is not None:
        body += [html.H3(tx("enter", lang), style={"marginTop": "16px"}), form]
    return html.Div(body, className="card", id=f"duty-{key}", style={"marginTop": "12px"})


def _listing(cols, rows, key: str, lang: str):
    if not rows:
        return html.P(tx("none", lang), className="muted")
    return framed(table(cols, rows, id=f"{key}-table"), tx(key, lang), "table-frame")


def _num(x, digits: int = 0) -> str:
    return "—" if x is None or x != x else f"{x:,.{digits}f}"


def _projects(projects, lang: str):
    rows = projects.to_dict("records")
    cols = [
        Col(tx("name", lang), lambda r: r["name"]),
        Col(tx("enterprise", lang), lambda r: r["enterprise"]),
        Col(tx("prefecture", lang), lambda r: v(r["prefecture_name"], lang), nowrap=True),
        Col(tx("sub", lang), lambda r: v(r["sub_industry"], lang), nowrap=True),
        Col(tx("capacity", lang), lambda r: _num(r["new_capacity_wt"], 1), True),
        Col(tx("used", lang), lambda r: _num(r["used_capacity_wt"], 1), True),
        Col(tx("ratio", lang), lambda r: f"{r['ratio']:g}:1", True, True),
        Col(tx("document", lang), lambda r: r["document_no"]),
        Col(tx("approved_on", lang), lambda r: fmt.date(r["approved_on"], lang), nowrap=True),
    ]
    return _listing(cols, rows, "replacement", lang)


def _findings(ctx: Context, on: dt.date, lang: str):
    rows = inspections.findings(ctx.engine, on, ctx.scope()).to_dict("records")
    cols = [
        Col("#", lambda r: str(r["id"]), True),
        Col(tx("prefecture", lang), lambda r: v(r["prefecture_name"], lang), nowrap=True),
        Col(tx("visited_on", lang), lambda r: fmt.date(r["visited_on"], lang), nowrap=True),
        Col(tx("team", lang), lambda r: r["team"]),
        Col(tx("finding", lang), lambda r: r["finding"]),
        Col(tx("demand", lang), lambda r: r["demand"]),
        Col(tx("deadline", lang), lambda r: fmt.date(r["deadline"], lang), nowrap=True),
        Col(tx("state", lang), lambda r: _finding_state(r, lang), nowrap=True),
    ]
    return _listing(cols, rows, "inspections", lang)


def _finding_state(r: dict, lang: str):
    text = tx(r["state"], lang)
    return html.Span(text, className="tag bad") if r["state"] == "overdue" else text


def _plans(ctx: Context, on: dt.date, lang: str):
    rows = resettlement.plans(ctx.engine, on, ctx.scope()).to_dict("records")
    cols = [
        Col(tx("enterprise", lang), lambda r: r["enterprise_name"]),
        Col(tx("prefecture", lang), lambda r: v(r["prefecture_name"], lang), nowrap=True),
        Col(tx("workers", lang), lambda r: str(r["workers"]), True),
        Col(tx("resettled", lang), lambda r: str(r["resettled"]), True),
        *(
            Col(v(name, lang), lambda r, c=code: str(r[c]), True)
            for code, name in RESETTLEMENT_CHANNELS.items()
        ),
        Col(tx("funds", lang), lambda r: _num(r["funds_10k_yuan"], 1), True),
        Col(tx("plan_date", lang), lambda r: fmt.date(r["plan_date"], lang), nowrap=True),
        Col(tx("status", lang), lambda r: v(r["status"], lang), nowrap=True),
    ]
    return _listing(cols, rows, "resettlement", lang)


def _sites(sites, lang: str):
    rows = sites.to_dict("records")
    cols = [
        Col(tx("unit", lang), lambda r: r["unit_key"], nowrap=True),
        Col(tx("enterprise", lang), lambda r: r["enterprise_name"]),
        Col(tx("prefecture", lang), lambda r: v(r["prefecture_name"], lang), nowrap=True),
        Col(tx("area", lang), lambda r: _num(r["area_mu"], 1), True),
        Col(tx("right", lang), lambda r: v(r["land_right"], lang), nowrap=True),
        Col(tx("outcome", lang), lambda r: v(r["outcome"], lang), nowrap=True),
        Col(tx("outcome_date", lang), lambda r: fmt.date(r["outcome_date"], lang), nowrap=True),
        Col(
            tx("window_end", lang),
            lambda r: fmt.date(r["window_end"], lang) if r["window_end"] else "—",
            nowrap=True,
        ),
    ]
    return _listing(cols, rows, "land", lang)


# ---------------------------------------------------------------- the office's forms


def _field(key: str, lang: str, control) -> html.Label:
    return html.Label([tx(key, lang), control])


def _text(id_: str, max_length: int = 200, **kw) -> dcc.Input:
    return dcc.Input(id=id_, maxLength=max_length, **kw)


def _choice(id_: str, values, lang: str) -> dcc.Dropdown:
    return dcc.Dropdown(id=id_, options=[{"label": v(x, lang), "value": x} for x in values])


def _form(children: list, message: str) -> html.Div:
    return html.Div(
        [
            html.Div(children, className="admin-form decision-form"),
            html.P(id=message, role="status"),
        ]
    )


def _prefectures(lang: str) -> dcc.Dropdown:
    return dcc.Dropdown(options=[{"label": v(n, lang), "value": a} for a, n in PREFECTURES.items()])


def _replacement_form(lang: str) -> html.Div:
    prefectures = _prefectures(lang)
    prefectures.id = "dr-prefecture"
    return _form([
        _field("name", lang, _text("dr-name")),
        _field("enterprise", lang, _text("dr-enterprise")),
        _field("prefecture", lang, prefectures),
        _field("sub", lang, _choice("dr-sub", ALL_SUB_INDUSTRIES, lang)),
        _field("capacity", lang, _text("dr-capacity", 20, inputMode="decimal")),
        _field("document", lang, _text("dr-document")),
        _field("approved_on", lang, _text("dr-date", 10, placeholder="YYYY-MM-DD")),
        _field("uses", lang, _text("dr-uses", 4000)),
        html.Button(tx("enter", lang), id="dr-save", n_clicks=0),
    ], "dr-message")  # fmt: skip


def _inspection_form(lang: str) -> html.Div:
    prefectures = _prefectures(lang)
    prefectures.id = "di-prefecture"
    return html.Div([
        _form([
            _field("prefecture", lang, prefectures),
            _field("visited_on", lang, _text("di-date", 10, placeholder="YYYY-MM-DD")),
            _field("team", lang, _text("di-team")),
            _field("summary", lang, _text("di-summary", 2000)),
            _field("findings", lang, dcc.Textarea(id="di-findings", maxLength=8000, rows=3)),
            html.Button(tx("enter", lang), id="di-save", n_clicks=0),
        ], "di-message"),
        html.H3(tx("close", lang), style={"marginTop": "16px"}),
        _form([
            _field("finding_id", lang, _text("dc-id", 10, inputMode="numeric")),
            _field("closed_on", lang, _text("dc-date", 10, placeholder="YYYY-MM-DD")),
            _field("note", lang, _text("dc-note", 2000)),
            html.Button(tx("close", lang), id="dc-save", n_clicks=0),
        ], "dc-message"),
    ])  # fmt: skip


def _resettlement_form(lang: str) -> html.Div:
    return _form([
        _field("firm", lang, _text("ds-firm")),
        _field("workers", lang, _text("ds-workers", 8, inputMode="numeric")),
        *(
            html.Label([v(name, lang), _text(f"ds-{code}", 8, inputMode="numeric")])
            for code, name in RESETTLEMENT_CHANNELS.items()
        ),
        _field("plan_date", lang, _text("ds-date", 10, placeholder="YYYY-MM-DD")),
        _field("status", lang, _choice("ds-status", RESETTLEMENT_STATUSES, lang)),
        _field("funds", lang, _text("ds-funds", 20, inputMode="decimal")),
        html.Button(tx("enter", lang), id="ds-save", n_clicks=0),
    ], "ds-message")  # fmt: skip


def _land_form(lang: str) -> html.Div:
    return _form([
        _field("unit", lang, _text("dl-unit")),
        _field("area", lang, _text("dl-area", 20, inputMode="decimal")),
        _field("right", lang, _choice("dl-right", LAND_RIGHTS, lang)),
        _field("outcome", lang, _choice("dl-outcome", LAND_OUTCOMES, lang)),
        _field("outcome_date", lang, _text("dl-date", 10, placeholder="YYYY-MM-DD")),
        html.Button(tx("enter", lang), id="dl-save", n_clicks=0),
    ], "dl-message")  # fmt: skip


# ---------------------------------------------------------------- reading what was typed


def _uses(text: str | None) -> list[tuple[str, float | None]]:
    out = []
    for part in (text or "").replace("；", ";").split(";"):
        if not part.strip():
            continue
        key, _, amount = part.strip().partition("=")
        out.append((key.strip(), number(amount, "使用产能") if amount else None))
    return out


def _findings_typed(text: str | None) -> list[Finding]:
    out = []
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) not in (3, 4):
            raise UserError(f"第{n}行问题应为 问题|整改要求|期限[|装备编码]")
        deadline = day(parts[2], f"第{n}行问题的期限")
        out.append(Finding(parts[0], parts[1], deadline, parts[3] if len(parts) == 4 else None))
    return out


def register(app, ctx: Context) -> None:
    def saved(kind: str, target: str, params: dict, new_id: int) -> str:
        audit.record(ctx.owner or ctx.engine, ctx.scope(), "decision", target,
                     {"kind": kind, **params})  # fmt: skip
        return tx("saved", "zh", id=new_id)

    def writer():
        return ctx.owner or ctx.engine  # the app's role reads; the owner writes

    @guarded(
        app,
        "record_duties",
        Output("dr-message", "children"),
        Input("dr-save", "n_clicks"),
        State("dr-name", "value"),
        State("dr-enterprise", "value"),
        State("dr-prefecture", "value"),
        State("dr-sub", "value"),
        State("dr-capacity", "value"),
        State("dr-document", "value"),
        State("dr-date", "value"),
        State("dr-uses", "value"),
        prevent_initial_call=True,
    )
    def save_project(clicks, name, firm, prefecture, sub, capacity, document, on, uses):
        if not clicks:
            raise PreventUpdate
        try:
            project = Project(
                name or "",
                firm or "",
                prefecture or "",
                sub or "",
                number(capacity, "新建产能", required=True),
                document or "",
                day(on, "批复日期"),
            )
            new_id = record_project(writer(), project, _uses(uses), ctx.scope().user)
        except UserError as exc:
            return str(exc)
        return saved(
            "replacement",
            f"replacement_project/{new_id}",
            {"name": name, "on": project.approved_on.isoformat()},
            new_id,
        )

    @guarded(
        app,
        "record_duties",
        Output("di-message", "children"),
        Input("di-save", "n_clicks"),
        State("di-prefecture", "value"),
        State("di-date", "value"),
        State("di-team", "value"),
        State("di-summary", "value"),
        State("di-findings", "value"),
        prevent_initial_call=True,
    )
    def save_inspection(clicks, prefecture, on, team, summary, typed):
        if not clicks:
            raise PreventUpdate
        try:
            if prefecture is None:
                raise UserError("请选择州（市）")
            found = _findings_typed(typed)
            new_id = record_inspection(
                writer(),
                prefecture,
                day(on, "检查日期"),
                team or "",
                found,
                ctx.scope().user,
                summary or "",
            )
        except UserError as exc:
            return str(exc)
        return saved(
            "inspection",
            f"inspection/{new_id}",
            {"prefecture": prefecture, "findings": len(found)},
            new_id,
        )

    @guarded(
        app,
        "record_duties",
        Output("dc-message", "children"),
        Input("dc-save", "n_clicks"),
        State("dc-id", "value"),
        State("dc-date", "value"),
        State("dc-note", "value"),
        prevent_initial_call=True,
    )
    def close(clicks, finding_id, on, note):
        if not clicks:
            raise PreventUpdate
        try:
            finding = number(finding_id, "问题编号", int, required=True)
            close_finding(writer(), finding, day(on, "销号日期"), ctx.scope().user, note or "")
        except UserError as exc:
            return str(exc)
        audit.record(
            writer(), ctx.scope(), "decision", f"finding/{finding}", {"kind": "inspection-close"}
        )
        return tx("closed_done", "zh", id=finding)

    @guarded(
        app,
        "record_duties",
        Output("ds-message", "children"),
        Input("ds-save", "n_clicks"),
        State("ds-firm", "value"),
        State("ds-workers", "value"),
        *(State(f"ds-{c}", "value") for c in RESETTLEMENT_CHANNELS),
        State("ds-date", "value"),
        State("ds-status", "value"),
        State("ds-funds", "value"),
        prevent_initial_call=True,
    )
    def save_plan(clicks, firm, workers, *rest):
        if not clicks:
            raise PreventUpdate
        *counts, on, status, funds = rest
        try:
            channels = {
                c: number(n, RESETTLEMENT_CHANNELS[c], int) or 0
                for c, n in zip(RESETTLEMENT_CHANNELS, counts, strict=True)
            }
            new_id = record_plan(
                writer(),
                firm or "",
                number(workers, "涉及职工", int, required=True),
                channels,
                day(on, "方案日期"),
                status or "",
                ctx.scope().user,
                number(funds, "安置资金"),
            )
        except UserError as exc:
            return str(exc)
        return saved("resettlement", f"resettlement_plan/{new_id}", {"firm": firm}, new_id)

    @guarded(
        app,
        "record_duties",
        Output("dl-message", "children"),
        Input("dl-save", "n_clicks"),
        State("dl-unit", "value"),
        State("dl-area", "value"),
        State("dl-right", "value"),
        State("dl-outcome", "value"),
        State("dl-date", "value"),
        prevent_initial_call=True,
    )
    def save_site(clicks, unit_key, area, right, outcome, on):
        if not clicks:
            raise PreventUpdate
        try:
            new_id = record_site(
                writer(),
                (unit_key or "").strip(),
                number(area, "面积", required=True),
                right or "",
                outcome or "",
                day(on, "处置日期"),
                ctx.scope().user,
            )
        except UserError as exc:
            return str(exc)
        return saved("land", f"exited_site/{new_id}", {"unit": unit_key}, new_id)
