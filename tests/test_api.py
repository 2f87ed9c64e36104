"""The read API: bearer tokens, the same scope as the pages, 401/403, and its description."""

from __future__ import annotations

import csv
import io

import pytest
import requests
from openapi_spec_validator import validate

from access import audit, users
from tests.helpers.accounts import ACCOUNTS, KUNMING, QUJING


@pytest.fixture(scope="module")
def tokens(demo_engine) -> dict[str, str]:
    return {role: users.new_token(demo_engine, name) for role, (name, _) in ACCOUNTS.items()}


def get(base, path, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(base + path, params=params, headers=headers, timeout=60)


def test_no_token_no_answer(demo_site):
    for path in ("/api/v1/standing", "/api/v1/units", "/api/v1/openapi.json"):
        resp = get(demo_site, path)
        assert resp.status_code == 401 and resp.json()["status"] == 401
        assert get(demo_site, path, "exm_not-a-real-token").status_code == 401


def test_a_prefecture_token_reads_its_own_rows_only(demo_site, tokens, demo_engine):
    km = tokens["prefecture"]
    standing = get(demo_site, "/api/v1/standing", km, on="2025-12-31").json()
    assert [r["adcode"] for r in standing["standing"]] == [KUNMING, 530000]
    assert standing["as_of"] == "2025-12-31"
    units = get(demo_site, "/api/v1/units", km).json()["units"]
    assert units and {u["prefecture_adcode"] for u in units} == {KUNMING}
    assert get(demo_site, "/api/v1/units", km, prefecture=KUNMING).json()["units"] == units
    refused = get(demo_site, "/api/v1/units", km, prefecture=QUJING)
    assert refused.status_code == 403 and "曲靖市" in refused.json()["message"]
    assert {r["adcode"] for r in get(demo_site, "/api/v1/freezes", km).json()["freezes"]} == {
        KUNMING
    }
    assert {r["adcode"] for r in get(demo_site, "/api/v1/quota", km).json()["quota"]} <= {KUNMING}
    lines = audit.entries(demo_engine, user="t_kunming", actions=["api", "forbidden"])
    assert "/api/v1/units" in set(lines["target"]) and "forbidden" in set(lines["action"])
    assert lines.loc[lines["action"] == "api", "row_count"].max() == len(units)


def test_the_office_reads_everything_as_json_or_csv(demo_site, tokens):
    leader = tokens["leader"]
    rows = get(demo_site, "/api/v1/units", leader, prefecture=QUJING).json()["units"]
    assert rows and {u["prefecture_adcode"] for u in rows} == {QUJING}
    everyone = get(demo_site, "/api/v1/standing", leader).json()["standing"]
    assert len(everyone) == 17
    text = get(demo_site, "/api/v1/units", leader, format="csv").text
    table = list(csv.DictReader(io.StringIO(text)))
    assert len({r["prefecture_adcode"] for r in table}) == 16
    assert not any(v.startswith(("=", "+", "@")) for r in table for v in r.values() if v)


def test_bad_parameters_are_named(demo_site, tokens):
    token = tokens["province"]
    bad = get(demo_site, "/api/v1/units", token, on="2025-13-01")
    assert bad.status_code == 400 and "on 应为 YYYY-MM-DD" in bad.json()["message"]
    assert get(demo_site, "/api/v1/units", token, format="xml").status_code == 400
    assert get(demo_site, "/api/v1/units", token, prefecture="999999").status_code == 400
    assert get(demo_site, "/api/v1/standing", token, known="2025-01-01").status_code == 501


def test_the_description_is_valid_openapi(demo_site, tokens):
    spec = get(demo_site, "/api/v1/openapi.json", tokens["leader"]).json()
    validate(spec)
    assert set(spec["paths"]) == {
        "/api/v1/standing",
        "/api/v1/units",
        "/api/v1/freezes",
        "/api/v1/quota",
    }
