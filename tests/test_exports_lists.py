"""The public lists: one file per list, rows equal to the matching units of evaluate."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from exports.lists import write_lists
from layers.disclosure import SUBSTANDARD
from layers.units import evaluate
from tests.helpers.demo import DEMO_TODAY

HEADER_ROW = 4


def _read(path):
    ws = openpyxl.load_workbook(path).active
    header = [c.value for c in ws[HEADER_ROW]]
    rows = [dict(zip(header, r, strict=True)) for r in
            ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]  # fmt: skip
    return ws, header, rows


@pytest.fixture(scope="module")
def written(decided_demo_engine, tmp_path_factory):
    on = dt.date(2025, 12, 31)
    out = tmp_path_factory.mktemp("lists")
    return on, write_lists(decided_demo_engine, on, out), evaluate(decided_demo_engine, on)


def test_every_list_has_title_date_units_and_frozen_header(written):
    _, files, _ = written
    assert len(files) == 8
    for path, n in files.items():
        ws, header, rows = _read(path)
        assert ws["A1"].value and "名单" in ws["A1"].value
        assert "数据截至：2025年12月31日" in ws["A2"].value
        assert "吨标准煤" in ws["A2"].value and "万吨/年" in ws["A2"].value
        assert "演示" in ws["A3"].value
        assert header[0] == "序号"
        assert ws.freeze_panes == "B5"
        assert [r["序号"] for r in rows] == list(range(1, n + 1))
        assert ws.column_dimensions["B"].width >= 10


def test_rectification_lists_match_evaluate(written):
    _, files, units = written
    by_name = {p.name: p for p in files}
    for i, category in enumerate(SUBSTANDARD, start=1):
        path = by_name[f"{i:02d}_{category}应限期整改企业名单.xlsx"]
        expected = units[
            (units["category"] == category)
            & units["status"].isin(["整改中", "延期整改", "停产"])
            & units["remaining"]
            & units["deadline"].notna()
        ]
        _, _, rows = _read(path)
        assert len(rows) == len(expected)
        assert sorted(r["统一社会信用代码"] for r in rows) == sorted(expected["credit_code"])


def test_closure_closed_annual_and_credit_lists_match_evaluate(written):
    on, files, units = written
    by_name = {p.name[:2]: p for p in files}
    overdue = units[units["overdue"].astype(bool)]
    exited = units[units["in_scope"] & (units["resolution"] == "退出")]
    this_year = exited[exited["exit_date"].map(lambda d: d.year == on.year)]
    assert len(_read(by_name["05"])[2]) == int(overdue["category"].isin(SUBSTANDARD).sum())
    assert len(_read(by_name["06"])[2]) == len(exited)
    _, header, rows = _read(by_name["07"])
    assert len(rows) == len(this_year) > 0
    assert {"装备（生产线）名称", "规格型号", "产能（万吨/年）"} <= set(header)
    assert sum(r["年综合能耗（吨标准煤）"] or 0 for r in rows) == pytest.approx(
        this_year["energy_tce"].fillna(0).sum()
    )
    _, _, rows = _read(by_name["08"])
    assert len(rows) == overdue["credit_code"].nunique() > 0
    assert sum(r["逾期装备（台套）"] for r in rows) == len(overdue)


def test_lists_are_byte_identical_when_rebuilt(decided_demo_engine, tmp_path):
    first = write_lists(decided_demo_engine, DEMO_TODAY, tmp_path / "a")
    second = write_lists(decided_demo_engine, DEMO_TODAY, tmp_path / "b")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_the_command_line_marks_who_took_each_file_and_records_its_hash(
    decided_demo_engine, tmp_path
):
    import getpass
    import hashlib

    from click.testing import CliRunner

    from access import audit
    from exitmap.cli import main

    env = {"DATABASE_URL": decided_demo_engine.url.render_as_string(hide_password=False)}
    runner = CliRunner()
    lists = runner.invoke(
        main, ["export", "lists", "--as-of", "2025-12-31", "--out", str(tmp_path)], env=env
    )
    assert lists.exit_code == 0, lists.output
    report = tmp_path / "报告.docx"
    done = runner.invoke(main, ["export", "annual-report", "2025", "--out", str(report)], env=env)
    assert done.exit_code == 0, done.output
    who = f"cli:{getpass.getuser()}"
    files = sorted(tmp_path.glob("*.xlsx"))
    assert len(files) == 8
    for path in files:
        props = openpyxl.load_workbook(path).properties
        assert props.lastModifiedBy == who and props.description.startswith(f"取用：{who} 20")
    import docx

    assert docx.Document(report).core_properties.last_modified_by == who
    log = audit.entries(decided_demo_engine, user=who, actions=["export"])
    recorded = dict(zip(log["target"], log["sha256"], strict=True))
    for path in [*files, report]:
        assert recorded[str(path.resolve())] == hashlib.sha256(path.read_bytes()).hexdigest()
