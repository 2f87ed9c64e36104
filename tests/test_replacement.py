"""产能置换 (issue #16): a project under total-volume control uses exited capacity; the checks
refuse double use, short ratios, uncontrolled sub-industries and units not yet exited, with the
figures; the app role reads only its scope's projects. Hand-built registers, figures by hand."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from click.testing import CliRunner

from etl.decisions import DecisionError
from etl.load import load
from etl.pipeline import prepare
from etl.replacement import Project, record_project
from exitmap.cli import main
from exitmap.policy.replacement import load_replacement
from exitmap.policy.rules import POLICY_DIR, PolicyError
from layers.replacement import projects, uses
from tests.helpers.registers import credit_code, unit_row, write_csv

D = dt.date
KUNMING, QUJING = 530100, 530300


def key(serial: int) -> str:
    return f"{credit_code(serial)}/1#"


@pytest.fixture
def exited(engine, tmp_path):
    """Kunming: blast furnaces 1 (40 万吨/年, exited 2021-06-30) and 2 (30, exited
    2022-03-31), 3 still working; 4 a clinker line (60, exited 2021-09-30)."""
    gone = {"当前状态": "已拆除", "退出方式": "拆除"}
    rows = [
        unit_row(1, 实际退出日期="2021-06-30", **gone),
        unit_row(2, capacity="30", 实际退出日期="2022-03-31", **gone),
        unit_row(3),
        unit_row(
            4,
            行业="建材",
            细分行业="水泥熟料",
            装备名称="水泥熟料生产线",
            规格型号="2000t/d",
            capacity="60",
            实际退出日期="2021-09-30",
            **gone,
        ),
    ]
    load(engine, prepare([write_csv(tmp_path / "r.csv", rows)]), D(2022, 6, 30))
    return engine


APPROVED = D(2022, 6, 30)


def furnace(capacity: float, on: dt.date = APPROVED, **kw) -> Project:
    fields = {
        "name": "新建高炉项目",
        "enterprise": "云南测试新钢有限公司",
        "prefecture": "昆明",
        "sub_industry": "炼铁",
        "new_capacity_wt": capacity,
        "document_no": "云工信〔2022〕1号",
        "approved_on": on,
    } | kw
    return Project(**fields)


def test_a_project_uses_exited_capacity_at_the_ratio(exited):
    # 炼铁 at 1.25:1: 56 new needs 70 exited = all of 1 (40) and 2 (30).
    pid = record_project(exited, furnace(56), [(key(1), None), (key(2), None)], "t")
    row = projects(exited).set_index("id").loc[pid]
    assert (row["used_capacity_wt"], row["units"], row["ratio"]) == (70.0, 2, 1.25)
    assert row["prefecture_adcode"] == KUNMING
    lines = uses(exited)
    assert sorted(lines["unit_key"]) == sorted([key(1), key(2)])
    assert lines["lon"].notna().all()


def test_a_short_ratio_is_refused_with_the_figures(exited):
    with pytest.raises(DecisionError) as err:
        record_project(exited, furnace(60), [(key(1), None), (key(2), None)], "t")
    message = str(err.value)
    assert "置换比例不足" in message and "75.00" in message and "70.00" in message
    assert "1.25:1（待核实）" in message
    assert projects(exited).empty  # nothing half written


def test_capacity_is_used_at_most_once_in_total(exited):
    record_project(exited, furnace(24), [(key(1), 30)], "t")  # 30 of 40: 10 left
    with pytest.raises(DecisionError, match=r"可用于置换的产能为 10\.00"):
        record_project(exited, furnace(16, name="二期"), [(key(1), 20)], "t")
    # What is left of it may still be used, and then nothing.
    record_project(exited, furnace(8, name="二期"), [(key(1), None)], "t")
    with pytest.raises(DecisionError, match="已全部用于其他置换项目"):
        record_project(exited, furnace(8, name="三期"), [(key(1), None)], "t")
    assert projects(exited)["used_capacity_wt"].tolist() == [30.0, 10.0]


def test_only_exited_units_of_the_same_controlled_sub_industry_qualify(exited):
    with pytest.raises(DecisionError, match="尚未退出"):  # 2 exited after this approval
        record_project(exited, furnace(20, on=D(2022, 1, 31)), [(key(2), None)], "t")
    with pytest.raises(DecisionError, match="尚未退出"):  # 3 still works
        record_project(exited, furnace(20), [(key(3), None)], "t")
    with pytest.raises(DecisionError, match="属于水泥熟料"):
        record_project(exited, furnace(20), [(key(4), None)], "t")
    with pytest.raises(DecisionError, match="不属于产能总量控制"):
        record_project(exited, furnace(20, sub_industry="铁合金"), [(key(1), None)], "t")
    # A clinker line for a clinker project, at 1.5:1: 60 exited allow 40 new.
    record_project(exited, furnace(40, sub_industry="水泥熟料"), [(key(4), None)], "t")
    assert projects(exited)["ratio"].tolist() == [1.5]


def test_the_command_line_records_and_lists_with_an_audit_line(exited):
    from access import audit

    env = {"DATABASE_URL": exited.url.render_as_string(hide_password=False)}
    args = ["replacement", "add", "新建高炉", "--enterprise", "云南测试新钢", "--prefecture"]
    args += ["530100", "--sub-industry", "炼铁", "--capacity", "20", "--document", "文1"]
    args += ["--approved-on", "2022-06-30", "--use", f"{key(1)}=25"]
    res = CliRunner().invoke(main, args, env=env)
    assert res.exit_code == 0, res.output
    listed = CliRunner().invoke(main, ["replacement", "list", "--format", "csv"], env=env)
    assert "新建高炉" in listed.output and "25.0" in listed.output
    line = audit.entries(exited, actions=["decision"]).iloc[0]
    assert line["target"] == "新建高炉" and "replacement" in line["params"]
    short = CliRunner().invoke(main, [*args[:-1], f"{key(2)}=24"], env=env)
    assert short.exit_code == 1 and "错误：置换比例不足" in short.output


def test_the_app_role_reads_only_its_scope(exited):
    from exitmap.db import app_database_url

    record_project(exited, furnace(20), [(key(1), 25)], "t")
    url = app_database_url(exited.url.render_as_string(hide_password=False))
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for scope, expected in ((str(KUNMING), 1), (str(QUJING), 0), ("*", 1)):
            with conn.transaction():
                conn.execute("SELECT set_config('exitmap.prefectures', %s, true)", (scope,))
                n = conn.execute("SELECT count(*) FROM replacement_project").fetchone()[0]
                m = conn.execute("SELECT count(*) FROM replacement_use").fetchone()[0]
            assert (n, m) == (expected, expected), scope
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute("SELECT set_config('exitmap.prefectures', '*', true)")
            conn.execute("DELETE FROM replacement_use")


def test_the_rules_name_their_sources_and_refuse_bad_entries(tmp_path):
    rules = load_replacement()
    assert set(rules.controlled) >= {"炼钢", "炼铁", "水泥熟料", "平板玻璃", "电解铝", "黄磷"}
    assert all(r.source for r in rules.ratios.values())
    text = (POLICY_DIR / "replacement.toml").read_text(encoding="utf-8")
    (tmp_path / "replacement.toml").write_text(text.replace("ratio = 1.25", "ratio = 0.8"))
    with pytest.raises(PolicyError, match=r"replacement\.toml.*ratio 第1条.*不小于 1"):
        load_replacement(tmp_path)
