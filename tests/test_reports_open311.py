"""Open311 GeoReport v2 (issue #15): the services list, a platform filing a report with its API
key, reading back the reports it filed (never the reporter, never the notes), the key issued
on the command line with only its hash stored."""

from __future__ import annotations

import hashlib
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from access import audit
from exitmap.cli import main
from exitmap.scope import Scope
from reports import handling, keys
from tests.helpers.reports import CONTACT, POINTS, RECEIVED

CODES = ["energy", "environment", "quality", "safety", "technology"]


@pytest.fixture(scope="module")
def platform_keys(demo_engine):
    return {name: keys.issue(demo_engine, name) for name in ("12345热线", "环保热线")}


def request_body(key: str, **change) -> dict:
    (lon, lat), _ = POINTS["qujing"]
    body = {
        "api_key": key,
        "service_code": "quality",
        "lat": str(lat),
        "long": str(lon),
        "address_string": "曲靖市麒麟区",
        "description": "12345热线转来：某水泥厂产品质量不达标仍在生产",
        "first_name": "三",
        "last_name": "张",
        "phone": CONTACT["phone"],
        "email": CONTACT["email"],
    }
    return body | change


def test_the_services_are_the_kinds_with_their_departments(demo_app):
    resp = demo_app.server.test_client().get("/open311/v2/services.json")
    services = resp.get_json()
    assert resp.status_code == 200 and [s["service_code"] for s in services] == CODES
    assert {s["service_code"]: s["group"] for s in services}["safety"] == "省应急管理厅"
    assert all(s["type"] == "realtime" and s["metadata"] is False for s in services)


def test_a_platform_files_a_report_with_its_key(demo_app, demo_engine, platform_keys):
    client = demo_app.server.test_client()
    resp = client.post("/open311/v2/requests.json", data=request_body(platform_keys["12345热线"]))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    [answer] = resp.get_json()
    reference = answer["service_request_id"]
    with demo_engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT r.channel, r.platform, r.agency_responsible, r.prefecture_adcode,"
                " c.name, c.phone FROM report r JOIN report_contact c ON c.report_id = r.id"
                " WHERE r.service_request_id = :r"
            ),
            {"r": reference},
        ).one()
    assert tuple(row) == ("open311", "12345热线", "省市场监管局", 530300, "张三", CONTACT["phone"])
    filed = audit.entries(demo_engine, actions=["report"])
    params = filed[filed["target"] == reference].iloc[0]["params"]
    assert "open311" in params and CONTACT["phone"] not in params and "张三" not in params


@pytest.mark.parametrize(
    "key", [None, "", "o311_wrong", "x" * 500], ids=["none", "empty", "wrong", "long"]
)
def test_without_a_valid_key_nothing_is_filed_or_read(demo_app, demo_engine, key):
    client = demo_app.server.test_client()
    body = request_body(key or "", description="无密钥的提交")
    if key is None:
        body.pop("api_key")
    resp = client.post("/open311/v2/requests.json", data=body)
    assert resp.status_code == 403 and resp.get_json()[0]["code"] == 403
    assert client.get("/open311/v2/requests/JB20260101-AAAAAA.json").status_code == 403
    with demo_engine.connect() as conn:
        assert not conn.execute(
            sa.text("SELECT count(*) FROM report WHERE description = '无密钥的提交'")
        ).scalar()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"service_code": "noise"}, "service_code"),
        ({"lat": "39.9", "long": "116.4"}, "不在云南省内"),
        ({"lat": "", "long": ""}, "lat 和 long"),
        ({"lat": "north"}, "lat 应为"),
        ({"description": ""}, "description"),
    ],
)
def test_a_bad_request_is_refused_in_the_standards_form_and_kept(
    demo_app, demo_engine, platform_keys, change, says
):
    client = demo_app.server.test_client()
    body = request_body(platform_keys["环保热线"], **change)
    with demo_engine.connect() as conn:
        before = conn.execute(
            sa.text("SELECT count(*) FROM report_attempt WHERE address = 'open311:环保热线'")
        ).scalar()
    resp = client.post("/open311/v2/requests.json", data=body)
    assert resp.status_code == 400
    [error] = resp.get_json()
    assert error["code"] == 400 and says in error["description"]
    with demo_engine.connect() as conn:
        kept = conn.execute(
            sa.text(
                "SELECT outcome FROM report_attempt WHERE address = 'open311:环保热线'"
                " ORDER BY id DESC LIMIT 1"
            )
        ).scalar()
        after = conn.execute(
            sa.text("SELECT count(*) FROM report_attempt WHERE address = 'open311:环保热线'")
        ).scalar()
    assert kept == "invalid" and after == before + 1


def test_a_platform_reads_back_its_own_reports_without_reporter_or_notes(
    demo_app, demo_engine, platform_keys
):
    client = demo_app.server.test_client()
    key = platform_keys["12345热线"]
    resp = client.post("/open311/v2/requests.json", data=request_body(key))
    reference = resp.get_json()[0]["service_request_id"]
    handling.take(
        demo_engine,
        Scope("province", "t_province"),
        reference,
        "screen",
        RECEIVED,
        outcome="valid",
        notes="办公室内部意见",
    )
    resp = client.get(f"/open311/v2/requests/{reference}.json?api_key={key}")
    assert resp.status_code == 200
    [found] = resp.get_json()
    assert found["service_request_id"] == reference and found["status"] == "open"
    assert found["agency_responsible"] == "省市场监管局" and found["status_notes"] is None
    assert found["expected_datetime"] > found["requested_datetime"]
    text = json.dumps(found, ensure_ascii=False)
    for secret in (CONTACT["phone"], CONTACT["email"], "张三", "办公室内部意见"):
        assert secret not in text
    other = platform_keys["环保热线"]
    assert client.get(f"/open311/v2/requests/{reference}.json?api_key={other}").status_code == 404


def test_the_command_line_issues_a_key_whose_hash_alone_is_kept(demo_engine, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    result = CliRunner().invoke(main, ["reports", "key", "省应急厅热线"])
    assert result.exit_code == 0, result.output
    key = result.output.strip()
    assert key.startswith("o311_")
    with demo_engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT key_sha256 FROM open311_key WHERE platform = '省应急厅热线'")
        ).scalar()
    assert stored == hashlib.sha256(key.encode()).hexdigest() and key not in stored
    assert keys.platform_for(demo_engine, key) == "省应急厅热线"
    assert CliRunner().invoke(main, ["reports", "revoke", "省应急厅热线"]).exit_code == 0
    assert keys.platform_for(demo_engine, key) is None
    again = CliRunner().invoke(main, ["reports", "revoke", "省应急厅热线"])
    assert again.exit_code == 1 and "没有有效的密钥" in again.output
