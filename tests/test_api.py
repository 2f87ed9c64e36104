"""The read API: bearer tokens, the same scope as the pages, 401/403, and its description."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import requests

from access import audit, users
from layers.standing import standing
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
    assert get(demo_site, "/api/v1/standing", token, known="2025-02-30").status_code == 400


def test_the_standing_as_known_on_a_day(demo_site, tokens, demo_engine):
    """known=K answers what the product said on K (the demo's registers are recorded on their
    snapshot dates): the figures of layers.standing as known on K, within the token's scope."""
    on, known = dt.date(2025, 12, 31), dt.date(2025, 12, 30)  # before that day's register

    def resolved(token, **params) -> dict[int, int]:
        rows = get(demo_site, "/api/v1/standing", token, on=on, **params).json()["standing"]
        return {r["adcode"]: r["units_resolved"] for r in rows}

    then, now = resolved(tokens["leader"], known=known), resolved(tokens["leader"])
    expected = standing(demo_engine, on, known_on=known).set_index("adcode")["units_resolved"]
    assert then == expected.to_dict()
    assert then[530000] < now[530000]  # the year's last register reported more exits
    mine = resolved(tokens["prefecture"], known=known)
    assert mine == {KUNMING: then[KUNMING], 530000: then[KUNMING]}
