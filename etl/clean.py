"""Turn a register sheet's strings into typed columns, and say what is wrong with each row.

Parsing runs as a few rounds of polars expressions over whole columns; each round stores its
results as helper columns so later rounds and the checks reuse them instead of recomputing.
A check is a condition plus a Chinese message; messages are formatted only for the rows that
fail. Python runs per distinct value only (enum spellings), never per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from etl.read import Sheet
from etl.register import (
    BY_KEY,
    COLUMNS,
    CONTROL_CHARS,
    CONTROL_NAMES,
    CREDIT_CODE_CHARSET,
    CREDIT_CODE_LENGTH,
    CREDIT_CODE_WEIGHTS,
    DATE_MAX,
    DATE_MIN,
    EXCEL_EPOCH,
    EXCEL_SERIAL_MAX,
    EXCEL_SERIAL_MIN,
    FORMULA_LEADS,
    NULL_TOKENS,
    NUMBER_MAX,
    NUMBER_UNITS,
    SPEC_UNITS,
    TEXT_MAX_CHARS,
    Column,
    enum_lookup,
    value_key,
)
from etl.text import FULL_WIDTH
from exitmap import settings
from exitmap.vocabulary import DEFAULT_CRS, SECTOR_OF

ERROR = "error"
WARNING = "warning"
ISSUE_SCHEMA = {"row": pl.Int64, "column": pl.Utf8, "severity": pl.Utf8, "message": pl.Utf8}

ACTIVE_STATUSES = ("在产", "整改中", "延期整改")
EXITED_STATUSES = ("已关停", "已拆除", "已转产")


@dataclass(frozen=True)
class Consistency:
    """When column `when` holds one of `values`, column `column` should be filled (or blank)."""

    column: str
    expect: str  # "filled" | "blank"
    when: str
    values: tuple[str, ...]
    severity: str
    why: str = ""


CONSISTENCY: tuple[Consistency, ...] = (
    Consistency("actual_exit_date", "blank", "status", ACTIVE_STATUSES, WARNING),
    Consistency("actual_exit_date", "filled", "status", EXITED_STATUSES, WARNING),
    Consistency(
        "identified_date", "filled", "category", ("能耗不达标",), ERROR, "（整改期限据此计算）"
    ),
    Consistency("rectify_deadline", "filled", "category", ("环保不达标", "质量不达标"), WARNING),
)


@dataclass
class Cleaned:
    data: pl.DataFrame
    issues: pl.DataFrame

    def accepted(self) -> pl.DataFrame:
        """The rows no error rejects."""
        rejected = self.issues.filter(pl.col("severity") == ERROR).select("row").unique()
        return self.data.join(rejected, on="row", how="anti")


@dataclass(frozen=True)
class _Check:
    """Messages about one column; only the first failing condition of a row is reported."""

    column: str
    severity: str
    cases: tuple[tuple[pl.Expr, pl.Expr], ...]  # (fails, message)


@dataclass
class _Plan:
    # rounds[i] are the expressions of round i; one round's expressions run side by side.
    rounds: list[list[pl.Expr]] = field(default_factory=list)
    checks: list[_Check] = field(default_factory=list)

    def add(self, *rounds: list[pl.Expr]) -> None:
        for i, exprs in enumerate(rounds):
            if i == len(self.rounds):
                self.rounds.append([])
            self.rounds[i] += exprs


def clean(sheet: Sheet) -> Cleaned:
    present = set(sheet.data.columns)
    frame = sheet.data.with_columns(
        pl.lit(None, pl.Utf8).alias(c.key) for c in COLUMNS if c.key not in present
    )
    work = frame.with_columns(
        *(pl.col(c.key).alias(f"raw_{c.key}") for c in COLUMNS),
        *(_normalise(c).alias(c.key) for c in COLUMNS),
    ).with_columns(pl.when(pl.col(c.key) != "").then(pl.col(c.key)).alias(c.key) for c in COLUMNS)
    # Enum spellings are few, so map them in Python once per distinct value.
    work = work.with_columns(
        _canonical(work[c.key], c).alias(f"enum_{c.key}") for c in COLUMNS if c.kind == "enum"
    )

    plan = _Plan()
    for col in COLUMNS:
        handler = _HANDLERS.get(col.kind)
        if handler:
            handler(col, plan)
        if col.required:
            plan.checks.append(_required(col, col.key in present))
    _spec(plan)
    _sector(plan)
    _credit_code(plan)
    _consistency(plan)
    for exprs in plan.rounds:
        work = work.with_columns(exprs)
    issues = pl.concat([_cell_issues(sheet), _issues(work, plan.checks)])
    return Cleaned(_output(work), issues.sort("row", maintain_order=True))


# ---------------------------------------------------------------- any cell's text

QUOTE_CHARS = 50


def shown(s: pl.Expr) -> pl.Expr:
    """A cell's text as a message quotes it: controls made visible, long text cut short."""
    s = s.str.replace_all(CONTROL_CHARS, "\ufffd")
    return (
        pl.when(s.str.len_chars() > QUOTE_CHARS)
        .then(pl.concat_str(s.str.slice(0, QUOTE_CHARS), pl.lit("…")))
        .otherwise(s)
    )


