"""决定 /decisions: 区域限批 decisions and lifts and quota allocations, made by two people.

One user drafts (the ``decide`` rule); the draft waits, beside what the policy engine says of it,
until another office user approves it (``approve_decision``) — the drafter's own approval is
refused on the server (approvals/drafts.py), whatever the page shows.

/decisions/draft                 the drafting form (a plain multipart form: it may carry the
                                 decision's document, a PDF, bounded by EXITMAP_MAX_DOCUMENT_MB
                                 before it is read, not by the callbacks' body limit)
/decisions/<id>/document         the document of a draft or decision, to whoever's scope covers
                                 its prefecture (filtered in SQL, audited)
"""

from __future__ import annotations

import io

import flask
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from flask_wtf.csrf import generate_csrf

from access.guard import guarded, guarded_clientside, rule
from app.components.tables import Col, frame, table
from app.context import Context
from app.forms import day as read_day
from app.forms import number as read_number
from app.http import FORM_SLACK, body_limit, when_too_large
from app.i18n import PREFECTURE_EN, texts
from app.state import ViewState
from approvals import drafts
from etl.targets import TargetLine
from exitmap.errors import UserError
from exitmap.vocabulary import PREFECTURES

# What the form's last post said (and, when refused, what was typed: the page fills it in again).
MESSAGE_KEY = "exitmap_decision_message"
FORM_KEY = "exitmap_decision_form"
FIELDS = ("kind", "prefecture", "document", "on", "tce", "project", "reason")

ZH_EN = {
    "title": ("决定（两人审批）", "Decisions (two people)"),
    "intro": (
        "区域限批决定、解除与能耗指标分配由一人起草、另一人审批后生效；起草人不能审批自己的草稿。",
        "A regional approval freeze, its lift or an energy quota allocation takes effect once a"
        " second user approves the draft; the drafter cannot approve their own draft.",
    ),
    "draft_heading": ("起草", "Draft"),
    "kind": ("决定", "Decision"),
    "prefecture": ("州（市）", "Prefecture"),
    "document": ("文号", "Document no."),
    "date": ("日期（YYYY-MM-DD）", "Date (YYYY-MM-DD)"),
    "tce": ("吨标准煤（分配）", "tce (allocation)"),
    "project": ("项目（分配）", "Project (allocation)"),
    "reason": ("理由", "Reason"),
    "pdf": ("文件 PDF（可选，≤ {mb} MB）", "Document PDF (optional, ≤ {mb} MB)"),
    "draft": ("起草", "Draft"),
    "pending": ("待审批", "Awaiting approval"),
    "decided": ("已生效", "In effect"),
    "draft_id": ("草稿编号", "Draft no."),
    "approve": ("审批通过", "Approve"),
    "id": ("编号", "No."),
    "content": ("内容", "Details"),
    "file": ("文件", "Document"),
    "engine": ("政策引擎", "Policy engine"),
    "drafted_by": ("起草人", "Drafted by"),
    "approved_by": ("审批人", "Approved by"),
    "approved_at": ("生效时间", "In effect since"),
    "drafted": (
        "已起草 {n} 号，等待另一位省级用户审批。",
        "Draft {n} made; another office user approves it.",
    ),
    "approved": ("{n} 号已审批通过并生效。", "Draft {n} approved and in effect."),
    "pick_prefecture": ("请选择州（市）", "Choose a prefecture"),
}
KIND_EN = {
    "freeze_decide": "Regional approval freeze",
    "freeze_lift": "Lift of a freeze",
    "quota_allocate": "Energy quota allocation",
    "annual_target": "Annual target",
}
PARAM_KEYS = {"document": "document", "on": "date", "reason": "reason", "tce": "tce",
              "project": "project"}  # fmt: skip


_tx = texts(ZH_EN)


def _kind(kind: str, lang: str) -> str:
    return KIND_EN[kind] if lang == "en" else drafts.KINDS[kind]


def _prefecture(adcode: int, lang: str) -> str:
    name = PREFECTURES.get(adcode, "")
    return PREFECTURE_EN.get(adcode, name) if lang == "en" else name


def _describe(d: drafts.Draft, lang: str) -> str:
    if d.kind == "annual_target":  # drafted on 区域限批 (app/pages/targets.py)
        return TargetLine.from_params(d.params).describe()
    params = d.params

    def name(k: str) -> str:
        label = _tx(PARAM_KEYS[k], lang) if k in PARAM_KEYS else k
        return label.split("（")[0].split(" (")[0]

    sep = "; " if lang == "en" else "；"
    return sep.join(f"{name(k)} {v}" for k, v in params.items() if v not in (None, ""))


