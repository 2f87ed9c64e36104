"""Benchmark: the least a first load of N register rows can cost with today's tables.

bench_ingest.py times the pipeline against its targets (CSV ≤ 4 s, xlsx ≤ 6 s end to end).
This script asks how much of those seconds writing the rows alone takes on the machine it
runs on. It loads a synthetic register once (bench_ingest's generator, into a throwaway
database), keeps the rows the load wrote (firms, units, observations, evaluated events),
empties the tables and writes the same rows again the fastest way PostgreSQL takes rows: a
binary COPY into each table from the client, with the tables' indexes, nothing computed — no
staging table, no join, no upsert, no evaluation. That sum plus the file's read, clean and
locate (``prepare``) is a floor: a pipeline that stores these rows cannot be faster. Prints,
in the same run:
- ``prepare`` of the CSV and of the xlsx, and the pipeline's own ``load`` of the CSV;
- each table's COPY of the final rows, and their sum (the floor of the load);
- the COPY into ``unit_event`` without its covering index ``ix_unit_event_as_of`` (what the
  standing's index-only scan costs a load; bench_standing.py measures what it saves a read);
- per file: prepare + floor against the target, and what the target leaves for the load's
  own work (joins, upserts, history, evaluation) beside what the pipeline spends on it.
Every figure is the least of ``--runs`` runs: a floor should not carry a slow run's noise.

    .venv/bin/python benchmarks/bench_ingest_floor.py [--rows 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import AS_OF, TARGETS, generate, reset, write_csv, write_xlsx
from throwaway import throwaway_database

from etl import pipeline
from etl.history import writing_history
from etl.load import load

# What a first load writes, in the order it writes it (each row once).
WRITTEN = ("enterprise", "unit", "unit_observation", "unit_event")
COVERING_INDEX = "ix_unit_event_as_of"


def timed(run) -> float:
    t0 = time.perf_counter()
    run()
    return time.perf_counter() - t0


def prepare(path: Path, runs: int) -> tuple[pipeline.Prepared, float]:
    seconds = []
    for _ in range(runs):
        t0 = time.perf_counter()
        prepared = pipeline.prepare([path])
        seconds.append(time.perf_counter() - t0)
    if prepared.counts()["rejected"] or prepared.file_errors:
        raise SystemExit(f"{path.name}: rows rejected {prepared.counts()}")
    return prepared, min(seconds)


def keep_written(conn: sa.Connection) -> dict[str, bytes]:
    """The rows the load wrote, table by table, as binary COPY data."""
    raw = conn.connection.driver_connection
    kept = {}
    with raw.cursor() as cur:
        for table in WRITTEN:
            with cur.copy(f"COPY {table} TO STDOUT (FORMAT binary)") as copy:
                kept[table] = b"".join(bytes(block) for block in copy)
    conn.commit()
    return kept


def copy_in(conn: sa.Connection, table: str, data: bytes) -> None:
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN (FORMAT binary)") as copy:
        copy.write(data)


def one_floor(conn: sa.Connection, kept: dict[str, bytes]) -> dict[str, float]:
    """Seconds of each table's COPY of the kept rows, into empty tables."""
    conn.execute(sa.text(f"TRUNCATE {', '.join(WRITTEN)} CASCADE"))
    conn.commit()
    with writing_history(conn):  # the history trigger would re-evaluate the events
        seconds = {
            table: timed(lambda table=table, data=data: copy_in(conn, table, data))
            for table, data in kept.items()
        }
    conn.commit()
    return seconds


def without_covering_index(conn: sa.Connection, kept: dict[str, bytes]) -> float:
    """The COPY into unit_event with the covering index dropped (rolled back)."""
    conn.execute(sa.text("TRUNCATE unit_event"))
    conn.execute(sa.text(f"DROP INDEX {COVERING_INDEX}"))
    with writing_history(conn):
        seconds = timed(lambda: copy_in(conn, "unit_event", kept["unit_event"]))
    conn.rollback()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20250630)
    args = parser.parse_args()
    with (
        throwaway_database("bench_ingest_floor") as engine,
        tempfile.TemporaryDirectory(prefix="bench_ingest_floor_") as tmp,
    ):
        run_all(engine, Path(tmp), args)


def run_all(engine: sa.Engine, tmp: Path, args) -> None:
    rows = generate(args.rows, args.seed)
    paths = {
        "CSV": write_csv(tmp / "register.csv", rows),
        "xlsx": write_xlsx(tmp / "register.xlsx", rows),
    }
    pipeline.prepare([write_csv(tmp / "warm.csv", generate(10, args.seed + 1))])  # one-time costs
    prepared, prepare_seconds = {}, {}
    for label, path in paths.items():
        prepared[label], prepare_seconds[label] = prepare(path, args.runs)
    load_seconds = []
    for _ in range(args.runs):
        reset(engine)
        load_seconds.append(timed(lambda: load(engine, prepared["CSV"], AS_OF)))
    load_least = min(load_seconds)

    with engine.connect() as conn:
        counts = {
            table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in WRITTEN
        }
        kept = keep_written(conn)
        runs = [one_floor(conn, kept) for _ in range(args.runs)]
        bare_event = min(without_covering_index(conn, kept) for _ in range(args.runs))
    floor = {table: min(run[table] for run in runs) for table in WRITTEN}
    total = sum(floor.values())

    print(f"{args.rows:,} 行登记表的首次载入（各取 {args.runs} 次中最少）")
    for label, seconds in prepare_seconds.items():
        print(f"  prepare {label}（读取、清洗、定位）   {seconds:7.3f} s")
    print(f"  流水线 load（CSV 的行）            {load_least:7.3f} s")
    print("\n写入下限：同样的行以二进制 COPY 直接写入各表（带现有索引，不做任何计算）")
    for table, seconds in floor.items():
        print(f"  {table:<18}{seconds:7.3f} s（{counts[table]:,} 行）")
    print(f"  {'合计':<18}{total:7.3f} s")
    print(
        f"  unit_event 去掉覆盖索引 {COVERING_INDEX}：{bare_event:.3f} s"
        f"（该索引占 {floor['unit_event'] - bare_event:.3f} s）"
    )
    own_work = load_least - total
    print(f"  流水线 load 中写入以外的工作（暂存、连接、upsert、历史、评估）：{own_work:.3f} s\n")
    for label, target in TARGETS.items():
        least = prepare_seconds[label] + total
        left = target - least
        verdict = (
            f"留给载入本身的工作 {left:.3f} s，流水线用 {own_work:.3f} s"
            if left > 0
            else "只写入这些行就已超出目标"
        )
        print(f"  {label}：prepare + 写入下限 = {least:.3f} s，目标 ≤ {target:.0f} s；{verdict}")


if __name__ == "__main__":
    main()
