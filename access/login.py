"""Signing in and out: built-in accounts, the office's OpenID provider, sessions, lockout, CSRF.

``install(server, engine, guard)`` adds to the Flask server:

- ``/login`` (a page in Chinese, or English with ``?lang=en``, with a CSRF token), ``/logout``;
  after ``lockout_failures`` failures within ``lockout_minutes`` an account — and, separately,
  an address — is refused until the window passes;
- ``/login/oidc`` and its callback when ``EXITMAP_OIDC_ISSUER`` is set (Authlib): the provider
  says who the user is; the role and scope come from our table, matched by user name, so a
  provider's stale group claims never widen access;
- Flask-Login sessions (HttpOnly, SameSite=Lax, Secure under https) signed out after
  ``session_idle_minutes`` idle; CSRF protection (Flask-WTF) on the sign-in form and on every
  POST a session cookie authenticates, which Dash's renderer satisfies by echoing the
  ``_csrf_token`` cookie as ``X-CSRFToken`` (a grant or a bearer token is never sent by a
  browser on its own, so needs none);
- the ways the guard learns who is asking: a render grant, an API bearer token, the session.
"""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import quote, urlsplit

import flask
import flask_login
import sqlalchemy as sa
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect, generate_csrf
from markupsafe import escape

from access import grants, users
from access.guard import DASH_ENDPOINTS, Caller, Guard, rule
from exitmap import settings
from exitmap.scope import Scope

CSRF_COOKIE = "_csrf_token"
FAILURES_SQL = """
SELECT (SELECT count(*) FROM login_failure WHERE username = :u AND at > :since),
       (SELECT count(*) FROM login_failure WHERE address = :a AND at > :since)
"""

TEXT = {
    "zh": {
        "title": "登录 · 产能退出一张图",
        "heading": "产能退出一张图 · 登录",
        "user": "用户名",
        "password": "密码",
        "submit": "登录",
        "oidc": "通过统一身份认证登录",
        "bad": "用户名或密码不正确。",
        "locked": "登录失败次数过多，请 {minutes} 分钟后再试。",
        "unknown": "统一身份认证账户「{name}」未在本系统登记或已停用，请联系省办开通。",
        "switch": "English",
        "expired": "登录已超时，请重新登录。",
    },
    "en": {
        "title": "Sign in · Capacity exit map",
        "heading": "Capacity exit map · Sign in",
        "user": "User name",
        "password": "Password",
        "submit": "Sign in",
        "oidc": "Sign in with the office's identity provider",
        "bad": "Wrong user name or password.",
        "locked": "Too many failed sign-ins: try again in {minutes} minutes.",
        "unknown": "The account “{name}” is not registered here or is disabled.",
        "switch": "中文",
        "expired": "Your session expired: please sign in again.",
    },
}


class SessionUser(flask_login.UserMixin):
    def __init__(self, user: users.User):
        self.user = user

    def get_id(self) -> str:
        return self.user.username


def _lang() -> str:
    return "en" if flask.request.args.get("lang") == "en" else "zh"


def safe_next(target: str | None) -> str:
    """Only a path of ours (no scheme, no host, not //…) is followed after signing in."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def login_page(message: str = "", status: int = 200, username: str = "") -> flask.Response:
    lang = _lang()
    tx = TEXT[lang]
    nxt = escape(safe_next(flask.request.values.get("next")))
    other = "zh" if lang == "en" else "en"
    oidc = (
        f'<p class="oidc"><a href="/login/oidc?next={nxt}">{escape(tx["oidc"])}</a></p>'
        if settings.get("oidc_issuer")
        else ""
    )
    error = (
        f'<p class="error" id="login-error" role="alert">{escape(message)}</p>' if message else ""
    )
    html = f"""<!DOCTYPE html>
<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(tx["title"])}</title><link rel="stylesheet" href="/assets/login.css"></head>
<body><main class="login">
<h1>{escape(tx["heading"])}</h1>{error}
<form method="post" action="/login?lang={lang}">
<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">
<input type="hidden" name="next" value="{nxt}">
<label for="username">{escape(tx["user"])}</label>
<input id="username" name="username" autocomplete="username" required maxlength="64"
 value="{escape(username)}" autofocus>
<label for="password">{escape(tx["password"])}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required
 maxlength="1024">
