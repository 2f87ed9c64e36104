"""Signing in through an OpenID Connect provider (a local mock, in this process): the provider
says who the user is; the role and scope still come from our own table."""

from __future__ import annotations

import pytest
import requests
from oidc_provider_mock import User, run_server_in_thread

from access import audit
from app.browser import serve
from tests.helpers.demo import DEMO_TODAY


@pytest.fixture(scope="module")
def provider():
    people = [
        # Claims a group that would make them the office: must not matter.
        User(sub="zhang", claims={"preferred_username": "t_leader", "groups": ["province"]}),
        User(sub="li", claims={"preferred_username": "nobody_here"}),
    ]
    with run_server_in_thread(user_claims=people) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def site(demo_engine, provider):
    mp = pytest.MonkeyPatch()
    mp.setenv("EXITMAP_TODAY", DEMO_TODAY.isoformat())
    mp.setenv("EXITMAP_OIDC_ISSUER", provider)
    mp.setenv("EXITMAP_OIDC_CLIENT_ID", "exitmap-test")
    mp.setenv("EXITMAP_OIDC_CLIENT_SECRET", "not-a-secret")
    from app.main import create_app

    with serve(create_app(engine=demo_engine)) as base:
        yield base
    mp.undo()


def sign_in_through(site: str, sub: str) -> tuple[requests.Session, requests.Response]:
    s = requests.Session()
    start = s.get(site + "/login/oidc?next=/about", allow_redirects=False, timeout=30)
    assert start.status_code == 302
    authorize = start.headers["Location"]
    assert "/oauth2/authorize" in authorize
    assert s.get(authorize, timeout=30).status_code == 200  # the provider's form
    back = s.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=30)
    assert back.status_code == 302 and back.headers["Location"].startswith(site)
    return s, s.get(back.headers["Location"], allow_redirects=False, timeout=30)


def test_the_login_page_offers_the_provider(site):
    assert "/login/oidc" in requests.get(site + "/login", timeout=30).text


def test_a_known_user_signs_in_with_our_role_not_the_providers_claims(site, demo_engine):
    s, done = sign_in_through(site, "zhang")
    assert done.status_code == 302 and done.headers["Location"] == "/about"
    layout = s.get(site + "/_dash-layout", headers={"Referer": site + "/about"}, timeout=30)
    assert layout.status_code == 200
    line = audit.entries(demo_engine, user="t_leader", actions=["login"]).iloc[0]
    assert line["role"] == "leader" and '"oidc"' in line["params"]
    # The office's pages stay closed: our table says leader, whatever the provider's groups say.
    assert s.get(site + "/admin/users", timeout=30).status_code == 403


def test_a_user_we_do_not_know_is_refused(site, demo_engine):
    s, done = sign_in_through(site, "li")
    assert done.status_code == 403 and "未在本系统登记" in done.text
    assert s.get(site + "/_dash-layout", timeout=30).status_code == 401
    assert len(audit.entries(demo_engine, user="nobody_here", actions=["failed_login"])) == 1
