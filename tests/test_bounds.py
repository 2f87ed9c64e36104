"""Inputs bounded before they are read: file types, sizes, sheet extents, zip bombs, CSV lines."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Border, Side

from benchmarks.worst_inputs import xlsx_package
from etl.bounds import Limits, RegisterError, column_letters, column_number
from etl.pipeline import prepare
from etl.read import read_register
from exitmap.errors import SettingsError
from tests.helpers.registers import HEADERS, unit_row, write_csv

EXITMAP = str(Path(sys.executable).with_name("exitmap"))


def register_xlsx(path: Path, rows: int = 1) -> tuple[openpyxl.Workbook, Path]:
    """A workbook with the template's header and valid rows, not yet saved."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "登记表"
    sheet.append(HEADERS)
    for serial in range(1, rows + 1):
        row = unit_row(serial)
        sheet.append([row[h] for h in HEADERS])
    return book, path


def with_sheet_xml(path: Path, sheet_xml: str, shared: str | None = None) -> Path:
    return xlsx_package(path, sheet_xml.encode(), None if shared is None else shared.encode())


SHEET = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<sheetData>{}</sheetData></worksheet>"
)


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row() -> str:
    return '<row r="1">' + "".join(
        inline(f"{column_letters(i + 1)}1", h) for i, h in enumerate(HEADERS)
    ) + "</row>"  # fmt: skip


def refused(path: Path) -> str:
    with pytest.raises(RegisterError) as err:
        read_register(path)
    return str(err.value)


def finishes(target, seconds: float = 20) -> bool:
    """Whether the call returns in time (a hang must fail the test, not stall the suite)."""
    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    return not worker.is_alive()


# ---------------------------------------------------------------- what the file is


def test_a_folder_named_like_a_register_is_refused_by_name(tmp_path):
    folder = tmp_path / "x.xlsx"
    folder.mkdir()
    assert prepare([folder]).file_errors == ["文件 x.xlsx：这是一个文件夹，不是登记表文件"]


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "r.csv"
    os.mkfifo(fifo)
    result = {}
    assert finishes(lambda: result.update(p=prepare([fifo])))
    assert result["p"].file_errors == [
        "文件 r.csv：不是普通文件（可能是设备、管道或指向它们的链接），只读取普通文件"
    ]


def test_a_link_to_a_device_is_refused_without_reading_it(tmp_path):
    link = tmp_path / "r.xlsx"
    link.symlink_to("/dev/urandom")
    result = {}
    assert finishes(lambda: result.update(p=prepare([link])))
    assert result["p"].file_errors[0].startswith("文件 r.xlsx：不是普通文件")


def test_a_link_to_a_register_is_read(tmp_path):
    target = write_csv(tmp_path / "real.csv", [unit_row(1)])
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert prepare([link]).counts()["ok"] == 1


def test_a_file_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("EXITMAP_MAX_FILE_MB", "1")
    path = write_csv(tmp_path / "big.csv", [unit_row(i) for i in range(1, 6001)])
    assert path.stat().st_size > 1 << 20
    assert re.fullmatch(
        r"文件 big\.csv：文件大小 1\.\d MB，超过上限 1 MB（EXITMAP_MAX_FILE_MB），未读取",
        refused(path),
    )


def test_limits_that_are_not_numbers_are_named(monkeypatch):
    monkeypatch.setenv("EXITMAP_MAX_ROWS", "lots")
    with pytest.raises(SettingsError, match="EXITMAP_MAX_ROWS='lots' 无效"):
        Limits.from_settings()


# ---------------------------------------------------------------- xlsx


