"""Read a plant register (xlsx, xlsm, xls or csv) into string tables keyed by canonical column.

Every cell comes back as text (null when empty) together with the Excel row number the official
sees, so later messages can point at the exact row of the file they submitted.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

from etl.apart import read_apart
from etl.bounds import Formula, Limits, RegisterError, check_csv, check_workbook, regular_file
from etl.register import BY_KEY, REQUIRED, header_key, match_header
from etl.sheets import LISTS_SHEET, OptionalRows, optional_sheet, read_optional
from etl.text import decode

# Zipped workbooks are scanned before calamine reads them (etl/bounds.py); an .xls, which
# cannot be scanned cheaply, is read in a child process whose memory is capped (etl/apart.py).
ZIPPED_EXCEL_SUFFIXES = (".xlsx", ".xlsm")
EXCEL_SUFFIXES = (*ZIPPED_EXCEL_SUFFIXES, ".xls")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
CSV_DELIMITERS = (",", "\t", ";", "|")
HEADER_SCAN_ROWS = 20
MIN_HEADER_MATCHES = 3
# Sheets whose name says they are guidance, not data, are never read as registers.
GUIDE_SHEET_WORDS = ("说明", "填表", "指引", "示例", "样例", "instruction", "readme", "字典")
# Rows of sums at the bottom of a register are not equipment.
TOTAL_MARKERS = ("合计", "总计", "小计", "total")


# Unrecognised columns travel under these names until they get their headers back.
_EXTRA = "\x00extra"


@dataclass
class Sheet:
    file: str
    sheet: str
    header_row: int
    # One Utf8 column per recognised canonical key (absent columns are absent), plus Int64 `row`.
    data: pl.DataFrame
    unknown_headers: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    # The columns no canonical key matched, under their headers, row for row with `data`: not
    # read, but part of the row as the user wrote it (a rejected row is quarantined whole).
    extra: pl.DataFrame | None = None
    # Cells of data rows that hold a formula: Excel row, the column's header as written, and
    # whether the file saved the formula's result (calamine reads that, or nothing).
    formulas: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FORMULA_SCHEMA))
    # Where each column stands in the sheet as the user sees it: the label messages name it by
    # (the canonical header, or the header as written) → its 1-based Excel column. A report can
    # then point at a cell (``D7``) and an annotated copy can mark it.
    positions: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SkippedSheet:
    sheet: str
    reason: str


class SheetList(list[Sheet]):
    """The sheets read from one file; `skipped` says which sheets were left out and why;
    `optional` holds the template's optional sheets (etl/sheets.py) the workbook carries."""

    def __init__(
        self,
        sheets: list[Sheet],
        skipped: list[SkippedSheet],
        optional: list[OptionalRows] | None = None,
    ) -> None:
        super().__init__(sheets)
        self.skipped = skipped
        self.optional = optional or []


FORMULA_SCHEMA = {"row": pl.Int64, "column": pl.Utf8, "cached": pl.Boolean}


@dataclass
class _Grid:
    name: str
    cells: pl.DataFrame | None  # None: a hidden sheet
    # Formulas by the grid's own column index (the grid starts at the first filled column).
    formulas: list[Formula] = field(default_factory=list)
    # The sheet's column (0-based) of the grid's first column: empty columns before it are
    # not read.
    first_column: int = 0


def read_register(path: Path, limits: Limits | None = None) -> SheetList:
    path = Path(path)
    limits = limits or Limits.from_settings()
    suffix = path.suffix.lower()
    if suffix not in EXCEL_SUFFIXES + CSV_SUFFIXES:
        raise RegisterError(
            f"文件 {path.name}：不支持的文件类型「{path.suffix}」，请提交 xlsx、xls 或 csv 文件"
        )
    regular_file(path, limits)
    if suffix in EXCEL_SUFFIXES:
        grids = _excel_grids(path, limits)
    else:
        grids = [_Grid(path.stem or "CSV", _csv_grid(path, limits))]
    for grid in grids:
        _check_extent(path.name, grid, limits)

    sheets: list[Sheet] = []
    skipped: list[SkippedSheet] = []
    optional: list[OptionalRows] = []
    for g in grids:
        name, grid = g.name, g.cells
        # A CSV is one sheet, the register; only a workbook carries the optional sheets.
        spec = optional_sheet(name) if suffix in EXCEL_SUFFIXES else None
        if grid is None and name == LISTS_SHEET:
            skipped.append(SkippedSheet(name, TEMPLATE_LISTS))
        elif grid is None:
            skipped.append(SkippedSheet(name, "隐藏工作表，已跳过"))
        elif spec is not None:
            if not _is_empty(grid):
                optional.append(read_optional(path.name, name, grid, spec, g.first_column))
        elif any(word in header_key(name) for word in GUIDE_SHEET_WORDS):
            skipped.append(SkippedSheet(name, GUIDE))
        elif _is_empty(grid):
            skipped.append(SkippedSheet(name, "空表，已跳过"))
        else:
            sheet = _to_sheet(path.name, name, grid, g.formulas, g.first_column)
            if sheet is None:
                skipped.append(SkippedSheet(name, "未找到表头行，已跳过"))
            else:
                sheets.append(sheet)
    if not sheets:
        raise RegisterError(
            f"文件 {path.name}：未找到表头行（应包含「企业名称」「统一社会信用代码」等列）"
            + _skipped_note(skipped)
        )
    return SheetList(sheets, skipped, optional)


