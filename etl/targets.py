"""Annual targets (目标任务) written to the database: the province sets each prefecture, each year,
units to exit and/or tce to release, for all categories or one, maybe naming units.

A line is written by two people (the drafter and the approver: approvals/drafts.py, or the
command line naming both). Setting a line again replaces the one in force (kept, with
``replaced_at``). A file of lines is read whole and checked whole: every rejected row is
reported with its row and column, and nothing is written unless every row is right.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa

from etl.bounds import Limits, check_csv, regular_file
from etl.decisions import DecisionError, lock_prefecture, resolve_prefecture
from etl.text import decode
from exitmap.vocabulary import ALL_SUB_INDUSTRIES, CATEGORIES

# The file's columns: header → field (the first four as the register names them).
COLUMNS = {
    "州（市）": "prefecture",
    "年度": "year",
    "退出类别": "category",
    "细分行业": "sub_industry",
    "目标装备数": "units",
    "目标能耗（吨标准煤）": "tce",
    "完成期限": "due",
    "指定装备": "unit_keys",
    "文号": "document_no",
}
REQUIRED = ("州（市）", "年度")


@dataclass(frozen=True)
class TargetLine:
    """One line of a prefecture's targets for a year. ``units``/``tce``: how many units to exit
    and how much energy (tce) their exits release, from 1 January to ``due``; ``unit_keys``:
    units that must have exited by ``due``. At least one of the three."""

    year: int
    units: int | None = None
    tce: float | None = None
    category: str | None = None
    sub_industry: str | None = None
    due: dt.date | None = None  # the year's last day unless set
    unit_keys: tuple[str, ...] = ()
    document_no: str | None = None

    @property
    def due_date(self) -> dt.date:
        return self.due or dt.date(self.year, 12, 31)

    def problems(self) -> list[tuple[str, str]]:
        """(column, message) for each thing wrong with the line itself."""
        found = []
        if not 2000 <= self.year <= 2100:
            found.append(("年度", f"年度 {self.year} 不在 2000–2100 之间"))
        if self.units is None and self.tce is None and not self.unit_keys:
            found.append(("目标装备数", "请至少填写目标装备数、目标能耗或指定装备之一"))
        if self.units is not None and self.units <= 0:
            found.append(("目标装备数", f"目标装备数应大于 0，现为 {self.units}"))
        if self.tce is not None and self.tce <= 0:
            found.append(("目标能耗（吨标准煤）", f"目标能耗应大于 0，现为 {self.tce}"))
        if self.category is not None and self.category not in CATEGORIES:
            found.append(
                ("退出类别", f"退出类别「{self.category}」不在 {'、'.join(CATEGORIES)} 之中")
            )
        if self.sub_industry is not None and self.sub_industry not in ALL_SUB_INDUSTRIES:
            found.append(("细分行业", f"细分行业「{self.sub_industry}」不是登记表的细分行业"))
        if self.due is not None and self.due.year != self.year:
            found.append(("完成期限", f"完成期限 {self.due} 不在 {self.year} 年度内"))
        return found

    def params(self) -> dict:
        """The line as a draft's JSON parameters (``from_params`` reads them back)."""
        out = asdict(self)
        out["unit_keys"] = list(self.unit_keys)
        out["due"] = self.due.isoformat() if self.due else None
        return out

    @classmethod
    def from_params(cls, params: dict) -> TargetLine:
        due = params.get("due")
        return cls(
            year=int(params["year"]),
            units=None if params.get("units") is None else int(params["units"]),
            tce=None if params.get("tce") is None else float(params["tce"]),
            category=params.get("category") or None,
            sub_industry=params.get("sub_industry") or None,
            due=dt.date.fromisoformat(str(due)) if due else None,
            unit_keys=tuple(params.get("unit_keys") or ()),
            document_no=params.get("document_no") or None,
        )

    def describe(self) -> str:
        """「2026年度 淘汰类 炼铁：退出 3 台（套）、5,000 吨标准煤，期限 2026-12-31」"""
        what = " ".join(x for x in (self.category, self.sub_industry) if x) or "全部类别"
        goals = []
        if self.units is not None:
            goals.append(f"退出 {self.units} 台（套）")
        if self.tce is not None:
            goals.append(f"{self.tce:,.0f} 吨标准煤")
        if self.unit_keys:
            goals.append(f"指定装备 {len(self.unit_keys)} 台（套）")
        return f"{self.year}年度 {what}：{'、'.join(goals)}，期限 {self.due_date}"


