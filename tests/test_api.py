"""The read API: bearer tokens, the same scope as the pages, 401/403, and its description."""

from __future__ import annotations

import csv
import io

import pytest
import requests
from openapi_spec_validator import validate

from access import audit, users
from app.browser import serve
from tests.helpers.accounts import ACCOUNTS, KUNMING, QUJING
from tests.helpers.demo import DEMO_TODAY


@pytest.fixture(scope="module")
def site(demo_engine):
    mp = pytest.MonkeyPatch()
    mp.setenv("EXITMAP_TODAY", DEMO_TODAY.isoformat())
    from app.main import create_app

    with serve(create_app(engine=demo_engine)) as base:
        yield base
    mp.undo()


@pytest.fixture(scope="module")
def tokens(demo_engine) -> dict[str, str]:
    return {role: users.new_token(demo_engine, name) for role, (name, _) in ACCOUNTS.items()}


def get(base, path, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(base + path, params=params, headers=headers, timeout=60)


def test_no_token_no_answer(site):
    for path in ("/api/v1/standing", "/api/v1/units", "/api/v1/openapi.json"):
        resp = get(site, path)
        assert resp.status_code == 401 and resp.json()["status"] == 401
        assert get(site, path, "exm_not-a-real-token").status_code == 401


def test_a_prefecture_token_reads_its_own_rows_only(site, tokens, demo_engine):
    km = tokens["prefecture"]
    standing = get(site, "/api/v1/standing", km, on="2025-12-31").json()
    assert [r["adcode"] for r in standing["standing"]] == [KUNMING, 530000]
    assert standing["as_of"] == "2025-12-31"
    units = get(site, "/api/v1/units", km).json()["units"]
    assert units and {u["prefecture_adcode"] for u in units} == {KUNMING}
    assert get(site, "/api/v1/units", km, prefecture=KUNMING).json()["units"] == units
    refused = get(site, "/api/v1/units", km, prefecture=QUJING)
    assert refused.status_code == 403 and "曲靖市" in refused.json()["message"]
    assert {r["adcode"] for r in get(site, "/api/v1/freezes", km).json()["freezes"]} == {KUNMING}
    assert {r["adcode"] for r in get(site, "/api/v1/quota", km).json()["quota"]} <= {KUNMING}
    lines = audit.entries(demo_engine, user="t_kunming", actions=["api", "forbidden"])
    assert "/api/v1/units" in set(lines["target"]) and "forbidden" in set(lines["action"])
    assert lines.loc[lines["action"] == "api", "row_count"].max() == len(units)


def test_the_office_reads_everything_as_json_or_csv(site, tokens):
    leader = tokens["leader"]
    rows = get(site, "/api/v1/units", leader, prefecture=QUJING).json()["units"]
    assert rows and {u["prefecture_adcode"] for u in rows} == {QUJING}
    everyone = get(site, "/api/v1/standing", leader).json()["standing"]
    assert len(everyone) == 17
    text = get(site, "/api/v1/units", leader, format="csv").text
    table = list(csv.DictReader(io.StringIO(text)))
    assert len({r["prefecture_adcode"] for r in table}) == 16
    assert not any(v.startswith(("=", "+", "@")) for r in table for v in r.values() if v)


def test_bad_parameters_are_named(site, tokens):
    token = tokens["province"]
    bad = get(site, "/api/v1/units", token, on="2025-13-01")
    assert bad.status_code == 400 and "on 应为 YYYY-MM-DD" in bad.json()["message"]
    assert get(site, "/api/v1/units", token, format="xml").status_code == 400
    assert get(site, "/api/v1/units", token, prefecture="999999").status_code == 400
    assert get(site, "/api/v1/standing", token, known="2025-01-01").status_code == 501


def test_the_description_is_valid_openapi(site, tokens):
    spec = get(site, "/api/v1/openapi.json", tokens["leader"]).json()
    validate(spec)
    assert set(spec["paths"]) == {
        "/api/v1/standing",
        "/api/v1/units",
        "/api/v1/freezes",
        "/api/v1/quota",
    }
