"""Per-unit evaluation with reasons, and `exitmap explain`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from exitmap.cli import main
from layers.units import COLUMNS, evaluate, explain, history
from tests.helpers.policy_scenarios import QUJING, D, Scenario, UnitSpec, ev, standard_scenario


@pytest.fixture
def scenario_engine(engine):
    standard_scenario(engine)
    return engine


def _unit(engine, key, on):
    frame = evaluate(engine, on, unit_key=key)
    assert list(frame.columns) == COLUMNS
    return frame.iloc[0]


def test_energy_deadline_with_extension(scenario_engine):
    before = _unit(scenario_engine, "Q1", D(2022, 1, 31))
    assert before["deadline"] == D(2022, 2, 28)
    assert before["deadline_basis"] == "问题认定日期 2021-08-31 + 6个月 = 2022-02-28"
    after = _unit(scenario_engine, "Q1", D(2022, 6, 30))
    assert (after["status"], after["deadline"], after["extended"]) == (
        "延期整改",
        D(2022, 5, 31),
        True,
    )
    assert after["deadline_basis"].endswith("已延期整改，+ 3个月 = 2022-05-31")
    assert (after["overdue"], after["days_late"], after["freeze_trigger"]) == (True, 30, True)
    assert after["surcharge_id"] == "cement-2016-tiered"
    assert after["surcharge_yuan"] == pytest.approx(300_000)


def test_explicit_rectify_deadlines_for_energy(engine):
    s = Scenario(engine)
    base = dict(
        sub_industry="水泥熟料", equipment_name="熟料生产线", identified_date=D(2021, 8, 31)
    )
    s.add(
        UnitSpec(
            "E1",
            QUJING,
            "能耗不达标",
            [ev(D(2021, 9, 1), "整改中", rectify_deadline=D(2022, 4, 15))],
            **base,
        ),
        UnitSpec(
            "E2",
            QUJING,
            "能耗不达标",
            [ev(D(2021, 9, 1), "整改中", rectify_deadline=D(2022, 8, 1))],
            **base,
        ),
        UnitSpec(
            "E3",
            QUJING,
            "能耗不达标",
            [ev(D(2021, 9, 1), "整改中")],
            identified_precision="month",
            **base,
        ),
    )
    rows = evaluate(engine, D(2022, 7, 1)).set_index("unit_key")
    # Within the extension window: that date. Beyond 认定 + 9 months: capped and flagged.
    assert rows.loc["E1", "deadline"] == D(2022, 4, 15)
    assert rows.loc["E2", "deadline"] == D(2022, 5, 31)
    assert "超出政策允许的最长期限 2022-05-31" in rows.loc["E2", "flags"]
    assert rows.loc["E2", "days_late"] == 31
    # 认定 "2021-08" (month precision) → 2022-02 end.
    assert rows.loc["E3", "deadline"] == D(2022, 2, 28)
    assert "按月，取月末" in rows.loc["E3", "deadline_basis"]


def test_safety_unit_operating_is_flagged(scenario_engine):
    q3 = _unit(scenario_engine, "Q3", D(2022, 1, 15))
    assert q3["status"] == "在产"
    assert "安全不达标应立即停产整顿" in q3["flags"]
    assert not q3["overdue"]
    assert "立即停产" not in _unit(scenario_engine, "Q3", D(2022, 2, 15))["flags"]


def test_month_precision_exit_and_catalog_disagreement(scenario_engine):
    y1 = _unit(scenario_engine, "Y1", D(2021, 12, 15))
    assert (y1["status"], y1["resolved"], str(y1["exit_date"])) == ("已关停", False, "2021-12-31")
    assert "实际退出日期 2021-12-31 晚于 2021-12-15" in y1["flags"]
    assert _unit(scenario_engine, "Y1", D(2022, 1, 1))["resolution"] == "退出"

    k3 = _unit(scenario_engine, "K3", D(2022, 1, 1))
    assert (k3["suggested_category"], k3["category_disagrees"]) == ("限制类", False)
    h1 = _unit(scenario_engine, "H1", D(2022, 1, 1))
    assert (h1["suggested_category"], h1["catalog_edition"]) == ("淘汰类", "2019")


def test_filters_and_existence(scenario_engine):
    on = D(2022, 6, 30)
    assert sorted(evaluate(scenario_engine, on, overdue_only=True)["unit_key"]) == [
        "H1",
        "H2",
        "Q1",
        "Q2",
    ]
    assert sorted(evaluate(scenario_engine, on, category="淘汰类")["unit_key"]) == [
        "H1",
        "K1",
        "K2",
        "Y1",
    ]
    assert evaluate(scenario_engine, on, unit_key="K4").empty  # appears in 2023
    assert list(history(scenario_engine, "Q2")["status"]) == ["整改中", "停产", "在产"]


def test_explain_text(scenario_engine):
    text = explain(scenario_engine, "H1", D(2022, 6, 30))
    assert "退出类别：淘汰类" in text
    assert "期限：2021-12-31" in text
    assert "结论：未完成，已逾期 181 天，计入区域限批触发。" in text
    assert "2021-12-20 已关停" in text and "2022-04-01 在产" in text
    assert "3,000 万千瓦时" not in text  # numbers shown as given
    assert "年用电量 3000 万千瓦时 × 0.05 元/千瓦时 = 1,500,000.00 元" in text
    assert explain(scenario_engine, "NOPE", D(2022, 6, 30)) is None
    early = explain(scenario_engine, "K4", D(2022, 6, 30))
    assert "尚无该装备的登记记录（最早记录日期：2023-05-01）" in early


def test_cli_explain(scenario_engine):
    env = {"DATABASE_URL": scenario_engine.url.render_as_string(hide_password=False)}
    res = CliRunner().invoke(main, ["explain", "K2", "--as-of", "2022-03-15"], env=env)
    assert res.exit_code == 0, res.output
    assert "结论：已退出（退出日期 2022-03-10），已完成。" in res.output
    res = CliRunner().invoke(main, ["explain", "NOPE"], env=env)
    assert res.exit_code == 1 and "错误：找不到装备「NOPE」" in res.output
