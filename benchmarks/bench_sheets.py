"""Benchmark: what the optional sheets (职工安置, 场地处置) add to checking and accepting.

In a throwaway database (the cluster of DATABASE_URL, or the project-local one), 昆明市's
--units exited units of an earlier register are loaded first. Then a filled template of --rows
register rows is checked as a submission is (``submissions.validate.validate``, held to 昆明市):
- baseline: the register alone;
- with sheets: the same register with a plan for each firm and a site for each unit it lists,
  and --db-sites sites of the units already in the database (each of those asks the database
  for the unit's evaluated state on the site's date: the slow path).
Runs alternate so that both share the machine's load; prints median / max and the ratio. Then
the rows of the sheets are written as an acceptance writes them (``etl.sheet_rows.write_rows``,
after the register's units, in one transaction rolled back), timed against the register's own
load in the same transaction. The machine is shared: figures may be contended.

    .venv/bin/python benchmarks/bench_sheets.py [--rows 2000] [--units 50] [--db-sites 50]
        [--runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openpyxl
from throwaway import throwaway_database

from etl.load import load
from etl.pipeline import prepare
from etl.register import COLUMNS, credit_check_char
from etl.sheet_rows import write_rows
from etl.sheets import PLAN_SHEET, SITE_SHEET
from etl.template import DATA_SHEET, FIRST_DATA_ROW, write_template
from submissions.validate import validate

KUNMING = 530100
GONE = {"当前状态": "已拆除", "退出方式": "拆除", "实际退出日期": "2021-06-30"}
FIRST_KNOWN = 900_000  # serials of the units already in the database


def credit_code(serial: int) -> str:
    body = f"91530102MA{serial:07d}"
    return body + credit_check_char(body)


def unit_row(serial: int) -> dict[str, str]:
    """An exited blast furnace of 五华区, 昆明市 (one firm per serial)."""
    return {
        "州（市）": "昆明市", "县（市、区）": "五华区",
        "企业名称": f"云南测试{serial}号钢铁有限公司", "统一社会信用代码": credit_code(serial),
        "行业": "钢铁", "细分行业": "炼铁",
        "装备名称": "高炉", "装备编号": "1#", "产能（万吨/年）": "40",
        "年综合能耗（吨标准煤）": "50000", "退出类别": "淘汰类", "计划退出日期": "2021-12-31",
        "经度": "102.7047", "纬度": "25.0430", **GONE,
    }  # fmt: skip


def filled_template(folder: Path, units: list[dict], plans=(), sites=()) -> bytes:
    """The blank template with ``units`` on 登记表 and the rows of the optional sheets (values
    by header), as the bytes of an xlsx."""
    write_template(folder / "blank.xlsx")
    book = openpyxl.load_workbook(folder / "blank.xlsx")
    for sheet, headers, rows in (
        (book[DATA_SHEET], [c.header for c in COLUMNS], units),
        (book[PLAN_SHEET.name], [f.header for f in PLAN_SHEET.fields], plans),
        (book[SITE_SHEET.name], [f.header for f in SITE_SHEET.fields], sites),
    ):
        for r, row in enumerate(rows, start=FIRST_DATA_ROW):
            for i, header in enumerate(headers, start=1):
                value = row.get(header)
                if value not in (None, ""):
                    cell = sheet.cell(r, i, value)
                    if isinstance(value, str):
                        cell.data_type = "s"  # as typed, never a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _plan(serial: int) -> dict:
    return {
        "统一社会信用代码": credit_code(serial),
        "涉及职工（人）": 120,
        "内部转岗（人）": 60,
        "内部退养和退休（人）": 30,
        "安置资金（万元）": 350,
        "方案日期": "2022-03-01",
        "方案状态": "实施中",
    }


def _site(serial: int) -> dict:
    return {
        "统一社会信用代码": credit_code(serial),
        "装备编号": "1#",
        "面积（亩）": 85.5,
        "土地权利": "划拨",
        "处置方式": "转产",
        "处置日期": "2021-09-01",
    }


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--db-sites", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-sheets-"))
    serials = range(1, args.rows + 1)
    units = [unit_row(s) for s in serials]
    known = range(FIRST_KNOWN, FIRST_KNOWN + args.units)
    plain = filled_template(folder, units)
    sheets = [_site(s) for s in serials] + [_site(s) for s in known[: args.db_sites]]
    full = filled_template(folder, units, [_plan(s) for s in serials], sheets)
    with throwaway_database("bench_sheets") as engine:
        earlier = folder / "known.xlsx"
        earlier.write_bytes(filled_template(folder, [unit_row(s) for s in known]))
        load(engine, prepare([earlier]), dt.date(2022, 6, 30))
        base, more = [], []
        for _ in range(args.runs):
            base.append(_timed(lambda: validate(engine, "r.xlsx", plain, KUNMING)))
            more.append(_timed(lambda: validate(engine, "r.xlsx", full, KUNMING)))
        checked = validate(engine, "r.xlsx", full, KUNMING)
        rejected = sum(r.rejected for r in checked.sheet_rows)
        assert rejected == 0, [r.messages for r in checked.sheet_rows if r.rejected][:3]
        timings = {}

        def then(conn, _summary) -> None:
            timings["write"] = _timed(lambda: write_rows(conn, checked.sheet_rows, "bench"))
            raise _RollBack

        started = time.perf_counter()
        with contextlib.suppress(_RollBack):
            load(engine, checked, dt.date(2022, 12, 31), then=then)
        whole = time.perf_counter() - started
    n = len(checked.sheet_rows)
    print(f"register rows {args.rows}; sheet rows {n} ({args.rows} plans, {n - args.rows} sites, "
          f"{args.db_sites} of them of units in the database); runs {args.runs}")  # fmt: skip
    for label, figures in (("check, register alone", base), ("check, with sheets", more)):
        print(f"{label:24} median {statistics.median(figures):6.2f} s  max {max(figures):6.2f} s")
    print(f"ratio with / without sheets: {statistics.median(more) / statistics.median(base):.2f}")
    load_only = whole - timings["write"]
    print(
        f"accept: writing the sheets' rows {timings['write']:.2f} s beside the register's load "
        f"{load_only:.2f} s (ratio {timings['write'] / load_only:.2f})"
    )
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores, shared: figures may be contended)")
    return 0


class _RollBack(Exception):
    """Raised inside the load's transaction to leave the database as it was."""


if __name__ == "__main__":
    raise SystemExit(main())