def _document(d: drafts.Draft):
    """The document's link and its SHA-256 (the whole digest on hover, its start shown)."""
    if d.document_sha256 is None:
        return ""
    return html.Span(
        [
            html.A(d.document_name, href=f"/decisions/{d.id}/document", className="d-doc"),
            html.Br(),
            html.Span(
                f"SHA-256 {d.document_sha256[:16]}…",
                title=d.document_sha256,
                className="muted d-sha",
                **{"data-sha256": d.document_sha256},
            ),
        ]
    )


def _pending(ctx: Context, lang: str) -> html.Div:
    rows = [
        {"d": d, "view": drafts.engine_view(ctx.engine, d)}
        for d in drafts.pending(ctx.engine, ctx.scope())
    ]
    cols = [
        Col(_tx("id", lang), lambda r: str(r["d"].id), nowrap=True),
        Col(_tx("kind", lang), lambda r: _kind(r["d"].kind, lang)),
        Col(_tx("prefecture", lang), lambda r: _prefecture(r["d"].prefecture_adcode, lang)),
        Col(_tx("content", lang), lambda r: _describe(r["d"], lang)),
        Col(_tx("file", lang), lambda r: _document(r["d"])),
        Col(_tx("engine", lang), lambda r: r["view"]),
        Col(_tx("drafted_by", lang), lambda r: r["d"].drafted_by, nowrap=True),
    ]
    rid = lambda r: str(r["d"].id)  # noqa: E731
    return frame(table(cols, rows, id="d-pending", row_id=rid), _tx("pending", lang))


def _decided(ctx: Context, lang: str) -> html.Div:
    rows = drafts.decided(ctx.engine, ctx.scope())
    cols = [
        Col(_tx("id", lang), lambda d: str(d.id), nowrap=True),
        Col(_tx("kind", lang), lambda d: _kind(d.kind, lang)),
        Col(_tx("prefecture", lang), lambda d: _prefecture(d.prefecture_adcode, lang)),
        Col(_tx("content", lang), lambda d: _describe(d, lang)),
        Col(_tx("file", lang), _document),
        Col(_tx("drafted_by", lang), lambda d: d.drafted_by, nowrap=True),
        Col(_tx("approved_by", lang), lambda d: d.approved_by, nowrap=True),
        Col(_tx("approved_at", lang), lambda d: f"{d.approved_at:%Y-%m-%d %H:%M}", nowrap=True),
    ]
    listing = table(cols, rows, id="d-decided", row_id=lambda d: str(d.id))
    return frame(listing, _tx("decided", lang))


def _form(ctx: Context, lang: str, typed: dict) -> html.Form:
    """A plain multipart form to /decisions/draft. Dash's dropdowns are copied into hidden
    fields and the file input is put into its slot in the browser (assets/submission.js)."""
    prefectures = [{"label": _prefecture(a, lang), "value": a} for a in PREFECTURES]
    kind = typed.get("kind") or "freeze_decide"
    pref = int(typed["prefecture"]) if str(typed.get("prefecture") or "").isdigit() else None
    mb = drafts.document_limit() // 2**20

    def text(key: str, name: str, limit: int, default: str | None = None, **extra):
        field = dcc.Input(id=f"d-{key}", name=name, maxLength=limit,
                          value=typed.get(name) or default, **extra)  # fmt: skip
        return html.Label([_tx(key, lang), field])

    return html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=generate_csrf(), id="d-csrf"),
            html.Label([_tx("kind", lang), dcc.Dropdown(
                id="d-kind", clearable=False, value=kind,
                options=[{"label": _kind(k, lang), "value": k} for k in drafts.KINDS
                         if k != "annual_target"])]),  # drafted on 区域限批
            dcc.Input(type="hidden", name="kind", value=kind, id="d-kind-field"),
            html.Label([_tx("prefecture", lang), dcc.Dropdown(
                id="d-prefecture", options=prefectures, value=pref)]),
            dcc.Input(type="hidden", name="prefecture", value=pref, id="d-prefecture-field"),
            text("document", "document", 200),
            text("date", "on", 10, ctx.today().isoformat()),
            text("tce", "tce", 20, inputMode="decimal"),
            text("project", "project", 200),
            text("reason", "reason", 500),
            html.Label([_tx("pdf", lang, mb=mb), html.Span(**{"data-native": "pdf"})]),
            html.Button(_tx("draft", lang), id="d-draft", type="submit"),
        ],
        action="/decisions/draft" + ("?lang=en" if lang == "en" else ""),
        method="POST",
        encType="multipart/form-data",
        className="admin-form decision-form",
        id="d-form",
    )  # fmt: skip


