"""Signing a requests session in through the login form, as a browser does.

The load benchmark's users are people with accounts: each signs in once (the form's CSRF
token, then the session cookie), and sends the session's ``_csrf_token`` cookie back as
``X-CSRFToken`` on its callback POSTs, as Dash's renderer does.
"""

from __future__ import annotations

import re

import requests

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(session: requests.Session, base: str, username: str, password: str) -> None:
    """Sign ``session`` in at ``base``; raises when the site refuses."""
    form = session.get(f"{base}/login", **_name(session, "login"))
    token = TOKEN.search(form.text)
    if token is None:
        raise RuntimeError(f"no sign-in form at {base}/login ({form.status_code})")
    data = {"csrf_token": token.group(1), "username": username, "password": password,
            "next": "/healthz"}  # fmt: skip
    answer = session.post(f"{base}/login", data=data, **_name(session, "login"))
    if not answer.url.endswith("/healthz"):
        raise RuntimeError(f"signing in as {username} failed ({answer.status_code})")
    # The first signed-in page sets the CSRF cookie callbacks send back.
    session.get(f"{base}/_dash-layout", **_name(session, "layout"))


def csrf_header(session: requests.Session) -> dict[str, str]:
    return {"X-CSRFToken": session.cookies.get("_csrf_token", "")}


def _named(session) -> bool:
    # locust's HttpSession takes a ``name`` for its statistics; a plain Session does not.
    return type(session).__module__.startswith("locust")


def _name(session, name: str) -> dict:
    return {"name": name} if _named(session) else {}
