"""The user's own workbook with its problems marked: each problem cell filled (red: the row is
rejected; amber: a warning) and its messages as the cell's comment. Nothing else changes —
no value, sheet, width or style of another cell — so the official fixes the file they sent.

A CSV or an old .xls cannot carry marks: for those, an xlsx of the rows as read (each row at
its own row number, each column where it stood) is marked the same way, and its first sheet
says so.
"""

from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from etl.pipeline import Prepared
from exitmap.cells import put

ERROR_FILL = PatternFill("solid", start_color="FFF4B6B6", end_color="FFF4B6B6")
WARNING_FILL = PatternFill("solid", start_color="FFFFE08A", end_color="FFFFE08A")
AUTHOR = "产能退出一张图"
# Excel shows a comment's box at a fixed size; long lists of messages get a bigger one.
COMMENT_WIDTH, LINE_HEIGHT = 320, 18
KEPT_AS_IS = (".xlsx", ".xlsm")


def annotated(name: str, content: bytes, prepared: Prepared, report: dict) -> tuple[str, bytes]:
    """(file name, xlsx bytes) of the marked copy."""
    if name.lower().endswith(KEPT_AS_IS):
        book = load_workbook(io.BytesIO(content), keep_vba=name.lower().endswith(".xlsm"))
        out_name = name
    else:
        book = _rows_as_read(prepared)
        out_name = name.rsplit(".", 1)[0] + "（标注）.xlsx"
    _mark(book, prepared, report)
    buffer = io.BytesIO()
    book.save(buffer)
    return out_name, buffer.getvalue()


def _targets(prepared: Prepared, report: dict) -> dict[tuple[str, str], list[dict]]:
    """(sheet, cell reference) → its problems. A problem of the whole row sits on the row's
    first column."""
    first = {
        sheet: min(cols.values())
        for info in prepared.files
        for sheet, cols in info.positions.items()
        if cols
    }
    cells: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for task in report.get("tasks", []):
        for e in task["errors"]:
            if e.get("rowNumber") is None:
                continue
            ref = (
                e.get("cellRef") or f"{get_column_letter(first.get(e['sheet'], 1))}{e['rowNumber']}"
            )
            cells[(e["sheet"], ref)].append(e)
    return cells


def _mark(book, prepared: Prepared, report: dict) -> None:
    for (sheet, ref), problems in _targets(prepared, report).items():
        if sheet not in book.sheetnames:
            continue
        cell = book[sheet][ref]
        error = any(p["severity"] == "error" for p in problems)
        cell.fill = ERROR_FILL if error else WARNING_FILL
        lines = [("✗ " if p["severity"] == "error" else "△ ") + p["message"] for p in problems]
        comment = Comment("\n".join(lines), AUTHOR)
        comment.width = COMMENT_WIDTH
        comment.height = LINE_HEIGHT * (2 + sum(len(line) // 18 + 1 for line in lines))
        cell.comment = comment


def _rows_as_read(prepared: Prepared):
    book = Workbook()
    note = book.active
    note.title = "说明"
    put(
        note,
        1,
        1,
        "原文件为 CSV 或 xls，无法直接标注：以下各表按读取到的行列位置重建，问题单元格已标注。",
    )
    for info in prepared.files:
        for sheet in info.sheets:
            ws = book.create_sheet(sheet[:31])
            positions = info.positions.get(sheet, {})
            header = info.header_rows.get(sheet, 1)
            for label, column in positions.items():
                put(ws, header, column, label)
            rows = prepared.rows.filter(
                (prepared.rows["file"] == info.name) & (prepared.rows["sheet"] == sheet)
            )
            for r in rows.select("row", "raw").iter_rows(named=True):
                for label, value in (r["raw"] or {}).items():
                    if value is not None and label in positions:
                        put(ws, r["row"], positions[label], value)
    return book
