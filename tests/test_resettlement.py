"""职工安置 (issue #16): exiting firms' plans, by channel; the firms whose units exited with no
plan; the sums on fixed dates; refusals; the command line and its audit line; the scope; the
prefecture page's card."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from etl.decisions import DecisionError
from etl.load import load
from etl.pipeline import prepare
from etl.resettlement import record_plan
from exitmap.cli import main
from exitmap.scope import EVERYTHING
from layers.resettlement import plans, summary, without_plan
from tests.helpers.registers import credit_code, unit_row, write_csv

D = dt.date
KUNMING, QUJING = 530100, 530300
GONE = {"当前状态": "已拆除", "退出方式": "拆除"}


@pytest.fixture
def firms(engine, tmp_path):
    """Firm 1 exited 2021-06-30 (120 workers), firm 2 exited 2023-03-31, firm 3 still works."""
    rows = [
        unit_row(1, 实际退出日期="2021-06-30", **GONE),
        unit_row(2, 实际退出日期="2023-03-31", **GONE),
        unit_row(3),
    ]
    load(engine, prepare([write_csv(tmp_path / "r.csv", rows)]), D(2023, 6, 30))
    return engine


def test_plans_and_firms_without_one_on_fixed_dates(firms):
    assert summary(firms, D(2021, 12, 31)) == {
        "workers": 0,
        "resettled": 0,
        "firms_without_plan": 1,  # firm 1 exited, no plan yet
    }
    channels = {"transferred": 60, "retired": 30, "insured": 20}
    record_plan(firms, credit_code(1), 120, channels, D(2022, 3, 1), "实施中", "t", 350.0)
    assert summary(firms, D(2022, 2, 28))["firms_without_plan"] == 1  # plan dated later
    assert summary(firms, D(2022, 3, 1)) == {
        "workers": 120,
        "resettled": 110,
        "firms_without_plan": 0,
    }
    missing = without_plan(firms, D(2023, 6, 30))
    assert missing["credit_code"].tolist() == [credit_code(2)]
    assert missing["exited_units"].tolist() == [1]
    # Recorded again: the plan as it now stands replaces it.
    record_plan(firms, credit_code(1), 120, channels | {"other": 10}, D(2022, 9, 1), "已完成", "t")
    row = plans(firms, D(2023, 1, 1)).iloc[0]
    assert (row["resettled"], row["status"], len(plans(firms, D(2023, 1, 1)))) == (120, "已完成", 1)


def test_bad_plans_are_refused_with_the_figures(firms):
    with pytest.raises(DecisionError, match=r"合计 130.*超过涉及职工 120"):
        record_plan(
            firms,
            credit_code(1),
            120,
            {"transferred": 100, "other": 30},
            D(2022, 1, 1),
            "实施中",
            "t",
        )
    with pytest.raises(DecisionError, match="方案状态应为"):
        record_plan(firms, credit_code(1), 10, {}, D(2022, 1, 1), "差不多", "t")
    with pytest.raises(DecisionError, match="找不到企业"):
        record_plan(firms, "没有这家公司", 10, {}, D(2022, 1, 1), "实施中", "t")
    assert plans(firms, D(2030, 1, 1)).empty


def test_the_command_line_records_and_lists_with_an_audit_line(firms):
    from access import audit

    env = {"DATABASE_URL": firms.url.render_as_string(hide_password=False)}
    add = ["resettlement", "add", credit_code(2), "--workers", "80", "--reemployed", "50"]
    add += ["--retired", "30", "--plan-date", "2023-04-15", "--status", "已批复", "--funds", "200"]
    res = CliRunner().invoke(main, add, env=env)
    assert res.exit_code == 0, res.output
    out = CliRunner().invoke(
        main, ["resettlement", "list", "--as-of", "2023-06-30", "--format", "json"], env=env
    )
    assert [(r["workers"], r["resettled"]) for r in json.loads(out.output)] == [(80, 80)]
    missing = CliRunner().invoke(
        main,
        ["resettlement", "list", "--missing", "--as-of", "2023-06-30", "--format", "json"],
        env=env,
    )
    assert [r["credit_code"] for r in json.loads(missing.output)] == [credit_code(1)]
    params = json.loads(audit.entries(firms, actions=["decision"]).iloc[0]["params"])
    assert params["kind"] == "resettlement" and params["reemployed"] == 50
    assert plans(firms, D(2023, 6, 30), EVERYTHING.narrow(QUJING)).empty  # another prefecture


def test_the_annual_report_sums_the_plans(firms):
    from exports.report import annual

    record_plan(firms, credit_code(1), 120, {"transferred": 60, "retired": 30}, D(2022, 3, 1),
                "实施中", "t", 350.0)  # fmt: skip
    heading, text, (table,) = annual(firms, 2023).sections[8]
    assert heading == "九、职工安置"
    # Firm 1's plan; firm 2 exited in 2023 with none.
    assert table.rows == [["昆明市", 1, 120, 90, 350.0], ["全省", 1, 120, 90, 350.0]]
    assert text == [
        "已登记职工安置方案1个，涉及职工120人，已安置90人。",
        "有装备已退出但尚无安置方案的企业1家。",
    ]