_FORMULA_LEAD = "^[" + "".join("\\" + c if c in "-" else c for c in FORMULA_LEADS) + "]"


def _cell_issues(sheet: Sheet) -> pl.DataFrame:
    """What is wrong with a cell's text whatever the column means, for every column read.

    Control characters and over-long text reject the row (NUL would fail PostgreSQL's COPY);
    text a spreadsheet may run as a formula is kept with a warning; a cell that holds a
    formula is named, since the file gives us its saved result or nothing. One cheap pass
    over every column finds the rows worth a closer look (almost never any); only those get
    messages.
    """
    cap = settings.get_int("max_cell_chars")
    # (name in `cells`, label in messages, longest allowed, checked for formula-like text)
    columns = [
        (k, BY_KEY[k].header, min(TEXT_MAX_CHARS.get(k, cap), cap), BY_KEY[k].kind in TEXTS)
        for k in sheet.data.columns
        if k != "row"
    ]
    cells = sheet.data
    if sheet.extra is not None:
        # Headers as written may be anything, "row" included: they travel under made-up names.
        extra = sheet.extra.rename({c: f"_extra{i}" for i, c in enumerate(sheet.extra.columns)})
        cells = pl.concat([cells, extra], how="horizontal")
        columns += [(f"_extra{i}", c, cap, False) for i, c in enumerate(sheet.extra.columns)]
    suspect = [
        pl.col(name).str.contains(f"{CONTROL_CHARS}|{_FORMULA_LEAD}" if text else CONTROL_CHARS)
        # Bytes bound characters from above and cost nothing to count.
        | (pl.col(name).str.len_bytes() > limit)
        for name, _, limit, text in columns
    ]
    cells = cells.filter(pl.any_horizontal(suspect)) if suspect else cells.clear()
    parts = [_text_issues(cells, *column) for column in columns] if cells.height else []
    formula_at = "「{}」列第{}行是公式"
    formulas = sheet.formulas.lazy().select(
        "row",
        "column",
        pl.when("cached").then(pl.lit(WARNING)).otherwise(pl.lit(ERROR)).alias("severity"),
        pl.when("cached")
        .then(pl.format(formula_at + "，已按文件保存的结果读取；请粘贴为数值", "column", "row"))
        .otherwise(pl.format(formula_at + "（文件中没有计算结果），请粘贴为数值", "column", "row"))
        .alias("message"),
    )
    found = pl.concat([*parts, formulas]).collect()
    return found.sort("row", maintain_order=True).select(list(ISSUE_SCHEMA))


TEXTS = ("text", "code")


