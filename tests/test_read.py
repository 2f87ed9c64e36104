"""Reading registers: formats, encodings, header detection, sheets, row numbers, refusals."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from etl.read import RegisterError, SkippedSheet, read_register
from etl.register import COLUMNS, REQUIRED, match_header

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = ["企业名称", "统一社会信用代码", "细分行业", "装备名称", "退出类别", "当前状态"]
ROW = ["云南某某钢铁有限公司", "91350100M000100Y43", "炼铁", "高炉", "淘汰类", "已关停"]


def write_xlsx(path: Path, *sheets: tuple[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------- fixtures


def test_messy_workbook_reads_both_data_sheets_and_reports_the_others():
    sheets = read_register(FIXTURES / "register_messy.xlsx")
    assert [s.sheet for s in sheets] == ["钢铁建材", "有色化工"]
    assert {s.file for s in sheets} == {"register_messy.xlsx"}
    assert sheets.skipped == [
        SkippedSheet("填表说明", "说明页，已跳过"),
        SkippedSheet("Sheet3", "空表，已跳过"),
    ]


def test_messy_header_found_under_merged_titles_with_excel_row_numbers():
    steel, metal = read_register(FIXTURES / "register_messy.xlsx")
    assert steel.header_row == 3
    # Row 4 holds column numbers 1..27, row 7 is blank: neither is data.
    assert steel.data["row"].to_list() == [5, 6, 8, 9, 10, 11, 12]
    assert metal.header_row == 2
    # Row 5 is the 合计 line.
    assert metal.data["row"].to_list() == [3, 4]


def test_messy_header_variants_map_to_canonical_keys():
    steel, metal = read_register(FIXTURES / "register_messy.xlsx")
    assert [c for c in steel.data.columns if c != "row"] == [c.key for c in COLUMNS]
    assert steel.unknown_headers == ["联系人"]
    # Kept row for row with the data, for quarantining a rejected row whole.
    assert steel.extra.columns == ["联系人"]
    assert steel.extra.height == steel.data.height
    assert steel.missing_required == []
    assert "equipment_no" not in metal.data.columns
    assert metal.missing_required == []


def test_messy_cells_come_back_as_text_the_cleaner_understands():
    steel, _ = read_register(FIXTURES / "register_messy.xlsx")
    by_row = {r["row"]: r for r in steel.data.iter_rows(named=True)}
    assert by_row[5]["identified_date"] == "2021-03-15"  # a date cell
    assert by_row[6]["identified_date"] == "44561"  # a number cell holding an Excel serial
    assert by_row[6]["electricity_10k_kwh"] == "2500"  # integral float, no ".0"
    assert by_row[6]["capacity_wt"] == "77.5"
    assert by_row[6]["lon"] == "25.5"
    assert by_row[5]["capacity_wt"] == "１２０"  # left for the cleaner
    assert by_row[5]["lon"] == "102°28′48″E"
    assert by_row[9]["lon"] is None
    assert by_row[12]["enterprise_name"] is None
    assert steel.data.schema["row"] == pl.Int64
    assert {d for n, d in steel.data.schema.items() if n != "row"} == {pl.Utf8}


def test_gbk_csv_with_english_headers_and_a_title_line():
    (sheet,) = read_register(FIXTURES / "register_gbk.csv")
    assert sheet.sheet == "register_gbk"
    assert sheet.header_row == 2
    assert sheet.data["row"].to_list() == [3, 4, 5]
    assert sheet.data["enterprise_name"].to_list()[0] == "鹤庆某某水泥有限公司"
    assert sheet.data["lon"].to_list()[0] == "100.18"
    assert sheet.data["identified_date"].to_list() == [None, None, None]
    assert sheet.unknown_headers == []


def test_clean_csv():
    (sheet,) = read_register(FIXTURES / "register_clean.csv")
    assert sheet.header_row == 1
    assert sheet.data["row"].to_list() == list(range(2, 10))
    assert sheet.data["prefecture"].n_unique() == 8
    assert sheet.missing_required == []


# ---------------------------------------------------------------- header matching


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("州（市）", "prefecture"),
        ("州(市)", "prefecture"),
        ("州市", "prefecture"),
        ("县(市、区)", "county"),
        ("县区", "county"),
        ("企业\n名称", "enterprise_name"),
        (" *企业名称 ", "enterprise_name"),
        ("Enterprise", "enterprise_name"),
        ("USCC", "credit_code"),
        ("产能（万吨/年）", "capacity_wt"),
        ("产能(万吨/年)", "capacity_wt"),
        ("产能 万吨/年", "capacity_wt"),
        ("年综合能耗(tce)", "energy_tce"),
        ("年用电量（万kWh）", "electricity_10k_kwh"),
        ("经度(°)", "lon"),
        ("经度（度）", "lon"),
        ("lng", "lon"),
        ("Latitude", "lat"),
        ("职工人数（人）", "workers"),
        ("退出方式", "exit_method"),
        ("产能(吨/年)", None),  # a different unit must not pass as 万吨/年
        ("联系人", None),
        ("", None),
        (None, None),
    ],
)
def test_match_header(header, key):
    assert match_header(header) == key


def test_every_canonical_header_matches_its_own_column():
    assert all(match_header(c.header) == c.key for c in COLUMNS)


def test_required_columns_come_from_the_register_data():
    # 退出类别 is optional in register.py (a unit may be registered before it is in scope).
    assert {c.header for c in REQUIRED} >= {"企业名称", "统一社会信用代码", "细分行业", "装备名称"}
    assert {c.header for c in REQUIRED} <= set(HEADER)


# ---------------------------------------------------------------- csv details


def test_csv_blank_lines_and_multiline_cells_keep_excel_row_numbers(tmp_path):
    text = (
        ",".join([*HEADER, "备注"])
        + "\n"
        + ",".join([*ROW, "a"])
        + "\n\n"
        + ",".join([*ROW, '"第一行\n第二行"'])
        + "\n"
        + ",,,,,,\n"
        + ",".join([*ROW, "c"])
        + "\n"
    )
    (sheet,) = read_register(write_csv(tmp_path / "r.csv", text))
    assert sheet.data["row"].to_list() == [2, 4, 6]
    assert sheet.data["remarks"].to_list() == ["a", "第一行\n第二行", "c"]


@pytest.mark.parametrize("delimiter", ["\t", ";", "|"])
def test_csv_delimiter_is_detected(tmp_path, delimiter):
    text = delimiter.join(HEADER) + "\n" + delimiter.join(ROW) + "\n"
    (sheet,) = read_register(write_csv(tmp_path / "r.csv", text))
    assert sheet.data["enterprise_name"].to_list() == [ROW[0]]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "gbk", "utf-16"])
def test_csv_encodings(tmp_path, encoding):
    text = ",".join(HEADER) + "\n" + ",".join(ROW) + "\n"
    (sheet,) = read_register(write_csv(tmp_path / "r.csv", text, encoding))
    assert sheet.data["enterprise_name"].to_list() == [ROW[0]]
    assert sheet.data["credit_code"].to_list() == [ROW[1]]


def test_whitespace_only_cells_are_null_and_values_are_trimmed(tmp_path):
    text = ",".join(HEADER) + "\n" + ",".join([" 云南某某公司 ", "   ", *ROW[2:]]) + "\n"
    (sheet,) = read_register(write_csv(tmp_path / "r.csv", text))
    assert sheet.data["enterprise_name"].to_list() == ["云南某某公司"]
    assert sheet.data["credit_code"].to_list() == [None]


def test_missing_required_columns_are_listed(tmp_path):
    text = "企业名称,细分行业,装备名称,当前状态\n甲公司,炼铁,高炉,在产\n"
    (sheet,) = read_register(write_csv(tmp_path / "r.csv", text))
    given = {"企业名称", "细分行业", "装备名称", "当前状态"}
    assert sheet.missing_required == [c.header for c in REQUIRED if c.header not in given]
    assert "统一社会信用代码" in sheet.missing_required


# ---------------------------------------------------------------- excel details


def test_xlsx_leading_blank_rows_and_numbers(tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx",
        (
            "台账",
            [
                [],
                [],
                [*HEADER, "职工人数", "整改期限", "装备编号"],
                [*ROW, 120.0, dt.datetime(2022, 6, 30, 0, 0), 123456789012],
            ],
        ),
    )
    (sheet,) = read_register(path)
    assert sheet.header_row == 3
    assert sheet.data["row"].to_list() == [4]
    row = sheet.data.row(0, named=True)
    assert row["workers"] == "120"
    assert row["rectify_deadline"] == "2022-06-30"
    assert row["equipment_no"] == "123456789012"


def test_xls_the_older_excel_format(tmp_path):
    """Prefectures still save as 97-2003 .xls: a merged title, numbers and a date cell."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("台账")
    ws.write_merge(0, 0, 0, 5, "某州（市）落后产能退出台账")
    for j, header in enumerate([*HEADER, "职工人数", "整改期限", "装备编号"]):
        ws.write(1, j, header)
    for j, value in enumerate(ROW):
        ws.write(2, j, value)
    ws.write(2, len(ROW), 120.0)
    ws.write(2, len(ROW) + 1, dt.date(2022, 6, 30), xlwt.easyxf(num_format_str="yyyy-mm-dd"))
    ws.write(2, len(ROW) + 2, "2#")
    path = tmp_path / "r.xls"
    wb.save(str(path))

    (sheet,) = read_register(path)
    assert (sheet.sheet, sheet.header_row) == ("台账", 2)
    assert sheet.data["row"].to_list() == [3]
    row = sheet.data.row(0, named=True)
    assert (row["enterprise_name"], row["credit_code"]) == (ROW[0], ROW[1])
    assert row["workers"] == "120"
    assert row["rectify_deadline"] == "2022-06-30"
    assert row["equipment_no"] == "2#"


