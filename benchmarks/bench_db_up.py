"""How long `exitmap db up` takes: a cold cluster (initdb + start + database + postgis), a
warm restart, and the no-op when it already runs; the baseline is a bare ``pg_ctl status``.

    .venv/bin/python benchmarks/bench_db_up.py
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import psycopg

from exitmap.cluster import Cluster


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="exitmap-bench-pg-"))
    cluster = Cluster(root=root, port=5449, bin_dir=Path("/usr/lib/postgresql/15/bin"))

    def up_and_ask() -> None:
        cluster.up("exitmap")
        with psycopg.connect(cluster.conninfo("exitmap")) as conn:
            conn.execute("SELECT postgis_version()").fetchone()

    try:
        cold = timed(up_and_ask)
        noop = timed(up_and_ask)
        cluster.down()
        warm = timed(up_and_ask)
        status = timed(
            lambda: cluster._run([cluster.bin_dir / "pg_ctl", "-D", cluster.data_dir, "status"])
        )
    finally:
        cluster.down()
        shutil.rmtree(root, ignore_errors=True)
    print(f"db up, new cluster (initdb, start, CREATE DATABASE, postgis): {cold:6.2f} s")
    print(f"db up, stopped cluster (start):                                {warm:6.2f} s")
    print(f"db up, already running (no-op):                                {noop:6.2f} s")
    print(f"baseline: pg_ctl status:                                       {status:6.2f} s")
    print(f"no-op / baseline: {noop / status:.1f}×;  target: every figure < 3 s")


if __name__ == "__main__":
    main()
