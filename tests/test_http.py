"""Every kind of response the app gives carries the security headers; data is never cached;
request bodies past EXITMAP_MAX_REQUEST_KB are refused before they are read."""

from __future__ import annotations

import io
import json
import re

import pytest
import sqlalchemy as sa

from app.http import tile_source
from tests.helpers.accounts import client_as
from tests.helpers.dash_http import call, callback_body, download_body
from tests.helpers.demo import DEMO_TODAY


@pytest.fixture(scope="module")
def client(demo_engine):
    mp = pytest.MonkeyPatch()
    mp.setenv("EXITMAP_TODAY", DEMO_TODAY.isoformat())
    from app.main import create_app

    app = create_app(engine=demo_engine)
    yield app, client_as(app, demo_engine)
    mp.undo()


def assert_secure(response, where: str) -> None:
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if " " in d.strip())
    assert directives.get("frame-ancestors") == "'none'", where
    scripts = directives.get("script-src", "")
    assert scripts.startswith("'self'"), where
    assert "unsafe-inline" not in scripts and "unsafe-eval" not in scripts, where
    assert directives.get("object-src") == "'none'", where
    assert h.get("X-Content-Type-Options") == "nosniff", where
    assert h.get("X-Frame-Options") == "DENY", where
    assert h.get("Referrer-Policy") == "same-origin", where
    assert "Server" not in h, where


def static_urls(app, client) -> dict[str, str]:
    """A fingerprinted asset and a component suite, as the index page names them."""
    html = client.get("/").get_data(as_text=True)
    asset = re.search(r'src="(/assets/url\.js\?m=[^"]+)"', html).group(1)
    suite = re.search(r'src="(/_dash-component-suites/dash_ag_grid/[^"]+)"', html).group(1)
    return {"asset": asset, "suite": suite}


def test_every_kind_of_response_carries_the_headers(client):
    app, c = client
    referer = {"Referer": "http://localhost/prefecture/530100"}
    layout_page = callback_body(
        [("header", "children"), ("page", "children")],
        [("url", "pathname", "/quota")],
        [("url", "search", "")],
    )
    data = {
        "index": c.get("/"),
        "page by address": c.get("/data?cat=淘汰类"),
        "layout": c.get("/_dash-layout", headers=referer),
        "dependencies": c.get("/_dash-dependencies"),
        "callback": call(c, layout_page),
        "download": call(c, download_body("csv")),
        "export refused": c.get("/export/png?view=/about"),
        "export unknown": c.get("/export/nothing"),
        "too large": c.post(
            "/_dash-update-component", data=b"{" * 300_000, content_type="application/json"
        ),
        "wrong method": c.delete("/_dash-layout"),
    }
    statuses = {k: r.status_code for k, r in data.items()}
    assert statuses == {
        "index": 200,
        "page by address": 200,
        "layout": 200,
        "dependencies": 200,
        "callback": 200,
        "download": 200,
        "export refused": 400,
        "export unknown": 404,
        "too large": 413,
        "wrong method": 405,
    }
    for kind, response in data.items():
        assert_secure(response, kind)
        # Pages, layouts, callbacks, downloads, exports: nothing kept by a browser or proxy.
        assert response.headers["Cache-Control"] == "no-store", kind
    urls = static_urls(app, c)
    kept = {
        "asset": c.get(urls["asset"]),
        "component suite": c.get(urls["suite"]),
        "boundaries": c.get(app.ctx.geo.url("prefectures")),
        "asset without fingerprint": c.get("/assets/url.js"),
    }
    for kind, response in kept.items():
        assert response.status_code == 200, kind
        assert_secure(response, kind)
        assert "no-store" not in response.headers.get("Cache-Control", ""), kind
    assert "immutable" in kept["asset"].headers["Cache-Control"]
    # The code is the same for everyone: nothing in its answer depends on the session (a
    # front keeping one copy per cookie would keep one per user), and no cookie is set.
    for kind in ("asset", "component suite"):
        headers = kept[kind].headers
        assert "cookie" not in headers.get("Vary", "").lower(), (kind, headers.get("Vary"))
        assert "Set-Cookie" not in headers, kind
    assert "immutable" not in kept["asset without fingerprint"].headers.get("Cache-Control", "")