def test_hidden_sheet_is_skipped(tmp_path):
    path = tmp_path / "r.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "台账"
    wb.active.append(HEADER)
    wb.active.append(ROW)
    hidden = wb.create_sheet("旧表")
    hidden.append(HEADER)
    hidden.sheet_state = "hidden"
    wb.save(path)
    sheets = read_register(path)
    assert [s.sheet for s in sheets] == ["台账"]
    assert sheets.skipped == [SkippedSheet("旧表", "隐藏工作表，已跳过")]


def test_sheet_with_too_few_known_headers_is_skipped(tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx",
        ("台账", [HEADER, ROW]),
        ("汇总", [["企业名称", "当前状态", "数量"], ["甲", "在产", 1]]),
    )
    sheets = read_register(path)
    assert [s.sheet for s in sheets] == ["台账"]
    assert sheets.skipped == [SkippedSheet("汇总", "未找到表头行，已跳过")]


# ---------------------------------------------------------------- refusals


def test_no_recognisable_sheet(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", ("Sheet1", [["名称", "数量"], ["甲", 1]]))
    with pytest.raises(RegisterError) as err:
        read_register(path)
    assert str(err.value) == (
        "文件 a.xlsx：未找到表头行（应包含「企业名称」「统一社会信用代码」等列）"
        "；工作表「Sheet1」未找到表头行，已跳过"
    )


def test_unsupported_file_type(tmp_path):
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(
        RegisterError, match="^" + re.escape("文件 a.pdf：不支持的文件类型「.pdf」")
    ):
        read_register(path)


def test_corrupt_workbook(tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"this is not a zip file")
    with pytest.raises(RegisterError, match="^" + re.escape("文件 bad.xlsx：无法读取")):
        read_register(path)


def test_missing_file(tmp_path):
    with pytest.raises(RegisterError, match="^" + re.escape("文件 none.csv：文件不存在") + "$"):
        read_register(tmp_path / "none.csv")


def test_two_columns_for_one_key_are_refused(tmp_path):
    text = ",".join([*HEADER, "单位名称"]) + "\n" + ",".join([*ROW, "乙"]) + "\n"
    with pytest.raises(RegisterError) as err:
        read_register(write_csv(tmp_path / "d.csv", text))
    assert str(err.value) == (
        "文件 d.csv 工作表「d」：「企业名称」与「单位名称」两列都对应「企业名称」，请只保留一列"
    )


def test_empty_csv(tmp_path):
    with pytest.raises(RegisterError, match="^" + re.escape("文件 e.csv：未找到表头行")):
        read_register(write_csv(tmp_path / "e.csv", ""))
