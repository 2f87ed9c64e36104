"""The annual report's 十: the year's inspection findings (closed, overdue at the year's end),
replacement projects and the exited capacity they use, and exited sites disposed of, per
prefecture — exact figures on a hand-built register."""

from __future__ import annotations

import datetime as dt

from etl.inspections import Finding, close_finding, record_inspection
from etl.land import record_site
from etl.load import load
from etl.pipeline import prepare
from etl.replacement import Project, record_project
from exports.report import annual
from layers.inspections import findings
from tests.helpers.registers import credit_code, unit_row, write_csv

D = dt.date
GONE = {"当前状态": "已拆除", "退出方式": "拆除"}


def key(serial: int) -> str:
    return f"{credit_code(serial)}/1#"


def test_the_years_inspections_replacement_and_land(engine, tmp_path):
    rows = [
        unit_row(1, 实际退出日期="2021-06-30", **GONE),
        unit_row(2, capacity="30", 实际退出日期="2021-09-30", **GONE),
        unit_row(3),
    ]
    load(engine, prepare([write_csv(tmp_path / "r.csv", rows)]), D(2022, 6, 30))
    record_inspection(engine, "昆明", D(2022, 5, 6), "省督导组", [
        Finding("台账不符", "更正登记表", D(2022, 7, 31)),
        Finding("高炉仍在生产", "停产", D(2022, 8, 31), key(3)),
    ], "t")  # fmt: skip
    record_inspection(engine, "昆明", D(2023, 2, 1), "省督导组", [
        Finding("下一年的问题", "整改", D(2023, 6, 30)),
    ], "t")  # fmt: skip
    first = int(findings(engine, D(2022, 12, 31))["id"].min())
    close_finding(engine, first, D(2022, 7, 15), "t")
    project = Project("新建高炉项目", "云南测试新钢有限公司", "昆明", "炼铁", 56.0, "云工信1号",
                      D(2022, 6, 30))  # fmt: skip
    record_project(engine, project, [(key(1), None), (key(2), None)], "t")
    record_site(engine, key(1), 85, "出让", "转产", D(2022, 3, 1), "t")

    heading, text, (table,) = annual(engine, 2022).sections[9]
    assert heading == "十、督导检查、产能置换与土地处置"
    assert table.rows == [
        ["昆明市", 2, 1, 1, 1, 70.0, 1, 85.0],
        ["全省", 2, 1, 1, 1, 70.0, 1, 85.0],
    ]
    assert text == [
        "全年督导检查发现问题2个，已销号1个，年底逾期未整改1个；批复产能置换项目1个，"
        "使用退出产能70万吨/年；处置退出场地1块，面积85亩。"
    ]
    # The next year: only its own visit (past its deadline at the year's end), nothing
    # approved or disposed of.
    _, _, (later,) = annual(engine, 2023).sections[9]
    assert later.rows == [["昆明市", 1, 0, 1, 0, 0.0, 0, 0.0], ["全省", 1, 0, 1, 0, 0.0, 0, 0.0]]
