"""目标任务 (issue #16): annual targets per prefecture against the exits of the year, on fixed
dates; the 区域限批 target trigger (off by default) fires on a hand-built scenario once the due
date has passed and not before; two people set a line; a file is all or nothing, every bad row
named. Hand-built register, figures by hand."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from approvals import drafts
from etl.decisions import DecisionError
from etl.load import load
from etl.pipeline import prepare
from etl.targets import TargetFileError, TargetLine, read_targets, set_target
from exitmap.cli import main
from exitmap.policy import default_policy
from exitmap.policy.rules import POLICY_DIR, PolicyError, load_policy
from exitmap.scope import EVERYTHING, Scope
from layers.freeze import freeze_list
from layers.standing import standing
from layers.targets import lines
from tests.helpers.accounts import add_accounts
from tests.helpers.registers import credit_code, unit_row, write_csv

D = dt.date
KUNMING, QUJING = 530100, 530300
GONE = {"当前状态": "已拆除", "退出方式": "拆除"}


def key(serial: int) -> str:
    return f"{credit_code(serial)}/1#"


@pytest.fixture
def kunming(engine, tmp_path):
    """Kunming, all 限制类 (deadline 2025-12-31, never a freeze by itself): 炼铁 1 exited
    2025-03-31 (50,000 tce), 2 exited 2025-09-30 (30,000), 3 working, 4 exited 2024-11-30
    (20,000, the year before); 水泥熟料 5 exited 2025-05-31 (40,000)."""
    xz = {"退出类别": "限制类", "计划退出日期": "2025-12-31"}
    rows = [
        unit_row(1, 实际退出日期="2025-03-31", **xz, **GONE),
        unit_row(2, 实际退出日期="2025-09-30", energy="30000", **xz, **GONE),
        unit_row(3, **xz),
        unit_row(4, 实际退出日期="2024-11-30", energy="20000", **xz, **GONE),
        unit_row(
            5,
            行业="建材",
            细分行业="水泥熟料",
            装备名称="水泥熟料生产线",
            规格型号="2000t/d",
            实际退出日期="2025-05-31",
            energy="40000",
            **xz,
            **GONE,
        ),
    ]
    load(engine, prepare([write_csv(tmp_path / "r.csv", rows)]), D(2025, 12, 31))
    return engine


def _set(engine, prefecture, line: TargetLine) -> int:
    with engine.begin() as conn:
        return set_target(conn, prefecture, line, "drafter", "approver")


# 2025: four 限制类 炼铁 units out, and 100,000 tce released whatever the kind.
FURNACES = TargetLine(2025, units=4, category="限制类", sub_industry="炼铁")
ENERGY = TargetLine(2025, tce=100_000)


def test_progress_by_line_and_prefecture_on_fixed_dates(kunming):
    _set(kunming, "昆明", FURNACES)
    _set(kunming, "昆明", ENERGY)
    mid = lines(kunming, D(2025, 6, 30))  # all categories first, then by category
    # By 30 June: furnace 1 (not 4: it left in 2024); 1 + 5 = 90,000 tce.
    assert mid["units_done"].tolist() == [2, 1]
    assert mid["pct"].tolist() == [90.0, 25.0]
    assert mid["tce_done"].tolist() == [90_000.0, 50_000.0]
    assert not mid["missed"].any()
    end = lines(kunming, D(2025, 12, 31))
    assert end["units_done"].tolist() == [3, 2]  # + furnace 2
    assert end["pct"].tolist() == [100.0, 50.0]  # 120,000 tce: capped at 100 %
    assert not end["missed"].any()  # due today: not yet missed
    after = lines(kunming, D(2026, 1, 10), years=(2025, 2025))
    assert after["missed"].tolist() == [False, True]

    mid_table = standing(kunming, D(2025, 6, 30)).set_index("adcode")
    assert mid_table.loc[KUNMING, "target_completion_pct"] == 57.5  # (25 + 90) / 2
    assert mid_table["target_completion_pct"].isna().sum() == 15  # no one else has targets
    assert mid_table.loc[530000, "target_completion_pct"] == 57.5
    assert (
        standing(kunming, D(2025, 12, 31)).set_index("adcode").loc[KUNMING, "target_completion_pct"]
        == 75.0
    )
    # In 2026 the view's year has no targets.
    assert pd_isna(
        standing(kunming, D(2026, 1, 10)).set_index("adcode").loc[KUNMING, "target_completion_pct"]
    )


def pd_isna(value) -> bool:
    return value is None or value != value


def test_named_units_and_a_replaced_line_kept(kunming):
    first = _set(kunming, "昆明", TargetLine(2025, unit_keys=(key(2), key(3))))
    row = lines(kunming, D(2025, 12, 31)).iloc[0]
    assert (row["named"], row["named_done"], row["pct"]) == (2, 1, 50.0)
    # Set again (the same year, category and sub-industry): replaced, the old line kept.
    second = _set(kunming, "昆明", TargetLine(2025, unit_keys=(key(2),), document_no="云工信2号"))
    now = lines(kunming, D(2025, 12, 31))
    assert now["id"].tolist() == [second]
    assert now["pct"].tolist() == [100.0]
    with kunming.connect() as conn:
        kept = conn.execute(
            sa.text("SELECT replaced_at IS NOT NULL FROM annual_target WHERE id = :i"),
            {"i": first},
        ).scalar_one()
    assert kept is True
    with pytest.raises(DecisionError, match="指定装备不在昆明市的登记表中：X/9#"):
        _set(kunming, "昆明", TargetLine(2025, unit_keys=("X/9#",)))
    with pytest.raises(DecisionError, match="不能审批自己起草"), kunming.begin() as conn:
        set_target(conn, "昆明", ENERGY, "same", "same")


def _switched_on(tmp_path):
    shutil.copytree(POLICY_DIR, tmp_path / "policy")
    rule = tmp_path / "policy" / "freeze.toml"
    text = rule.read_text(encoding="utf-8")
    rule.write_text(text.replace("enabled = false", "enabled = true"), encoding="utf-8")
    return load_policy(tmp_path / "policy")


def test_the_target_trigger_fires_after_the_due_date_only_when_on(kunming, tmp_path):
    _set(kunming, "昆明", FURNACES)  # 50 % at the year's end: missed
    _set(kunming, "曲靖", ENERGY)  # nothing exited in 曲靖: missed too, at 0 %
    assert default_policy().freeze.target.enabled is False
    policy = _switched_on(tmp_path)
    on_due = freeze_list(kunming, D(2025, 12, 31), policy=policy).set_index("adcode")
    assert not on_due.loc[KUNMING, "triggered"]  # the due date itself: not yet
    after = freeze_list(kunming, D(2026, 1, 1), policy=policy).set_index("adcode")
    assert after.loc[KUNMING, "triggered"]
    assert after.loc[KUNMING, "trigger_reasons"] == "未完成2025年度目标任务（完成率50.0%）"
    assert after.loc[QUJING, "trigger_reasons"] == "未完成2025年度目标任务（完成率0.0%）"
    assert after["triggered"].sum() == 2
    table = standing(kunming, D(2026, 1, 1), policy=policy).set_index("adcode")
    assert table.loc[KUNMING, ["freeze_triggered", "freeze_reasons"]].tolist() == [
        True,
        "未完成2025年度目标任务（完成率50.0%）",
    ]
    # Off (the default): the same day triggers no one.
    assert not freeze_list(kunming, D(2026, 1, 1))["triggered"].any()
    # A missed year counts for counts_for_days (365) after its due date, then no more.
    assert (
        freeze_list(kunming, D(2026, 12, 31), policy=policy)
        .set_index("adcode")
        .loc[KUNMING, "triggered"]
    )
    assert not freeze_list(kunming, D(2027, 1, 1), policy=policy)["triggered"].any()


def test_the_trigger_switch_is_checked(tmp_path):
    shutil.copytree(POLICY_DIR, tmp_path / "policy")
    rule = tmp_path / "policy" / "freeze.toml"
    text = rule.read_text(encoding="utf-8")
    rule.write_text(text.replace("counts_for_days = 365", "counts_for_days = 0"), "utf-8")
    with pytest.raises(PolicyError, match=r"target_trigger.*counts_for_days 至少为 1"):
        load_policy(tmp_path / "policy")
    rule.write_text(text.replace("enabled = false", 'enabled = "yes"'), "utf-8")
    with pytest.raises(PolicyError, match="enabled"):
        load_policy(tmp_path / "policy")


def test_two_people_set_a_line_and_the_drafter_cannot_approve(kunming):
    add_accounts(kunming)
    office = Scope.everything("t_province")
    other = Scope.everything("t_office2")
    draft_id = drafts.draft(kunming, office, "annual_target", "昆明", FURNACES.params())
    view = drafts.engine_view(kunming, drafts.get(kunming, office, draft_id), D(2025, 6, 30))
    assert view.startswith("2025年度 限制类 炼铁：退出 4 台（套），期限 2025-12-31")
    assert "尚无该年度目标" in view
    with pytest.raises(drafts.DraftRefused, match="不能审批自己起草"):
        drafts.approve(kunming, office, draft_id)
    target_id = drafts.approve(kunming, other, draft_id)
    row = lines(kunming, D(2025, 12, 31)).set_index("id").loc[target_id]
    assert (row["drafted_by"], row["approved_by"], row["pct"]) == ("t_province", "t_office2", 50.0)
    with pytest.raises(drafts.DraftRefused, match="目标装备数应大于 0"):
        drafts.draft(kunming, office, "annual_target", "昆明", {"year": 2025, "units": 0})
    with kunming.connect() as conn:
        audited = conn.execute(
            sa.text("SELECT count(*) FROM audit_log WHERE target = :t AND action = 'decision'"),
            {"t": f"decision_draft/{draft_id}"},
        ).scalar_one()
    assert audited == 2  # drafted, approved


def test_a_scoped_reader_sees_its_own_lines_only(kunming):
    _set(kunming, "昆明", FURNACES)
    _set(kunming, "曲靖", ENERGY)
    assert lines(kunming, D(2025, 12, 31), EVERYTHING.narrow(QUJING))[
        "prefecture_adcode"
    ].tolist() == [QUJING]


TARGET_FILE = (
    "州（市）,年度,退出类别,细分行业,目标装备数,目标能耗（吨标准煤）,完成期限,指定装备,文号\n"
    "昆明,2025,限制类,炼铁,4,,,,\n"
    "曲靖,2025,,,,100000,2025-11-30,,云工信〔2025〕3号\n"
)


def test_a_target_file_is_all_or_nothing_and_names_each_bad_row(kunming, tmp_path):
    add_accounts(kunming)
    good = tmp_path / "targets.csv"
    good.write_text(TARGET_FILE, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        TARGET_FILE
        + "昆明,二〇二五,,,,,,,\n"  # row 4: the year
        + "昆明,2025,乱写,,0,,2026-01-31,,\n"  # row 5: category, units, due
        + "昆明,2025,限制类,炼铁,2,,,,\n",  # row 6: the same line as row 2
        encoding="utf-8",
    )
    with pytest.raises(TargetFileError) as err:
        read_targets(bad)
    assert [(r, c) for r, c, _ in err.value.problems] == [
        (4, "年度"),
        (5, "目标装备数"),
        (5, "退出类别"),
        (5, "完成期限"),
        (6, "年度"),
    ]
    assert "bad.csv 第5行「完成期限」列：完成期限 2026-01-31 不在 2025 年度内" in str(err.value)

    runner = CliRunner()
    env = {"DATABASE_URL": kunming.url.render_as_string(hide_password=False)}
    res = runner.invoke(main, ["targets", "load", str(bad), "--approved-by", "t_province"], env=env)
    assert res.exit_code == 1 and "5 处错误，整个文件未写入" in res.output
    assert lines(kunming, D(2025, 12, 31)).empty  # nothing half loaded
    res = runner.invoke(
        main, ["targets", "load", str(good), "--approved-by", "t_province"], env=env
    )
    assert res.exit_code == 0, res.output
    assert "已下达 2 项目标任务" in res.output
    res = runner.invoke(
        main, ["targets", "list", "--as-of", "2025-12-31", "--format", "csv"], env=env
    )
    assert res.exit_code == 0, res.output
    rows = res.output.splitlines()
    assert rows[1:] == [
        "530100,昆明市,2025,限制类,炼铁,4,2,,80000.0,0,0,2025-12-31,50.0,False",
        "530300,曲靖市,2025,,,,0,100000.0,0.0,0,0,2025-11-30,0.0,True",
    ]
    res = runner.invoke(
        main,
        ["targets", "set", "昆明", "2026", "--tce", "5000", "--approved-by", "t_province"],
        env=env,
    )
    assert res.exit_code == 0, res.output
    assert "2026年度 全部类别：5,000 吨标准煤，期限 2026-12-31" in res.output


def test_the_annual_report_gives_the_years_targets(kunming):
    from exports.office import pct
    from exports.report import annual

    _set(kunming, "昆明", FURNACES)
    _set(kunming, "昆明", ENERGY)
    _set(kunming, "曲靖", TargetLine(2025, tce=1000, due=D(2025, 6, 30)))  # nothing done: missed
    report = annual(kunming, 2025)
    heading, text, (table,) = report.sections[7]
    assert heading == "八、年度目标任务完成情况"
    assert table.rows == [["昆明市", 2, 1, 0, pct(75.0)], ["曲靖市", 1, 0, 1, pct(0.0)]]
    assert text == [
        "全省2个州（市）下达2025年度目标任务3项，截至2025年12月31日完成1项，逾期未完成1项。"
    ]
