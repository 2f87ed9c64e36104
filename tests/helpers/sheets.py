"""The blank template filled in as a prefecture would: register rows, and rows of the optional
sheets 职工安置 and 场地处置 given by their headers (etl/sheets.py)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl

from etl.register import COLUMNS
from etl.sheets import PLAN_SHEET, SITE_SHEET, OptionalSheet
from etl.template import DATA_SHEET, FIRST_DATA_ROW, write_template


def _fill(sheet, spec: OptionalSheet, rows: list[dict]) -> None:
    for r, row in enumerate(rows, start=FIRST_DATA_ROW):
        for i, f in enumerate(spec.fields, start=1):
            value = row.get(f.header)
            if value not in (None, ""):
                cell = sheet.cell(r, i, value)
                if isinstance(value, str):
                    cell.data_type = "s"  # as typed, never a formula


def filled_template(
    folder: Path,
    units: list[dict[str, str]],
    plans: list[dict] = (),
    sites: list[dict] = (),
) -> openpyxl.Workbook:
    """The template with ``units`` on 登记表 and the plans and sites on their sheets (values
    by header: text as typed, or numbers and dates as Excel keeps them); not yet saved."""
    path = folder / "blank.xlsx"
    write_template(path)
    book = openpyxl.load_workbook(path)
    register = book[DATA_SHEET]
    for r, row in enumerate(units, start=FIRST_DATA_ROW):
        for i, col in enumerate(COLUMNS, start=1):
            register.cell(row=r, column=i, value=row[col.header] or None)
    _fill(book[PLAN_SHEET.name], PLAN_SHEET, list(plans))
    _fill(book[SITE_SHEET.name], SITE_SHEET, list(sites))
    return book


def book_bytes(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