def set_target(
    conn: sa.Connection,
    prefecture: str | int,
    line: TargetLine,
    drafted_by: str,
    approved_by: str,
    recorded_at: dt.datetime | None = None,
) -> int:
    """Write ``line`` for ``prefecture`` (replacing the line in force for the same year,
    category and sub-industry) in the caller's transaction; its id. Refused with a
    DecisionError (Chinese) saying what is wrong. ``recorded_at``: now, unless the demo
    backfills its history."""
    if problems := line.problems():
        raise DecisionError("；".join(message for _, message in problems))
    if drafted_by == approved_by:
        raise DecisionError(f"起草人（{drafted_by}）不能审批自己起草的目标任务")
    adcode, name = resolve_prefecture(conn, prefecture)
    lock_prefecture(conn, adcode)
    unit_ids = _named_units(conn, line.unit_keys, adcode, name)
    conn.execute(
        sa.text(
            "UPDATE annual_target SET replaced_at = now() WHERE prefecture_adcode = :a"
            " AND year = :year AND COALESCE(category, '') = COALESCE(:category, '')"
            " AND COALESCE(sub_industry, '') = COALESCE(:sub, '') AND replaced_at IS NULL"
        ),
        {"a": adcode, "year": line.year, "category": line.category, "sub": line.sub_industry},
    )
    target_id = conn.execute(
        sa.text(
            "INSERT INTO annual_target (prefecture_adcode, year, category, sub_industry, units,"
            " tce, due, document_no, drafted_by, approved_by, recorded_at) VALUES (:a, :year,"
            " :category, :sub, :units, :tce, :due, :doc, :drafted, :approved,"
            " COALESCE(CAST(:recorded AS timestamptz), now())) RETURNING id"
        ),
        {
            "a": adcode,
            "year": line.year,
            "category": line.category,
            "sub": line.sub_industry,
            "units": line.units,
            "tce": line.tce,
            "due": line.due_date,
            "doc": line.document_no,
            "drafted": drafted_by,
            "approved": approved_by,
            "recorded": recorded_at,
        },
    ).scalar_one()
    if unit_ids:
        conn.execute(
            sa.text("INSERT INTO annual_target_unit (target_id, unit_id) VALUES (:t, :u)"),
            [{"t": target_id, "u": u} for u in unit_ids],
        )
    return target_id


def _named_units(conn: sa.Connection, keys: tuple[str, ...], adcode: int, name: str) -> list[int]:
    if not keys:
        return []
    found = dict(
        conn.execute(
            sa.text(
                "SELECT unit_key, id FROM unit WHERE unit_key = ANY(:keys)"
                " AND prefecture_adcode = :a"
            ),
            {"keys": list(keys), "a": adcode},
        ).all()
    )
    missing = [k for k in keys if k not in found]
    if missing:
        raise DecisionError(f"指定装备不在{name}的登记表中：{'、'.join(missing)}")
    return [found[k] for k in dict.fromkeys(keys)]


# ---------------------------------------------------------------- a file of lines


@dataclass(frozen=True)
class FileLine:
    row: int  # the row of the file (the header is row 1)
    prefecture: str
    line: TargetLine


