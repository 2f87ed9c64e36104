"""Benchmark: reports from the public counted by place, kind and state on a date
(``layers.report_counts``: the ranking's 逾期举报 and the overview's layer of reports by county).

Creates a throwaway database in the cluster of DATABASE_URL (or the project-local cluster),
fills it with --reports synthetic reports (default 50,000) spread over every county, each with
its receipt and, for half, screening and assignment, for a quarter closure (~2.75 steps each),
and times, in the same run:
- the baseline: a plain GROUP BY prefecture, county, kind, status over the same reports;
- ``report_counts`` on a date (each report's state then: its last step by that day);
- the same as known on an earlier day;
- the same for a department (its own kinds, once handed to it);
- the published overdue count (``exitmap_published_reports_overdue``);
- ``county_features``: the map layer's GeoJSON from the counts.
Prints median and p95 of each and the ratio to the baseline; drops the database at the end.
The machine is shared (2 cores): figures may be contended.

    .venv/bin/python benchmarks/bench_report_counts.py [--reports 50000] [--runs 15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from throwaway import throwaway_database

from exitmap.policy.reports import reports_policy
from exitmap.scope import EVERYTHING, Scope
from layers.report_counts import county_features, places, published_overdue, report_counts
from reports.states import STATES

BASELINE = """
SELECT prefecture_adcode, county_adcode, service_code, status, count(*)
FROM report GROUP BY 1, 2, 3, 4
"""

KINDS = "ARRAY['energy','environment','quality','safety','technology']"
AGENCIES = "ARRAY['省发展改革委','省生态环境厅','省市场监管局','省应急管理厅','省工业和信息化厅']"

# Reports received over 2025–2026, a county each (round robin), a kind each; every 2nd one
# screened and assigned 3 days later, every 4th closed 20 days after receipt.
POPULATE = [
    f"""
    WITH c AS (SELECT adcode, prefecture_adcode, row_number() OVER (ORDER BY adcode) - 1 AS i,
                      count(*) OVER () AS n FROM county)
    INSERT INTO report (service_request_id, service_code, description, prefecture_adcode,
        county_adcode, channel, status, screening, resolution, agency_responsible,
        requested_datetime, updated_datetime, acknowledge_datetime, expected_datetime,
        acknowledged_datetime, closed_datetime)
    SELECT 'JB-BENCH-' || g, ({KINDS})[1 + g % 5], '基准测试', c.prefecture_adcode, c.adcode,
        'web',
        CASE WHEN g % 4 = 0 THEN 'closed' WHEN g % 2 = 0 THEN 'assigned' ELSE 'received' END,
        CASE WHEN g % 2 = 0 THEN 'valid' END,
        CASE WHEN g % 4 = 0 THEN 'unsubstantiated' END,
        ({AGENCIES})[1 + g % 5],
        r.at, r.at, r.at + interval '3 days', r.at + interval '30 days',
        CASE WHEN g % 2 = 0 THEN r.at + interval '3 days' END,
        CASE WHEN g % 4 = 0 THEN r.at + interval '20 days' END
    FROM generate_series(1, :n) g
    JOIN c ON c.i = g % c.n
    CROSS JOIN LATERAL (SELECT timestamptz '2025-01-01 09:00+08'
                               + (g % 540) * interval '1 day' AS at) r
    """,
    """
    INSERT INTO report_event (report_id, at, actor, actor_role, step, from_status, to_status)
    SELECT id, requested_datetime, '公众', 'public', 'receive', NULL, 'received' FROM report
    UNION ALL
    SELECT id, acknowledged_datetime, 'bench', 'province', 'screen', 'received', 'screened'
    FROM report WHERE screening IS NOT NULL
    UNION ALL
    SELECT id, acknowledged_datetime, 'bench', 'province', 'assign', 'screened', 'assigned'
    FROM report WHERE screening IS NOT NULL
    UNION ALL
    SELECT id, closed_datetime, 'bench', 'department', 'close', 'assigned', 'closed'
    FROM report WHERE closed_datetime IS NOT NULL
    """,
    "ANALYZE report",
    "ANALYZE report_event",
]


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(1000 * (time.perf_counter() - start))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    on, known = dt.date(2026, 3, 31), dt.date(2025, 12, 31)
    department = Scope("department", "bench", departments=frozenset({"省生态环境厅"}))
    kinds, states = list(reports_policy().kinds), list(STATES)
    with throwaway_database("bench_reports") as eng:
        with eng.begin() as conn:
            for sql in POPULATE:
                conn.execute(sa.text(sql), {"n": args.reports})
        with eng.connect() as conn:
            n_reports = conn.execute(sa.text("SELECT count(*) FROM report")).scalar_one()
            n_events = conn.execute(sa.text("SELECT count(*) FROM report_event")).scalar_one()
            where = places(conn)
            counts = report_counts(conn, on, EVERYTHING)
            cases = {
                "baseline GROUP BY": lambda: conn.execute(sa.text(BASELINE)).all(),
                "report_counts on a date": lambda: report_counts(conn, on, EVERYTHING),
                "… as known on an earlier day": lambda: report_counts(conn, on, EVERYTHING, known),
                "… a department's": lambda: report_counts(conn, on, department),
                "published overdue (function)": lambda: published_overdue(conn, on),
                "county_features (GeoJSON)": lambda: county_features(counts, where, kinds, states),
            }
            figures = {}
            # Alternate the cases run by run so that all share the machine's load alike.
            for name in cases:
                figures[name] = []
            for _ in range(args.runs):
                for name, fn in cases.items():
                    figures[name] += timed(fn, 1)
        print(f"{n_reports:,} reports, {n_events:,} steps; as of {on} (known on {known})")
        print(
            f"open on {on}: {int(counts['open'].sum()):,}, overdue {int(counts['overdue'].sum()):,}"
        )
        base = statistics.median(figures["baseline GROUP BY"])
        for name, values in figures.items():
            values.sort()
            med = statistics.median(values)
            p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
            print(f"{name:32s} median {med:8.1f} ms   p95 {p95:8.1f} ms   ×{med / base:5.1f}")


if __name__ == "__main__":
    main()
