"""The public lists of seed 三(六) and 三(八), as xlsx files in the shape departments publish.

Files written by ``write_lists(engine, on, out_dir)`` (one sheet each):

1–4. 不达标应限期整改企业名单, one per lead department: 能耗 (省发展改革委、省工业和信息化厅),
     环保 (省生态环境厅), 质量 (省市场监管局), 安全 (省应急管理厅) — units of the category in
     整改中 / 延期整改 / 停产 with a deadline (an overdue one stays listed, its 期限状态 says so);
5.   经整改仍不达标应提请关闭企业名单 — overdue units of the four 不达标 categories;
6.   已依法关闭企业名单 — in-scope units exited on or before the date (all categories);
7.   年度落后产能退出企业名单 — units exited in the calendar year of the date, with equipment
     (line), specification and capacity;
8.   未按期完成退出任务企业名单（信用约束）— overdue units of every category, one row per firm,
     for the provincial credit platform and 信用中国（云南）(seed 三(六)).

Each sheet: a title row, the issuing department and 数据截至 date, unit notes, a frozen header
row, 序号, column widths fitted to Chinese text, printed landscape to page width.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from exitmap import cells
from exitmap.scope import EVERYTHING, Scope
from exports.office import SYNTHETIC_NOTE, as_of_zh, fixed_time, mark_taken, stabilize
from layers import disclosure
from layers.meta import data_status

XLSX_FONT = "宋体"
TITLE_FONT = "黑体"
UNIT_NOTE = "单位：产能 万吨/年（按台账申报口径）；年综合能耗 吨标准煤"


@dataclass(frozen=True)
class Column:
    header: str
    field: str | Callable[[pd.Series], object]
    width: float
    number_format: str | None = None


def _deadline_state(r: pd.Series) -> str:
    return f"已逾期{int(r['days_late'])}天" if r["overdue"] else "未到期"


def _equipment(r: pd.Series) -> str:
    return "".join(x for x in (r["equipment_name"], f"（{r['spec']}）" if r["spec"] else "") if x)


PLACE = [
    Column("州（市）", "prefecture_name", 20),
    Column("县（市、区）", "county_name", 16),
    Column("企业名称", "enterprise_name", 36),
    Column("统一社会信用代码", "credit_code", 22),
]
EQUIPMENT = [
    Column("行业", "sector", 10),
    Column("细分行业", "sub_industry", 10),
    Column("装备（生产线）名称", "equipment_name", 18),
    Column("装备编号", "equipment_no", 12),
    Column("规格型号", "spec", 22),
]
CAPACITY = Column("产能（万吨/年）", "capacity_wt", 13, "#,##0.00")
ENERGY = Column("年综合能耗（吨标准煤）", "energy_tce", 16, "#,##0")
DEADLINE = Column("整改期限", "deadline", 13, "yyyy-mm-dd")

RECTIFY_COLUMNS = [
    *PLACE,
    *EQUIPMENT,
    ENERGY,
    Column("问题类别", "category", 12),
    Column("当前状态", "status", 10),
    DEADLINE,
    Column("期限状态", _deadline_state, 14),
]
CLOSE_COLUMNS = [
    *PLACE,
    *EQUIPMENT,
    ENERGY,
    Column("问题类别", "category", 12),
    Column("当前状态", "status", 10),
    DEADLINE,
    Column("逾期天数", "days_late", 10, "0"),
    Column("牵头部门", "departments", 28),
]
CLOSED_COLUMNS = [
    *PLACE,
    *EQUIPMENT,
    CAPACITY,
    ENERGY,
    Column("退出类别", "category", 12),
    Column("退出方式", "exit_method", 10),
    Column("当前状态", "status", 10),
    Column("退出日期", "exit_date", 13, "yyyy-mm-dd"),
]
ANNUAL_COLUMNS = [
    *PLACE,
    *EQUIPMENT,
    CAPACITY,
    ENERGY,
    Column("退出类别", "category", 12),
    Column("退出方式", "exit_method", 10),
    Column("退出日期", "exit_date", 13, "yyyy-mm-dd"),
]
CREDIT_COLUMNS = [
    Column("企业名称", "enterprise_name", 36),
    Column("统一社会信用代码", "credit_code", 22),
    Column("州（市）", "prefecture_name", 20),
    Column("县（市、区）", "county_name", 16),
    Column("逾期装备（台套）", "units", 12, "0"),
    Column("逾期装备", "equipment", 48),
    Column("退出类别", "categories", 18),
    Column("最早期限", "first_deadline", 13, "yyyy-mm-dd"),
    Column("最长逾期天数", "max_days_late", 12, "0"),
]


@dataclass(frozen=True)
class Listing:
    file: str
    title: str
    issuer: str
    columns: list[Column]
    rows: pd.DataFrame


def rectify_rows(units: pd.DataFrame, category: str) -> pd.DataFrame:
    """Units of ``category`` given time to rectify: in a RECTIFYING status, with a deadline."""
    mask = (units["category"] == category) & units["status"].isin(disclosure.RECTIFYING)
    mask &= units["remaining"] & units["deadline"].notna()
    return units[mask]


def close_rows(units: pd.DataFrame) -> pd.DataFrame:
    """Overdue units of the four 不达标 categories: rectification failed, closure to be sought."""
    return units[units["category"].isin(disclosure.SUBSTANDARD) & units["overdue"].astype(bool)]


def closed_rows(units: pd.DataFrame) -> pd.DataFrame:
    return units[units["in_scope"] & (units["resolution"] == "退出")].sort_values(
        ["prefecture_adcode", "exit_date", "unit_key"], kind="stable"
    )


def credit_rows(units: pd.DataFrame) -> pd.DataFrame:
    """Overdue units grouped by firm (credit code, else name), worst first."""
    late = units[units["overdue"].astype(bool)].copy()
    if late.empty:
        return pd.DataFrame(columns=[c.field for c in CREDIT_COLUMNS])
    late["firm"] = late["credit_code"].fillna(late["enterprise_name"])
    late["item"] = late.apply(_equipment, axis=1) + late["unit_key"].map(lambda k: f" [{k}]")
    grouped = late.groupby("firm", sort=False).agg(
        enterprise_name=("enterprise_name", "first"),
        credit_code=("credit_code", "first"),
        prefecture_adcode=("prefecture_adcode", "first"),
        prefecture_name=("prefecture_name", "first"),
        county_name=("county_name", "first"),
        units=("unit_key", "size"),
        equipment=("item", "；".join),
        categories=("category", lambda s: "、".join(dict.fromkeys(s))),
        first_deadline=("deadline", "min"),
        max_days_late=("days_late", "max"),
    )
    return grouped.sort_values(
        ["prefecture_adcode", "max_days_late", "enterprise_name"],
        ascending=[True, False, True],
        kind="stable",
    ).reset_index(drop=True)


def listings(units: pd.DataFrame, on: dt.date, scope: Scope = EVERYTHING) -> list[Listing]:
    """Every list for the units of ``disclosure.units(engine, on)``, in publication order; for
    a department, the 限期整改 lists of its own categories only."""
    out = []
    for i, category in enumerate(disclosure.SUBSTANDARD, start=1):
        if not scope.owns_category(category):
            continue
        depts = disclosure.departments(category)
        out.append(
            Listing(
                f"{i:02d}_{category}应限期整改企业名单.xlsx",
                f"{category}应限期整改企业名单",
                depts,
                RECTIFY_COLUMNS,
                rectify_rows(units, category),
            )
        )
    all_depts = "、".join(
        dict.fromkeys(d for c in disclosure.SUBSTANDARD for d in disclosure.LEAD_DEPARTMENTS[c])
    )
    out += [
        Listing(
            "05_经整改仍不达标应提请关闭企业名单.xlsx",
            "经整改仍不达标、应依法提请关闭企业名单",
            all_depts,
            CLOSE_COLUMNS,
            close_rows(units),
        ),
        Listing(
            "06_已依法关闭企业名单.xlsx",
            "已依法关闭（退出）企业名单",
            all_depts,
            CLOSED_COLUMNS,
            closed_rows(units),
        ),
        Listing(
            f"07_{on.year}年度落后产能退出企业名单.xlsx",
            f"{on.year}年度落后和低端低效产能退出企业名单",
            "省工业和信息化厅",
            ANNUAL_COLUMNS,
            # Exited means exited on or before ``on``: the year's list so far.
            disclosure.exited_in_year(units, on.year),
        ),
        Listing(
            "08_未按期完成退出任务企业名单（信用约束）.xlsx",
            "未按期完成落后产能退出任务企业名单（纳入信用约束）",
            "省级各有关部门",
            CREDIT_COLUMNS,
            credit_rows(units),
        ),
    ]
    return out


def _value(row: pd.Series, col: Column):
    v = col.field(row) if callable(col.field) else row[col.field]
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if hasattr(v, "item"):  # numpy scalars → Python
        return v.item()
    return v


THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")


def write_listing(
    listing: Listing, path: Path, on: dt.date, synthetic: bool, known_on: dt.date | None = None
) -> int:
    """Write one list; return its number of data rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = listing.title[:31]
    cols = [Column("序号", "__n", 6), *listing.columns]
    last = get_column_letter(len(cols))
    cells.append(ws, [listing.title])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(name=TITLE_FONT, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 32
    as_of = as_of_zh(on, known_on, sep="：")
    cells.append(ws, [f"发布单位：{listing.issuer}    {as_of}    {UNIT_NOTE}"])
    ws.merge_cells(f"A2:{last}2")
    notes = [f"共 {len(listing.rows)} 条。"]
    if synthetic:
        notes.append(SYNTHETIC_NOTE)
    cells.append(ws, ["".join(notes)])
    ws.merge_cells(f"A3:{last}3")
    for r in (2, 3):
        ws.cell(r, 1).font = Font(name=XLSX_FONT, size=10, color="B00000" if r == 3 else "000000")
    cells.append(ws, [c.header for c in cols])
    header_row = 4
    for j, col in enumerate(cols, start=1):
        cell = ws.cell(header_row, j)
        cell.font = Font(name=XLSX_FONT, size=11, bold=True)
        cell.fill = HEADER_FILL
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(j)].width = col.width
    ws.row_dimensions[header_row].height = 30
    for n, (_, row) in enumerate(listing.rows.iterrows(), start=1):
        cells.append(ws, [n, *(_value(row, c) for c in listing.columns)])
        for j, col in enumerate(cols, start=1):
            cell = ws.cell(header_row + n, j)
            cell.font = Font(name=XLSX_FONT, size=10)
            cell.border = BOX
            cell.alignment = Alignment(vertical="center", wrap_text=col.width >= 30)
            if col.number_format:
                cell.number_format = col.number_format
    ws.freeze_panes = ws.cell(header_row + 1, 2)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if len(listing.rows):
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(listing.rows)}"
    wb.properties.creator = "产能退出一张图"
    wb.properties.title = listing.title
    wb.properties.created = wb.properties.modified = fixed_time(on)
    wb.save(path)
    stabilize(path, on)
    return len(listing.rows)


