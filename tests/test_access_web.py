"""The web app's guard, over HTTP: every route and callback declares its rule, nothing opens
without signing in, sign-in locks out, POSTs need the CSRF token, and a prefecture user asking
for another prefecture gets a clear 403 and an audit line."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import requests
import sqlalchemy as sa

from access import audit
from access.guard import guard_of
from app.browser import serve
from tests.helpers.accounts import KUNMING, PASSWORD, QUJING, csrf_of, sign_in
from tests.helpers.demo import DEMO_TODAY


@pytest.fixture(scope="module")
def env():
    mp = pytest.MonkeyPatch()
    mp.setenv("EXITMAP_TODAY", DEMO_TODAY.isoformat())
    mp.setenv("EXITMAP_LOCKOUT_FAILURES", "3")
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def app(demo_engine, env):
    from app.main import create_app

    return create_app(engine=demo_engine)


@pytest.fixture(scope="module")
def site(app):
    with serve(app) as base:
        yield base


def unit_of(engine, adcode: int) -> str:
    """A unit key of the prefecture, quoted for a path (keys hold / and #)."""
    with engine.connect() as conn:
        key = conn.execute(
            sa.text("SELECT min(unit_key) FROM unit WHERE prefecture_adcode = :a"), {"a": adcode}
        ).scalar_one()
    return quote(key, safe="")


def callback(session: requests.Session, base: str, output: str, inputs: list, state=()):
    """Call a Dash callback the way the renderer does (the CSRF cookie echoed as a header)."""
    outputs = [
        {"id": part.split(".")[0], "property": part.split(".")[1].split("@")[0]}
        for part in output.strip(".").split("...")
    ]
    body = {"output": output, "outputs": outputs, "inputs": inputs, "state": list(state)}
    headers = {"X-CSRFToken": session.cookies.get("_csrf_token", "")}
    return session.post(base + "/_dash-update-component", json=body, headers=headers, timeout=60)


def test_every_route_and_callback_declares_its_rule(app):
    guard = guard_of(app)
    assert guard.undeclared(app.callback_map) == []
    assert len(guard.callbacks) == len(app.callback_map) >= 15
    # A callback registered behind the guard's back is refused, and the walk names it.
    from dash import Input, Output

    app.callback(Output("sneaky", "children"), Input("url", "search"))(lambda s: s)
    try:
        assert guard.undeclared(app.callback_map) == ["callback sneaky.children"]
    finally:
        del app.callback_map["sneaky.children"]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/prefecture/530100",
        "/data",
        "/_dash-layout",
        "/_dash-dependencies",
        "/export/png?view=/quota",
        "/geo/prefectures.geojson",
        "/logout",
    ],
)
def test_nothing_opens_without_signing_in(site, path):
    resp = requests.get(site + path, timeout=30, allow_redirects=False)
    if path in ("/", "/prefecture/530100", "/data"):
        assert resp.status_code == 302 and "/login?next=" in resp.headers["Location"]
    else:
        assert resp.status_code == 401, (path, resp.status_code)
    body = {"output": "..header.children...page.children.."}  # the router's callback
    post = requests.post(site + "/_dash-update-component", json=body, timeout=30)
    assert post.status_code == 401
    unknown = requests.post(site + "/_dash-update-component", json={"output": "x.y"}, timeout=30)
    assert unknown.status_code == 403  # no declared rule: refused whoever asks


def test_open_things_are_only_the_login_page_assets_and_health(site):
    for path in ("/login", "/login?lang=en", "/healthz", "/assets/style.css", "/_favicon.ico"):
        assert requests.get(site + path, timeout=30).status_code == 200, path
    english = requests.get(site + "/login?lang=en", timeout=30).text
    assert "Sign in" in english and 'name="csrf_token"' in english
    assert "登录" in requests.get(site + "/login", timeout=30).text


