"""One test account per role, and signing in as one (for requests and for Chromium)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa

PASSWORD = "test password 2026"
KUNMING, QUJING = 530100, 530300
# role → (user name, what add() needs)
ACCOUNTS = {
    "province": ("t_province", {}),
    "department": ("t_env", {"department": "省生态环境厅"}),
    "prefecture": ("t_kunming", {"prefecture": KUNMING}),
    "leader": ("t_leader", {}),
}


def add_accounts(engine: sa.Engine) -> None:
    """Add the test accounts (all with PASSWORD) unless they exist."""
    from access import users

    for role, (name, extra) in ACCOUNTS.items():
        if users.get(engine, name) is None:
            users.add(engine, name, role, password=PASSWORD, display_name=name, **extra)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def client_as(app, engine: sa.Engine, role_or_name: str = "province"):
    """A Flask test client of the Dash ``app`` signed in as the account of ``role_or_name``
    (the test accounts are added to ``engine`` first); tests.helpers.dash_http.call sends its
    CSRF token."""
    add_accounts(engine)
    name = ACCOUNTS[role_or_name][0] if role_or_name in ACCOUNTS else role_or_name
    client = app.server.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    form = {"username": name, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=form).status_code == 302
    client.get("/about")  # the CSRF cookie comes with a page
    return client


def sign_in(
    base: str, role_or_name: str, password: str = PASSWORD, verify: bool = True
) -> requests.Session:
    """A requests session signed in as the account of ``role_or_name`` (``verify=False``: a
    throwaway certificate, as the nginx front's in tests)."""
    name = ACCOUNTS[role_or_name][0] if role_or_name in ACCOUNTS else role_or_name
    s = requests.Session()
    token = csrf_of(s.get(base + "/login", timeout=30, verify=verify).text)
    resp = s.post(
        base + "/login",
        data={"username": name, "password": password, "csrf_token": token, "next": "/about"},
        timeout=30,
        allow_redirects=False,
        verify=verify,
    )
    assert resp.status_code == 302, resp.text
    s.get(
        base + "/about", timeout=30, verify=verify
    )  # the CSRF cookie for callbacks comes with a page
    return s


def storage_state(session: requests.Session, base: str) -> dict:
    """The session's cookies as Playwright's storage_state, for a signed-in browser."""
    host = urlsplit(base).hostname
    cookies = [
        {
            "name": c.name,
            "value": c.value,
            "domain": host,
            "path": "/",
            "expires": -1,
            "httpOnly": c.name != "_csrf_token",
            "secure": False,
            "sameSite": "Lax",
        }
        for c in session.cookies
    ]
    return {"cookies": cookies, "origins": []}


def browser_state(base: str, role_or_name: str) -> dict:
    return storage_state(sign_in(base, role_or_name), base)
