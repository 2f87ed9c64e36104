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

from etl.bounds import Limits, column_letters
from etl.register import COLUMNS

HEADERS = [c.header for c in COLUMNS]
# Stay this far under each limit: the files must be admitted.
MARGIN = 0.97


def _headers(columns: int) -> list[str]:
    return HEADERS[:columns] + [f"附加{i}" for i in range(len(HEADERS), columns)]


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def xlsx_package(path: Path, sheet_xml: bytes, shared_xml: bytes | None = None) -> Path:
    """The smallest xlsx calamine reads: one sheet named 登记表, given as XML, and optionally
    the shared strings. For files no spreadsheet program would write."""
    shared_type = (
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/>'
        if shared_xml is not None
        else ""
    )
    shared_rel = (
        f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        if shared_xml is not None
        else ""
    )
    parts = {
        "[Content_Types].xml": f'<Types xmlns="{_PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
        f"{shared_type}</Types>",
        "_rels/.rels": f'<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        '<sheet name="登记表" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f"{shared_rel}</Relationships>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode())
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if shared_xml is not None:
            z.writestr("xl/sharedStrings.xml", shared_xml)
    return path


def worst_xlsx(path: Path, limits: Limits) -> Path:
    rows, columns = limits.rows, limits.columns
    budget = int(limits.unpacked_bytes * MARGIN)

    # The sheet: shared-string cells row by row, as many per row as the budget allows.
    per_cell = len('<c r="AA100000" t="s"><v>1000000</v></c>')
    per_row = max(1, min(columns, budget // rows // per_cell))
    cells = 0
    pieces = [f'<worksheet xmlns="{_MAIN}"><sheetData>']
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
        f'<sst xmlns="{_MAIN}">'
        + "".join(f"<si><t>{i:0{text}d}</t></si>" for i in range(cells))
        + "</sst>"
    ).encode()
    return xlsx_package(path, sheet, shared)


def worst_csv(path: Path, limits: Limits) -> Path:
    rows, columns = limits.rows, limits.columns
    width = max(1, int(limits.file_bytes * MARGIN) // rows // columns - 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(_headers(columns)) + "\n")
        for r in range(rows):
            fh.write(",".join(f"{r + c:0{width}d}"[-width:] for c in range(columns)) + "\n")
    return path
