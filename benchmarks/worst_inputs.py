"""The largest register files the input limits admit (etl/bounds.py), for measuring memory.

Each fills one limit to the brim and the others as far as it allows:
- xlsx: EXITMAP_MAX_ROWS × EXITMAP_MAX_COLUMNS spanned (calamine's dense grid), its sheet
  XML, its shared strings and the shared text its cells copy each just under
  EXITMAP_MAX_UNPACKED_MB — every cell a distinct shared string, the costliest kind of cell;
- csv: EXITMAP_MAX_FILE_MB of EXITMAP_MAX_ROWS lines × EXITMAP_MAX_COLUMNS short cells.
The template's headers head the first columns, so every row is read, cleaned and located.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl

from etl.bounds import Limits, column_letters
from etl.register import COLUMNS

HEADERS = [c.header for c in COLUMNS]
# Stay this far under each limit: the files must be admitted.
MARGIN = 0.97


def _headers(columns: int) -> list[str]:
    return HEADERS[:columns] + [f"附加{i}" for i in range(len(HEADERS), columns)]


def worst_xlsx(path: Path, limits: Limits) -> Path:
    rows, columns = limits.rows, limits.columns
    budget = int(limits.unpacked_bytes * MARGIN)
    book = openpyxl.Workbook()
    book.active.title = "登记表"
    book.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}

    # The sheet: shared-string cells row by row, as many per row as the budget allows.
    per_cell = len('<c r="AA100000" t="s"><v>1000000</v></c>')
    per_row = max(1, min(columns, budget // rows // per_cell))
    cells = 0
    pieces = [
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    ]
    header = "".join(
        f'<c r="{column_letters(i + 1)}1" t="inlineStr"><is><t>{h}</t></is></c>'
        for i, h in enumerate(_headers(columns))
    )
    pieces.append(f'<row r="1">{header}</row>')
    letters = [column_letters(c + 1) for c in range(columns)]
    for r in range(2, rows + 1):
        width = columns if r == rows else per_row  # the last row spans every column
        row = "".join(f'<c r="{letters[c]}{r}" t="s"><v>{cells + c}</v></c>' for c in range(width))
        cells += width
        pieces.append(f'<row r="{r}">{row}</row>')
    pieces.append("</sheetData></worksheet>")
    sheet = "".join(pieces).encode()
    assert len(sheet) <= limits.unpacked_bytes, len(sheet)

    # One distinct string per cell, sized so that the table and the copies fill the budget.
    text = max(1, budget // cells - len("<si><t></t></si>"))
    shared = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "".join(f"<si><t>{i:0{text}d}</t></si>" for i in range(cells))
        + "</sst>"
    ).encode()
    parts["xl/worksheets/sheet1.xml"] = sheet
    parts["xl/sharedStrings.xml"] = shared
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def worst_csv(path: Path, limits: Limits) -> Path:
    rows, columns = limits.rows, limits.columns
    width = max(1, int(limits.file_bytes * MARGIN) // rows // columns - 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(_headers(columns)) + "\n")
        for r in range(rows):
            fh.write(",".join(f"{r + c:0{width}d}"[-width:] for c in range(columns)) + "\n")
    return path
