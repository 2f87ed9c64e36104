"""The rows of the register's optional sheets (etl/sheets.py): typed, checked, and written.

A row's values are checked by the same functions the screen and the command line use
(``etl.resettlement.plan_problems``, ``etl.land.site_problems`` and ``exit_problem``); here
only what a sheet adds: text to read as numbers and dates, required cells, a firm or unit
named twice, and whether the firm or unit is in the register sent with it or already in the
database, and in the uploader's 州（市）. Each problem names its sheet, row and column, like a
register row's; a row with an error is rejected and written nowhere.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl
import sqlalchemy as sa

from etl.bounds import column_letters
from etl.clean import ERROR, WARNING
from etl.decisions import DecisionError
from etl.land import exit_problem, recorded_exit, site_problems, write_site
from etl.register import (
    CONTROL_NAMES,
    DATE_MAX,
    DATE_MIN,
    EXCEL_EPOCH,
    EXCEL_SERIAL_MAX,
    EXCEL_SERIAL_MIN,
    FORMULA_LEADS,
    TEXT_MAX_CHARS,
)
from etl.resettlement import find_firm, plan_problems, record_plan
from etl.sheets import PLAN_SHEET, SITE_SHEET, OptionalRows, OptionalSheet
from etl.text import FULL_WIDTH
from exitmap.policy import default_policy
from exitmap.vocabulary import PREFECTURES, RESETTLEMENT_CHANNELS

OK, REJECTED = "ok", "rejected"
_NARROW = str.maketrans(FULL_WIDTH)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
SHOWN_CHARS = 40
_VISIBLE = {ord(c): "\ufffd" for c in CONTROL_NAMES}


@dataclass
class SheetRow:
    file: str
    sheet: str
    kind: str  # "plan" or "site" (OptionalSheet.kind)
    row: int
    raw: dict[str, str | None]  # header → the cell as written
    values: dict[str, object] = field(default_factory=dict)  # key → typed value
    cells: dict[str, str] = field(default_factory=dict)  # header → Excel reference (D7)
    # One for one, as on a register row: each problem's severity, message and column.
    severity: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)

    def problem(self, header: str, message: str, severity: str = ERROR) -> None:
        self.severity.append(severity)
        self.messages.append(f"「{header}」{message}")
        self.fields.append(header)

    @property
    def rejected(self) -> bool:
        return ERROR in self.severity

    @property
    def outcome(self) -> str:
        return REJECTED if self.rejected else (WARNING if self.severity else OK)

    @property
    def firm(self) -> str:
        """A plan's firm: its credit code, else its name."""
        return self.values.get("credit_code") or self.values.get("enterprise_name") or ""

    @property
    def unit_key(self) -> str:
        return f"{self.values.get('credit_code')}/{self.values.get('equipment_no')}"


def count_by_kind(rows: Iterable[SheetRow]) -> dict[str, int]:
    """How many rows of each sheet would be written (those not rejected)."""
    counts = {PLAN_SHEET.kind: 0, SITE_SHEET.kind: 0}
    for r in rows:
        counts[r.kind] += not r.rejected
    return counts


# ---------------------------------------------------------------- values of one sheet


def check_rows(read: OptionalRows) -> list[SheetRow]:
    """Each filled row of the sheet, typed, with the problems its own values show."""
    spec = read.spec
    rows: list[SheetRow] = []
    for record in read.data.iter_rows(named=True):
        # As written, but NUL, which no PostgreSQL text (nor the report's jsonb) holds.
        raw = {
            f.header: None if record[f.key] is None else record[f.key].replace("\x00", "\ufffd")
            for f in spec.fields
            if f.key in record
        }
        row = SheetRow(read.file, read.sheet, spec.kind, record["row"], raw)
        row.cells = {h: f"{column_letters(c)}{row.row}" for h, c in read.positions.items()}
        for f in spec.fields:
            _typed(row, f, record.get(f.key))
        bad = set(row.fields)
        for key, message in _domain_problems(spec, row.values):
            header = spec.header(key) if key != "channels" else spec.header("workers")
            if header not in bad:
                row.problem(header, message)
        rows.append(row)
    _flag_repeats(rows, spec)
    return rows


