"""The blank register: what the official sees, and that the loader takes it back."""

from __future__ import annotations

import openpyxl

from etl.pipeline import prepare
from etl.register import COLUMNS
from etl.template import DATA_SHEET, FIRST_DATA_ROW, write_template
from tests.helpers.registers import unit_row


def test_template_has_headers_lists_and_instructions(tmp_path):
    path = tmp_path / "blank.xlsx"
    write_template(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "填表说明"
    assert "GB 32100" in "".join(str(c.value) for c in book["填表说明"]["A"])
    sheet = book[DATA_SHEET]
    assert [c.value for c in sheet[2]] == [c.header for c in COLUMNS]

    lists = {}
    for dv in sheet.data_validations.dataValidation:
        column = str(dv.sqref).split(":")[0].rstrip("0123456789")
        header = sheet[f"{column}2"].value
        sheet_name, cells = dv.formula1.lstrip("=").split("!")
        first, last = cells.replace("$", "").split(":")
        values = [c.value for row in book[sheet_name.strip("'")][f"{first}:{last}"] for c in row]
        lists[header] = values
    assert set(lists) >= {
        "细分行业",
        "退出类别",
        "当前状态",
        "退出方式",
        "坐标系",
        "州（市）",
        "县（市、区）",
    }
    assert len(lists["细分行业"]) == 16
    assert len(lists["州（市）"]) == 16 and "红河哈尼族彝族自治州" in lists["州（市）"]
    assert len(lists["县（市、区）"]) == 129
    assert lists["退出类别"] == [
        "淘汰类",
        "限制类",
        "能耗不达标",
        "环保不达标",
        "质量不达标",
        "安全不达标",
    ]


def test_a_filled_template_loads_cleanly(tmp_path):
    path = tmp_path / "filled.xlsx"
    write_template(path)
    book = openpyxl.load_workbook(path)
    sheet = book[DATA_SHEET]
    for r, serial in enumerate((1, 2), start=FIRST_DATA_ROW):
        row = unit_row(serial)
        for i, col in enumerate(COLUMNS, start=1):
            sheet.cell(row=r, column=i, value=row[col.header] or None)
    book.save(path)

    prepared = prepare([path])
    assert prepared.file_errors == []
    assert prepared.counts() == {"ok": 2, "warning": 0, "rejected": 0}
    assert prepared.rows["row"].to_list() == [3, 4]
    assert set(prepared.rows["sheet"]) == {DATA_SHEET}
    # Its instructions and its own hidden lists are expected: no note about either.
    assert prepared.files[0].notes == []
