"""Benchmark: read → clean → locate → load of a synthetic register, CSV and xlsx, vs a naive loop.

Generates N realistic register rows (valid credit codes, every sub-industry, several categories
and statuses, points uniformly inside random Yunnan counties, a few % GCJ-02, ~1 % without
coordinates, a few % with warnings) into a temporary folder as CSV (UTF-8) and xlsx; writing the
files is not timed. Creates a throwaway database in the cluster of DATABASE_URL (or the
project-local cluster) and times, in the same run:
- the pipeline: ``prepare([path])`` (read, clean, locate, assemble) and ``load(...)`` for the CSV
  and for the xlsx, each into an empty database, printing seconds per stage and rows/s;
- after the CSV, a newer register of the same units half a year later with every operating
  unit stopped (about a third of them changed): the history path, printed without a target;
- the naive baseline on a sample: per row, one ORM insert of a Unit (with an enterprise lookup
  or insert) and one ``ST_Contains`` query, committed at the end, extrapolated per row;
and prints the ratio pipeline / naive. Then the peak memory (RSS) of a whole load, each in a
process of its own: the CSV and the xlsx above, and the largest CSV and xlsx the input limits
admit (benchmarks/worst_inputs.py; loaded with --partial, as every row of them is rejected),
against a ceiling of 2 GB. Drops the database at the end.

One-time process costs (reading the boundary files, building the point-in-polygon grid,
importing the address parser) are paid by a warm-up on a ten-row file and printed apart.

    .venv/bin/python benchmarks/bench_ingest.py [--rows 100000] [--sample 500] [--no-worst]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import shapely
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from throwaway import throwaway_database
from worst_inputs import worst_csv, worst_xlsx

from etl import load as load_module
from etl import pipeline
from etl.bounds import Limits
from etl.load import load
from etl.register import COLUMNS, credit_check_char
from exitmap.boundaries import load_counties, load_prefectures
from exitmap.crs import gcj02_to_wgs84, wgs84_to_gcj02
from exitmap.vocabulary import SECTOR_OF

AS_OF = dt.date(2025, 6, 30)
HEADERS = [c.header for c in COLUMNS]
TARGETS = {"CSV": 4.0, "xlsx": 6.0}
TARGET_RATIO = 20.0
MEMORY_CEILING_MB = 2048

# ------------------------------------------------------------------------------ data

EQUIPMENT = {
    "炼钢": ("转炉", "{}t"),
    "炼铁": ("高炉", "{}m³"),
    "铁合金": ("矿热炉", "{}kVA"),
    "水泥熟料": ("熟料生产线", "{}t/d"),
    "平板玻璃": ("浮法玻璃生产线", "{}t/d"),
    "粉磨站": ("水泥磨", "{}万吨/年"),
    "石灰窑": ("石灰窑", "{}m³"),
    "焦炭": ("焦炉", "炭化室高度{}米"),
    "电石": ("电石炉", "{}kVA"),
    "黄磷": ("黄磷电炉", "{}kVA"),
    "烧碱": ("离子膜电解槽", "{}万吨/年"),
    "电解铝": ("电解槽", "{}kA"),
    "铜冶炼": ("熔炼炉", "{}万吨/年"),
    "铅冶炼": ("熔炼炉", "{}万吨/年"),
    "锌冶炼": ("焙烧炉", "{}m²"),
    "锡冶炼": ("澳斯麦特炉", "{}万吨/年"),
}
# Spellings other than the canonical one that registers use (all accepted by the cleaner).
SUB_VARIANT = {"水泥熟料": "熟料", "电解铝": "原铝", "焦炭": "焦化", "炼铁": "生铁"}
SECTOR_VARIANT = {"石化化工": "化工", "有色金属": "有色", "建材": "建材行业"}
CATEGORIES = ["淘汰类", "限制类", "能耗不达标", "环保不达标", "质量不达标", "安全不达标", ""]
CATEGORY_P = [0.30, 0.15, 0.15, 0.12, 0.08, 0.10, 0.10]
STATUSES = ["在产", "整改中", "延期整改", "停产", "已关停", "已拆除", "已改造达标", "已转产"]
STATUS_P = [0.35, 0.15, 0.05, 0.08, 0.15, 0.12, 0.06, 0.04]
EXITED = {"已关停": "关停", "已拆除": "拆除", "已转产": "转产"}
ROADS = ["人民路", "建设路", "工业园区", "北京路", "环城南路", "龙泉路", "开发区", "滇池路"]


def _date_text(rng: np.random.Generator, year0: int, years: int) -> str:
    day = dt.date(year0, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * years)))
    form = rng.integers(0, 10)
    if form < 6:
        return day.isoformat()
    if form < 8:
        return f"{day.year}年{day.month}月{day.day}日"
    if form < 9:
        return f"{day.year}/{day.month}/{day.day}"
    return f"{day.year}-{day.month:02d}"


def _points_in(geom, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points uniformly inside a polygon (rejection sampling in its bounds)."""
    x0, y0, x1, y1 = geom.bounds
    xs, ys = [], []
    got = 0
    while got < n:
        x = rng.uniform(x0, x1, 2 * (n - got) + 16)
        y = rng.uniform(y0, y1, len(x))
        inside = shapely.contains_xy(geom, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        got += int(inside.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def generate(n: int, seed: int = 20250630) -> list[dict]:
    """n register rows (header → cell; numbers and coordinates as text)."""
    rng = np.random.default_rng(seed)
    counties = load_counties()
    shapely.prepare(counties.geometry.values)
    pref_name = dict(load_prefectures()[["adcode", "name"]].itertuples(index=False))
    n_firms = max(1, n // 4)
    firm_county = rng.integers(0, len(counties), n_firms)
    row_firm = np.minimum(np.arange(n) // 4, n_firms - 1)
    row_county = firm_county[row_firm]
    # Points uniformly inside each row's county.
    lon, lat = np.empty(n), np.empty(n)
    for c in np.unique(row_county):
        idx = np.flatnonzero(row_county == c)
        lon[idx], lat[idx] = _points_in(counties.geometry.iloc[c], len(idx), rng)
    kind = rng.random(n)
    gcj = kind < 0.03
    address_only = (kind >= 0.03) & (kind < 0.04)
    glon, glat = wgs84_to_gcj02(lon, lat)
    warn = rng.random(n)
    subs = list(SECTOR_OF)
    rows = []
    for i in range(n):
        firm, c = int(row_firm[i]), int(row_county[i])
        county = counties.iloc[c]
        adcode, parent = int(county["adcode"]), int(county["parent_adcode"])
        body = f"91{adcode}MA{firm + 1:07d}"
        sub = subs[int(rng.integers(0, len(subs)))]
        sector = SECTOR_OF[sub]
        name, spec = EQUIPMENT[sub]
        category = CATEGORIES[rng.choice(len(CATEGORIES), p=CATEGORY_P)]
        status = STATUSES[rng.choice(len(STATUSES), p=STATUS_P)]
        row = dict.fromkeys(HEADERS, "")
        row.update(
            {
                "序号": str(i + 1),
                "州（市）": pref_name[parent],
                "县（市、区）": county["name"],
                "企业名称": f"云南{county['name']}{firm + 1}号{sector}有限公司",
                "统一社会信用代码": body + credit_check_char(body),
                "行业": SECTOR_VARIANT.get(sector, sector) if rng.random() < 0.2 else sector,
                "细分行业": SUB_VARIANT.get(sub, sub) if rng.random() < 0.1 else sub,
                "装备名称": name,
                "装备编号": f"{i % 4 + 1}#",
                "规格型号": spec.format(int(rng.integers(5, 500)) * 10),
                "产能（万吨/年）": f"{rng.uniform(1, 300):.1f}",
                "年综合能耗（吨标准煤）": str(int(rng.integers(1_000, 900_000))),
                "年用电量（万千瓦时）": f"{rng.uniform(10, 90_000):.2f}",
                "退出类别": category,
                "当前状态": status,
                "计划退出日期": _date_text(rng, 2021, 5),
                "职工人数": str(int(rng.integers(10, 3000))),
                "详细地址": f"云南省{pref_name[parent]}{county['name']}"
                f"{ROADS[i % len(ROADS)]}{i + 1}号",
                "经度": f"{lon[i]:.6f}",
                "纬度": f"{lat[i]:.6f}",
                "坐标系": "WGS84" if rng.random() < 0.7 else "",
            }
        )
        if category == "能耗不达标":
            row["问题认定日期"] = _date_text(rng, 2020, 3)
        if category in ("环保不达标", "质量不达标"):
            row["整改期限"] = _date_text(rng, 2022, 4)
        if status in EXITED:
            row["实际退出日期"] = _date_text(rng, 2021, 4)
            row["退出方式"] = EXITED[status]
        if status == "已改造达标":
            row["退出方式"] = "改造提升"
        if rng.random() < 0.05:
            row["备注"] = "已纳入年度淘汰计划"
        if gcj[i]:
            row["经度"], row["纬度"] = f"{glon[i]:.6f}", f"{glat[i]:.6f}"
            row["坐标系"] = "GCJ02" if i % 2 else "高德"
        if address_only[i]:
            row["经度"] = row["纬度"] = row["坐标系"] = ""
            if i % 10 == 0:  # nothing but the address: the address parser places it
                row["州（市）"] = row["县（市、区）"] = ""
        # A few % of rows carry a warning (one kind each).
        w = warn[i]
        if w < 0.010:
            row["装备编号"] = ""  # a stable key is derived
        elif w < 0.015 and row["经度"]:
            row["经度"], row["纬度"] = row["纬度"], row["经度"]  # swapped
        elif w < 0.020 and row["县（市、区）"]:
            other = counties[(counties["parent_adcode"] == parent) & (counties["adcode"] != adcode)]
            if len(other):
                row["县（市、区）"] = other["name"].iloc[i % len(other)]
        elif w < 0.025 and status in EXITED:
            row["实际退出日期"] = ""
        elif w < 0.030:
            row["计划退出日期"] = "2021.1"
        rows.append(row)
    return rows


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerows(rows)
    return path


NUMERIC = {
    "产能（万吨/年）",
    "年综合能耗（吨标准煤）",
    "年用电量（万千瓦时）",
    "职工人数",
    "经度",
    "纬度",
}


def _xlsx_cell(header: str, value: str):
    """Numbers as numbers and ISO dates as dates, as a spreadsheet would hold them."""
    if not value:
        return None
    if header in NUMERIC:
        return float(value) if "." in value else int(value)
    if header.endswith("日期") or header == "整改期限":
        try:
            return dt.datetime.strptime(value, "%Y-%m-%d")
        except ValueError:
            return value
    return value


def write_xlsx(path: Path, rows: list[dict]) -> Path:
    try:
        import xlsxwriter
    except ImportError:
        xlsxwriter = None
    if xlsxwriter is not None:
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = book.add_worksheet("登记表")
        date_format = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, HEADERS)
        for r, row in enumerate(rows, start=1):
            for c, header in enumerate(HEADERS):
                value = _xlsx_cell(header, row[header])
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, date_format)
                elif value is not None:
                    sheet.write(r, c, value)
        book.close()
        return path
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("登记表")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([_xlsx_cell(h, row[h]) for h in HEADERS])
    book.save(path)
    return path


# ------------------------------------------------------------------------------ timing


class StageTimer:
    """Wraps module-level functions so that one call of prepare/load reports its stages."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._undo: list[tuple[object, str, object]] = []

    def wrap(self, module, name: str, label: str) -> None:
        original = getattr(module, name)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - t0

        setattr(module, name, timed)
        self._undo.append((module, name, original))

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        for module, name, original in reversed(self._undo):
            setattr(module, name, original)


PREPARE_STAGES = (("read_register", "读取"), ("clean", "清洗校验"), ("locate", "定位"))
LOAD_STAGES = (
    ("_stage_frame", "组装暂存行"),
    ("_stage", "COPY 入暂存表"),
    ("_upsert_enterprises", "企业 upsert"),
    ("_merge_units", "装备 upsert"),
    ("_observe_changes", "变化记录"),
    ("write_timelines", "时间线写入"),
    ("_finish_load_records", "载入记录"),
    ("_missing_units", "缺失装备比对"),
)


def reset(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "TRUNCATE unit_event, unit_observation, quarantine_row, unit, enterprise, "
                "load_record "
                "RESTART IDENTITY CASCADE"
            )
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(
            sa.text("VACUUM ANALYZE unit, enterprise, unit_event, unit_observation, load_record")
        )


def run_pipeline(engine: sa.Engine, label: str, path: Path, n: int) -> float:
    reset(engine)
    with StageTimer() as timer:
        for name, stage in PREPARE_STAGES:
            timer.wrap(pipeline, name, stage)
        t0 = time.perf_counter()
        prepared = pipeline.prepare([path])
        t_prepare = time.perf_counter() - t0
    counts = prepared.counts()
    if counts["rejected"] or prepared.file_errors:
        sample = prepared.rejected.select("row", "messages").head(5).rows()
        raise SystemExit(f"{label}: rows rejected {counts} {prepared.file_errors} {sample}")
    with StageTimer() as load_timer:
        for name, stage in LOAD_STAGES:
            load_timer.wrap(load_module, name, stage)
        t0 = time.perf_counter()
        summary = load(engine, prepared, AS_OF)
        t_load = time.perf_counter() - t0
    total = t_prepare + t_load
    if summary.inserted != n:
        raise SystemExit(f"{label}: inserted {summary.inserted} units, expected {n}")

    print(f"\n{label}：{n:,} 行（正常 {counts['ok']:,}，警告 {counts['warning']:,}）")
    stages = dict(timer.seconds)
    stages["组装与消息"] = t_prepare - sum(stages.values())
    for stage, seconds in stages.items():
        print(f"  {stage:<12} {seconds:7.3f} s")
    print(f"  {'prepare 合计':<12} {t_prepare:7.3f} s")
    for stage, seconds in load_timer.seconds.items():
        print(f"    {stage:<14} {seconds:7.3f} s")
    other = t_load - sum(load_timer.seconds.values())
    print(f"    {'其他（事务、锁、计数）':<14} {other:7.3f} s")
    print(f"  {'load 合计':<12} {t_load:7.3f} s")
    verdict = "达标" if total <= TARGETS[label] else "未达标"
    print(
        f"  端到端 {total:.3f} s，{n / total:,.0f} 行/秒"
        f"（目标 ≤ {TARGETS[label]:.0f} s，{verdict}）"
    )
    return total


# ------------------------------------------------------------------------------ naive


def run_newer_register(engine: sa.Engine, path: Path, n: int) -> None:
    """The monthly case: the same units again, a later date, many statuses changed (no target)."""
    prepared = pipeline.prepare([path])
    t0 = time.perf_counter()
    summary = load(engine, prepared, AS_OF + dt.timedelta(days=183))
    t_load = time.perf_counter() - t0
    print(
        f"\nCSV 新一期登记表（同 {n:,} 台，载入于上面的 CSV 之后，无目标）：load {t_load:.3f} s，"
        f"更新 {summary.updated:,} 台，状态变化记录 {summary.events:,} 条，"
        f"未变 {summary.unchanged:,} 台"
    )


def run_naive(engine: sa.Engine, path: Path, sample: int) -> float:
    """Seconds per row of the row-at-a-time way: ORM insert + ST_Contains query per row."""
    from geoalchemy2.elements import WKTElement
    from sqlalchemy.orm import Session

    from exitmap.models import Enterprise, LoadRecord, Unit

    reset(engine)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if r["经度"]][:sample]
    contains = sa.text(
        "SELECT adcode, prefecture_adcode FROM county "
        "WHERE ST_Contains(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) LIMIT 1"
    )

    def date_or_none(text: str):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None

    t0 = time.perf_counter()
    with Session(engine) as session:
        record = LoadRecord(
            file_name=path.name, sha256="0" * 64, source="naive", as_of=AS_OF, mode="strict"
        )
        session.add(record)
        session.flush()
        for r in rows:
            x, y = float(r["经度"]), float(r["纬度"])
            if x < y:
                x, y = y, x
            if r["坐标系"] in ("GCJ02", "高德"):
                gx, gy = gcj02_to_wgs84(x, y)
                x, y = float(gx), float(gy)
            found = session.execute(contains, {"x": x, "y": y}).first()
            county, prefecture = found if found else (None, None)
            code = r["统一社会信用代码"]
            firm = session.scalar(sa.select(Enterprise).where(Enterprise.key == code))
            if firm is None:
                firm = Enterprise(
                    key=code,
                    credit_code=code,
                    name=r["企业名称"],
                    prefecture_adcode=prefecture,
                    county_adcode=county,
                )
                session.add(firm)
                session.flush()
            number = r["装备编号"] or f"#{r['序号']}"
            session.add(
                Unit(
                    unit_key=f"{code}/{number}",
                    key_derived=not r["装备编号"],
                    enterprise_id=firm.id,
                    sector=r["行业"],
                    sub_industry=r["细分行业"],
                    equipment_name=r["装备名称"],
                    equipment_no=r["装备编号"] or None,
                    spec=r["规格型号"],
                    capacity_wt=float(r["产能（万吨/年）"]),
                    energy_tce=float(r["年综合能耗（吨标准煤）"]),
                    electricity_10k_kwh=float(r["年用电量（万千瓦时）"]),
                    category=r["退出类别"] or None,
                    status=r["当前状态"],
                    planned_exit_date=date_or_none(r["计划退出日期"]),
                    actual_exit_date=date_or_none(r["实际退出日期"]),
                    workers=int(r["职工人数"]),
                    address=r["详细地址"],
                    declared_prefecture=r["州（市）"],
                    declared_county=r["县（市、区）"],
                    prefecture_adcode=prefecture,
                    county_adcode=county,
                    location_precision="exact",
                    geom=WKTElement(f"POINT({x} {y})", srid=4326),
                    source="naive",
                    first_load_id=record.id,
                    last_load_id=record.id,
                )
            )
            session.flush()  # one INSERT per row
        session.commit()
    per_row = (time.perf_counter() - t0) / len(rows)
    return per_row


# ------------------------------------------------------------------------------ memory


def measure(path: Path, url: str) -> None:
    """In a process of its own: prepare and load one file, then print what it cost (JSON)."""
    from exitmap.db import engine

    t0 = time.perf_counter()
    prepared = pipeline.prepare([path])
    result = {"counts": prepared.counts(), "file_errors": prepared.file_errors}
    if not prepared.file_errors:
        summary = load(engine(url), prepared, AS_OF, partial=True)
        result.update(inserted=summary.inserted, quarantined=summary.quarantined)
    result["seconds"] = time.perf_counter() - t0
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result, ensure_ascii=False))


def peak_of_load(engine: sa.Engine, label: str, path: Path) -> float:
    reset(engine)
    url = engine.url.render_as_string(hide_password=False)
    run = subprocess.run(
        [sys.executable, __file__, "--measure", str(path), "--database", url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result = json.loads(run.stdout.strip().splitlines()[-1])
    if result["file_errors"]:
        raise SystemExit(f"{label}: refused by the limits it was made to fit: {result}")
    verdict = "达标" if result["peak_mb"] <= MEMORY_CEILING_MB else "未达标"
    counts = result["counts"]
    print(
        f"  {label:<34} {path.stat().st_size / 1e6:7.1f} MB  峰值内存 {result['peak_mb']:7.0f} MB"
        f"（上限 {MEMORY_CEILING_MB} MB，{verdict}），{result['seconds']:6.1f} s，"
        f"写入 {result['inserted']:,} 台，隔离 {result['quarantined']:,} 行"
        f"（拒绝 {counts['rejected']:,}）"
    )
    return result["peak_mb"]


def run_memory(engine: sa.Engine, tmp: Path, csv_path: Path, xlsx_path: Path, worst: bool):
    limits = Limits.from_settings()
    print(
        f"\n整次载入的峰值内存（各在独立进程中；限值：文件 {limits.file_bytes >> 20} MB，"
        f"{limits.rows:,} 行 × {limits.columns} 列，解压 {limits.unpacked_bytes >> 20} MB）："
    )
    peak_of_load(engine, "CSV（上面的登记表）", csv_path)
    peak_of_load(engine, "xlsx（上面的登记表）", xlsx_path)
    if not worst:
        return
    t0 = time.perf_counter()
    files = (
        ("限值允许的最大 CSV", worst_csv(tmp / "worst.csv", limits)),
        ("限值允许的最大 xlsx（共享文本）", worst_xlsx(tmp / "worst.xlsx", limits)),
    )
    print(f"  （生成最大文件用时 {time.perf_counter() - t0:.1f} s，不计时）")
    for label, path in files:
        peak_of_load(engine, label, path)


# ------------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=500, help="rows for the naive baseline")
    parser.add_argument("--seed", type=int, default=20250630)
    parser.add_argument(
        "--no-worst", action="store_true", help="skip the largest files the limits admit"
    )
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.database)
        return

    with (
        throwaway_database("bench_ingest") as engine,
        tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp,
    ):
        run_all(engine, Path(tmp), args)


def run_all(engine: sa.Engine, tmp: Path, args) -> None:
    t0 = time.perf_counter()
    rows = generate(args.rows, args.seed)
    csv_path = write_csv(tmp / "register.csv", rows)
    xlsx_path = write_xlsx(tmp / "register.xlsx", rows)
    print(
        f"生成 {len(rows):,} 行（CSV {csv_path.stat().st_size / 1e6:.1f} MB，"
        f"xlsx {xlsx_path.stat().st_size / 1e6:.1f} MB），用时 {time.perf_counter() - t0:.1f} s"
        "（不计时）"
    )
    # One-time costs of a process: boundary files, grid, address parser.
    warm_rows = generate(10, args.seed + 1)
    warm_rows[0].update(dict.fromkeys(("经度", "纬度", "坐标系", "州（市）", "县（市、区）"), ""))
    warm = write_csv(tmp / "warm.csv", warm_rows)
    t0 = time.perf_counter()
    pipeline.prepare([warm])
    print(f"预热（边界、网格、地址解析器，每个进程一次）：{time.perf_counter() - t0:.2f} s")

    # Half a year on: every operating unit stopped (停产), the rest as before.
    newer = [dict(r, 当前状态="停产") if r["当前状态"] == "在产" else r for r in rows]
    newer_path = write_csv(tmp / "register-newer.csv", newer)
    totals = {"CSV": run_pipeline(engine, "CSV", csv_path, args.rows)}
    run_newer_register(engine, newer_path, args.rows)
    totals["xlsx"] = run_pipeline(engine, "xlsx", xlsx_path, args.rows)
    per_row = run_naive(engine, csv_path, args.sample)
    naive_rate = 1 / per_row
    print(
        f"\n朴素基线（逐行 ORM 插入 + ST_Contains 查询，样本 {args.sample} 行）："
        f"{per_row * 1000:.2f} ms/行，{naive_rate:,.0f} 行/秒，"
        f"外推 {args.rows:,} 行需 {per_row * args.rows:.1f} s"
    )
    for label, total in totals.items():
        ratio = (args.rows / total) / naive_rate
        verdict = "达标" if ratio >= TARGET_RATIO else "未达标"
        print(
            f"  {label} 流水线 / 朴素基线 = {ratio:.1f} 倍"
            f"（目标 ≥ {TARGET_RATIO:.0f} 倍，{verdict}）"
        )
    run_memory(engine, tmp, csv_path, xlsx_path, worst=not args.no_worst)


if __name__ == "__main__":
    main()
