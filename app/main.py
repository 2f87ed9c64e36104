"""Build the Dash application: one router, one module per page (app/pages), state in the URL."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dash
import flask
import sqlalchemy as sa
from dash import Input, Output, State, dcc, html
from flask_compress import Compress

from access import login
from access.guard import (
    Guard,
    current_action,
    current_caller,
    guarded,
    guarded_clientside,
    record,
)
from access.rules import READING
from app import (
    api,
    briefing,
    document,
    export_routes,
    http,
    open311,
    permissions,
    presentation,
    report_public,
    response_cache,
)
from app.components.header import (
    account,
    export_links,
    header,
    lang_switch_href,
    nav_links,
    warnings,
)
from app.context import Context
from app.i18n import t
from app.pages import (
    about,
    admin,
    data,
    decisions,
    duties,
    errors,
    freeze,
    overview,
    prefecture,
    quota,
    review,
    submit,
    targets,
    unit,
)
from app.pages import reports as report_pages
from app.state import parse, to_search
from exitmap.db import app_database_url, scoped, scoped_engine
from exitmap.db import engine as make_engine
from exitmap.scope import EVERYTHING
from layers.cache import one_version
from layers.map import progress_dates
from submissions import inbox

ASSETS = Path(__file__).resolve().parent / "assets"
log = logging.getLogger(__name__)

PAGES = {
    "/": overview.layout,
    "/quota": quota.layout,
    "/freeze": freeze.layout,
    "/data": data.layout,
    "/about": about.layout,
    "/admin/users": admin.users_layout,
    "/admin/audit": admin.audit_layout,
    "/submit": submit.layout,
    "/review": review.layout,
    "/decisions": decisions.layout,
    "/duties": duties.layout,
    "/reports": report_pages.layout,
}
# The pages whose layout is their data alone (no workflow, no audit log): a repeated request
# is answered from app/response_cache.py.
CACHED_PAGES = ("/", "/quota", "/freeze", "/data", "/about")
CACHED_PAGE_PREFIXES = ("/prefecture/", "/unit/")
# Pages of one thing named in the path after the prefix: (ctx, state, the rest of the path).
DETAIL_PAGES = {
    "/submit/": submit.detail_layout,
    "/review/": review.detail_layout,
    "/reports/": report_pages.detail,
}


def route(ctx: Context, pathname: str | None, search: str | None):
    """(header, page) for a URL. Bad input gives a clear page, never a traceback."""
    path = (pathname or "/").rstrip("/") or "/"
    state = parse(search, ctx.today())
    status = ctx.status()
    caller = current_caller()
    waiting = inbox.counts(ctx.engine, caller.scope, ctx.today()) if caller else None
    head = header(path, state, status, ctx.marking, account(caller, state.lang, waiting))
    refusal = permissions.refusal(ctx.engine, caller, path, state.lang) if caller else None
    if refusal:
        permissions.refused(path, refusal)
        return head, html.Div(permissions.forbidden_component(state, refusal), className="page")
    if caller:
        record("page_view", path, {"query": search or ""})
    if presentation.wanted(search):
        try:
            return [], presentation.deck(ctx, state, search, status)
        except Exception:  # a page must never show a traceback
            log.exception("presentation of %s failed", search)
            return head, errors.page(state, t("e.title", state.lang))
    try:
        if path in PAGES:
            page = PAGES[path](ctx, state)
        elif path.startswith("/prefecture/"):
            page = prefecture.layout(ctx, state, unquote(path[len("/prefecture/") :]))
        elif path.startswith("/unit/"):
            page = unit.layout(ctx, state, unquote(path[len("/unit/") :]))
        elif any(path.startswith(p) for p in DETAIL_PAGES):
            prefix = next(p for p in DETAIL_PAGES if path.startswith(p))
            page = DETAIL_PAGES[prefix](ctx, state, unquote(path[len(prefix) :]))
        else:
            page = errors.page(state, t("e.not_found", state.lang, path=path))
    except Exception:  # a page must never show a traceback
        log.exception("page %s failed", path)
        page = errors.page(state, t("e.title", state.lang))
    if briefing.wanted(search) and briefing.page_kind(path):
        head = briefing.band(ctx, path, state, status)
        return head, briefing.frame(ctx, path, state, status, page, warnings(state))
    return head, html.Div([warnings(state), page], className="page")


def warm(ctx: Context) -> None:
    """Read today's state (and the year ends the progress chart needs) before the first visitor."""
    try:
        with scoped(EVERYTHING):  # the whole province, as the office and leaders see it
            for day in progress_dates(ctx.today()):
                ctx.data.table(day, EVERYTHING)
    except Exception:  # an empty or unmigrated database must not stop the app
        log.exception("warming the cache failed")


