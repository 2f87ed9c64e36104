"""Quota ledger and allocations (never below zero), freeze decisions against the rule, CLI."""

from __future__ import annotations

import re
import shutil
import threading

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from app.i18n import layer_words
from etl.decisions import DecisionError, allocate, allocate_file, decide_freeze, lift_freeze
from exitmap.cli import main
from exitmap.policy import load_policy
from exitmap.policy.rules import POLICY_DIR
from exitmap.policy.texts import say
from exitmap.scope import EVERYTHING
from layers.freeze import decisions, freeze_list
from layers.quota import balance, ledger
from layers.standing import standing
from tests.helpers.accounts import add_accounts
from tests.helpers.policy_scenarios import HONGHE, KUNMING, QUJING, D, standard_scenario


@pytest.fixture
def scenario_engine(engine):
    standard_scenario(engine)
    return engine


def _url(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_allocations_never_overdraw(scenario_engine):
    eng = scenario_engine
    # 昆明 releases 1000 on 2021-11-15 (K1) and 2000 on 2022-03-10 (K2).
    allocate(eng, "昆明", 800, "新材料项目", D(2022, 1, 15))
    assert balance(eng, KUNMING, D(2022, 1, 15)) == 200
    with pytest.raises(DecisionError, match=r"2022-01-20 可分配的能耗指标余额为 200.00 吨标准煤"):
        allocate(eng, "530100", 300, "超额项目", D(2022, 1, 20))
    allocate(eng, "昆明市", 2000, "园区项目", D(2022, 4, 1), document="昆发改〔2022〕9号")
    # 500 on 02-01 fits that day's balance of 200? No — and 200 would still leave 04-01 at 0.
    with pytest.raises(DecisionError, match=r"余额为 200.00"):
        allocate(eng, KUNMING, 500, "插队项目", D(2022, 2, 1))
    allocate(eng, KUNMING, 200, "小项目", D(2022, 2, 1))
    assert balance(eng, KUNMING, D(2022, 4, 30)) == 0
    with pytest.raises(DecisionError, match=r"余额为 0.00"):
        allocate(eng, KUNMING, 1, "再多一点", D(2022, 4, 30))

    frame = ledger(eng, D(2022, 4, 30), EVERYTHING.narrow(KUNMING))
    assert frame[["entry_date", "kind", "amount_tce", "item", "balance_tce"]].values.tolist() == [
        [D(2021, 11, 15), "release", 1000.0, "K1", 1000.0],
        [D(2022, 1, 15), "allocation", -800.0, "新材料项目", 200.0],
        [D(2022, 2, 1), "allocation", -200.0, "小项目", 0.0],
        [D(2022, 3, 10), "release", 2000.0, "K2", 2000.0],
        [D(2022, 4, 1), "allocation", -2000.0, "园区项目", 0.0],
    ]
    row = standing(eng, D(2022, 4, 30)).set_index("adcode").loc[KUNMING]
    assert row[["quota_released_tce", "quota_allocated_tce", "quota_balance_tce"]].tolist() == [
        3000,
        3000,
        0,
    ]


def test_reversal_withdraws_released_quota(scenario_engine):
    # H1 closed 2021-12-20 and reopened 2022-04-01: released 4000, then nothing.
    assert balance(scenario_engine, HONGHE, D(2022, 3, 31)) == 4000
    assert balance(scenario_engine, HONGHE, D(2022, 4, 1)) == 0
    assert ledger(scenario_engine, D(2022, 6, 30), EVERYTHING.narrow(HONGHE)).empty


def test_bad_input_refused(scenario_engine):
    with pytest.raises(DecisionError, match=r"找不到州（市）「火星」"):
        allocate(scenario_engine, "火星", 1, "x", D(2022, 1, 15))
    with pytest.raises(DecisionError, match=r"分配量应大于 0"):
        allocate(scenario_engine, "红河", 0, "x", D(2022, 1, 15))


def test_concurrent_allocations_cannot_both_take_the_balance(scenario_engine):
    outcomes = []

    def take():
        try:
            allocate(scenario_engine, "红河州", 4000, "抢额度", D(2022, 1, 15))
            outcomes.append("ok")
        except DecisionError:
            outcomes.append("refused")

    threads = [threading.Thread(target=take) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert balance(scenario_engine, HONGHE, D(2022, 1, 15)) == 0


def test_allocate_file_all_or_nothing(scenario_engine, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(
        "prefecture,tce,project,date,document\n"
        "红河,1500,甲项目,2022-01-15,红政〔2022〕1号\n"
        "玉溪市,900,乙项目,2022-02-01,\n",
        encoding="utf-8-sig",
    )
    assert len(allocate_file(scenario_engine, good)) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "prefecture,tce,project,date\n红河,1000,丙项目,2022-01-20\n红河,2000,丁项目,2022-01-20\n",
        encoding="gbk",
    )
    with pytest.raises(DecisionError, match=r"第3行：.*余额为 1500.00.*整个文件未写入"):
        allocate_file(scenario_engine, bad)
    assert balance(scenario_engine, HONGHE, D(2022, 1, 20)) == 2500  # the 1000 was rolled back


def test_freeze_rule_and_decisions_side_by_side(scenario_engine):
    eng = scenario_engine
    decide_freeze(eng, "红河", "云政发〔2022〕1号", D(2022, 5, 1), reason="淘汰类未按期完成")
    decide_freeze(eng, "昆明", "云政发〔2022〕2号", D(2022, 5, 1))
    with pytest.raises(DecisionError, match=r"已有生效的限批决定（云政发〔2022〕2号）"):
        decide_freeze(eng, "昆明", "重复", D(2022, 5, 20))

    rows = freeze_list(eng, D(2022, 5, 15)).set_index("adcode")
    assert rows.loc[HONGHE, ["triggered", "decided", "disagreement"]].tolist() == [True, True, ""]
    assert rows.loc[HONGHE, "trigger_reasons"] == "淘汰类逾期1个、环保不达标逾期1个"
    assert rows.loc[HONGHE, "triggering_units"] == [
        "H1（淘汰类，期限 2021-12-31，逾期135天）",
        "H2（环保不达标，期限 2022-03-31，逾期45天）",
    ]
    assert rows.loc[QUJING, "disagreement"] == say("freeze.no_decision")
    assert rows.loc[KUNMING, "disagreement"] == say("freeze.no_trigger")
    assert rows["triggered"].sum() == 2 and len(rows) == 16
    # The dashboard's English: the same facts, in English words, with its value names.
    english = freeze_list(eng, D(2022, 5, 15), **layer_words("en"))
    english = english.set_index("adcode")
    assert english.loc[HONGHE, "trigger_reasons"] == (
        "Eliminate (淘汰类): 1 overdue; Environment non-compliant: 1 overdue"
    )
    assert english.loc[HONGHE, "triggering_units"][0] == (
        "H1 (Eliminate (淘汰类), deadline 2021-12-31, 135 days late)"
    )
    assert english.loc[QUJING, "disagreement"] == say("freeze.no_decision", "en")
    assert not re.search(r"[\u4e00-\u9fff]", english.loc[KUNMING, "disagreement"])

    lift_freeze(eng, "昆明", "云政发〔2022〕3号", D(2022, 6, 1))
    after = freeze_list(eng, D(2022, 6, 30)).set_index("adcode")
    assert after.loc[KUNMING, ["decided", "disagreement"]].tolist() == [False, ""]
    history = decisions(eng)
    assert history[["name", "document_no", "lift_date"]].values.tolist() == [
        ["昆明市", "云政发〔2022〕2号", D(2022, 6, 1)],
        ["红河哈尼族彝族自治州", "云政发〔2022〕1号", None],
    ]
    with pytest.raises(DecisionError, match=r"没有未解除的限批决定"):
        lift_freeze(eng, "昆明", "再解除", D(2022, 7, 1))


def test_freeze_list_switch_threshold_and_scope(scenario_engine, tmp_path):
    eng = scenario_engine
    day = D(2026, 1, 15)  # K4 (淘汰类, registered 2023) and K3 (限制类) are overdue
    plain = freeze_list(eng, day).set_index("adcode").loc[KUNMING]
    assert (plain["trigger_units"], plain["trigger_reasons"]) == (1, "淘汰类逾期1个")
    assert plain["triggering_units"] == ["K4（淘汰类，期限 2021-12-31，逾期1476天）"]
    switched = freeze_list(eng, day, xianzhi_triggers=True).set_index("adcode").loc[KUNMING]
    assert (switched["trigger_units"], switched["trigger_reasons"]) == (
        2,
        "淘汰类逾期1个、限制类逾期1个",
    )
    assert switched["triggering_units"] == [
        "K3（限制类，期限 2025-12-31，逾期15天）",
        "K4（淘汰类，期限 2021-12-31，逾期1476天）",
    ]

    shutil.copytree(POLICY_DIR, tmp_path / "policy")
    rule = tmp_path / "policy" / "freeze.toml"
    rule.write_text(
        rule.read_text(encoding="utf-8").replace("min_overdue_units = 1", "min_overdue_units = 2"),
        encoding="utf-8",
    )
    policy = load_policy(tmp_path / "policy")
    decide_freeze(eng, "曲靖", "云政发〔2022〕5号", D(2022, 5, 1))
    rows = freeze_list(eng, D(2022, 5, 15), policy=policy).set_index("adcode")
    assert rows.loc[HONGHE, ["triggered", "trigger_units"]].tolist() == [True, 2]
    # 曲靖: one overdue unit (Q2), below the threshold: not triggered, its unit still named,
    # and the decision in force is no longer supported by the rule.
    qujing = rows.loc[QUJING]
    assert qujing[["triggered", "trigger_units", "trigger_reasons"]].tolist() == [
        False,
        1,
        "能耗不达标逾期1个",
    ]
    assert qujing["triggering_units"] == ["Q2（能耗不达标，期限 2022-02-28，逾期76天）"]
    assert qujing["disagreement"] == say("freeze.no_trigger")
    standing_row = standing(eng, D(2022, 5, 15), policy=policy).set_index("adcode").loc[QUJING]
    assert standing_row[["freeze_triggered", "freeze_reasons"]].tolist() == [False, ""]

    scoped = freeze_list(eng, D(2022, 5, 15), scope=EVERYTHING.narrow([QUJING, HONGHE]))
    assert scoped["adcode"].tolist() == [QUJING, HONGHE]
    assert scoped["decided"].tolist() == [True, False]
    assert decisions(eng, EVERYTHING.narrow([HONGHE])).empty
    assert len(decisions(eng, EVERYTHING.narrow(QUJING))) == 1


def test_cli_quota_freeze_and_standing(scenario_engine, tmp_path):
    add_accounts(scenario_engine)  # the approvers named by --approved-by
    runner = CliRunner()
    env = {"DATABASE_URL": _url(scenario_engine)}
    res = runner.invoke(
        main,
        [
            "quota",
            "allocate",
            "红河",
            "1000",
            "--project",
            "甲",
            "--date",
            "2022-01-15",
            "--approved-by",
            "t_province",
        ],
        env=env,
    )
    assert res.exit_code == 0, res.output
    assert "当日余额 3,000.00" in res.output
    res = runner.invoke(
        main,
        [
            "quota",
            "allocate",
            "红河",
            "5000",
            "--project",
            "乙",
            "--date",
            "2022-01-15",
            "--approved-by",
            "t_province",
        ],
        env=env,
    )
    assert res.exit_code == 1
    assert "余额为 3000.00 吨标准煤" in res.output
    res = runner.invoke(
        main, ["quota", "ledger", "红河", "--as-of", "2022-01-31", "--format", "csv"], env=env
    )
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[1:] == [
        "532500,红河哈尼族彝族自治州,2021-12-20,产能退出释放,4000.0,H1,,4000.0",
        "532500,红河哈尼族彝族自治州,2022-01-15,分配项目,-1000.0,甲,,3000.0",
        # H1 produces again from 2022-04-01: its release ends, the allocation is left short.
        "注意：红河哈尼族彝族自治州在 2022-04-01 的能耗指标余额为 -1000.00 吨标准煤"
        "（已分配的多于截至该日释放的）",
    ]
    res = runner.invoke(
        main,
        [
            "freeze",
            "decide",
            "曲靖",
            "--document",
            "云政发〔2022〕5号",
            "--date",
            "2022-04-01",
            "--approved-by",
            "t_province",
        ],
        env=env,
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        main, ["freeze", "list", "--as-of", "2022-06-30", "--format", "json"], env=env
    )
    assert res.exit_code == 0, res.output
    assert '"decision_document":"云政发〔2022〕5号"' in res.output.replace(" ", "")

    res = runner.invoke(main, ["standing", "--as-of", "2022-06-30"], env=env)
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "截至 2022-06-30 的退出进展"
    assert len(lines) == 3 + 17
    assert lines[1].startswith("adcode")
    res = runner.invoke(main, ["standing", "--as-of", "2022-06-30", "--format", "csv"], env=env)
    rows = res.output.splitlines()
    assert rows[0].split(",")[:3] == ["adcode", "name", "units_in_scope"]
    assert rows[-1].startswith("530000,云南省,9,3,6,4,13500.0,3900.0,33.3,28.9,True,")
    res = runner.invoke(main, ["standing", "--as-of", "2022-13-01"], env=env)
    assert res.exit_code == 2 and "日期应为 YYYY-MM-DD" in res.output


@pytest.mark.parametrize(
    ("args", "head"),
    [
        (["standing"], "截至 2022-06-30 的退出进展"),
        (["standing", "--as-of", "2022-03-31"], "截至 2022-03-31 的退出进展"),
    ],
)
def test_policy_commands_answer_for_exitmap_today(scenario_engine, args, head):
    """EXITMAP_TODAY is "today" for every command, the policy ones included."""
    env = {"DATABASE_URL": _url(scenario_engine), "EXITMAP_TODAY": "2022-06-30"}
    res = CliRunner().invoke(main, args, env=env)
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0] == head
    # The ledger reads the same day: H1's release (2021-12-20) is there on 2022-01-31 only.
    for today, released in (("2022-01-31", True), ("2021-12-10", False)):
        res = CliRunner().invoke(
            main,
            ["quota", "ledger", "红河", "--format", "csv"],
            env=env | {"EXITMAP_TODAY": today},
        )
        assert res.exit_code == 0 and (",H1," in res.output) == released