# Sheets a register is expected to carry besides its rows: its instructions, and the template's
# own hidden drop-down lists (etl/template.py). Skipped without a note to the user.
GUIDE = "说明页，已跳过"
TEMPLATE_LISTS = "模板的下拉列表，已跳过"
EXPECTED = (GUIDE, TEMPLATE_LISTS)


def _skipped_note(skipped: list[SkippedSheet]) -> str:
    if not skipped:
        return ""
    return "；" + "；".join(f"工作表「{s.sheet}」{s.reason}" for s in skipped)


# ---------------------------------------------------------------- raw grids
# A grid is a DataFrame of Utf8 columns whose row i is row i + 1 of the file as Excel shows it.


def _excel_grids(path: Path, limits: Limits) -> list[_Grid]:
    if path.suffix.lower() not in ZIPPED_EXCEL_SUFFIXES:
        return [
            _Grid(name, _excel_cells(cells) if visible else None)
            for name, visible, cells in read_apart(path)
        ]
    scans = check_workbook(path, path.name, limits)
    try:
        reader = fastexcel.read_excel(path)
        grids: list[_Grid] = []
        for name in reader.sheet_names:
            # skip_rows=0 keeps leading blank rows, so row indices stay equal to Excel rows.
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            if sheet.visible != "visible":
                grids.append(_Grid(name, None))
                continue
            columns = sheet.available_columns()
            first = columns[0].absolute_index if columns else 0
            scan = scans.get(name)
            formulas = [
                Formula(f.row, f.column - first, f.cached)
                for f in (scan.formulas if scan else ())
                if f.column >= first
            ]
            grids.append(_Grid(name, _excel_cells(sheet.to_polars()), formulas, first))
    except fastexcel.FastExcelError as exc:
        raise RegisterError(f"文件 {path.name}：无法读取，文件可能已损坏或不是 Excel 文件") from exc
    return grids


def _check_extent(file: str, grid: _Grid, limits: Limits) -> None:
    """What the pre-read checks could not bound (an .xls, a CSV's records) is checked here."""
    if grid.cells is None:
        return
    height, width = grid.cells.shape
    if height > limits.rows + HEADER_SCAN_ROWS or width > limits.columns:
        raise RegisterError(
            f"文件 {file} 工作表「{grid.name}」：共 {height:,} 行、{width:,} 列，"
            f"超过上限 {limits.grid()}，请分成几个文件提交"
        )


def _excel_cells(grid: pl.DataFrame) -> pl.DataFrame:
    # Date cells arrive as "2021-12-31 00:00:00"; the time of day carries no meaning here.
    grid = grid.with_columns(pl.all().cast(pl.Utf8))
    if grid.width == 0:
        return grid
    # Rewrite only the columns holding such cells: the replace copies every cell it sees.
    has_midnight = grid.select(pl.all().str.ends_with(" 00:00:00").any()).row(0)
    dated = [c for c, hit in zip(grid.columns, has_midnight, strict=True) if hit]
    if not dated:
        return grid
    return grid.with_columns(pl.col(dated).str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "$1"))


def _csv_grid(path: Path, limits: Limits) -> pl.DataFrame:
    raw = path.read_bytes()
    text, utf8 = _decode(raw, path.name)
    check_csv(utf8, path.name, limits)
    delimiter = _delimiter(text)
    sample = list(_first_records(text, delimiter, HEADER_SCAN_ROWS + 5))
    width = max((len(r) for r in sample), default=0)
    if width == 0:
        return pl.DataFrame()
    try:
        # The widest early record sets the width, not the first line: a title line above the
        # header has a single cell. A made-up first line of that width tells polars so.
        names = [f"c{i}" for i in range(width)]
        return pl.read_csv(
            delimiter.join(names).encode() + b"\n" + utf8,
            infer_schema=False,
            separator=delimiter,
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError as exc:
        raise RegisterError(f"文件 {path.name}：CSV 格式有误，无法读取（{exc}）") from exc


def _decode(raw: bytes, name: str) -> tuple[str, bytes]:
    """The file's text, and the same text as UTF-8 bytes for polars (which reads only UTF-8)."""
    text = decode(raw)
    if text is None:
        raise RegisterError(f"文件 {name}：无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV")
    return text, text.encode("utf-8")


def _delimiter(text: str) -> str:
    head = text[:20000].splitlines()[:HEADER_SCAN_ROWS]
    counts = {d: max((line.count(d) for line in head), default=0) for d in CSV_DELIMITERS}
    best = max(CSV_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _first_records(text: str, delimiter: str, n: int):
    for i, record in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter)):
        if i >= n:
            break
        yield record