def layout(ctx: Context, state: ViewState) -> html.Div:
    lang = state.lang
    said, typed = ("", True), {}
    if flask.has_request_context():
        said = tuple(flask.session.pop(MESSAGE_KEY, None) or said)
        typed = flask.session.pop(FORM_KEY, None) or {}
    message, ok = said
    return html.Div(
        [
            html.H1(_tx("title", lang)),
            html.P(_tx("intro", lang), className="muted"),
            html.H2(_tx("draft_heading", lang)),
            _form(ctx, lang, typed),
            html.H2(_tx("pending", lang)),
            html.Div(_pending(ctx, lang), id="d-pending-frame"),
            html.Div(
                [
                    html.Label(
                        [_tx("draft_id", lang), dcc.Input(id="d-id", inputMode="numeric",
                                                          maxLength=10)]
                    ),
                    html.Button(_tx("approve", lang), id="d-approve", n_clicks=0),
                ],
                className="admin-form",
            ),
            html.P(message, id="d-message", role="status", className="" if ok else "error"),
            html.H2(_tx("decided", lang)),
            html.Div(_decided(ctx, lang), id="d-decided-frame"),
            dcc.Store(id="d-lang", data=lang),
        ],
        className="card decisions-page",
        id="decisions-page",
    )  # fmt: skip


def document_limit() -> int:
    return drafts.document_limit() + FORM_SLACK


def _back(lang: str) -> flask.Response:
    lang = "en" if lang == "en" else "zh"
    return flask.redirect("/decisions" + ("?lang=en" if lang == "en" else ""), code=303)


def _too_large() -> flask.Response:
    # Said before the body is read: the form's fields are not known, only the address's lang.
    flask.session[MESSAGE_KEY] = (drafts.too_large(None), False)
    return _back(flask.request.args.get("lang", "zh"))


def register(app, ctx: Context) -> None:
    @app.server.route("/decisions/draft", methods=["POST"])
    @rule("decide")
    @body_limit(document_limit)
    @when_too_large(_too_large)
    def draft_form():
        form = flask.request.form
        lang = flask.request.args.get("lang", "zh")
        try:
            new_id = _draft(ctx, form, flask.request.files.get("pdf"))
        except UserError as exc:
            flask.session[MESSAGE_KEY] = (str(exc), False)
            flask.session[FORM_KEY] = {k: (form.get(k) or "")[:500] for k in FIELDS}
            return _back(lang)
        flask.session[MESSAGE_KEY] = (_tx("drafted", lang, n=new_id), True)
        return _back(lang)

    @app.server.route("/decisions/<int:draft_id>/document")
    @rule("download")
    def decision_document(draft_id: int):
        try:
            name, pdf, digest = drafts.document(ctx.engine, ctx.scope(), draft_id)
        except UserError as exc:
            return flask.Response(str(exc), status=404, mimetype="text/plain")
        sent = flask.send_file(
            io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=name
        )
        sent.headers["X-Content-SHA256"] = digest
        return sent

    # The dropdowns' choices go into the form's fields.
    for name in ("kind", "prefecture"):
        guarded_clientside(
            app,
            "function (v) { return v == null ? '' : String(v); }",
            Output(f"d-{name}-field", "value"),
            Input(f"d-{name}", "value"),
        )

    @guarded(
        app,
        "approve_decision",
        Output("d-message", "children"),
        Output("d-message", "className"),
        Output("d-pending-frame", "children"),
        Output("d-decided-frame", "children"),
        Input("d-approve", "n_clicks"),
        State("d-id", "value"),
        State("d-lang", "data"),
        prevent_initial_call=True,
    )
    def approve(clicks, draft_id, lang):
        if not clicks or not draft_id:
            raise PreventUpdate
        try:
            number = int(read_number(draft_id, ""))
            drafts.approve(ctx.owner or ctx.engine, ctx.scope(), number)
        except UserError as exc:
            return str(exc), "error", _pending(ctx, lang), _decided(ctx, lang)
        said = _tx("approved", lang, n=number)
        return said, "", _pending(ctx, lang), _decided(ctx, lang)


def _draft(ctx: Context, form, sent) -> int:
    """Check the form's fields and keep the draft (with its document, when one was sent)."""
    kind = form.get("kind") or ""
    day = read_day(form.get("on"), "日期")
    params = {"document": form.get("document") or None, "on": day.isoformat()}
    if kind == "freeze_decide":
        params["reason"] = form.get("reason") or None
    if kind == "quota_allocate":
        params |= {"tce": read_number(form.get("tce"), ""), "project": form.get("project") or None}
    prefecture = form.get("prefecture") or ""
    if not prefecture.isdigit():
        raise UserError(ZH_EN["pick_prefecture"][0])
    document = None
    if sent is not None and sent.filename:
        # At most one byte past the limit is read: enough to refuse it with the message.
        document = (sent.filename, sent.stream.read(drafts.document_limit() + 1))
    return drafts.draft(ctx.engine, ctx.scope(), kind, int(prefecture), params, document)