def test_a_cell_at_the_last_excel_cell_is_refused_before_calamine_allocates_the_grid(tmp_path):
    book, path = register_xlsx(tmp_path / "far.xlsx")
    book.active["XFD1048576"] = "x"
    book.save(path)
    assert path.stat().st_size < 20_000
    # calamine would allocate 16,384 × 1,048,576 cells and abort the process: run it apart.
    run = subprocess.run(
        [EXITMAP, "load", str(path), "--dry-run"], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 1, run.stderr
    assert "文件 far.xlsx 工作表「登记表」：单元格 XFD1048576 超出读取范围" in run.stderr
    assert "上限 110,000 行、40 列，见设置 EXITMAP_MAX_ROWS、EXITMAP_MAX_COLUMNS" in run.stderr


@pytest.mark.parametrize(
    ("ref", "limit"), [("BM2", "EXITMAP_MAX_COLUMNS"), ("A11", "EXITMAP_MAX_ROWS")]
)
def test_a_filled_cell_just_past_a_limit_is_refused(tmp_path, monkeypatch, ref, limit):
    monkeypatch.setenv("EXITMAP_MAX_ROWS", "10")
    monkeypatch.setenv("EXITMAP_MAX_COLUMNS", "64")
    book, path = register_xlsx(tmp_path / "r.xlsx", rows=5)
    book.active[ref] = "备注"
    book.save(path)
    assert f"单元格 {ref} 超出读取范围" in refused(path)
    # At the limit itself the sheet is read.
    del book.active[ref]
    book.active["BL2" if limit == "EXITMAP_MAX_COLUMNS" else "A10"] = "备注"
    book.save(path)
    # A note in row 10 is a row of its own (rejected later); in BL2 it is an unnamed column.
    assert read_register(path)[0].data.height == (6 if limit == "EXITMAP_MAX_ROWS" else 5)


def test_formatting_carried_far_out_on_empty_cells_is_not_refused(tmp_path):
    book, path = register_xlsx(tmp_path / "styled.xlsx", rows=2)
    thin = Side(style="thin")
    for col in range(1, 300):
        book.active.cell(row=3, column=col).border = Border(bottom=thin)
    book.active.cell(row=500_000, column=1).border = Border(bottom=thin)
    book.save(path)
    assert read_register(path)[0].data.height == 2


def test_the_dimension_element_is_not_trusted(tmp_path):
    xml = SHEET.format(header_row()).replace(
        "<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>'
    )
    path = with_sheet_xml(tmp_path / "dim.xlsx", xml)
    # A lying dimension alone allocates nothing: the sheet, a header without data, is read.
    assert read_register(path)[0].data.height == 0


def test_cells_without_their_place_are_placed_as_calamine_places_them(tmp_path):
    cells = "".join('<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(70))
    xml = SHEET.format(header_row() + f'<row r="2">{cells}</row>')
    message = refused(with_sheet_xml(tmp_path / "noref.xlsx", xml))
    assert message.startswith("文件 noref.xlsx 工作表「登记表」：单元格 AO2 超出读取范围")


def test_cells_under_a_namespace_prefix_are_placed_too(tmp_path):
    cells = "".join('<x:c t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c>' for _ in range(70))
    xml = SHEET.format(header_row() + f'<x:row r="2">{cells}</x:row>').replace(
        "<worksheet xmlns=", '<worksheet xmlns:x="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main" xmlns='
    )  # fmt: skip
    message = refused(with_sheet_xml(tmp_path / "prefixed.xlsx", xml))
    assert message.startswith("文件 prefixed.xlsx 工作表「登记表」：单元格 AO2 超出读取范围")


def test_a_sheet_that_unpacks_past_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("EXITMAP_MAX_UNPACKED_MB", "1")
    xml = SHEET.format(header_row() + '<row r="2">' + inline("A2", "长" * 400_000) + "</row>")
    path = with_sheet_xml(tmp_path / "bomb.xlsx", xml)
    assert path.stat().st_size < 50_000
    assert refused(path) == (
        "文件 bomb.xlsx 工作表「登记表」：部件「xl/worksheets/sheet1.xml」解压后超过上限 1 MB"
        "（EXITMAP_MAX_UNPACKED_MB），文件异常或过大，未读取"
    )


def test_a_part_whose_declared_size_lies_is_refused_as_damaged(tmp_path):
    xml = SHEET.format(header_row() + '<row r="2">' + inline("A2", "长" * 400_000) + "</row>")
    path = with_sheet_xml(tmp_path / "liar.xlsx", xml)
    raw = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    # The uncompressed size sits 22 bytes into the local header and 24 into the central one.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = raw.find(signature + b"")
        while at >= 0:
            name_at = at + (30 if offset == 22 else 46)
            if raw[name_at : name_at + len(name)] == name:
                raw[at + offset : at + offset + 4] = (1000).to_bytes(4, "little")
            at = raw.find(signature, at + 4)
    path.write_bytes(bytes(raw))
    assert refused(path) == (
        "文件 liar.xlsx 工作表「登记表」：无法读取，文件可能已损坏或不是 Excel 文件"
    )


def test_shared_text_copied_into_many_cells_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("EXITMAP_MAX_UNPACKED_MB", "4")
    shared = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<si><t>{'长' * 30_000}</t></si></sst>"
    )
    cells = "".join(f'<row r="{r}"><c r="Z{r}" t="s"><v>0</v></c></row>' for r in range(2, 202))
    path = with_sheet_xml(tmp_path / "copies.xlsx", SHEET.format(header_row() + cells), shared)
    # 90 KB of text, copied into 200 cells: 18 MB from a file of a few KB.
    assert path.stat().st_size < 50_000
    assert refused(path) == (
        "文件 copies.xlsx 工作表「登记表」：单元格引用的共享文本合计超过上限 4 MB"
        "（EXITMAP_MAX_UNPACKED_MB），文件异常或过大，未读取"
    )


def test_shared_strings_are_read_within_the_limits(tmp_path):
    shared = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "".join(f"<si><t>{h}</t></si>" for h in HEADERS)
        + "</sst>"
    )
    row = "".join(
        f'<c r="{column_letters(i + 1)}1" t="s"><v>{i}</v></c>' for i in range(len(HEADERS))
    )
    xml = SHEET.format(f'<row r="1">{row}</row>')
    sheets = read_register(
        with_sheet_xml(tmp_path / "sst.xlsx", xml, shared), Limits.from_settings()
    )
    assert sheets[0].header_row == 1