def test_the_csp_allows_exactly_the_index_pages_inline_scripts(client):
    """Each inline script of the index page (renderer start, clientside callbacks) is allowed
    by its hash, and no other hash is: the policy is not a blanket."""
    import base64
    import hashlib

    _, c = client
    answer = c.get("/")
    html = answer.get_data(as_text=True)
    inline = re.findall(r"<script(?: id=\"_dash-renderer\" type=\"application/javascript\")?>"
                        r"(.*?)</script>", html, flags=re.S)  # fmt: skip
    inline = [s for s in inline if "alert(" not in s]  # inside an IE-only comment: never runs
    wanted = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline
    }
    csp = answer.headers["Content-Security-Policy"]
    allowed = set(re.search(r"script-src 'self' ([^;]*)", csp).group(1).split())
    assert len(inline) >= 2 and allowed == wanted


def test_a_body_past_the_limit_is_refused_unread(client):
    from exitmap import settings

    _, c = client
    limit = settings.get_int("max_request_kb") * 1024
    body = json.dumps(download_body("csv")).encode()
    assert call(c, download_body("csv")).status_code == 200
    padded = body[:-1] + b', "pad": "' + b"x" * limit + b'"}'
    declared = c.post(
        "/_dash-update-component",
        data=padded,
        content_type="application/json",
        headers={"X-CSRFToken": c.get_cookie("_csrf_token").value},
    )
    assert declared.status_code == 413

    # Without a declared length (chunked: gunicorn marks the stream terminated) the body is
    # read up to the limit and no further, and refused (cut short, it is no callback).
    class Counted(io.BytesIO):
        read_bytes = 0

        def read(self, size=-1):
            data = super().read(size)
            Counted.read_bytes += len(data)
            return data

        def readline(self, size=-1):
            data = super().readline(size)
            Counted.read_bytes += len(data)
            return data

    stream = Counted(padded + b" " * (10 * limit))
    chunked = c.post(
        "/_dash-update-component",
        input_stream=stream,
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked", "X-CSRFToken": c.get_cookie("_csrf_token").value},
        environ_overrides={"wsgi.input_terminated": True},
    )
    # Refused: as too large, as no JSON, or by the guard, which finds no callback it knows.
    assert chunked.status_code in (400, 403, 413)
    assert Counted.read_bytes <= limit + 64 * 1024


@pytest.mark.parametrize(
    ("template", "source"),
    [
        ("", None),
        ("https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}", "https://*.tianditu.gov.cn"),
        ("http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png", "http://10.1.2.3:8080"),
    ],
)
def test_tiles_of_the_configured_server_may_load(template, source):
    assert tile_source(template) == source


@pytest.mark.parametrize("proxies, seen", [(0, "127.0.0.1"), (1, "10.1.2.3")])
def test_the_clients_address_is_the_proxys_last_hop_only_when_a_proxy_is_trusted(
    demo_engine, monkeypatch, proxies, seen
):
    """Behind nginx (EXITMAP_TRUSTED_PROXIES=1) the lockout and the audit log see the address
    nginx added last to X-Forwarded-For — never a hop the client wrote itself; without a
    trusted proxy the header is ignored."""
    from access import audit
    from app.main import create_app
    from tests.helpers.accounts import csrf_of

    monkeypatch.setenv("EXITMAP_TRUSTED_PROXIES", str(proxies))
    app = create_app(engine=demo_engine)
    c = app.server.test_client()
    forwarded = {"X-Forwarded-For": "9.9.9.9, 10.1.2.3"}  # the client's lie, then nginx's hop
    token = csrf_of(c.get("/login", headers=forwarded).get_data(as_text=True))
    form = {"username": "t_leader", "password": f"wrong {proxies}", "csrf_token": token}
    try:
        assert c.post("/login", data=form, headers=forwarded).status_code == 401
        failed = audit.entries(demo_engine, user="t_leader", actions=["failed_login"]).iloc[0]
        assert failed["address"] == seen
    finally:
        with demo_engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM login_failure"))
