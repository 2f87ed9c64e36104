"""The guard: one declared rule per route and per Dash callback, checked on every request.

    @rule("download")                       # a Flask view
    def export_file(): ...

    @guarded(app, "view", Output(...), Input(...))     # a Dash callback
    def restyle(...): ...

    guarded_clientside(app, "function (x) {…}", Output(...), Input(...))

Every request passes ``Guard.check`` first: it finds who is asking (a render grant, a bearer
token on /api, or the session), the rule of what is asked (the endpoint's, or for Dash's
``/_dash-update-component`` the callback's, by its output), refuses what the caller's role may
not do (401 when nobody is signed in, 403 otherwise) and serves the rest under the caller's
scope (``exitmap.db.scoped``: the database's row-level security sees it too). Anything without
a declared rule is refused — and ``Guard.undeclared`` names it, for the test that walks them all.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import flask
import sqlalchemy as sa

from access import audit
from access.rules import ANONYMOUS, READING, RULES, allowed
from access.users import User
from exitmap.db import enter_scope, leave_scope
from exitmap.scope import Scope

log = logging.getLogger(__name__)

ATTR = "exitmap_rule"
EXTENSION = "exitmap.guard"
CALLBACK_ENDPOINT = "/_dash-update-component"
# flask.g's list of the audit calls of an answer app/response_cache.py will keep.
AUDIT_KEPT = "exitmap_audit_kept"

# Dash's own endpoints and Flask's static route: their rules, declared here once.
DASH_ENDPOINTS: dict[str, str] = {
    "static": "public",
    "_dash_assets.static": "public",
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": "public",
    "/_favicon.ico": "public",
    "/_dash-layout": "view",
    "/_dash-dependencies": "view",
    "/_reload-hash": "view",
    "/": "view",
    "/<path:path>": "view",
    CALLBACK_ENDPOINT: "callback",  # the rule is the callback's own
}
# The endpoints that answer with a page (a browser is sent to sign in rather than told 401).
PAGE_ENDPOINTS = frozenset({"/", "/<path:path>"})


@dataclass(frozen=True)
class Caller:
    """Who is asking: the user (None for the system), the scope, and how they proved it."""

    scope: Scope
    user: User | None
    via: str  # session | token | grant


def rule(action: str) -> Callable:
    """Declare the access rule of a Flask view function."""
    if action not in RULES:
        raise KeyError(f"no such access rule: {action!r}")

    def mark(fn: Callable) -> Callable:
        setattr(fn, ATTR, action)
        return fn

    return mark


def guard_of(app) -> Guard:
    server = app.server if hasattr(app, "server") else app
    return server.extensions[EXTENSION]


def guarded(app, action: str, *dependencies, cache: bool = False, **options) -> Callable:
    """``app.callback`` with its access rule recorded (by the callback's output id).

    ``cache``: its answer depends only on its request, the caller and the data, so a repeated
    request may be answered from app/response_cache.py (a reading rule only)."""
    guard = guard_of(app)

    def register(fn: Callable) -> Callable:
        before = set(app.callback_map)
        out = app.callback(*dependencies, **options)(fn)
        guard.declare_callbacks(set(app.callback_map) - before, action, cache=cache)
        return out

    return register


def guarded_clientside(app, code, *dependencies, **options) -> None:
    """``app.clientside_callback``, declared as running in the browser only."""
    guard = guard_of(app)
    before = set(app.callback_map)
    app.clientside_callback(code, *dependencies, **options)
    guard.declare_callbacks(set(app.callback_map) - before, "client")


class Forbidden(Exception):
    """Raised by a page or route when the caller's scope does not cover what they asked for."""

    def __init__(self, message: str, target: str = ""):
        super().__init__(message)
        self.target = target


class Guard:
    """The registry of rules, and the check every request passes first."""

    def __init__(self, server: flask.Flask, engine: sa.Engine):
        self.server = server
        self.engine = engine
        self.callbacks: dict[str, str] = {}
        self.cacheable: set[str] = set()  # callback ids whose answers may be kept
        # Who a request may be, in order: each returns a Caller, or None to pass.
        self.identifiers: list[Callable[[], Caller | None]] = []
        # How an anonymous page request is answered (the login page's redirect).
        self.sign_in: Callable[[], flask.Response] = lambda: flask.abort(401)
        # Further checks of a caller against what it asked for (e.g. the render grant's view).
        self.limits: list[Callable[[Caller, str, str], str | None]] = []
        # The CSRF check of a request that a cookie authenticates (a session's POST); raises.
        self.csrf: Callable[[], None] = lambda: None
        server.extensions[EXTENSION] = self
        server.before_request(self.check)
        server.teardown_request(self._leave)

    # -- declarations ---------------------------------------------------------------------

    def declare_callbacks(self, ids: set[str], action: str, *, cache: bool = False) -> None:
        if action not in RULES:
            raise KeyError(f"no such access rule: {action!r}")
        if cache and action not in READING:
            raise ValueError(f"only a reading callback may be answered from a cache: {action!r}")
        for callback_id in ids:
            self.callbacks[callback_id] = action
            if cache:
                self.cacheable.add(callback_id)

    def endpoint_rule(self, endpoint: str | None) -> str | None:
        if endpoint is None:
            return None
        if endpoint in DASH_ENDPOINTS:
            return DASH_ENDPOINTS[endpoint]
        view = self.server.view_functions.get(endpoint)
        return getattr(view, ATTR, None)

    def undeclared(self, callback_map: dict) -> list[str]:
        """Routes and callbacks that declare no rule (the test wants none)."""
        missing = [
            f"route {r.rule} ({r.endpoint})"
            for r in self.server.url_map.iter_rules()
            if self.endpoint_rule(r.endpoint) is None
        ]
        missing += [f"callback {cid}" for cid in callback_map if cid not in self.callbacks]
        return missing

    def callback_rule(self) -> tuple[str | None, str]:
        """(rule, callback id) of the callback a /_dash-update-component request runs."""
        try:
            body = flask.request.get_json(silent=True) or {}
            output = body.get("output")
        except (TypeError, ValueError, AttributeError):
            return None, ""
        if not isinstance(output, str):
            return None, ""
        return self.callbacks.get(output), output

    # -- the check ------------------------------------------------------------------------

    def caller(self) -> Caller | None:
        for identify in self.identifiers:
            found = identify()
            if found is not None:
                return found
        return None

    def check(self):
        request = flask.request
        endpoint = request.url_rule.endpoint if request.url_rule else None
        action = self.endpoint_rule(endpoint)
        target = request.path
        if action == "callback":
            action, target = self.callback_rule()
        if endpoint is None:
            return None  # Flask answers 404/405 itself
        if action is None:
            log.error("no access rule declared for %s %s", endpoint, target)
            return _refuse(403, "没有声明访问规则，已拒绝。No access rule is declared for this.")
        if action in ANONYMOUS:
            return None
        caller = self.caller()
        if caller is None:
            if endpoint in PAGE_ENDPOINTS:
                return self.sign_in()
            return _refuse(401, "请先登录。Please sign in.")
        if caller.via == "session" and request.method not in ("GET", "HEAD", "OPTIONS"):
            self.csrf()  # a grant or a token is sent on purpose; a cookie comes by itself
        for limit in self.limits:
            problem = limit(caller, action, endpoint)
            if problem:
                return _refuse(403, problem)
        if not allowed(caller.scope.role, action):
            self.audit("forbidden", target, {"rule": action}, caller=caller)
            return _refuse(403, f"您的角色无权进行此操作（{action}）。Your role may not do this.")
        flask.g.exitmap_caller = caller
        flask.g.exitmap_action = action
        flask.g.exitmap_scope_token = enter_scope(caller.scope)
        return None

    def _leave(self, _exc=None) -> None:
        token = flask.g.pop("exitmap_scope_token", None)
        if token is not None:
            with contextlib.suppress(ValueError):
                leave_scope(token)

    # -- the record -----------------------------------------------------------------------

    def audit(
        self,
        action: str,
        target: str = "",
        params: dict | None = None,
        *,
        caller: Caller | None = None,
        username: str | None = None,
        row_count: int | None = None,
        sha256: str | None = None,
    ) -> None:
        """Append an audit row for the request being served."""
        caller = caller or current_caller()
        request = flask.request if flask.has_request_context() else None
        if request is not None and (kept := flask.g.get(AUDIT_KEPT)) is not None:
            # The answer is being made for the response cache: what it audits is kept with
            # it and written again whenever the cache serves it.
            kept.append(
                {"action": action, "target": target, "params": params, "username": username,
                 "row_count": row_count, "sha256": sha256}
            )  # fmt: skip
        audit.record(
            self.engine,
            caller.scope if caller else None,
            action,
            target,
            params,
            username=username,
            row_count=row_count,
            sha256=sha256,
            address=request.remote_addr if request else None,
            user_agent=request.headers.get("User-Agent") if request else None,
        )


def _refuse(status: int, message: str) -> flask.Response:
    """401/403 as JSON for programs (callbacks, API), as a short page for browsers."""
    request = flask.request
    wants_json = request.is_json or request.path.startswith(("/api/", "/_dash"))
    if wants_json:
        body = json.dumps({"status": status, "message": message}, ensure_ascii=False)
        return flask.Response(body, status=status, mimetype="application/json")
    return flask.Response(message, status=status, mimetype="text/plain; charset=utf-8")


def current_caller() -> Caller | None:
    if not flask.has_request_context():
        return None
    return flask.g.get("exitmap_caller")


def current_action() -> str | None:
    """The rule the request being served was admitted under (None outside a guarded one)."""
    if not flask.has_request_context():
        return None
    return flask.g.get("exitmap_action")


def current_scope() -> Scope | None:
    """The scope of the request being served (None outside a guarded request)."""
    caller = current_caller()
    return caller.scope if caller else None


def record(action: str, target: str = "", params: dict | None = None, **extra) -> None:
    """Audit the current request's ``action`` through the app's guard."""
    guard_of(flask.current_app).audit(action, target, params, **extra)
