"""The web app's guard, over HTTP: every route and callback declares its rule, nothing opens
without signing in, sign-in locks out, POSTs need the CSRF token, and a prefecture user asking
for another prefecture gets a clear 403 and an audit line."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pytest
import requests
import sqlalchemy as sa

from access import audit
from access.guard import guard_of
from app.pages.data import BAR
from tests.helpers.accounts import KUNMING, PASSWORD, QUJING, csrf_of, sign_in

# The 数据 page's filter bar with nothing chosen, as a callback's inputs or state.
# The 数据 grid's request for its first block of rows (and the row count), as Dash posts it.
ROWS_CALLBACK = {
    "output": "..d-grid.getRowsResponse...d-count.children..",
    "outputs": [
        {"id": "d-grid", "property": "getRowsResponse"},
        {"id": "d-count", "property": "children"},
    ],
    "inputs": [{"id": "d-grid", "property": "getRowsRequest", "value": {"startRow": 0}}],
    "state": [
        {"id": "d-view", "property": "data", "value": ""},
        {"id": "d-search", "property": "value", "value": None},
    ],
}
FILTER_BAR_UNSET = [{"id": f"df-{name}", "property": prop, "value": None} for name, prop in BAR]


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
    body = {
        "output": output,
        "outputs": outputs,
        "inputs": inputs,
        "state": list(state),
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],  # the first input
    }
    headers = {"X-CSRFToken": session.cookies.get("_csrf_token", "")}
    return session.post(base + "/_dash-update-component", json=body, headers=headers, timeout=60)


def test_every_route_and_callback_declares_its_rule(demo_app):
    guard = guard_of(demo_app)
    assert guard.undeclared(demo_app.callback_map) == []
    assert len(guard.callbacks) == len(demo_app.callback_map) >= 15
    # A callback registered behind the guard's back is refused, and the walk names it.
    from dash import Input, Output

    demo_app.callback(Output("sneaky", "children"), Input("url", "search"))(lambda s: s)
    try:
        assert guard.undeclared(demo_app.callback_map) == ["callback sneaky.children"]
    finally:
        del demo_app.callback_map["sneaky.children"]


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
def test_nothing_opens_without_signing_in(demo_site, path):
    resp = requests.get(demo_site + path, timeout=30, allow_redirects=False)
    if path in ("/", "/prefecture/530100", "/data"):
        assert resp.status_code == 302 and "/login?next=" in resp.headers["Location"]
    else:
        assert resp.status_code == 401, (path, resp.status_code)
    body = {"output": "..header.children...page.children.."}  # the router's callback
    post = requests.post(demo_site + "/_dash-update-component", json=body, timeout=30)
    assert post.status_code == 401
    unknown = requests.post(
        demo_site + "/_dash-update-component", json={"output": "x.y"}, timeout=30
    )
    assert unknown.status_code == 403  # no declared rule: refused whoever asks


def test_open_things_are_only_the_login_page_assets_and_health(demo_site):
    for path in ("/login", "/login?lang=en", "/healthz", "/assets/style.css", "/_favicon.ico"):
        assert requests.get(demo_site + path, timeout=30).status_code == 200, path
    english = requests.get(demo_site + "/login?lang=en", timeout=30).text
    assert "Sign in" in english and 'name="csrf_token"' in english
    assert "登录" in requests.get(demo_site + "/login", timeout=30).text


def test_sign_in_out_and_a_followed_next_stays_ours(demo_site, demo_engine):
    s = requests.Session()
    token = csrf_of(s.get(demo_site + "/login").text)
    resp = s.post(
        demo_site + "/login",
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
    assert (
        s.get(demo_site + "/_dash-layout", headers={"Referer": demo_site + "/about"}).status_code
        == 200
    )
    s.get(demo_site + "/logout")
    assert s.get(demo_site + "/_dash-layout").status_code == 401
    log = audit.entries(demo_engine, user="t_leader", actions=["login", "logout"])
    assert {"login", "logout"} <= set(log["action"])


def test_a_post_without_the_csrf_token_is_refused(demo_site):
    s = sign_in(demo_site, "province")
    body = ROWS_CALLBACK
    refused = s.post(demo_site + "/_dash-update-component", json=body)
    assert refused.status_code == 400 and "CSRF" in refused.text
    ok = s.post(
        demo_site + "/_dash-update-component",
        json=body,
        headers={"X-CSRFToken": s.cookies["_csrf_token"]},
    )
    assert ok.status_code == 200, ok.text
    # And the login form itself needs its token.
    bare = requests.post(demo_site + "/login", data={"username": "t_leader", "password": PASSWORD})
    assert bare.status_code == 400


def test_repeated_failures_lock_the_account_and_the_address(demo_site, demo_engine):
    s = requests.Session()

    def attempt(name, password):
        token = csrf_of(s.get(demo_site + "/login").text)
        return s.post(
            demo_site + "/login",
            data={"username": name, "password": password, "csrf_token": token},
            allow_redirects=False,
        )

    try:
        for _ in range(5):  # EXITMAP_LOCKOUT_FAILURES
            assert attempt("t_env", "wrong password!").status_code == 401
        locked = attempt("t_env", PASSWORD)  # the right password, too late
        assert locked.status_code == 429 and "登录失败次数过多" in locked.text
        # The address is locked too (every failure above came from it), for every account.
        assert attempt("t_leader", PASSWORD).status_code == 429
        failed = audit.entries(demo_engine, user="t_env", actions=["failed_login"])
        reasons = set(failed["params"].map(json.loads).map(lambda p: p["reason"]))
        assert len(failed) == 6 and reasons == {"password", "locked"}
    finally:
        with demo_engine.begin() as conn:  # let the other tests sign in from here again
            conn.execute(sa.text("DELETE FROM login_failure"))


def test_a_prefecture_user_gets_403_for_another_prefecture(demo_site, demo_engine):
    s = sign_in(demo_site, "prefecture")
    assert s.get(demo_site + f"/prefecture/{KUNMING}").status_code == 200
    for path in (
        f"/prefecture/{QUJING}",
        f"/unit/{unit_of(demo_engine, QUJING)}",
        f"/export/png?view=/prefecture/{QUJING}",
    ):
        resp = s.get(demo_site + path)
        assert resp.status_code == 403, path
        assert resp.text.index("无权访问") < resp.text.index("Forbidden")  # Chinese first
        assert "曲靖市" in resp.text
    english = s.get(demo_site + f"/prefecture/{QUJING}?lang=en")
    assert english.status_code == 403 and "Qujing" in english.text
    assert s.get(demo_site + f"/unit/{unit_of(demo_engine, KUNMING)}").status_code == 200
    refused = audit.entries(demo_engine, user="t_kunming", actions=["forbidden"])
    assert f"/prefecture/{QUJING}" in set(refused["target"])
    assert any(t.startswith("/unit/") for t in refused["target"])
    # The province's own pages are not a prefecture's either.
    assert s.get(demo_site + "/admin/audit").status_code == 403


def test_a_prefecture_user_reads_only_its_own_rows_through_callbacks(demo_site):
    s = sign_in(demo_site, "prefecture")
    s.get(demo_site + "/data")
    headers = {"X-CSRFToken": s.cookies.get("_csrf_token", "")}

    def block(request: dict) -> list[dict]:
        body = {**ROWS_CALLBACK, "inputs": [{**ROWS_CALLBACK["inputs"][0], "value": request}]}
        resp = s.post(demo_site + "/_dash-update-component", json=body, headers=headers)
        assert resp.status_code == 200, resp.text
        return resp.json()["response"]["d-grid"]["getRowsResponse"]["rowData"]

    rows = block({"startRow": 0, "endRow": 500})
    assert rows and {r["prefecture"] for r in rows} == {"昆明市"}
    theirs = {"prefecture": {"filterType": "text", "type": "equals", "filter": "曲靖市"}}
    assert block({"startRow": 0, "endRow": 500, "filterModel": theirs}) == []


def test_an_idle_session_is_signed_out_and_a_new_sign_in_works(demo_app):
    client = demo_app.server.test_client()

    def sign_in_here():
        token = csrf_of(client.get("/login").get_data(as_text=True))
        form = {"username": "t_leader", "password": PASSWORD, "csrf_token": token}
        assert client.post("/login", data=form).status_code == 302

    body = ROWS_CALLBACK

    def a_callback():
        header = {"X-CSRFToken": client.get_cookie("_csrf_token").value}
        return client.post("/_dash-update-component", json=body, headers=header).status_code

    sign_in_here()
    assert client.get("/_dash-dependencies").status_code == 200
    assert a_callback() == 200
    with client.session_transaction() as session:
        session["seen"] -= 31 * 60  # idle longer than EXITMAP_SESSION_IDLE_MINUTES (30)
    assert client.get("/_dash-dependencies").status_code == 401
    # Signing in again, the browser's CSRF cookie follows the new session.
    sign_in_here()
    assert a_callback() == 200


def test_cookies_are_secure_under_https(demo_engine, monkeypatch):
    import flask

    from access import login
    from access.guard import Guard

    for https, secure in (("0", False), ("1", True)):
        monkeypatch.setenv("EXITMAP_HTTPS", https)
        server = flask.Flask("t")
        login.install(server, demo_engine, Guard(server, demo_engine))
        assert server.config["SESSION_COOKIE_SECURE"] is secure
        assert server.config["SESSION_COOKIE_HTTPONLY"] is True
        assert server.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_only_the_office_manages_users(demo_site, demo_engine):
    from access import users

    output = "..u-message.children...users-list.children.."
    inputs = [
        {"id": "u-add", "property": "n_clicks", "value": 1},
        {"id": "u-toggle", "property": "n_clicks", "value": None},
    ]
    state = [
        {"id": "u-name", "property": "value", "value": "new_qj"},
        {"id": "u-role", "property": "value", "value": "prefecture"},
        {"id": "u-prefecture", "property": "value", "value": QUJING},
        {"id": "u-department", "property": "value", "value": None},
        {"id": "u-password", "property": "value", "value": "a long enough password"},
        {"id": "url", "property": "search", "value": ""},
    ]
    for role in ("prefecture", "leader", "department"):
        s = sign_in(demo_site, role)
        s.get(demo_site + "/about")
        assert callback(s, demo_site, output, inputs, state).status_code == 403, role
    assert users.get(demo_engine, "new_qj") is None
    office = sign_in(demo_site, "province")
    office.get(demo_site + "/admin/users")
    done = callback(office, demo_site, output, inputs, state)
    assert done.status_code == 200, done.text
    assert users.get(demo_engine, "new_qj").scope().adcodes() == [QUJING]
    change = audit.entries(demo_engine, user="t_province", actions=["user_change"]).iloc[0]
    assert change["target"] == "new_qj"


def test_the_login_page_brings_you_back_to_the_view(demo_site):
    resp = requests.get(
        demo_site + "/prefecture/530100?on=2025-12-31&lang=en", allow_redirects=False, timeout=30
    )
    assert resp.headers["Location"] == (
        "/login?next=/prefecture/530100%3Fon%3D2025-12-31%26lang%3Den&lang=en"
    )


def test_a_download_holds_the_callers_rows_whatever_the_browser_asks(demo_site, demo_engine):
    """The browser sends only the question (view, search, the grid's filter and sort); the
    rows are read on the server within the caller's scope: asking for another prefecture's
    rows by a column filter gives none, and no row is ever taken from the request."""
    s = sign_in(demo_site, "prefecture")
    s.get(demo_site + "/data")
    headers = {"X-CSRFToken": s.cookies.get("_csrf_token", "")}

    def download(grid_request: dict) -> list[dict]:
        body = {
            "output": "..d-download.data...d-note.children..",
            "outputs": [
                {"id": "d-download", "property": "data"},
                {"id": "d-note", "property": "children"},
            ],
            "inputs": [
                {"id": "d-csv", "property": "n_clicks", "value": 1},
                {"id": "d-xlsx", "property": "n_clicks", "value": None},
                {"id": "d-geojson", "property": "n_clicks", "value": None},
            ],
            "state": [
                {"id": "d-view", "property": "data", "value": ""},
                {"id": "d-search", "property": "value", "value": None},
                {"id": "d-grid", "property": "getRowsRequest", "value": grid_request},
            ],
            "changedPropIds": ["d-csv.n_clicks"],
        }
        resp = s.post(demo_site + "/_dash-update-component", json=body, headers=headers, timeout=60)
        assert resp.status_code == 200, resp.text
        content = resp.json()["response"]["d-download"]["data"]["content"]
        return list(csv.DictReader(io.StringIO(content.lstrip("\ufeff"))))

    rows = download({"startRow": 0})
    with demo_engine.connect() as conn:
        ours = set(
            conn.execute(
                sa.text("SELECT unit_key FROM unit WHERE prefecture_adcode = :p"), {"p": KUNMING}
            ).scalars()
        )
    assert rows and {r["prefecture"] for r in rows} == {"昆明市"}
    assert {r["unit_key"] for r in rows} <= ours
    theirs = {"prefecture": {"filterType": "text", "type": "equals", "filter": "曲靖市"}}
    assert download({"startRow": 0, "filterModel": theirs}) == []
    log = audit.entries(demo_engine, user="t_kunming", actions=["download"])
    assert list(log["row_count"][:2]) == [0, len(rows)]  # newest first


def lists_of(session: requests.Session, base: str) -> tuple[dict[str, list[dict]], bytes]:
    """The 数据 page's 公示名单 download as ``session`` takes it: {file: its rows as dicts by
    header}, and the zip's bytes."""
    import base64
    import zipfile

    from openpyxl import load_workbook

    session.get(base + "/data")
    body = {
        "output": "d-lists-download.data",
        "outputs": {"id": "d-lists-download", "property": "data"},
        "inputs": [{"id": "d-lists", "property": "n_clicks", "value": 1}],
        "state": [{"id": "d-view", "property": "data", "value": "?on=2026-06-30"}],
        "changedPropIds": ["d-lists.n_clicks"],
    }
    headers = {"X-CSRFToken": session.cookies.get("_csrf_token", "")}
    resp = session.post(base + "/_dash-update-component", json=body, headers=headers, timeout=120)
    assert resp.status_code == 200, resp.text
    data = base64.b64decode(resp.json()["response"]["d-lists-download"]["data"]["content"])
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        for name in bundle.namelist():
            sheet = load_workbook(io.BytesIO(bundle.read(name))).active
            rows = list(sheet.iter_rows(min_row=4, values_only=True))
            out[name] = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    return out, data


