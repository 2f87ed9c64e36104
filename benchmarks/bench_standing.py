"""Benchmark: the as-of standing over 100,000 synthetic units (~3 events each, a third of
them with an older, superseded version).

Creates a throwaway database in the cluster of DATABASE_URL (or the project-local cluster),
fills it with SQL generate_series, and times, in the same run:
- the baseline: a plain GROUP BY prefecture, category over the same units;
- ``layers.standing.standing`` as of two dates (what the CLI and the exports call: the summary
  query, the prefecture-wide facts, the aggregation) — target ≤ 100 ms median;
- the same as known on a date between two recorded versions (record time, migration 0004);
- its summary query alone (``read_summary``);
- a filter change on the dashboard's cache (``StandingCache.table``: the data version, then the
  aggregation in memory).
Prints median and p95 of each and the ratio to the baseline; drops the database at the end.

    .venv/bin/python benchmarks/bench_standing.py [--units 100000] [--runs 15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from throwaway import throwaway_database

from exitmap.policy import default_policy
from layers.standing import StandingCache, read_summary, standing

BASELINE = """
SELECT prefecture_adcode, category, count(*), sum(energy_tce)
FROM unit GROUP BY 1, 2
"""

POPULATE = [
    """
    INSERT INTO load_record (file_name, sha256, source, as_of, mode, rows_total, rows_ok,
        rows_warning, rows_rejected, units_inserted, units_updated, units_unchanged)
    VALUES ('benchmark', repeat('0', 64), 'synthetic', DATE '2024-01-01', 'strict',
        0, 0, 0, 0, 0, 0, 0)
    """,
    """
    INSERT INTO enterprise (key, name)
    SELECT 'BENCH-' || g, '基准企业' || g FROM generate_series(1, :n / 10 + 1) g
    """,
    """
    INSERT INTO unit (unit_key, key_derived, enterprise_id, sector, sub_industry, equipment_name,
        energy_tce, electricity_10k_kwh, category, status, identified_date,
        identified_date_precision, rectify_deadline, rectify_deadline_precision,
        prefecture_adcode, location_precision, geom, source, synthetic,
        first_load_id, last_load_id)
    SELECT 'U' || g, false, 1 + g / 10,
        (ARRAY['钢铁','建材','石化化工','有色金属'])[1 + g % 4],
        (ARRAY['炼铁','水泥熟料','电石','电解铝'])[1 + g % 4],
        '设备', 100 + g % 5000, 50 + g % 3000,
        (ARRAY['淘汰类','限制类','能耗不达标','环保不达标','质量不达标','安全不达标',NULL])
            [1 + g % 7],
        '在产', DATE '2021-01-01' + g % 700,
        CAST((ARRAY['day','month'])[1 + g % 2] AS date_precision),
        CASE WHEN g % 3 = 0 THEN DATE '2021-06-01' + g % 900 END,
        CASE WHEN g % 3 = 0 THEN CAST('day' AS date_precision) END,
        (ARRAY[530100,530300,530400,530500,530600,530700,530800,530900,
               532300,532500,532600,532800,532900,533100,533300,533400])[1 + g % 16],
        'exact', ST_SetSRID(ST_MakePoint(100 + (g % 600) / 100.0, 23 + (g % 500) / 100.0), 4326),
        'register', true, 1, 1
    FROM generate_series(1, :n) g
    """,
    # ~2.7 events per unit: 在产, then a rectification step, then an outcome (some reversals).
    """
    INSERT INTO unit_event (unit_id, event_date, status, category, rectify_deadline,
        actual_exit_date, load_id)
    SELECT u.id, DATE '2019-06-01' + k * 450 + u.id % 400,
        CASE k WHEN 1 THEN '在产'
               WHEN 2 THEN (ARRAY['整改中','延期整改','停产'])[1 + u.id % 3]
               ELSE (ARRAY['已关停','已拆除','已改造达标','在产','已转产'])[1 + u.id % 5] END,
        u.category, u.rectify_deadline,
        CASE WHEN k = 3 AND u.id % 5 IN (0, 1) AND u.id % 2 = 0
             THEN DATE '2019-06-01' + k * 450 + u.id % 400 - 3 END,
        1
    FROM unit u CROSS JOIN generate_series(1, 3) k
    WHERE (u.id + k) % 10 <> 0
    """,
    # Record time (migration 0004): a third of the units were corrected once — an older
    # version of their timeline, recorded 2023-01-01 and superseded 2024-06-01, as evaluated
    # then. The copies are written with the history triggers aside.
    "SELECT set_config('exitmap.history_written', 'on', true)",
    "UPDATE unit_event SET recorded_at = TIMESTAMPTZ '2024-06-01 00:00+08'",
    """
    CREATE TEMP TABLE older ON COMMIT DROP AS
    SELECT * FROM unit_event WHERE unit_id % 3 = 0
    """,
    """
    UPDATE older SET id = nextval('unit_event_id_seq'),
        recorded_at = TIMESTAMPTZ '2023-01-01 00:00+08',
        superseded_at = TIMESTAMPTZ '2024-06-01 00:00+08'
    """,
    "INSERT INTO unit_event SELECT * FROM older",
    "SELECT set_config('exitmap.history_written', 'off', true)",
]


KNOWN_ON = dt.date(2023, 12, 31)  # between the two versions of the corrected units


def timings(run, runs: int) -> list[float]:
    for _ in range(2):  # warm the cache
        run()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run()
        out.append((time.perf_counter() - t0) * 1000)
    return sorted(out)


def stats(ms: list[float]) -> tuple[float, float]:
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return statistics.median(ms), p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    with throwaway_database("bench_standing") as eng:
        t0 = time.perf_counter()
        with eng.begin() as conn:
            for sql in POPULATE:
                conn.execute(sa.text(sql), {"n": args.units})
        with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
            n_units = conn.execute(sa.text("SELECT count(*) FROM unit")).scalar_one()
            n_events = conn.execute(sa.text("SELECT count(*) FROM unit_event")).scalar_one()
        print(
            f"生成 {n_units} 个装备、{n_events} 条状态记录，用时 {time.perf_counter() - t0:.1f} s"
        )
        run_all(eng, args.runs)


def run_all(eng: sa.Engine, runs: int) -> None:
    policy = default_policy()
    dates = (dt.date(2022, 6, 30), dt.date(2026, 1, 15))
    with eng.connect() as conn:
        base = stats(timings(lambda: conn.execute(sa.text(BASELINE)).all(), runs))
    print(f"基线 GROUP BY：中位数 {base[0]:.1f} ms，p95 {base[1]:.1f} ms")

    def report(label: str, ms: list[float], target: str = "") -> None:
        med, p95 = stats(ms)
        print(
            f"{label}：中位数 {med:.1f} ms，p95 {p95:.1f} ms，为基线的 {med / base[0]:.2f} 倍"
            + (f"（目标 {target}）" if target else "")
        )

    for on in dates:
        report(
            f"standing 截至 {on}",
            timings(lambda on=on: standing(eng, on, policy=policy), runs),
            "≤ 100 ms",
        )
        report(
            f"standing 截至 {on}，按 {KNOWN_ON} 当时掌握",
            timings(lambda on=on: standing(eng, on, policy=policy, known_on=KNOWN_ON), runs),
        )
        with eng.connect() as conn:
            report(
                f"  其中汇总查询 截至 {on}",
                timings(lambda on=on, conn=conn: read_summary(conn, on, policy), runs),
            )
    cache = StandingCache(eng, policy)
    on = dates[-1]
    filters = [{}, {"sector": "钢铁"}, {"category": ["淘汰类", "限制类"]}, {"status": "在产"}]
    turns = itertools.cycle(filters)
    report(
        f"仪表盘筛选变化（缓存中聚合）截至 {on}",
        timings(lambda: cache.table(on, **next(turns)), runs),
    )


if __name__ == "__main__":
    main()