def test_sign_in_out_and_a_followed_next_stays_ours(site, demo_engine):
    s = requests.Session()
    token = csrf_of(s.get(site + "/login").text)
    resp = s.post(
        site + "/login",
        data={
            "username": "t_leader",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        allow_redirects=False,
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    cookie = next(c for c in s.cookies if c.name == "exitmap_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert s.get(site + "/_dash-layout", headers={"Referer": site + "/about"}).status_code == 200
    s.get(site + "/logout")
    assert s.get(site + "/_dash-layout").status_code == 401
    log = audit.entries(demo_engine, user="t_leader", actions=["login", "logout"])
    assert {"login", "logout"} <= set(log["action"])


def test_a_post_without_the_csrf_token_is_refused(site):
    s = sign_in(site, "province")
    body = {
        "output": "d-count.children",
        "outputs": {"id": "d-count", "property": "children"},
        "inputs": [{"id": "d-grid", "property": "virtualRowData", "value": []}],
        "state": [{"id": "url", "property": "search", "value": ""}],
    }
    refused = s.post(site + "/_dash-update-component", json=body)
    assert refused.status_code == 400 and "CSRF" in refused.text
    ok = s.post(
        site + "/_dash-update-component",
        json=body,
        headers={"X-CSRFToken": s.cookies["_csrf_token"]},
    )
    assert ok.status_code == 200, ok.text
    # And the login form itself needs its token.
    bare = requests.post(site + "/login", data={"username": "t_leader", "password": PASSWORD})
    assert bare.status_code == 400


def test_repeated_failures_lock_the_account_and_the_address(site, demo_engine):
    s = requests.Session()

    def attempt(name, password):
        token = csrf_of(s.get(site + "/login").text)
        return s.post(
            site + "/login",
            data={"username": name, "password": password, "csrf_token": token},
            allow_redirects=False,
        )

    for _ in range(3):
        assert attempt("t_env", "wrong password!").status_code == 401
    locked = attempt("t_env", PASSWORD)  # the right password, too late
    assert locked.status_code == 429 and "登录失败次数过多" in locked.text
    # The address is locked too (every failure above came from it), for every account.
    assert attempt("t_leader", PASSWORD).status_code == 429
    failed = audit.entries(demo_engine, user="t_env", actions=["failed_login"])
    assert len(failed) == 4 and set(
        failed["params"].map(json.loads).map(lambda p: p["reason"])
    ) == {"password", "locked"}
    with demo_engine.begin() as conn:  # let the other tests sign in from here again
        conn.execute(sa.text("DELETE FROM login_failure"))


def test_a_prefecture_user_gets_403_for_another_prefecture(site, demo_engine):
    s = sign_in(site, "prefecture")
    assert s.get(site + f"/prefecture/{KUNMING}").status_code == 200
    for path in (
        f"/prefecture/{QUJING}",
        f"/unit/{unit_of(demo_engine, QUJING)}",
        f"/export/png?view=/prefecture/{QUJING}",
    ):
        resp = s.get(site + path)
        assert resp.status_code == 403, path
        assert resp.text.index("无权访问") < resp.text.index("Forbidden")  # Chinese first
        assert "曲靖市" in resp.text
    english = s.get(site + f"/prefecture/{QUJING}?lang=en")
    assert english.status_code == 403 and "Qujing" in english.text
    assert s.get(site + f"/unit/{unit_of(demo_engine, KUNMING)}").status_code == 200
    refused = audit.entries(demo_engine, user="t_kunming", actions=["forbidden"])
    assert f"/prefecture/{QUJING}" in set(refused["target"])
    assert any(t.startswith("/unit/") for t in refused["target"])
    # The province's own pages are not a prefecture's either.
    assert s.get(site + "/admin/audit").status_code == 403


def test_a_prefecture_user_reads_only_its_own_rows_through_callbacks(site, app):
    s = sign_in(site, "prefecture")
    s.get(site + "/data")
    output = next(k for k in app.callback_map if "d-grid.rowData" in k)
    resp = callback(
        s,
        site,
        output,
        [
            {"id": f"df-{n}", "property": p, "value": None}
            for n, p in (
                ("sector", "value"),
                ("sub", "value"),
                ("cat", "value"),
                ("status", "value"),
                ("on", "date"),
            )
        ],
        [{"id": "url", "property": "search", "value": ""}],
    )
    assert resp.status_code == 200, resp.text
    rows = resp.json()["response"]["d-grid"]["rowData"]
    assert rows and {r["prefecture"] for r in rows} == {"昆明市"}
