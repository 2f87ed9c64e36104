"""The register's optional sheets, kept as data: 职工安置 (seed 四(三), one plan per firm) and
场地处置 (seed 三(三), one site per exited unit).

The template writes them from here, the reader recognises and reads them from here, and the
checks name their columns from here, so a header is spelled in one place only. They travel in
the same file as the register and are read by the same bounded reader (etl/read.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from etl.bounds import RegisterError
from etl.register import header_key
from exitmap.vocabulary import (
    LAND_OUTCOMES,
    LAND_RIGHTS,
    RESETTLEMENT_CHANNELS,
    RESETTLEMENT_STATUSES,
)

FIELD_KINDS = ("text", "code", "count", "amount", "date", "choice")
HEADER_SCAN_ROWS = 20
# The template's hidden sheet of drop-down lists (etl/template.py): no rows to read.
LISTS_SHEET = "代码表"
# A row is the header when it names this many of the sheet's columns (the template's do all).
MIN_HEADER_MATCHES = 2


@dataclass(frozen=True)
class Field:
    key: str
    header: str
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in FIELD_KINDS:
            raise ValueError(f"unknown kind {self.kind!r} for field {self.key}")


@dataclass(frozen=True)
class OptionalSheet:
    kind: str  # "plan" or "site": what a row of it records
    name: str  # the sheet's name in the template, by which the reader knows it
    title: str
    fields: tuple[Field, ...]
    # Its line in 填表说明.
    instruction: str

    def header(self, key: str) -> str:
        return next(f.header for f in self.fields if f.key == key)


PLAN_SHEET = OptionalSheet(
    "plan",
    "职工安置",
    "退出企业职工安置方案（选填）",
    (
        Field("credit_code", "统一社会信用代码", "code"),
        Field("enterprise_name", "企业名称"),
        Field("workers", "涉及职工（人）", "count", required=True),
        *(Field(c, f"{label}（人）", "count") for c, label in RESETTLEMENT_CHANNELS.items()),
        Field("funds_10k_yuan", "安置资金（万元）", "amount"),
        Field("plan_date", "方案日期", "date", required=True),
        Field("status", "方案状态", "choice", required=True, choices=RESETTLEMENT_STATUSES),
    ),
    "「职工安置」表（选填）：每家有装备退出的企业填一行，企业以统一社会信用代码（或企业全称）"
    "识别，须在本登记表中或已在库中、且属本州（市）；各渠道安置人数合计不超过涉及职工；"
    "方案日期填写到日。随登记表报送，审核采用时一并写入。",
)

SITE_SHEET = OptionalSheet(
    "site",
    "场地处置",
    "退出装备场地土地处置（选填）",
    (
        Field("credit_code", "统一社会信用代码", "code", required=True),
        Field("equipment_no", "装备编号", "code", required=True),
        Field("area_mu", "面积（亩）", "amount", required=True),
        Field("land_right", "土地权利", "choice", required=True, choices=LAND_RIGHTS),
        Field("outcome", "处置方式", "choice", required=True, choices=LAND_OUTCOMES),
        Field("outcome_date", "处置日期", "date", required=True),
    ),
    "「场地处置」表（选填）：每台已退出装备的场地填一行，装备以统一社会信用代码 + 装备编号识别"
    "（与登记表相同），须在处置日期前已退出（按本登记表或库中记录）；处置日期填写到日。"
    "随登记表报送，审核采用时一并写入。",
)

OPTIONAL_SHEETS: tuple[OptionalSheet, ...] = (PLAN_SHEET, SITE_SHEET)


def optional_sheet(name: str) -> OptionalSheet | None:
    """The optional sheet a workbook's sheet is, by its name (None: not one of them)."""
    key = header_key(name)
    return next((s for s in OPTIONAL_SHEETS if header_key(s.name) == key), None)


@dataclass
class OptionalRows:
    """The filled rows of one optional sheet, as text, with the Excel row each came from."""

    file: str
    sheet: str
    spec: OptionalSheet
    header_row: int
    # One Utf8 column per field found (by key), plus Int64 ``row``.
    data: pl.DataFrame
    # Header as the template spells it → its 1-based Excel column.
    positions: dict[str, int] = field(default_factory=dict)
    unknown_headers: list[str] = field(default_factory=list)


def _field_of(spec: OptionalSheet, cell: object) -> Field | None:
    if cell is None:
        return None
    key = header_key(str(cell))
    if not key:
        return None
    return next((f for f in spec.fields if header_key(f.header) == key), None)


def read_optional(
    file: str, sheet: str, grid: pl.DataFrame, spec: OptionalSheet, first_column: int = 0
) -> OptionalRows:
    """Find the header among the first rows, then keep every non-empty row under it.

    A sheet named like an optional sheet whose header cannot be found, or that lacks a
    required column, refuses the file: what the official meant to send must not vanish."""
    best, hits = None, MIN_HEADER_MATCHES - 1
    for i, cells in enumerate(grid.head(HEADER_SCAN_ROWS).iter_rows()):
        found = len({f.key for f in (_field_of(spec, c) for c in cells) if f})
        if found > hits:
            best, hits = i, found
    where = f"文件 {file} 工作表「{sheet}」"
    if best is None:
        named = "、".join(f"「{f.header}」" for f in spec.fields[:3])
        raise RegisterError(f"{where}：未找到表头行（应包含{named}等列）")
    columns: dict[str, str] = {}
    unknown: list[str] = []
    positions: dict[str, int] = {}
    for i, (col, cell) in enumerate(zip(grid.columns, grid.row(best), strict=True)):
        f = _field_of(spec, cell)
        if f is None:
            if cell is not None and str(cell).strip():
                unknown.append(" ".join(str(cell).split()))
            continue
        if f.key in columns.values():
            raise RegisterError(f"{where}：「{f.header}」列出现两次，请只保留一列")
        columns[col] = f.key
        positions[f.header] = first_column + i + 1
    missing = [f.header for f in spec.fields if f.required and f.key not in columns.values()]
    if spec is PLAN_SHEET and not {"credit_code", "enterprise_name"} & set(columns.values()):
        missing.append("统一社会信用代码（或企业名称）")
    if missing:
        raise RegisterError(f"{where}：缺少必填列{'、'.join(f'「{m}」' for m in missing)}")
    body = grid.slice(best + 1).select(
        pl.col(c).str.strip_chars().alias(k) for c, k in columns.items()
    )
    body = body.with_columns(pl.when(pl.all() != "").then(pl.all()).name.keep())
    body = body.with_row_index("row", offset=best + 2).with_columns(pl.col("row").cast(pl.Int64))
    body = body.filter(~pl.all_horizontal(pl.all().exclude("row").is_null()))
    return OptionalRows(file, sheet, spec, best + 1, body, positions, unknown)
