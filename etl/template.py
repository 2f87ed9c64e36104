"""The blank plant register that prefectures fill in: headers, drop-down lists, instructions.

The lists come from the same vocabularies the cleaner checks against (etl/register.py) and
from the boundaries, so the template can never offer a value the loader would reject.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from etl.register import COLUMNS
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
LISTS_SHEET = "代码表"
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


def write_template(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    lists = _lists()

    last_col = get_column_letter(len(COLUMNS))
    sheet.merge_cells(f"A1:{last_col}1")
    put(sheet, 1, 1, "云南省淘汰落后和低端低效产能退出装备登记表")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    for i, col in enumerate(COLUMNS, start=1):
        cell = put(sheet, 2, i, col.header)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(i)].width = WIDTHS.get(col.key, 12)
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"

    codes = book.create_sheet(LISTS_SHEET)
    for j, (key, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(j)
        put(codes, 1, j, next(c.header for c in COLUMNS if c.key == key))
        for r, value in enumerate(values, start=2):
            put(codes, r, j, value)
        source = f"={quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
        target_col = get_column_letter(next(i for i, c in enumerate(COLUMNS, 1) if c.key == key))
        check = DataValidation(
            type="list",
            formula1=source,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="请从列表选择",
            error="该值不在允许的列表中，请从下拉列表选择。",
        )
        check.add(f"{target_col}{FIRST_DATA_ROW}:{target_col}{LAST_DATA_ROW}")
        sheet.add_data_validation(check)
    codes.sheet_state = "hidden"

    notes = book.create_sheet("填表说明", 0)
    for r, line in enumerate(INSTRUCTIONS, start=1):
        put(notes, r, 1, line)
    notes["A1"].font = Font(bold=True, size=13)
    notes.column_dimensions["A"].width = 120
    book.active = book.sheetnames.index(DATA_SHEET)
    book.save(path)
