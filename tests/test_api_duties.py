"""The read API's lists of the seed's other duties (/api/v1/targets, replacement, inspections,
resettlement, land): a prefecture's token reads its own rows only, the office's every row,
as JSON or formula-safe CSV; each answer audited with its row count."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import requests

from access import audit, users
from app.browser import serve
from etl.inspections import Finding, record_inspection
from etl.land import record_site
from etl.load import load
from etl.pipeline import prepare
from etl.replacement import Project, record_project
from etl.resettlement import record_plan
from etl.targets import TargetLine, set_target
from tests.helpers.accounts import ACCOUNTS, add_accounts
from tests.helpers.registers import credit_code, unit_row, write_csv

GONE = {"当前状态": "已拆除", "退出方式": "拆除"}
KUNMING, QUJING = 530100, 530300


def key(serial: int) -> str:
    return f"{credit_code(serial)}/1#"


@pytest.fixture
def site(engine, monkeypatch, tmp_path):
    from app.main import create_app

    qj = {"州（市）": "曲靖市", "县（市、区）": "麒麟区", "经度": "103.7976", "纬度": "25.4961"}
    rows = [
        unit_row(1, 实际退出日期="2021-06-30", **GONE),
        unit_row(2, capacity="30", 实际退出日期="2021-09-30", **GONE),
        unit_row(3, 企业名称='=HYPERLINK("http://x")钢铁', 实际退出日期="2021-06-30", **GONE, **qj),
    ]
    load(engine, prepare([write_csv(tmp_path / "r.csv", rows)]), dt.date(2022, 6, 30))
    with engine.begin() as conn:
        set_target(conn, "昆明", TargetLine(2026, units=2), "a", "b")
        set_target(conn, "曲靖", TargetLine(2026, tce=1000), "a", "b")
    project = Project("新建高炉项目", "云南测试新钢有限公司", "昆明", "炼铁", 56.0, "云工信1号",
                      dt.date(2022, 6, 30))  # fmt: skip
    record_project(engine, project, [(key(1), None), (key(2), None)], "t")
    for where in ("昆明", "曲靖"):
        record_inspection(engine, where, dt.date(2026, 5, 6), "省督导组",
                          [Finding("台账不符", "更正", dt.date(2026, 12, 31))], "t")  # fmt: skip
    record_plan(
        engine, credit_code(1), 100, {"transferred": 100}, dt.date(2021, 5, 1), "已完成", "t"
    )
    record_plan(engine, credit_code(3), 50, {"retired": 50}, dt.date(2021, 5, 1), "已完成", "t")
    record_site(engine, key(1), 85, "出让", "转产", dt.date(2022, 3, 1), "t")
    record_site(engine, key(3), 40, "划拨", "收回", dt.date(2022, 3, 1), "t")
    monkeypatch.setenv("EXITMAP_TODAY", "2026-10-20")
    add_accounts(engine)
    with serve(create_app(engine=engine)) as base:
        yield base, engine


COLUMN = {
    "targets": "prefecture_adcode",
    "replacement": "prefecture_adcode",
    "inspections": "prefecture_adcode",
    "resettlement": "prefecture_adcode",
    "land": "prefecture_adcode",
}


def test_each_duty_list_is_scoped_audited_and_safe(site):
    base, engine = site
    tokens = {role: users.new_token(engine, name) for role, (name, _) in ACCOUNTS.items()}

    def get(path, role, **params):
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        resp = requests.get(base + path, params=params, headers=headers, timeout=60)
        assert resp.status_code == 200, resp.text
        return resp

    office = {what: get(f"/api/v1/{what}", "leader").json()[what] for what in COLUMN}
    assert {what: len(rows) for what, rows in office.items()} == {
        "targets": 2,
        "replacement": 1,
        "inspections": 2,
        "resettlement": 2,
        "land": 2,
    }
    for what, column in COLUMN.items():
        mine = get(f"/api/v1/{what}", "prefecture").json()[what]
        assert mine and {r[column] for r in mine} == {KUNMING}, what
    # The exits were in 2021: nothing yet towards 2026's targets.
    assert [(r["prefecture_adcode"], r["pct"]) for r in office["targets"]] == [
        (KUNMING, 0.0),
        (QUJING, 0.0),
    ]
    text = get("/api/v1/resettlement", "leader", format="csv").text
    names = [r["enterprise_name"] for r in csv.DictReader(io.StringIO(text))]
    assert '\'=HYPERLINK("http://x")钢铁' in names  # written as text, never a formula
    answered = audit.entries(engine, user="t_kunming", actions=["api"])
    assert {f"/api/v1/{w}" for w in COLUMN} <= set(answered["target"])
    spec = get("/api/v1/openapi.json", "leader").json()
    assert {f"/api/v1/{w}" for w in COLUMN} <= set(spec["paths"])
