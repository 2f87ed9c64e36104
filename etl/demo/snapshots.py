"""What the register said on each snapshot date, written as one xlsx per date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from etl.demo.layout import DATE_HEADERS, GUIDE_LINES, GUIDE_SHEET, HEADERS, REMARK, TITLE
from etl.demo.places import prefectures_and_counties
from etl.demo.timelines import build_units
from etl.demo.units import Unit
from exitmap.cells import neutralise
from exitmap.vocabulary import SECTOR_OF


def snapshot_dates(today: dt.date) -> list[dt.date]:
    """Year ends 2020–2025 before `today`, then `today`."""
    ends = [dt.date(y, 12, 31) for y in range(2020, 2026)]
    return [d for d in ends if d < today] + [today]


def _row(u: Unit, state: dict) -> list:
    ent, eq = u.enterprise, u.equipment
    return [
        None,  # 序号, filled per sheet
        ent.county.prefecture_name,
        ent.county.name,
        ent.name,
        ent.credit_code,
        SECTOR_OF[u.sub],
        u.sub,
        eq.name,
        u.number,
        eq.spec,
        eq.capacity,
        eq.energy,
        eq.electricity,
        u.category,
        state["status"],
        state["identified"],
        state["deadline"],
        state["planned"],
        state["exited"],
        state["method"],
        eq.workers,
        ent.address,
        None if u.x is None else round(u.x, 6),
        None if u.y is None else round(u.y, 6),
        ent.crs,
        REMARK,
    ]


def snapshot_rows(units: list[Unit], when: dt.date) -> dict[int, list[list]]:
    """Rows per prefecture adcode (in adcode order) of the register as it stood on `when`."""
    pref_names, _ = prefectures_and_counties()
    rows: dict[int, list[list]] = {a: [] for a in sorted(pref_names)}
    for u in units:
        state = u.state(when)
        if state is not None:
            rows[u.enterprise.county.prefecture].append(_row(u, state))
    for sheet in rows.values():
        for i, row in enumerate(sheet, start=1):
            row[0] = i
    return rows


# These prefectures type their dates as text ("2021-12-31") instead of date cells.
TEXT_DATE_PREFECTURES = (530500, 530700, 533100)  # 保山, 丽江, 德宏
_DATE_COLUMNS = tuple(HEADERS.index(h) for h in DATE_HEADERS)
_BOLD = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=14)
_CENTRE = Alignment(horizontal="center")
_DATE_FMT = "yyyy-mm-dd"
_WIDTHS = {"企业名称": 30, "统一社会信用代码": 21, "规格型号": 26, "详细地址": 44, "备注": 26}


def _styled(ws, value, font: Font | None = None, fmt: str | None = None, align=None):
    cell = WriteOnlyCell(ws, neutralise(value))
    if font is not None:
        cell.font = font
    if fmt is not None:
        cell.number_format = fmt
    if align is not None:
        cell.alignment = align
    return cell


def _write_workbook(path: Path, rows: dict[int, list[list]], when: dt.date) -> None:
    """One xlsx: the guide sheet, then one sheet per prefecture (write-only: fast)."""
    pref_names, _ = prefectures_and_counties()
    wb = Workbook(write_only=True)
    stamp = dt.datetime.combine(when, dt.time())
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = "exitmap demo"
    guide = wb.create_sheet(GUIDE_SHEET)
    guide.column_dimensions["A"].width = 100
    for i, line in enumerate(GUIDE_LINES):
        guide.append([_styled(guide, line, _BOLD if i == 0 else None)])
    title = TITLE.format(date=when.isoformat())
    for adcode, sheet_rows in rows.items():
        ws = wb.create_sheet(pref_names[adcode][1])
        for i, h in enumerate(HEADERS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(
                h, max(8, len(h) * 2 + 2)
            )
        ws.freeze_panes = "A3"
        ws.merged_cells.add(f"A1:{get_column_letter(len(HEADERS))}1")
        ws.append([_styled(ws, title, _TITLE_FONT, align=_CENTRE)])
        ws.append([_styled(ws, h, _BOLD) for h in HEADERS])
        as_text = adcode in TEXT_DATE_PREFECTURES
        for row in sheet_rows:
            for c in _DATE_COLUMNS:
                if row[c] is not None:
                    row[c] = row[c].isoformat() if as_text else _styled(ws, row[c], fmt=_DATE_FMT)
            ws.append([v if isinstance(v, Cell) else neutralise(v) for v in row])
    wb.save(path)


def write_demo(out_dir: Path, today: dt.date, seed: int = 2022) -> list[tuple[Path, dt.date]]:
    """Write the synthetic register snapshots into `out_dir`; (path, as_of) in date order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    units = build_units(today, seed)
    written = []
    for when in snapshot_dates(today):
        path = out_dir / f"demo-register-{when.isoformat()}.xlsx"
        _write_workbook(path, snapshot_rows(units, when), when)
        written.append((path, when))
    return written


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("demo")