def test_the_public_lists_are_the_callers_own(demo_site, demo_engine):
    """公示名单 on the web: the office gets every list; a department the 限期整改 list of the
    category it leads and only its categories' rows in the others; a prefecture only its own
    rows. Each file names who took it, and the zip is logged with its hash."""
    import hashlib

    office, _ = lists_of(sign_in(demo_site, "province"), demo_site)
    assert len(office) == 8
    closed = next(n for n in office if n.startswith("06_"))
    assert len({r["退出类别"] for r in office[closed]}) > 2  # exits of many categories

    dept, data = lists_of(sign_in(demo_site, "department"), demo_site)
    rectify = sorted(n for n in dept if n[:2] in ("01", "02", "03", "04"))
    assert rectify == [n for n in office if n.startswith("02_环保不达标")]
    for name, rows in dept.items():
        for row in rows:
            cats = row.get("问题类别") or row.get("退出类别")
            assert set(str(cats).split("、")) <= {"环保不达标"}, (name, row)
    assert dept[closed] and len(dept[closed]) < len(office[closed])
    log = audit.entries(demo_engine, user="t_env", actions=["download"]).iloc[0]
    assert log["sha256"] == hashlib.sha256(data).hexdigest()
    assert log["row_count"] == sum(len(r) for r in dept.values())

    kunming, _ = lists_of(sign_in(demo_site, "prefecture"), demo_site)
    places = {r["州（市）"] for rows in kunming.values() for r in rows}
    assert places == {"昆明市"}