def _text_issues(cells: pl.DataFrame, name: str, label: str, limit: int, text: bool):
    """The first problem of each cell of one column: control, length, formula-like."""
    v = pl.col(name)
    control = v.str.extract(f"({CONTROL_CHARS})", 1)
    long = v.str.len_chars() > limit
    formula_like = (
        v.str.contains(_FORMULA_LEAD) & ~v.str.to_lowercase().is_in(NULL_TOKENS)
        if text
        else pl.lit(False)
    )
    return (
        cells.lazy()
        .filter(control.is_not_null() | long | formula_like)
        .select(
            "row",
            pl.lit(label).alias("column"),
            pl.when(control.is_not_null() | long)
            .then(pl.lit(ERROR))
            .otherwise(pl.lit(WARNING))
            .alias("severity"),
            pl.when(control.is_not_null())
            .then(
                pl.format(
                    f"「{label}」列含有不可见的{{}}，请删除后重新填写",
                    control.replace_strict(dict(CONTROL_NAMES), default="控制字符"),
                )
            )
            .when(long)
            .then(
                pl.format(
                    f"「{label}」列的内容有 {{}} 字，超过上限 {limit:,} 字，请精简",
                    v.str.len_chars(),
                )
            )
            .otherwise(
                pl.format(
                    f"「{label}」列的值「{{}}」以「{{}}」开头，可能被电子表格当作公式执行，请核实",
                    shown(v),
                    v.str.slice(0, 1),
                )
            )
            .alias("message"),
        )
    )


# ---------------------------------------------------------------- text


# Full-width ASCII (U+FF01–FF5E), the ideographic space and the superscripts of m² / m³ become
# plain ASCII. A targeted table rather than NFKC: it is several times faster and leaves the
# rest of the text alone.
_WIDE = [*FULL_WIDTH, "²", "³", "−"]
_NARROW = [*FULL_WIDTH.values(), "2", "3", "-"]


def _normalise(col: Column) -> pl.Expr:
    s = pl.col(col.key)
    if col.kind == "enum":
        # Spellings are matched per distinct value (register.value_key); trimming is enough here.
        return s.str.strip_chars()
    if col.kind != "text":
        # Names and addresses keep their characters (full-width brackets are part of a name).
        s = s.str.replace_many(_WIDE, _NARROW)
    s = s.str.replace_all(r"\s+", " ").str.strip_chars()
    if col.key == "credit_code":
        s = s.str.replace_all(" ", "", literal=True).str.to_uppercase()
    return s


def _without_null_tokens(s: pl.Expr) -> pl.Expr:
    return pl.when(~s.str.to_lowercase().is_in(NULL_TOKENS)).then(s)


def _value_of(col: Column, what: str) -> pl.Expr:
    """A message about a cell, quoting what the official typed."""
    return pl.format(f"「{col.header}」列的值「{{}}」{what}", shown(pl.col(f"raw_{col.key}")))


# ---------------------------------------------------------------- numbers

_NUMBER = r"^(?:约|大约|≈|~)?([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(.*)$"


def _number(col: Column, plan: _Plan) -> None:
    k = col.key
    units = {u: float(f) for u, f in NUMBER_UNITS[k].items()}
    text = _without_null_tokens(pl.col(k)).str.replace_all(r"[,\s]", "")
    parts = pl.col(f"_num_parts_{k}")
    written, amount, factor, value = (
        pl.col(f"_num_{x}_{k}") for x in ("text", "amount", "factor", "value")
    )
    plan.add(
        [text.alias(f"_num_text_{k}")],
        [written.str.extract_groups(_NUMBER).alias(f"_num_parts_{k}")],
        [
            parts.struct.field("1").cast(pl.Float64, strict=False).alias(f"_num_amount_{k}"),
            parts.struct.field("2")
            .str.to_lowercase()
            .replace_strict(units, default=None, return_dtype=pl.Float64)
            .alias(f"_num_factor_{k}"),
        ],
        [(amount * factor).alias(f"_num_value_{k}")],
        [
            (
                pl.when(value == value.round()).then(value).cast(pl.Int64, strict=False)
                if col.kind == "integer"
                else value
            ).alias(f"num_{k}")
        ],
    )
    unit_names = "、".join(u for u in units if u)
    written = written.is_not_null()
    cases = [
        (written & amount.is_null(), _value_of(col, "不是数字")),
        (written & factor.is_null(), _value_of(col, f"的单位无法识别（可用单位：{unit_names}）")),
        (value < 0, _value_of(col, "不能为负数")),
    ]
    if k in NUMBER_MAX:
        bound = NUMBER_MAX[k]
        cases.append((value > bound, _value_of(col, f"超出合理范围（应不大于{bound:,}）")))
    if col.kind == "integer":
        cases.append((value != value.round(), _value_of(col, "应为整数")))
    plan.checks.append(_Check(k, ERROR, tuple(cases)))


