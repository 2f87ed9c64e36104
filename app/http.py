"""What every response of the web app carries, and how large a request it reads.

- A request body past EXITMAP_MAX_REQUEST_KB is refused with 413 before it is read (a
  declared length is checked first; an undeclared one is cut off at the limit while read).
  A callback's body is its inputs and states, a few KB: a forged 131 MB "row list" held a
  worker 30 s at 2 GB when the 数据 download took its rows from the browser.
- A Content-Security-Policy with no inline script: Dash's index page starts its renderer and
  defines the clientside callbacks in inline <script> elements, allowed by their SHA-256 hashes
  (``app.csp_hashes()``, taken once every callback is defined: at the first response); nothing
  else inline runs, and nothing from another origin but the configured base-map tiles. Styles
  may be inline (React and Leaflet set them); script never.
- The page may not be framed (frame-ancestors 'none'), types are not sniffed, the Referer stays
  on this site (the layout request renders the page its Referer names: same-origin keeps it).
- ``Cache-Control: no-store`` on everything that carries data (the page, its layout, callbacks,
  downloads, exports, API): only the code and the boundaries (STATIC) may be kept, and the
  assets Dash fingerprints with ``?m=`` may be kept for good.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from urllib.parse import urlsplit

import flask
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from exitmap import settings
from exitmap.errors import SettingsError

# Code and public boundaries: the same for every caller, safe to keep.
STATIC = ("/assets/", "/_dash-component-suites/", "/geo/", "/_favicon.ico")
YEAR = 365 * 24 * 3600


def tile_source(url: str) -> str | None:
    """The CSP source of a tile URL template ("https://t{s}.x.cn/…" → "https://*.x.cn")."""
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if "{" in host:
        host = "*." + host.split(".", 1)[1] if "." in host else "*"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}" if parts.scheme and host else None


class Headers:
    """The headers of every response; the CSP is built once, at the first response."""

    def __init__(self, app, tile_url: str = ""):
        self.app = app
        self.tiles = tile_source(tile_url)
        self._csp: str | None = None
        self._lock = threading.Lock()

    def csp(self) -> str:
        with self._lock:
            if self._csp is None:
                images = " ".join(x for x in ("'self'", "data:", "blob:", self.tiles) if x)
                self._csp = "; ".join(
                    [
                        "default-src 'self'",
                        "script-src 'self' " + " ".join(self.app.csp_hashes()),
                        "style-src 'self' 'unsafe-inline'",
                        f"img-src {images}",
                        "font-src 'self' data:",
                        "connect-src 'self'",
                        "object-src 'none'",
                        "base-uri 'self'",
                        "form-action 'self'",
                        "frame-ancestors 'none'",
                    ]
                )
            return self._csp

    def apply(self, response: flask.Response) -> flask.Response:
        h = response.headers
        h["Content-Security-Policy"] = self.csp()
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "same-origin"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        h.pop("Server", None)
        path = flask.request.path
        if not path.startswith(STATIC):
            h["Cache-Control"] = "no-store"
        elif (
            path.startswith("/assets/")
            and "m" in flask.request.args
            and response.status_code == 200
        ):
            # Dash names each asset by its modification time: a new file has a new address.
            h["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return response


# A view may read a larger body than the app's EXITMAP_MAX_REQUEST_KB: a register file (the
# ingest limit, EXITMAP_MAX_FILE_MB, plus room for the form's other fields) or the public's
# photos. Its limit is marked on it (``body_limit``) and checked before the body is read.
BODY_ATTR = "exitmap_max_body"
FORM_SLACK = 64 * 1024


def body_limit(max_bytes: int | Callable[[], int]):
    """Let one view read a larger body than the app's limit (bytes, or a function of the
    settings read at each request)."""

    def mark(fn):
        setattr(fn, BODY_ATTR, max_bytes)
        return fn

    return mark


def upload_limit() -> int:
    return settings.get_int("max_file_mb") * 1024 * 1024 + FORM_SLACK


# A view that reads a register file.
takes_upload = body_limit(upload_limit)

# A form's view may answer a body past its limit with its page and a message (said before the
# body is read) rather than a bare 413.
TOO_LARGE_ATTR = "exitmap_too_large"


def when_too_large(answer: Callable[[], flask.typing.ResponseReturnValue]):
    """Mark a view's answer to a body past its limit (called instead of the 413)."""

    def mark(fn):
        setattr(fn, TOO_LARGE_ATTR, answer)
        return fn

    return mark


def refuse_large_bodies() -> flask.typing.ResponseReturnValue | None:
    """413 before reading a body whose declared length is past the limit (the view's own,
    ``body_limit``, or the app's), or the view's own answer (``when_too_large``)."""
    app = flask.current_app
    view = app.view_functions.get(flask.request.endpoint or "")
    limit = getattr(view, BODY_ATTR, None) or app.config["MAX_CONTENT_LENGTH"]
    if callable(limit):
        limit = limit()
    flask.request.max_content_length = limit  # werkzeug stops reading past it, too
    length = flask.request.content_length
    if length is not None and length > limit:
        answer = getattr(view, TOO_LARGE_ATTR, None)
        if answer is not None:
            return answer()
        raise RequestEntityTooLarge()
    return None


def trusted_proxies() -> int:
    """EXITMAP_TRUSTED_PROXIES: 0 (none in front) or more."""
    text = settings.get("trusted_proxies").strip() or "0"
    if not text.isdigit():
        raise SettingsError(f"设置 EXITMAP_TRUSTED_PROXIES={text!r} 无效：应为 0 或正整数")
    return int(text)


def install(app, tile_url: str = "") -> None:
    """Bound the request bodies the Dash ``app``'s server reads and set every response's
    headers (call once the app is built)."""
    server = app.server
    proxies = trusted_proxies()
    if proxies > 0:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=proxies, x_proto=proxies)
    server.config["MAX_CONTENT_LENGTH"] = settings.get_int("max_request_kb") * 1024
    server.before_request(refuse_large_bodies)
    server.after_request(Headers(app, tile_url).apply)
