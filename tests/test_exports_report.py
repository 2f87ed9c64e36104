"""The annual report: docx and xlsx carry the same tables, equal to evaluate for the year."""

from __future__ import annotations

import datetime as dt

import docx
import openpyxl
import pytest

from exports.report import annual, write_report
from layers.units import evaluate

YEAR = 2025


@pytest.fixture(scope="module")
def exits(decided_demo_engine):
    units = evaluate(decided_demo_engine, dt.date(YEAR, 12, 31))
    done = units[units["in_scope"] & (units["resolution"] == "退出")]
    return units, done[done["exit_date"].map(lambda d: d.year == YEAR)]


def test_docx_report_has_heading_narrative_and_tables(decided_demo_engine, exits, tmp_path):
    units, year_exits = exits
    path = tmp_path / "r.docx"
    write_report(decided_demo_engine, YEAR, path)
    doc = docx.Document(path)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert doc.paragraphs[0].text == f"关于{YEAR}年度全省落后和低端低效产能退出情况的报告"
    assert f"全省共退出落后和低端低效产能装备{len(year_exits)}台（套）" in text
    assert "一、总体情况" in text and "六、结转下一年度的逾期任务" in text
    # 七、群众举报: the year's reports by kind (none in the demo: zero rows, said so).
    assert "七、群众举报" in text and "全年未受理群众举报。" in text
    # 八、九: the demo's targets are for its own year (2026), its duties unrecorded: said so.
    assert f"{YEAR}年度未下达目标任务。" in text and "尚未登记职工安置方案。" in text
    assert f"{YEAR}年无督导检查、产能置换和场地处置记录。" in text
    assert len(doc.tables) == 11
    reports = doc.tables[7]
    assert [c.text for c in reports.rows[-1].cells][:4] == ["合计", "0", "0", "0"]
    assert len(reports.rows) == 1 + 5 + 1
    by_pref = doc.tables[0]
    total = [c.text for c in by_pref.rows[-1].cells]
    assert total[0] == "全省" and total[1] == f"{len(year_exits):,}"
    assert len(by_pref.rows) == 1 + 16 + 1
    carried = doc.tables[6]
    assert len(carried.rows) - 1 == int(units["overdue"].astype(bool).sum())
    assert doc.core_properties.created == dt.datetime(YEAR, 12, 31, tzinfo=dt.UTC)


def test_xlsx_report_has_the_same_tables(decided_demo_engine, exits, tmp_path):
    _, year_exits = exits
    path = tmp_path / "r.xlsx"
    report = write_report(decided_demo_engine, YEAR, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["说明", *(t.title.split("　")[0] for t in report.tables)]
    t1 = wb["表1"]
    total = [c.value for c in t1[t1.max_row]]
    assert total[0] == "全省" and total[1] == len(year_exits)
    assert total[3] == pytest.approx(year_exits["energy_tce"].fillna(0).sum())
    departments = {r[0] for r in wb["表4"].iter_rows(min_row=4, values_only=True)}
    assert departments <= {"省工业和信息化厅", "省发展改革委", "省生态环境厅", "省市场监管局",
                           "省应急管理厅"}  # fmt: skip


def test_report_is_deterministic_and_rejects_other_suffixes(decided_demo_engine, tmp_path):
    write_report(decided_demo_engine, YEAR, tmp_path / "a.docx")
    write_report(decided_demo_engine, YEAR, tmp_path / "b.docx")
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    with pytest.raises(ValueError, match=r"\.docx"):
        write_report(decided_demo_engine, YEAR, tmp_path / "r.pdf")
    assert annual(decided_demo_engine, YEAR).on == dt.date(YEAR, 12, 31)