# ---------------------------------------------------------------- dates

# One pattern for every written form; the named group that matched says which form it was.
_DATE = (
    r"^(?:(?P<serial>\d{5})(?:\.\d+)?"
    r"|(?P<y>\d{4})(?:[-/.年](?P<m>\d{1,2})(?:[-/.月](?P<d>\d{1,2})日?|月?)"
    r"|(?P<cm>\d{2})(?P<cd>\d{2})|年?))$"
)
_TIME_OF_DAY = r"[ tT]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$"
# A month typed 2021.10 into a number cell reaches us as 2021.1.
_MAYBE_OCTOBER = r"^\d{4}\.1$"


def _date(col: Column, plan: _Plan) -> None:
    k = col.key
    text = _without_null_tokens(pl.col(k)).str.replace(_TIME_OF_DAY, "")
    g = pl.col(f"_date_parts_{k}").struct
    year = g.field("y")
    month = pl.coalesce(g.field("m"), g.field("cm"))
    day = pl.coalesce(g.field("d"), g.field("cd"))
    serial = g.field("serial").cast(pl.Int64)
    serial_ok = serial.is_between(EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX)
    iso = pl.concat_str(
        year, pl.lit("-"), month.str.zfill(2), pl.lit("-"), day.fill_null("1").str.zfill(2)
    )
    value = pl.col(f"date_{k}")
    plan.add(
        [text.alias(f"_date_text_{k}")],
        [pl.col(f"_date_text_{k}").str.extract_groups(_DATE).alias(f"_date_parts_{k}")],
        [
            pl.when(serial_ok)
            .then(pl.lit(EXCEL_EPOCH).str.to_date() + pl.duration(days=serial))
            .otherwise(iso.str.to_date("%Y-%m-%d", strict=False))
            .alias(f"date_{k}"),
        ],
        [
            pl.when(value.is_null())
            .then(None)
            .when(serial.is_not_null() | day.is_not_null())
            .then(pl.lit("day"))
            .otherwise(pl.lit("month"))
            .alias(f"{k}_precision"),
        ],
    )
    lo, hi = pl.lit(DATE_MIN).str.to_date(), pl.lit(DATE_MAX).str.to_date()
    written = pl.col(f"_date_text_{k}").is_not_null()
    cases = (
        (
            year.is_not_null() & month.is_null(),
            _value_of(col, "只有年份，请至少填写到月份（如 2021-12）"),
        ),
        (
            written & value.is_null() & year.is_not_null(),
            _value_of(col, "不是有效日期（该日期不存在）"),
        ),
        (
            written & value.is_null(),
            _value_of(col, "无法识别为日期（可填写 2021-12-31、2021年12月31日 或 2021.12）"),
        ),
        (
            ~value.is_between(lo, hi),
            _value_of(col, f"超出合理范围（应在 {DATE_MIN} 至 {DATE_MAX} 之间）"),
        ),
    )
    october = (
        pl.col(f"_date_text_{k}").str.contains(_MAYBE_OCTOBER),
        _value_of(col, "按1月处理；若本意是10月，请将单元格设为文本后填写「2021.10」这样的值"),
    )
    plan.checks += [_Check(k, ERROR, cases), _Check(k, WARNING, (october,))]