class TargetFileError(DecisionError):
    """A target file with rejected rows: every one of them, by row and column."""

    def __init__(self, file: str, problems: list[tuple[int, str, str]]):
        self.problems = problems
        lines = [f"{file} 第{row}行「{column}」列：{message}" for row, column, message in problems]
        super().__init__(f"{file}：{len(problems)} 处错误，整个文件未写入\n" + "\n".join(lines))


def read_targets(path: Path, limits: Limits | None = None) -> list[FileLine]:
    """Every row of a target CSV (UTF-8 with or without BOM, or GBK), checked; a
    TargetFileError lists every problem of every row."""
    limits = limits or Limits.from_settings()
    name = Path(path).name
    regular_file(path, limits)
    raw = Path(path).read_bytes()
    text = decode(raw)
    if text is None:
        raise DecisionError(f"文件 {name}：无法识别文件编码（请用 UTF-8 或 GBK）")
    check_csv(text.encode("utf-8"), name, limits)
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DecisionError(
            f"文件 {name}：缺少列 {'、'.join(missing)}（列为 {'、'.join(COLUMNS)}）"
        )
    problems: list[tuple[int, str, str]] = []
    lines: list[FileLine] = []
    seen: dict[tuple, int] = {}
    for row_number, raw_row in enumerate(reader, start=2):
        cells = {(k or "").strip(): (v or "").strip() for k, v in raw_row.items() if k}
        if not any(cells.values()):
            continue
        found, line = _parse(cells)
        if line is not None:
            found += line.problems()
            key = (cells["州（市）"], line.year, line.category, line.sub_industry)
            if key in seen:
                found.append(("年度", f"与第{seen[key]}行是同一州（市）、年度、类别和行业"))
            seen.setdefault(key, row_number)
        problems += [(row_number, column, message) for column, message in found]
        if not found and line is not None:
            lines.append(FileLine(row_number, cells["州（市）"], line))
    if problems:
        raise TargetFileError(name, problems)
    return lines


def _parse(cells: dict[str, str]) -> tuple[list[tuple[str, str]], TargetLine | None]:
    found: list[tuple[str, str]] = []

    def number(column: str, kind: type):
        text = cells.get(column, "").replace(",", "")
        if not text:
            return None
        try:
            return kind(text)
        except ValueError:
            found.append((column, f"应为{'整数' if kind is int else '数字'}，现为「{text[:40]}」"))
            return None

    if not cells.get("州（市）"):
        found.append(("州（市）", "请填写州（市）"))
    year = number("年度", int)
    if year is None and not any(c == "年度" for c, _ in found):
        found.append(("年度", "请填写年度"))
    due = None
    if text := cells.get("完成期限"):
        try:
            due = dt.date.fromisoformat(text)
        except ValueError:
            found.append(("完成期限", f"应为 YYYY-MM-DD 格式，现为「{text[:40]}」"))
    units, tce = number("目标装备数", int), number("目标能耗（吨标准煤）", float)
    if found or year is None:
        return found, None
    keys = tuple(k.strip() for k in cells.get("指定装备", "").replace("；", ";").split(";"))
    return found, TargetLine(
        year=year,
        units=units,
        tce=tce,
        category=cells.get("退出类别") or None,
        sub_industry=cells.get("细分行业") or None,
        due=due,
        unit_keys=tuple(k for k in keys if k),
        document_no=cells.get("文号") or None,
    )


def set_targets_file(engine: sa.Engine, path: Path, drafted_by: str, approved_by: str) -> list[int]:
    """Every line of the file in one transaction: all written, or none (every refusal named
    with its row)."""
    lines = read_targets(path)
    name = Path(path).name
    ids, problems = [], []
    with engine.begin() as conn:
        for f in lines:
            try:
                with conn.begin_nested():
                    ids.append(set_target(conn, f.prefecture, f.line, drafted_by, approved_by))
            except DecisionError as exc:
                column = "指定装备" if "指定装备" in str(exc) else "州（市）"
                problems.append((f.row, column, str(exc)))
        if problems:
            raise TargetFileError(name, problems)
    return ids