def _shown(text: str) -> str:
    """A cell quoted in a message: its controls made visible, a long one cut."""
    text = text.translate(_VISIBLE)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def _typed(row: SheetRow, f, text: str | None) -> None:
    if text is not None and f.kind != "text":
        text = " ".join(text.translate(_NARROW).split())
    if text is None or text == "":
        if f.required:
            row.problem(f.header, "未填写")
        return
    control = next((c for c in text if c in CONTROL_NAMES), None)
    if control is not None:
        row.problem(f.header, f"含有不可见的{CONTROL_NAMES[control]}，请删除后重新填写")
        return
    limit = TEXT_MAX_CHARS.get(f.key, 100)
    if len(text) > limit:
        row.problem(f.header, f"长 {len(text)} 字，超过上限 {limit} 字")
        return
    if f.kind == "text" and text.startswith(FORMULA_LEADS):
        told = f"的值「{_shown(text)}」以「{text[0]}」开头，可能被电子表格当作公式执行，请核实"
        row.problem(f.header, told, WARNING)
    if f.kind == "code":
        text = text.replace(" ", "").upper() if f.key == "credit_code" else text
        row.values[f.key] = text
    elif f.kind in ("count", "amount"):
        number = _number(text, whole=f.kind == "count")
        if number is None:
            wanted = "整数" if f.kind == "count" else "数字"
            row.problem(f.header, f"应填写{wanted}，收到「{_shown(text)}」")
        else:
            row.values[f.key] = number
    elif f.kind == "date":
        day = _date(text)
        if day is None:
            row.problem(
                f.header, f"无法识别为日期（请填写 2022-03-01 这样的日期），收到「{_shown(text)}」"
            )
        elif not dt.date.fromisoformat(DATE_MIN) <= day <= dt.date.fromisoformat(DATE_MAX):
            row.problem(f.header, f"超出合理范围（应在 {DATE_MIN} 至 {DATE_MAX} 之间）")
        else:
            row.values[f.key] = day
    else:  # text, choice: the folded checks judge a choice and quote it
        row.values[f.key] = text


def _number(text: str, whole: bool) -> float | int | None:
    cleaned = re.sub(r"(?<=\d),(?=\d{3})", "", text).replace(" ", "")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    if whole:
        return int(value) if value.is_integer() else None
    return value


def _date(text: str) -> dt.date | None:
    if text.isdigit() and EXCEL_SERIAL_MIN <= int(text) <= EXCEL_SERIAL_MAX:
        return dt.date.fromisoformat(EXCEL_EPOCH) + dt.timedelta(days=int(text))
    parts = _DATE.match(text)
    if parts is None:
        return None
    try:
        return dt.date(*map(int, parts.groups()))
    except ValueError:
        return None


def _domain_problems(spec: OptionalSheet, v: dict) -> list[tuple[str, str]]:
    if spec is PLAN_SHEET:
        channels = {c: v.get(c) or 0 for c in RESETTLEMENT_CHANNELS}
        return plan_problems(
            v.get("workers", 0), channels, v.get("status", ""), v.get("funds_10k_yuan")
        )
    return site_problems(v.get("area_mu", 1), v.get("land_right", ""), v.get("outcome", ""))


def _flag_repeats(rows: list[SheetRow], spec: OptionalSheet) -> None:
    """One plan per firm and one site per unit: a second row for the same is an error on
    both, naming the rows (which one holds would be a guess)."""
    by: dict[str, list[SheetRow]] = defaultdict(list)
    for r in rows:
        key = r.firm if spec is PLAN_SHEET else r.unit_key
        if key and (
            spec is PLAN_SHEET
            or None not in (r.values.get("credit_code"), r.values.get("equipment_no"))
        ):
            by[key].append(r)
    header = spec.header("credit_code")
    for key, same in by.items():
        if len(same) > 1:
            at = "、".join(str(r.row) for r in same)
            what = "同一企业" if spec is PLAN_SHEET else "同一装备"
            for r in same:
                r.problem(
                    header, f"{what}（{_shown(key)}）在本表出现多次：第 {at} 行，请只保留一行"
                )


# ---------------------------------------------------------------- against the register and database


def check_references(
    engine: sa.Engine, rows: list[SheetRow], register: pl.DataFrame, prefecture: int | None
) -> None:
    """The firm of each plan and the unit of each site must be in the register's accepted rows
    or already in the database, and in ``prefecture`` (None: the province, any); a site's unit
    must have exited by the site's date, as the register says or else the database."""
    if not rows:
        return
    firms, names, units = _register_index(register, prefecture)
    exited = set(default_policy().statuses.exited)
    with engine.connect() as conn:
        for r in rows:
            if r.rejected:
                continue
            if r.kind == PLAN_SHEET.kind:
                _check_firm(conn, r, firms, names, prefecture)
            else:
                _check_unit(engine, conn, r, units, exited, prefecture)


