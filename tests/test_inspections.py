"""督导检查 (issue #16): the office's visits, their findings and deadlines, closed when done;
states on fixed dates, the refusals, the command line with its audit line, the scope, and the
prefecture page's list of open findings."""

from __future__ import annotations

import datetime as dt
import json

import psycopg
import pytest
from click.testing import CliRunner

from etl.decisions import DecisionError
from etl.inspections import Finding, close_finding, record_inspection
from etl.load import load
from etl.pipeline import prepare
from exitmap.cli import main
from exitmap.scope import EVERYTHING
from layers.inspections import findings
from tests.helpers.registers import credit_code, unit_row, write_csv

D = dt.date
KUNMING, QUJING = 530100, 530300
KEY = f"{credit_code(1)}/1#"


@pytest.fixture
def visited(engine, tmp_path):
    """Kunming's blast furnace 1; a Qujing unit; one visit to Kunming on 2025-03-10 with two
    findings: the furnace (deadline 2025-06-30) and a paperwork one (deadline 2025-04-30)."""
    qujing = unit_row(2, prefecture="曲靖市", county="麒麟区", 详细地址="云南省曲靖市麒麟区")
    qujing |= {"经度": "103.7976", "纬度": "25.4966", "统一社会信用代码": credit_code(2, 530302)}
    load(engine, prepare([write_csv(tmp_path / "r.csv", [unit_row(1), qujing])]), D(2025, 1, 1))
    record_inspection(
        engine,
        "昆明",
        D(2025, 3, 10),
        "省督导组第一组",
        [
            Finding("高炉未按期拆除", "6月底前拆除主体设备", D(2025, 6, 30), KEY),
            Finding("台账未按季度报送", "补报并建立制度", D(2025, 4, 30)),
        ],
        "t",
    )
    return engine


def states(engine, on: dt.date, scope=EVERYTHING) -> list:
    frame = findings(engine, on, scope)
    return [(r["finding"][:4], r["state"], r["days_late"]) for r in frame.to_dict("records")]


def test_findings_are_open_then_overdue_then_closed_on_their_dates(visited):
    assert states(visited, D(2025, 3, 9)) == []  # before the visit
    assert states(visited, D(2025, 4, 30)) == [
        ("台账未按", "open", None),
        ("高炉未按", "open", None),
    ]
    assert states(visited, D(2025, 5, 10)) == [
        ("台账未按", "overdue", 10),
        ("高炉未按", "open", None),
    ]
    paper = int(findings(visited, D(2025, 5, 10)).iloc[0]["id"])
    close_finding(visited, paper, D(2025, 5, 20), "t", "已补报")
    assert states(visited, D(2025, 5, 19))[0] == ("台账未按", "overdue", 19)  # not yet closed
    assert states(visited, D(2025, 7, 2)) == [
        ("高炉未按", "overdue", 2),
        ("台账未按", "closed", None),
    ]
    row = findings(visited, D(2025, 7, 2)).iloc[0]
    assert row["unit_key"] == KEY and row["team"] == "省督导组第一组"


def test_bad_findings_and_closings_are_refused_and_nothing_is_half_written(visited):
    late = Finding("x", "y", D(2025, 1, 1))
    with pytest.raises(DecisionError, match="第1条问题：整改期限 2025-01-01 早于检查日期"):
        record_inspection(visited, "昆明", D(2025, 3, 1), "组", [late], "t")
    other = Finding("x", "y", D(2025, 9, 1), f"{credit_code(2, 530302)}/1#")
    ok = Finding("a", "b", D(2025, 9, 1))
    with pytest.raises(DecisionError, match=r"第2条问题：装备.*不在昆明市"):
        record_inspection(visited, "昆明", D(2025, 8, 1), "组", [ok, other], "t")
    assert len(findings(visited, D(2026, 1, 1))) == 2  # neither visit went in
    first = int(findings(visited, D(2025, 4, 1)).iloc[0]["id"])
    with pytest.raises(DecisionError, match="早于检查日期"):
        close_finding(visited, first, D(2025, 3, 1), "t")
    close_finding(visited, first, D(2025, 4, 1), "t")
    with pytest.raises(DecisionError, match="已于 2025-04-01 销号"):
        close_finding(visited, first, D(2025, 4, 2), "t")


def test_the_command_line_records_closes_and_lists_with_audit_lines(visited):
    from access import audit

    env = {"DATABASE_URL": visited.url.render_as_string(hide_password=False)}
    add = ["inspections", "add", "曲靖", "--date", "2025-05-01", "--team", "第二组"]
    add += ["--finding", "除尘设施未运行|立即整改|2025-05-31"]
    res = CliRunner().invoke(main, add, env=env)
    assert res.exit_code == 0 and "发现问题 1 条" in res.output, res.output
    listed = CliRunner().invoke(
        main,
        ["inspections", "list", "--as-of", "2025-06-01", "--open", "--format", "json"],
        env=env,
    )
    rows = json.loads(listed.output)
    assert {(r["prefecture_adcode"], r["state"]) for r in rows} == {
        (QUJING, "overdue"),
        (KUNMING, "overdue"),
        (KUNMING, "open"),
    }
    qujing_id = next(r["id"] for r in rows if r["prefecture_adcode"] == QUJING)
    closed = CliRunner().invoke(
        main, ["inspections", "close", str(qujing_id), "--date", "2025-06-01"], env=env
    )
    assert closed.exit_code == 0, closed.output
    bad = CliRunner().invoke(main, [*add[:-1], "没有期限|x"], env=env)
    assert bad.exit_code == 1 and "错误：--finding" in bad.output
    kinds = [json.loads(p)["kind"] for p in audit.entries(visited, actions=["decision"])["params"]]
    assert kinds[:2] == ["inspection-close", "inspection"]  # newest first


def test_the_app_role_reads_only_its_scope(visited):
    from exitmap.db import app_database_url

    url = app_database_url(visited.url.render_as_string(hide_password=False))
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        for scope, expected in ((str(KUNMING), 2), (str(QUJING), 0), ("*", 2)):
            with conn.transaction():
                conn.execute("SELECT set_config('exitmap.prefectures', %s, true)", (scope,))
                n = conn.execute("SELECT count(*) FROM inspection_finding").fetchone()[0]
            assert n == expected, scope


def test_the_prefecture_page_lists_the_open_findings(decided_demo_engine, monkeypatch):
    from app.main import create_app
    from tests.helpers.accounts import client_as
    from tests.helpers.demo import DEMO_TODAY

    monkeypatch.setenv("EXITMAP_TODAY", DEMO_TODAY.isoformat())
    record_inspection(
        decided_demo_engine,
        KUNMING,
        D(2026, 5, 6),
        "省督导组",
        [Finding("在线监测数据缺失", "接入监测平台", D(2026, 6, 1))],
        "t",
    )
    app = create_app(engine=decided_demo_engine)
    for role in ("prefecture", "province"):
        client = client_as(app, decided_demo_engine, role)
        page = client.get("/_dash-layout", headers={"Referer": f"http://x/prefecture/{KUNMING}"})
        text = json.dumps(page.get_json(), ensure_ascii=False)
        assert "在线监测数据缺失" in text, role
        assert "职工安置" in text and "已退出但无安置方案的企业" in text
        assert "pf-inspections" in text and '"29"' in text  # 29 days past 2026-06-01
        other = client.get("/_dash-layout", headers={"Referer": f"http://x/prefecture/{QUJING}"})
        assert "在线监测数据缺失" not in json.dumps(other.get_json(), ensure_ascii=False)