# ---------------------------------------------------------------- enums


def _canonical(values: pl.Series, col: Column) -> pl.Series:
    lookup = enum_lookup(col)
    mapping = {v: lookup.get(value_key(v)) for v in values.drop_nulls().unique().to_list()}
    return values.replace_strict(mapping, default=None, return_dtype=pl.Utf8)


def _enum(col: Column, plan: _Plan) -> None:
    allowed = "、".join(col.choices)
    unknown = pl.col(col.key).is_not_null() & pl.col(f"enum_{col.key}").is_null()
    message = _value_of(col, f"不在可选范围内（可选：{allowed}）")
    plan.checks.append(_Check(col.key, ERROR, ((unknown, message),)))


def _sector(plan: _Plan) -> None:
    derived = pl.col("enum_sub_industry").replace_strict(
        dict(SECTOR_OF), default=None, return_dtype=pl.Utf8
    )
    plan.add([derived.alias("derived_sector")])
    given, derived = pl.col("enum_sector"), pl.col("derived_sector")
    message = pl.format(
        "「行业」列的值「{}」与「细分行业」「{}」不符（应为「{}」）",
        shown(pl.col("raw_sector")),
        pl.col("enum_sub_industry"),
        derived,
    )
    plan.checks.append(_Check("sector", ERROR, ((given != derived, message),)))


# ---------------------------------------------------------------- spec (规格型号)


def _escape(unit: str) -> str:
    return "".join("\\" + ch if ch in r"\.+*?()|[]{}^$/" else ch for ch in unit)


_SPEC = r"(?i)(\d+(?:\.\d+)?)\s*(" + "|".join(_escape(u) for u, _, _ in SPEC_UNITS) + ")"


def _spec(plan: _Plan) -> None:
    """First number followed by a known unit; free text without one is fine."""
    spec = (
        pl.col("spec").str.replace_many(_WIDE, _NARROW).str.replace_all(r"(\d),(\d{3})", "${1}${2}")
    )
    found = pl.col("_spec_parts").struct
    written = found.field("2").str.to_lowercase()
    plan.add(
        [spec.str.extract_groups(_SPEC).alias("_spec_parts")],
        [
            (
                found.field("1").cast(pl.Float64)
                * written.replace_strict(
                    {u: float(f) for u, _, f in SPEC_UNITS}, default=None, return_dtype=pl.Float64
                )
            ).alias("spec_value"),
            written.replace_strict(
                {u: c for u, c, _ in SPEC_UNITS}, default=None, return_dtype=pl.Utf8
            ).alias("spec_unit"),
        ],
    )


# ---------------------------------------------------------------- credit code (GB 32100-2015)

_CHAR_VALUE = {ch: i for i, ch in enumerate(CREDIT_CODE_CHARSET)}


def _credit_code(plan: _Plan) -> None:
    col = BY_KEY["credit_code"]
    code = pl.col("credit_code")
    total = pl.sum_horizontal(
        code.str.slice(i, 1).replace_strict(_CHAR_VALUE, default=None, return_dtype=pl.Int64) * w
        for i, w in enumerate(CREDIT_CODE_WEIGHTS)
    )
    plan.add(
        [
            code.str.len_chars().alias("_code_length"),
            code.str.extract(f"([^{CREDIT_CODE_CHARSET}])", 1).alias("_code_bad_char"),
            ((31 - total % 31) % 31)
            .replace_strict(dict(enumerate(CREDIT_CODE_CHARSET)), default=None)
            .alias("_code_check"),
        ]
    )
    length, bad, check = pl.col("_code_length"), pl.col("_code_bad_char"), pl.col("_code_check")
    raw = shown(pl.col("raw_credit_code"))
    head = f"「{col.header}」列的值「{{}}」"
    digits_only = pl.when(code.str.contains(r"^\d+$")).then(
        pl.lit("，可能是 Excel 按数字保存丢失了末位，请将该列设为文本后重新填写")
    )
    cases = (
        (
            length != CREDIT_CODE_LENGTH,
            pl.format(head + f"长度应为{CREDIT_CODE_LENGTH}位，实际为{{}}位", raw, length),
        ),
        (
            bad.is_not_null(),
            pl.format(head + "含有不允许的字符「{}」（不使用 I、O、Z、S、V）", raw, bad),
        ),
        (
            code.str.slice(17, 1) != check,
            pl.format(
                head + "校验位错误（按前17位应为「{}」）{}", raw, check, digits_only.fill_null("")
            ),
        ),
    )
    plan.checks.append(_Check("credit_code", ERROR, cases))


