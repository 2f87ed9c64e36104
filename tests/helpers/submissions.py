"""Registers a prefecture submits in the tests, and their scopes."""

from __future__ import annotations

import io

import openpyxl
from openpyxl.styles import Font

from exitmap.scope import Scope
from tests.helpers.registers import HEADERS, credit_code, unit_row

KUNMING, QUJING = 530100, 530300
KUNMING_USER = Scope("prefecture", "t_kunming", frozenset({KUNMING}))
QUJING_USER = Scope("prefecture", "t_qujing", frozenset({QUJING}))
OFFICE = Scope("province", "t_province")
OFFICE_2 = Scope("province", "t_province2")


def qujing_row(serial: int) -> dict[str, str]:
    """A valid unit in 麒麟区, 曲靖市 — not Kunming's to submit."""
    return unit_row(
        serial,
        prefecture="曲靖市",
        county="麒麟区",
        统一社会信用代码=credit_code(serial, 530302),
        详细地址="云南省曲靖市麒麟区",
        经度="103.7970",
        纬度="25.5010",
    )


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    out.write(",".join(HEADERS) + "\n")
    for r in rows:
        out.write(",".join(r.get(h, "") for h in HEADERS) + "\n")
    return out.getvalue().encode()


def workbook_bytes(rows: list[dict[str, str]]) -> bytes:
    """An xlsx as prefectures send it: a merged title above the header, a bold header, a
    guidance sheet after the register."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "登记表"
    sheet.cell(1, 1, "昆明市淘汰落后产能装备登记表")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    for col, header in enumerate(HEADERS, start=1):
        sheet.cell(2, col, header).font = Font(bold=True)
    for r, row in enumerate(rows, start=3):
        for col, header in enumerate(HEADERS, start=1):
            if row.get(header):
                # Text as typed, even "=…" (openpyxl would store it as a formula).
                sheet.cell(r, col, row[header]).data_type = "s"
    sheet.column_dimensions["D"].width = 30
    guide = book.create_sheet("填表说明")
    guide["A1"] = "每台装备一行；退出类别按政策文件填写。"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