def _is_empty(grid: pl.DataFrame) -> bool:
    if grid.width == 0 or grid.height == 0:
        return True
    # Column by column, stopping at the first one with a non-blank cell (usually the first).
    return not any(
        (grid[name].str.strip_chars().fill_null("") != "").any() for name in grid.columns
    )


# ---------------------------------------------------------------- header and rows


def _find_header(grid: pl.DataFrame) -> int | None:
    best_row, best_hits = None, MIN_HEADER_MATCHES - 1
    for i, cells in enumerate(grid.head(HEADER_SCAN_ROWS).iter_rows()):
        hits = len({k for k in map(match_header, cells) if k})
        if hits > best_hits:
            best_row, best_hits = i, hits
    return best_row


def _to_sheet(
    file: str, name: str, grid: pl.DataFrame, formulas: list[Formula] = (), first_column: int = 0
) -> Sheet | None:
    header_idx = _find_header(grid)
    if header_idx is None:
        return None
    headers = grid.row(header_idx)
    keys: dict[str, str] = {}
    seen: dict[str, str] = {}
    unknown: list[str] = []
    extra: dict[str, str] = {}  # grid column -> a unique name for it
    for i, (col, cell) in enumerate(zip(grid.columns, headers, strict=True)):
        label = " ".join(str(cell).split()) if cell is not None else ""
        key = match_header(cell)
        if key is None:
            if label:
                unknown.append(label)
            as_written = label or f"第{i + 1}列"
            while as_written in extra.values():
                as_written += "′"
            extra[col] = as_written
            continue
        if key in seen:
            raise RegisterError(
                f"文件 {file} 工作表「{name}」：「{seen[key]}」与「{label}」两列都对应"
                f"「{BY_KEY[key].header}」，请只保留一列"
            )
        seen[key] = label
        keys[col] = key

    extra_cols = [f"{_EXTRA}{i}" for i in range(len(extra))]
    body = grid.slice(header_idx + 1).select(
        *(pl.col(c).str.strip_chars().alias(k) for c, k in keys.items()),
        *(pl.col(c).str.strip_chars().alias(e) for c, e in zip(extra, extra_cols, strict=True)),
    )
    body = body.with_columns(pl.when(pl.all() != "").then(pl.all()).name.keep())
    body = body.with_row_index("row", offset=header_idx + 2).filter(
        ~pl.all_horizontal(pl.all().exclude("row").is_null())
    )
    body = body.with_columns(pl.col("row").cast(pl.Int64))
    body = _drop_column_numbers(body, list(keys.values())).filter(_total_row(body).not_())
    data = body.select(*keys.values(), "row")
    missing = [c.header for c in REQUIRED if c.key not in data.columns]
    extras = body.select(
        pl.col(e).alias(n) for e, n in zip(extra_cols, extra.values(), strict=True)
    )
    # A formula's column under the header as the sheet shows it, for rows that are data.
    labels = {**{c: BY_KEY[k].header for c, k in keys.items()}, **extra}
    found = pl.DataFrame(
        [
            (f.row, labels[grid.columns[f.column]], f.cached)
            for f in formulas
            if f.column < grid.width
        ],
        schema=FORMULA_SCHEMA,
        orient="row",
    )
    found = found.join(data.select("row"), on="row", how="semi").sort("row")
    positions = {labels[c]: first_column + i + 1 for i, c in enumerate(grid.columns) if c in labels}
    return Sheet(file, name, header_idx + 1, data, unknown, missing, extras, found, positions)


def _drop_column_numbers(body: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Templates often put a row of column numbers (1, 2, 3 …) right under the header."""
    if body.height == 0:
        return body
    first = [v for v in body.select(keys).row(0) if v is not None]
    if len(first) < MIN_HEADER_MATCHES or not all(v.isdigit() for v in first):
        return body
    numbers = [int(v) for v in first]
    consecutive = numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    return body.slice(1) if consecutive else body


def _total_row(body: pl.DataFrame) -> pl.Expr:
    labels = [k for k in ("seq", "prefecture", "county", "enterprise_name") if k in body.columns]
    if not labels:
        return pl.lit(False)
    is_total = pl.any_horizontal(
        pl.col(k).str.replace_all(r"\s", "").str.to_lowercase().is_in(TOTAL_MARKERS) for k in labels
    )
    if "credit_code" in body.columns:
        is_total = is_total & pl.col("credit_code").is_null()
    return is_total.fill_null(False)