def write_lists(
    engine: sa.Engine,
    on: dt.date,
    out_dir: Path,
    known_on: dt.date | None = None,
    scope: Scope = EVERYTHING,
) -> dict[Path, int]:
    """Write every list for ``on`` (as known on ``known_on``, if given) into ``out_dir``;
    return {path: data rows}.

    The lists are ``scope``'s own: of the prefectures it sees and, for a department, of the
    categories it leads (a department publishes its own lists; the filter is in the query)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    owned = None if scope.categories is None else sorted(scope.categories)
    units = disclosure.units(engine, on, scope=scope, known_on=known_on, category=owned)
    synthetic = bool(data_status(engine).get("synthetic"))
    written = {}
    for listing in listings(units, on, scope):
        path = out_dir / listing.file
        written[path] = write_listing(listing, path, on, synthetic, known_on)
    return written


def lists_zip(
    engine: sa.Engine,
    on: dt.date,
    scope: Scope,
    taken_by: str,
    at: dt.datetime,
    known_on: dt.date | None = None,
) -> tuple[bytes, int]:
    """(a zip of ``scope``'s lists, each marked as taken by ``taken_by`` at ``at``; the number
    of list rows in it) — the lists as a browser downloads them."""
    with tempfile.TemporaryDirectory() as tmp:
        written = write_lists(engine, on, Path(tmp), known_on, scope)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in written:
                mark_taken(path, taken_by, at)
                bundle.write(path, path.name)
    return buffer.getvalue(), sum(written.values())