<button type="submit" id="login-submit">{escape(tx["submit"])}</button>
</form>{oidc}
<p class="switch"><a href="/login?lang={other}&amp;next={nxt}">{escape(tx["switch"])}</a></p>
</main></body></html>"""
    resp = flask.Response(html, status=status, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    return resp


# The code every visitor loads alike (Dash's and ours), whoever asks.
CODE_ENDPOINTS = frozenset(
    e for e, action in DASH_ENDPOINTS.items() if action == "public" and e != "/_favicon.ico"
)


class CodeVariesNot(SecureCookieSessionInterface):
    """Flask marks the answer to every request that so much as looked at the session
    ``Vary: Cookie`` (Flask-Login's after-request hook looks, on every request). A front
    honouring that would keep one copy of the same script per user; the code's answers do
    not depend on the cookie and set none, so they say so."""

    def save_session(self, app, session, response) -> None:
        super().save_session(app, session, response)
        rule = flask.request.url_rule
        code = rule is not None and rule.endpoint in CODE_ENDPOINTS
        if code and "Set-Cookie" not in response.headers:
            kept = [v for v in response.vary if v.lower() != "cookie"]
            del response.headers["Vary"]
            if kept:
                response.headers["Vary"] = ", ".join(kept)


def install(server: flask.Flask, engine: sa.Engine, guard: Guard) -> None:
    https = settings.flag("https")
    idle = dt.timedelta(minutes=settings.get_int("session_idle_minutes"))
    server.config.update(
        SECRET_KEY=grants.secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        SESSION_COOKIE_NAME="exitmap_session",
        PERMANENT_SESSION_LIFETIME=idle,
        # The cookie is re-signed when "seen" moves (from_session), not on every response: a
        # public file (code, fonts) then carries no Set-Cookie, so a proxy may keep it.
        SESSION_REFRESH_EACH_REQUEST=False,
        REMEMBER_COOKIE_DURATION=dt.timedelta(0),
        WTF_CSRF_TIME_LIMIT=None,  # the session's own idle limit bounds it
        WTF_CSRF_SSL_STRICT=https,
        # Checked where a cookie authenticates: the guard (a session's POSTs) and /login.
        WTF_CSRF_CHECK_DEFAULT=False,
    )
    server.session_interface = CodeVariesNot()
    csrf = CSRFProtect(server)
    guard.csrf = csrf.protect
    manager = flask_login.LoginManager(server)
    manager.session_protection = "basic"

    @manager.user_loader
    def load(username: str):
        # Read every request: a changed role or a disabled account takes effect at once.
        user = users.get(engine, username)
        return SessionUser(user) if user and not user.disabled else None

    def from_session() -> Caller | None:
        current = flask_login.current_user
        if not current.is_authenticated:
            return None
        seen, now = flask.session.get("seen", 0), time.time()
        if now - seen > idle.total_seconds():
            flask_login.logout_user()
            flask.session.clear()
            return None
        if now - seen > 30:  # a minute's precision is plenty; fewer cookies re-signed
            flask.session["seen"] = now
        return Caller(current.user.scope(), current.user, "session")

    def from_token() -> Caller | None:
        if not flask.request.path.startswith("/api/"):
            return None
        header = flask.request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        user = users.user_for_token(engine, header[len("Bearer ") :].strip())
        return Caller(user.scope(), user, "token") if user else None

    key = server.config["SECRET_KEY"]

    def from_grant() -> Caller | None:
        token = flask.request.headers.get(grants.HEADER)
        if not token:
            return None
        grant = grants.read(key, token)
        if grant is None:
            return None
        if grants.is_system(grant):
            return Caller(Scope.everything(grant.user), None, "grant")
        user = users.get(engine, grant.user)
        if user is None or user.disabled or not grant.matches(user.scope()):
            return None  # the user's scope changed since: render nothing
        flask.g.exitmap_grant = grant
        return Caller(user.scope(), user, "grant")

    def grant_limit(caller: Caller, action: str, endpoint: str) -> str | None:
        """A grant opens one view: its page, layout, assets and callbacks — nothing else."""
        if caller.via != "grant":
            return None
        if action not in ("view", "view_units", "client"):
            return "渲染授权只能用于查看页面。A render grant only opens pages."
        grant = flask.g.get("exitmap_grant")
        if grant is None:
            return None  # the system's own renders (command line)
        if endpoint in ("/", "/<path:path>") and flask.request.path != grant.view:
            return "渲染授权不适用于此页面。The render grant is for another page."
        if endpoint == "/_dash-layout":
            referrer = urlsplit(flask.request.referrer or "").path
            if referrer and referrer != grant.view:
                return "渲染授权不适用于此页面。The render grant is for another page."
        return None

    guard.identifiers[:] = [from_grant, from_token, from_session]
    guard.limits.append(grant_limit)

    def sign_in() -> flask.Response:
        target = flask.request.full_path if flask.request.query_string else flask.request.path
        lang = "&lang=en" if flask.request.args.get("lang") == "en" else ""
        return flask.redirect(f"/login?next={quote(target, safe='/')}{lang}")

    guard.sign_in = sign_in

    @server.after_request
    def csrf_cookie(resp: flask.Response) -> flask.Response:
        # Dash's renderer sends this cookie back as X-CSRFToken on every callback. Its token
        # holds for the session's raw token (no time limit): set when that changes (a new
        # sign-in), not on every response. Never with the code (no user looked up for it).
        rule_ = flask.request.url_rule
        if rule_ is not None and rule_.endpoint in CODE_ENDPOINTS:
            return resp
        current = flask_login.current_user
        if not (current and current.is_authenticated):
            return resp
        raw = flask.session.get("csrf_token")
        if raw and CSRF_COOKIE in flask.request.cookies and flask.session.get("csrf_for") == raw:
            return resp
        token = generate_csrf()
        flask.session["csrf_for"] = flask.session.get("csrf_token")
        resp.set_cookie(CSRF_COOKIE, token, samesite="Lax", secure=https, httponly=False)
        return resp

    def locked(username: str, address: str) -> bool:
        limit = settings.get_int("lockout_failures")
        since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=settings.get_int("lockout_minutes"))
        with engine.connect() as conn:
            by_user, by_address = conn.execute(
                sa.text(FAILURES_SQL), {"u": username, "a": address, "since": since}
            ).one()
        return by_user >= limit or by_address >= limit

    def signed_in(user: users.User, via: str, next_path: str | None) -> flask.Response:
        flask.session.clear()  # a fresh session: nothing carried over from before sign-in
        flask_login.login_user(SessionUser(user))
        flask.session.permanent = True
        flask.session["seen"] = time.time()
        caller = Caller(user.scope(), user, via)
        guard.audit("login", "", {"via": via}, caller=caller)
        return flask.redirect(safe_next(next_path))

    @server.route("/login", methods=["GET", "POST"])
    @rule("public")
    def login():
        tx = TEXT[_lang()]
        if flask.request.method == "GET":
            return login_page()
        csrf.protect()
        username = (flask.request.form.get("username") or "").strip().lower()[:64]
        password = flask.request.form.get("password") or ""
        address = flask.request.remote_addr or ""
        if locked(username, address):
            guard.audit("failed_login", username, {"reason": "locked"}, username=username)
            minutes = settings.get("lockout_minutes")
            return login_page(tx["locked"].format(minutes=minutes), 429, username)
        user = users.verify(engine, username, password)
        if user is None:
            with engine.begin() as conn:
                conn.execute(
                    sa.text("INSERT INTO login_failure (username, address) VALUES (:u, :a)"),
                    {"u": username, "a": address},
                )
            guard.audit("failed_login", username, {"reason": "password"}, username=username)
            return login_page(tx["bad"], 401, username)
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM login_failure WHERE username = :u"), {"u": username})
        return signed_in(user, "password", flask.request.form.get("next"))

    @server.route("/logout", methods=["GET", "POST"])
    @rule("signed_in")
    def logout():
        guard.audit("logout")
        flask_login.logout_user()
        flask.session.clear()
        resp = flask.redirect("/login")
        resp.delete_cookie(CSRF_COOKIE)
        return resp

    @server.route("/healthz")
    @rule("public")
    def healthz():
        return flask.Response("ok", mimetype="text/plain")

    issuer = settings.get("oidc_issuer").rstrip("/")
    if issuer:
        _install_oidc(server, engine, guard, issuer, signed_in, csrf)


def _install_oidc(server, engine, guard, issuer, signed_in, csrf) -> None:
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(server)
    provider = oauth.register(
        "office",
        client_id=settings.get("oidc_client_id"),
        client_secret=settings.get("oidc_client_secret"),
        server_metadata_url=issuer + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile"},
    )
    claim = settings.get("oidc_username_claim")

    @server.route("/login/oidc")
    @rule("public")
    def oidc_start():
        flask.session["oidc_next"] = safe_next(flask.request.args.get("next"))
        return provider.authorize_redirect(flask.url_for("oidc_callback", _external=True))

    @server.route("/login/oidc/callback")
    @rule("public")
    def oidc_callback():
        token = provider.authorize_access_token()
        info = token.get("userinfo") or provider.userinfo(token=token)
        name = str(info.get(claim) or "").strip().lower()
        user = users.get(engine, name) if name else None
        if user is None or user.disabled:
            guard.audit("failed_login", name, {"reason": "oidc_unknown"}, username=name)
            return login_page(TEXT[_lang()]["unknown"].format(name=name), 403)
        return signed_in(user, "oidc", flask.session.pop("oidc_next", "/"))