def test_column_letters_and_numbers():
    assert [column_letters(n) for n in (1, 26, 27, 64, 702, 703, 16384)] == [
        "A", "Z", "AA", "BL", "ZZ", "AAA", "XFD",
    ]  # fmt: skip
    assert all(column_number(column_letters(n)) == n for n in range(1, 20_000, 7))


# ---------------------------------------------------------------- csv


def test_a_csv_with_too_many_lines_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("EXITMAP_MAX_ROWS", "5")
    path = write_csv(tmp_path / "long.csv", [unit_row(i) for i in range(1, 8)])
    assert refused(path) == (
        "文件 long.csv：共 8 行，超过上限 5 行（EXITMAP_MAX_ROWS），请分成几个文件提交"
    )
    write_csv(path, [unit_row(i) for i in range(1, 6)])
    assert read_register(path)[0].data.height == 5


def test_a_csv_line_over_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("EXITMAP_MAX_LINE_KB", "2")
    path = write_csv(tmp_path / "wide.csv", [unit_row(1), unit_row(2, 备注="很" * 1000)])
    assert refused(path) == (
        "文件 wide.csv：第 3 行长 3 KB，超过单行上限 2 KB（EXITMAP_MAX_LINE_KB），未读取"
    )


def test_a_csv_with_too_many_columns_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("EXITMAP_MAX_COLUMNS", "20")
    path = write_csv(tmp_path / "cols.csv", [unit_row(1)])
    assert refused(path) == (
        "文件 cols.csv 工作表「cols」：共 2 行、26 列，超过上限 110,000 行、20 列，"
        "见设置 EXITMAP_MAX_ROWS、EXITMAP_MAX_COLUMNS，请分成几个文件提交"
    )


# ---------------------------------------------------------------- xls


def test_an_xls_that_would_take_gigabytes_is_refused_by_its_reader_apart(tmp_path):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("登记表")
    for col, header in enumerate(HEADERS):
        sheet.write(0, col, header)
    # One 30,000-character string, stored once and named by 40,000 cells: calamine copies
    # it into each, 3.6 GB from a file of 1.4 MB.
    for row in range(1, 40_001):
        sheet.write(row, HEADERS.index("备注"), "长" * 30_000)
    path = tmp_path / "copies.xls"
    book.save(path)
    assert path.stat().st_size < 2_000_000
    assert refused(path) == ("文件 copies.xls：读取所需内存超过上限 2 GB，文件异常或过大，未读取")