def _register_index(register: pl.DataFrame, prefecture: int | None):
    """The firms (by credit code, and by name) and units of the register's rows that are
    kept, of ``prefecture`` only if given."""
    firms: set[str] = set()
    names: dict[str, set[str]] = defaultdict(set)
    units: dict[str, dict] = {}
    if register.is_empty() or "outcome" not in register.columns:
        return firms, names, units
    kept = register.filter(pl.col("outcome") != REJECTED)
    if prefecture is not None:
        kept = kept.filter(pl.col("prefecture_adcode") == prefecture)
    for u in kept.select(
        "credit_code", "enterprise_name", "unit_key", "status", "actual_exit_date"
    ).iter_rows(named=True):
        if u["credit_code"]:
            firms.add(u["credit_code"])
            if u["enterprise_name"]:
                names[u["enterprise_name"]].add(u["credit_code"])
        if u["unit_key"]:
            units[u["unit_key"]] = u
    return firms, names, units


def _of(prefecture: int | None) -> str:
    return f"{PREFECTURES[prefecture]}的" if prefecture is not None else ""


def _check_firm(conn, r: SheetRow, firms, names, prefecture: int | None) -> None:
    """In the register, or else in the database — within the prefecture either way, in SQL
    for the database: another prefecture's firm is not found, and no more is told of it."""
    code, name = r.values.get("credit_code"), r.values.get("enterprise_name")
    header = PLAN_SHEET.header("credit_code" if code else "enterprise_name")
    firm = code or name
    if not firm:
        r.problem(PLAN_SHEET.header("credit_code"), "与「企业名称」均未填写：无法识别企业")
        return
    if code in firms or (not code and len(names.get(name, ())) == 1):
        return
    try:
        find_firm(conn, firm, prefecture)
    except DecisionError as exc:
        r.problem(header, f"{exc}（本登记表中也没有{_of(prefecture)}这家企业）")


def _check_unit(engine, conn, r: SheetRow, units, exited, prefecture: int | None) -> None:
    key, on = r.unit_key, r.values["outcome_date"]
    listed = units.get(key)
    if listed is not None:
        # An exited unit with no exit date written counts as exited by then.
        gone = listed["status"] in exited
        exit_date = (listed["actual_exit_date"] or on) if gone else None
    else:
        found = conn.execute(
            sa.text(
                "SELECT 1 FROM unit WHERE unit_key = :k "
                "AND (CAST(:p AS integer) IS NULL OR prefecture_adcode = :p)"
            ),
            {"k": key, "p": prefecture},
        ).one_or_none()
        if found is None:
            r.problem(
                SITE_SHEET.header("equipment_no"),
                f"找不到{_of(prefecture)}装备「{_shown(key)}」：本登记表和库中都没有",
            )
            return
        try:
            exit_date = recorded_exit(engine, key, on)[1]
        except DecisionError as exc:
            r.problem(SITE_SHEET.header("equipment_no"), str(exc))
            return
    problem = exit_problem(exit_date, _shown(key), on)
    if problem:
        r.problem(SITE_SHEET.header("outcome_date"), problem)


# ---------------------------------------------------------------- writing


def write_rows(conn: sa.Connection, rows: list[SheetRow], by: str) -> dict[str, int]:
    """Write the rows not rejected in the caller's transaction (after the register's units,
    which they may name); how many of each kind. Anything refused here raises, and the
    caller's whole transaction goes with it."""
    written = {PLAN_SHEET.kind: 0, SITE_SHEET.kind: 0}
    for r in rows:
        if r.rejected:
            continue
        v = r.values
        if r.kind == PLAN_SHEET.kind:
            channels = {c: v.get(c) or 0 for c in RESETTLEMENT_CHANNELS}
            record_plan(
                conn, r.firm, v["workers"], channels, v["plan_date"], v["status"], by,
                v.get("funds_10k_yuan"),
            )  # fmt: skip
        else:
            unit = conn.execute(
                sa.text("SELECT id FROM unit WHERE unit_key = :k"), {"k": r.unit_key}
            ).scalar_one_or_none()
            if unit is None:
                raise DecisionError(f"工作表「{r.sheet}」第 {r.row} 行：找不到装备「{r.unit_key}」")
            write_site(
                conn, unit, v["area_mu"], v["land_right"], v["outcome"], v["outcome_date"], by
            )
        written[r.kind] += 1
    return written