def create_app(database_url: str | None = None, engine: sa.Engine | None = None) -> dash.Dash:
    """The app over the database of ``database_url`` or ``engine`` (the owner's): it connects
    as the app role (exitmap.db.app_database_url), held by row-level security."""
    owner = engine if engine is not None else make_engine(database_url)
    eng = scoped_engine(app_database_url(owner.url.render_as_string(hide_password=False)))
    ctx = Context.create(eng)
    ctx.owner = owner
    app = dash.Dash(
        __name__,
        assets_folder=str(ASSETS),
        # The public pages' own files (assets/public/): served, never loaded into the app's.
        assets_path_ignore=["^public$"],
        title="产能退出一张图 · 云南省",
        serve_locally=True,
        suppress_callback_exceptions=True,
        update_title=None,
        compress=False,
    )
    # Bounds and headers first: every response, the error pages of the later hooks included.
    http.install(app, ctx.tile_url)
    app.server.config["COMPRESS_MIMETYPES"] = [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/geo+json",
        "text/csv",
    ]
    app.server.config["COMPRESS_MIN_SIZE"] = 500
    document.install(app)
    Compress(app.server)
    # The guard first: every request after it is signed in and scoped, or refused.
    guard = Guard(app.server, eng)
    login.install(app.server, eng, guard)
    app.server.before_request(lambda: page_refusal(ctx))
    reads_once(app.server)
    ctx.geo.register(app.server)
    app.ctx = ctx
    threading.Thread(target=warm, args=(ctx,), daemon=True, name="exitmap-warm").start()

    def layout():
        # The page the browser asked for is rendered into the first response (from the
        # Referer of the layout request), saving the router's round trip on first load.
        page_url = urlsplit(flask.request.referrer or "")
        head, page, where = None, None, {}
        if page_url.path:
            head, page = route(ctx, page_url.path, page_url.query)
            # Told where it is, the Location does not announce it on mounting: that
            # announcement set off the URL callbacks (and through them a second map style
            # and side-panel pass) on every first load, for a page already right.
            where = {
                "pathname": page_url.path,
                "search": "?" + page_url.query if page_url.query else "",
            }
        return html.Div(
            [
                dcc.Location(id="url", refresh=False, **where),
                dcc.Store(id="url-want"),  # a view's query string to write (assets/url.js)
                dcc.Store(id="url-nav"),  # a query string reached by back/forward
                html.Div(head, id="header"),
                html.Main(page, id="page", tabIndex="-1"),  # the skip link's target
            ]
        )

    app.layout = layout

    @guarded(
        app,
        "view",
        Output("header", "children"),
        Output("page", "children"),
        Input("url", "pathname"),
        State("url", "search"),
        prevent_initial_call=True,  # a page the layout rendered; else the Location's mounting
    )
    def render(pathname, search):
        return route(ctx, pathname, search)

    # Pages hand their query string to url.js, which writes it outside the callback graph
    # (see there why), and hear of back/forward through url-nav rather than url.search.
    guarded_clientside(
        app,
        "function (w) { window.exitmapUrl.write(w); }",
        Input("url-want", "data"),
        prevent_initial_call=True,
    )
    guarded_clientside(
        app,
        "function (s) { return window.exitmapUrl.navigated(s); }",
        Output("url-nav", "data"),
        Input("url", "search"),
        prevent_initial_call=True,
    )

    @guarded(
        app,
        "view",
        Output("nav", "children"),
        Output("export-links", "children"),
        Output("lang-switch", "href"),
        Input("url", "search"),
        State("url", "pathname"),
        prevent_initial_call=True,
    )
    def keep_header_state(search, pathname):
        """The header's links carry the view's state (one response: see overview.panels)."""
        state = parse(search, ctx.today())
        path = (pathname or "/").rstrip("/") or "/"
        return (
            nav_links(path, to_search(state), state.lang),
            export_links(path, state),
            lang_switch_href(path, state),
        )

    export_routes.register(app, ctx)
    export_routes.register_deck(app, ctx)
    api.register(app.server, ctx)
    report_public.register(app, ctx)
    open311.register(app.server, ctx)
    for page in (
        overview,
        prefecture,
        unit,
        quota,
        freeze,
        data,
        about,
        admin,
        submit,
        review,
        decisions,
        report_pages,
        targets,
        duties,
    ):
        if hasattr(page, "register"):
            page.register(app, ctx)
    # Last: it answers only requests every hook above has admitted and scoped.
    app.response_cache = response_cache.install(
        app, ctx.data.version, ctx.today, CACHED_PAGES, CACHED_PAGE_PREFIXES
    )
    return app


def page_refusal(ctx: Context):
    """A page opened by its address that is not the caller's: 403 before the app loads."""
    request = flask.request
    if request.method != "GET" or request.url_rule is None:
        return None
    if request.url_rule.endpoint not in ("/", "/<path:path>"):
        return None
    caller = current_caller()
    if caller is None:
        return None
    lang = "en" if request.args.get("lang") == "en" else "zh"
    path = request.path.rstrip("/") or "/"
    refusal = permissions.refusal(ctx.engine, caller, path, lang)
    if refusal is None:
        return None
    permissions.refused(path, refusal)
    return permissions.forbidden_response(refusal, lang)


def reads_once(server: flask.Flask) -> None:
    """A request that only reads (access.rules.READING) sees one data version: the caches ask
    the database for it once per request, not once per cached read (a layout makes several)."""

    @server.before_request
    def enter():
        if current_action() in READING:
            block = one_version()
            block.__enter__()
            flask.g.exitmap_one_version = block

    @server.teardown_request
    def leave(_exc=None):
        block = flask.g.pop("exitmap_one_version", None)
        if block is not None:
            block.__exit__(None, None, None)