# ---------------------------------------------------------------- required and consistency


def _required(col: Column, present: bool) -> _Check:
    note = "" if present else "（表中没有这一列）"
    return _Check(
        col.key, ERROR, ((pl.col(col.key).is_null(), pl.lit(f"「{col.header}」不能为空{note}")),)
    )


def _consistency(plan: _Plan) -> None:
    for rule in CONSISTENCY:
        target, when = BY_KEY[rule.column], BY_KEY[rule.when]
        deciding = pl.col(f"enum_{rule.when}")
        filled = _without_null_tokens(pl.col(rule.column)).is_not_null()
        if rule.expect == "filled":
            broken, text = ~filled, f"「{when.header}」为「{{}}」时「{target.header}」不能为空"
        else:
            broken, text = (
                filled,
                f"「{when.header}」为「{{}}」，却填写了「{target.header}」，请核实",
            )
        fails = deciding.is_in(rule.values) & broken
        message = pl.format(text + rule.why, deciding)
        plan.checks.append(_Check(rule.column, rule.severity, ((fails, message),)))


# ---------------------------------------------------------------- assembling


def _output(work: pl.DataFrame) -> pl.DataFrame:
    out: list[pl.Expr] = [pl.col("row")]
    for col in COLUMNS:
        k = col.key
        if col.kind in ("number", "integer"):
            out.append(pl.col(f"num_{k}").alias(k))
        elif col.kind == "date":
            out += [pl.col(f"date_{k}").alias(k), pl.col(f"{k}_precision")]
        elif k == "sector":
            out.append(pl.coalesce("derived_sector", "enum_sector").alias(k))
        elif k == "crs":
            # Domain rule: a blank coordinate system means WGS84.
            blank = pl.col(k).is_null()
            out.append(
                pl.when(blank).then(pl.lit(DEFAULT_CRS)).otherwise(pl.col("enum_crs")).alias(k)
            )
        elif col.kind == "enum":
            out.append(pl.col(f"enum_{k}").alias(k))
        else:
            out.append(pl.col(k))
        if k == "spec":
            out += [pl.col("spec_value"), pl.col("spec_unit")]
    return work.select(out)


def _issues(work: pl.DataFrame, checks: list[_Check]) -> pl.DataFrame:
    order = {c.key: i for i, c in enumerate(COLUMNS)}
    lazy = work.lazy()
    parts = []
    for n, check in enumerate(checks):
        earlier = pl.lit(False)
        for fails, message in check.cases:
            hit = fails.fill_null(False)
            parts.append(
                lazy.filter(hit & ~earlier).select(
                    pl.col("row").cast(pl.Int64),
                    pl.lit(BY_KEY[check.column].header).alias("column"),
                    pl.lit(check.severity).alias("severity"),
                    message.cast(pl.Utf8).alias("message"),
                    pl.lit(order[check.column]).alias("_order"),
                    pl.lit(n).alias("_check"),
                )
            )
            earlier = earlier | hit
    if not parts:
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    return pl.concat(parts).sort("row", "_order", "_check").select(list(ISSUE_SCHEMA)).collect()


_HANDLERS: dict[str, Callable[[Column, _Plan], None]] = {
    "number": _number,
    "integer": _number,
    "date": _date,
    "enum": _enum,
}
