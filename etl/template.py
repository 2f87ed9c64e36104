"""The blank plant register that prefectures fill in: headers, drop-down lists, instructions.

The lists come from the same vocabularies the cleaner checks against (etl/register.py) and
from the boundaries, so the template can never offer a value the loader would reject. The
optional sheets (职工安置, 场地处置) are written from their definitions in etl/sheets.py.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from etl.register import COLUMNS
from etl.sheets import LISTS_SHEET, OPTIONAL_SHEETS, OptionalSheet
from exitmap.boundaries import load_counties, load_prefectures
from exitmap.cells import put
from exitmap.vocabulary import (
    ALL_SUB_INDUSTRIES,
    CATEGORIES,
    CRS_NAMES,
    EXIT_METHODS,
    SECTORS,
    STATUSES,
)

DATA_SHEET = "登记表"
FIRST_DATA_ROW = 3  # row 1: title, row 2: headers
LAST_DATA_ROW = 5000

INSTRUCTIONS = (
    "云南省淘汰落后和低端低效产能退出 · 装备登记表 填表说明",
    "",
    "1. 每台（套）装备（生产线、炉、窑、槽系列等）填一行；同一企业的多台装备分行填写。",
    "2. 统一社会信用代码为 18 位，系统按 GB 32100-2015 校验末位校验码。",
    "3. 装备编号在同一企业内唯一（如“1#高炉”），系统以“统一社会信用代码 + 装备编号”识别装备；"
    "请勿在不同批次中更换编号。",
    "4. 细分行业、退出类别、当前状态、退出方式、坐标系、州（市）、县（市、区）请从下拉列表选择。",
    "5. 退出类别可空：空表示该装备已登记、但尚未列入退出范围。",
    "6. 日期填写为 2021-12-31；只知道月份时可填 2021-12（按月末计算期限）。",
    "7. 能耗不达标须填写问题认定日期（整改期限按认定日期 + 6 个月计算，可延期不超过 3 个月）；"
    "环保、质量不达标请填写整改期限。",
    "8. 经度、纬度填写十进制度（如 102.7047）或度分秒（如 102°42′17″）；"
    "坐标系留空视为 WGS84（GPS、天地图为 WGS84/CGCS2000，高德、腾讯为 GCJ02，百度为 BD09）。",
    "9. 无坐标时请填写详细地址，系统按地址定位到县级代表点，并提示补填坐标。",
    "10. 产能单位为万吨/年（平板玻璃可折算为万吨/年并在规格型号中注明万重量箱/年），"
    "年综合能耗单位为吨标准煤，年用电量单位为万千瓦时。",
    *(f"{i}. {sheet.instruction}" for i, sheet in enumerate(OPTIONAL_SHEETS, start=11)),
    "",
    "载入：exitmap load 本文件.xlsx --report 报告.csv（报告逐行列出问题所在的工作表、行与列）。",
)

WIDTHS = {"enterprise_name": 28, "credit_code": 22, "address": 32, "spec": 16, "remarks": 24}


def _lists() -> dict[str, list[str]]:
    """Each drop-down's values, by the key of the column it serves."""
    prefectures = load_prefectures().sort_values("adcode")
    counties = load_counties().sort_values("adcode")
    return {
        "sector": list(SECTORS),
        "sub_industry": list(ALL_SUB_INDUSTRIES),
        "category": list(CATEGORIES),
        "status": list(STATUSES),
        "exit_method": list(EXIT_METHODS),
        "crs": list(CRS_NAMES),
        "prefecture": prefectures["name"].tolist(),
        "county": counties["name"].tolist(),
    }


def _headed(sheet, title: str, headers: list[tuple[str, bool, int]]) -> None:
    """A merged title on row 1, the headers on row 2 (required ones in red), frozen below."""
    sheet.merge_cells(f"A1:{get_column_letter(len(headers))}1")
    put(sheet, 1, 1, title)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    for i, (header, required, width) in enumerate(headers, start=1):
        cell = put(sheet, 2, i, header)
        cell.font = Font(bold=True, color="C00000" if required else "000000")
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"


class _Lists:
    """The hidden 代码表: one column per drop-down, each offered on its sheet's column."""

    def __init__(self, book: Workbook) -> None:
        self.codes = book.create_sheet(LISTS_SHEET)
        self.used = 0

    def offer(self, sheet, column: int, header: str, values: list[str]) -> None:
        self.used += 1
        j, letter = self.used, get_column_letter(self.used)
        put(self.codes, 1, j, header)
        for r, value in enumerate(values, start=2):
            put(self.codes, r, j, value)
        source = f"={quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
        check = DataValidation(
            type="list",
            formula1=source,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="请从列表选择",
            error="该值不在允许的列表中，请从下拉列表选择。",
        )
        target = get_column_letter(column)
        check.add(f"{target}{FIRST_DATA_ROW}:{target}{LAST_DATA_ROW}")
        sheet.add_data_validation(check)


def _optional(book: Workbook, spec: OptionalSheet, lists: _Lists) -> None:
    sheet = book.create_sheet(spec.name)
    headers = [
        (f.header, f.required, 22 if f.kind in ("code", "text") else 14) for f in spec.fields
    ]
    _headed(sheet, spec.title, headers)
    for i, f in enumerate(spec.fields, start=1):
        if f.choices:
            lists.offer(sheet, i, f"{spec.name}·{f.header}", list(f.choices))


def write_template(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    headers = [(c.header, c.required, WIDTHS.get(c.key, 12)) for c in COLUMNS]
    _headed(sheet, "云南省淘汰落后和低端低效产能退出装备登记表", headers)
    lists = _Lists(book)
    for key, values in _lists().items():
        column = next(i for i, c in enumerate(COLUMNS, 1) if c.key == key)
        lists.offer(sheet, column, COLUMNS[column - 1].header, values)
    # The optional sheets come after the register, before the hidden lists.
    for spec in OPTIONAL_SHEETS:
        _optional(book, spec, lists)
        book.move_sheet(spec.name, offset=-1)
    lists.codes.sheet_state = "hidden"

    notes = book.create_sheet("填表说明", 0)
    for r, line in enumerate(INSTRUCTIONS, start=1):
        put(notes, r, 1, line)
    notes["A1"].font = Font(bold=True, size=13)
    notes.column_dimensions["A"].width = 120
    book.active = book.sheetnames.index(DATA_SHEET)
    book.save(path)
