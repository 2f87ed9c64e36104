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

from app import briefing, document, export_routes, http, presentation
from app.components.header import export_links, header, lang_switch_href, nav_links, warnings
from app.context import Context
from app.i18n import t
from app.pages import about, data, errors, freeze, overview, prefecture, quota, unit
from app.state import parse, to_search
from exitmap.db import engine as make_engine
from layers.map import progress_dates

ASSETS = Path(__file__).resolve().parent / "assets"
log = logging.getLogger(__name__)

PAGES = {
    "/": overview.layout,
    "/quota": quota.layout,
    "/freeze": freeze.layout,
    "/data": data.layout,
    "/about": about.layout,
}


def route(ctx: Context, pathname: str | None, search: str | None):
    """(header, page) for a URL. Bad input gives a clear page, never a traceback."""
    path = (pathname or "/").rstrip("/") or "/"
    state = parse(search, ctx.today())
    status = ctx.status()
    if presentation.wanted(search):
        try:
            return [], presentation.deck(ctx, state, search, status)
        except Exception:  # a page must never show a traceback
            log.exception("presentation of %s failed", search)
            return header(path, state, status, ctx.marking), errors.page(
                state, t("e.title", state.lang)
            )
    head = header(path, state, status, ctx.marking)
    try:
        if path in PAGES:
            page = PAGES[path](ctx, state)
        elif path.startswith("/prefecture/"):
            page = prefecture.layout(ctx, state, unquote(path[len("/prefecture/") :]))
        elif path.startswith("/unit/"):
            page = unit.layout(ctx, state, unquote(path[len("/unit/") :]))
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
        for day in progress_dates(ctx.today()):
            ctx.data.table(day)
    except Exception:  # an empty or unmigrated database must not stop the app
        log.exception("warming the cache failed")


def create_app(database_url: str | None = None, engine: sa.Engine | None = None) -> dash.Dash:
    eng = engine if engine is not None else make_engine(database_url)
    ctx = Context.create(eng)
    app = dash.Dash(
        __name__,
        assets_folder=str(ASSETS),
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

    @app.callback(
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
    app.clientside_callback(
        "function (w) { window.exitmapUrl.write(w); }",
        Input("url-want", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        "function (s) { return window.exitmapUrl.navigated(s); }",
        Output("url-nav", "data"),
        Input("url", "search"),
        prevent_initial_call=True,
    )

    @app.callback(
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
    for page in (overview, prefecture, unit, quota, freeze, data, about):
        if hasattr(page, "register"):
            page.register(app, ctx)
    return app
