"""A table of units as the 数据 page's downloads: CSV, Excel and GeoJSON of the same rows.

The rows are the ones the server read for the view (layers.unit_table), already in the page's
words; every text cell is written inert (exitmap/cells.py), in all three formats, so a name that
looks like a formula reads the same in each and runs in none.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from openpyxl import Workbook

from exitmap.cells import neutralise, write_only_row

STEM = "exitmap-units"
POINT = ("lon", "lat")


def table_csv(fields: Sequence[str], rows: Sequence[dict]) -> str:
    """UTF-8 text with a BOM (so Excel shows the Chinese), one line per row."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise(f) for f in fields])
    for r in rows:
        writer.writerow(["" if r.get(f) is None else neutralise(r.get(f)) for f in fields])
    return out.getvalue()


def taken_line(taken: dict | None) -> str:
    """ "导出：<user> <time>" for a file that says who took it (``taken``: user, at)."""
    return f"导出：{taken['user']} {taken['at']}" if taken else ""


def table_xlsx(
    fields: Sequence[str], rows: Sequence[dict], marking: str, taken: dict | None = None
) -> bytes:
    """One sheet of the rows (streamed: the workbook is never held cell by cell), and the
    marking and who took the file on a sheet of their own (and in the document's properties)."""
    book = Workbook(write_only=True)
    if taken:
        book.properties.creator = book.properties.lastModifiedBy = taken["user"]
        book.properties.description = taken_line(taken)
    sheet = book.create_sheet("units")
    sheet.append(write_only_row(sheet, fields))
    for r in rows:
        sheet.append(write_only_row(sheet, [r.get(f) for f in fields]))
    notes = [n for n in (marking, taken_line(taken)) if n]
    if notes:
        note = book.create_sheet("marking")
        note.append(write_only_row(note, ["note"]))
        for line in notes:
            note.append(write_only_row(note, [line]))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def table_geojson(
    fields: Sequence[str], rows: Sequence[dict], marking: str, taken: dict | None = None
) -> str:
    """Points at lon/lat with the other fields as properties (text made inert as well: GIS
    programs export these properties to spreadsheets)."""
    feats = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            "properties": {f: neutralise(r.get(f)) for f in fields if f not in POINT},
        }
        for r in rows
    ]
    doc: dict = {"type": "FeatureCollection", "features": feats}
    if taken:
        doc["exported_by"] = {k: neutralise(v) for k, v in taken.items()}
    if marking:
        doc["marking"] = marking
    return json.dumps(doc, ensure_ascii=False)
