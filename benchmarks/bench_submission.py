"""Benchmark: the site answering other users while a 20,000-row register is checked, then
accepted (loaded).

Serves a throwaway database with ``exitmap serve --prod`` (gunicorn and, beside it, the job
worker process — as in production), signs in as the office and as 昆明市, and measures the
latency of a page (the 审核 page's layout, which reads the database) and of the API's list of
submissions:
- idle: nothing queued;
- busy: while the worker checks a --rows register (default 20,000) that 昆明市 uploaded
  through the 报送 form, sampling the job's progress as the page's bar polls it;
- accepting: while the worker loads it, once 昆明市 has submitted it and the office has
  asked to accept it (POST …/accept: 202 and the job — the request itself is timed too).
Prints median / p95 / max of each, the ratios busy / idle and accepting / idle (the baseline,
measured in the same run), how long the check and the load took, the progress values seen,
and the load average — the machine is shared: figures may be contended.

    .venv/bin/python benchmarks/bench_submission.py [--rows 20000] [--requests 40]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import requests
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import _points_in, generate, write_csv
from throwaway import throwaway_database

from access import users
from app.browser import free_port
from exitmap.boundaries import load_counties

KUNMING = 530100
PASSWORD = "benchmark password 2026"


def kunming_rows(n: int) -> list[dict]:
    """n register rows, all of 昆明市: each placed at a random point of a Kunming county."""
    rows = generate(n)
    counties = load_counties()
    kunming = counties[counties["adcode"] // 100 == KUNMING // 100].reset_index(drop=True)
    shapely.prepare(kunming.geometry.values)
    rng = np.random.default_rng(14)
    pick = rng.integers(0, len(kunming), n)
    for c in np.unique(pick):
        idx = np.flatnonzero(pick == c)
        lon, lat = _points_in(kunming.geometry.iloc[c], len(idx), rng)
        name = kunming["name"].iloc[c]
        for i, x, y in zip(idx, lon, lat, strict=True):
            rows[i].update(
                {
                    "州（市）": "昆明市",
                    "县（市、区）": name,
                    "经度": f"{x:.6f}",
                    "纬度": f"{y:.6f}",
                    "坐标系": "WGS84",
                    "详细地址": f"云南省昆明市{name}",
                }
            )
    return rows


def sign_in(base: str, name: str) -> requests.Session:
    s = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', s.get(base + "/login").text)[1]
    form = {"username": name, "password": PASSWORD, "csrf_token": token, "next": "/about"}
    assert s.post(base + "/login", data=form, allow_redirects=False).status_code == 302
    s.get(base + "/about")
    return s


def timed(session: requests.Session, base: str) -> tuple[float, float]:
    """(page layout ms, API list ms)."""
    started = time.perf_counter()
    r = session.get(base + "/_dash-layout", headers={"Referer": base + "/review"}, timeout=120)
    page = (time.perf_counter() - started) * 1000
    assert r.status_code == 200, r.status_code
    started = time.perf_counter()
    r = session.get(base + "/api/v1/submissions", timeout=120)
    api = (time.perf_counter() - started) * 1000
    assert r.status_code == 200, r.status_code
    return page, api


def figures(label: str, values: list[float]) -> float:
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    median = statistics.median(values)
    print(f"  {label:<28} median {median:7.1f} ms  p95 {p95:7.1f} ms  max {values[-1]:7.1f} ms")
    return median


def while_job_runs(
    office: requests.Session, watcher: requests.Session, base: str, sid: int, started: float
) -> tuple[list[tuple[float, float]], list[tuple[float, float, str]], dict]:
    """The office's latencies while the submission's latest job runs, the job's progress as
    the page's bar reads it (every second: GET …/{id}, the job row), and the job at its end."""
    progress: list[tuple[float, float, str]] = []
    done = threading.Event()
    last: dict = {}

    def watch() -> None:
        while not done.is_set():
            job = watcher.get(f"{base}/api/v1/submissions/{sid}", timeout=120).json()
            j = job["job"] or {}
            progress.append(
                (time.perf_counter() - started, j.get("progress", 0), j.get("step", ""))
            )
            if j.get("state") in ("done", "failed"):
                last.update(j)
                done.set()
                return
            time.sleep(1)

    thread = threading.Thread(target=watch)
    thread.start()
    busy = []
    while not done.is_set():
        busy.append(timed(office, base))
    thread.join()
    return busy, progress, last


def _steps(label: str, progress: list[tuple[float, float, str]]) -> None:
    seen = sorted({round(p, 2) for _, p, _ in progress})
    print(f"  {label} progress values seen by the bar: {seen}")
    print(f"  {label} steps seen: {list(dict.fromkeys(s for _, _, s in progress))}")


def _counts(summary: dict | None) -> str:
    if not summary:
        return "none"
    return "，".join(f"{k} {summary[k]:,}" for k in ("ok", "warning", "rejected"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()

    print(f"Generating a {args.rows:,}-row register of 昆明市 …")
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / "昆明登记表.csv", kunming_rows(args.rows))
        content = path.read_bytes()
    print(f"  {len(content) / 2**20:.1f} MB")

    with throwaway_database("bench_submission") as engine:
        users.add(engine, "bench_office", "province", password=PASSWORD)
        users.add(engine, "bench_kunming", "prefecture", prefecture=KUNMING, password=PASSWORD)
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "EXITMAP_JOB_HEARTBEAT_SECONDS": "2",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "exitmap.cli", "serve", "--prod", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    requests.get(base + "/healthz", timeout=60)
                    break
                except requests.ConnectionError:
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.3)
            office = sign_in(base, "bench_office")
            kunming = sign_in(base, "bench_kunming")
            for _ in range(3):  # warm: the first answers build the app's caches
                timed(office, base)

            print(f"Idle: {args.requests} requests of each")
            idle = [timed(office, base) for _ in range(args.requests)]

            token = kunming.cookies.get("_csrf_token")
            started = time.perf_counter()
            sent = kunming.post(
                base + "/submit/upload",
                files={"file": ("昆明登记表.csv", content, "text/csv")},
                data={"as_of": "2026-09-30"},
                headers={"X-CSRFToken": token},
                allow_redirects=False,
                timeout=300,
            )
            upload_ms = (time.perf_counter() - started) * 1000
            assert sent.status_code == 303, (sent.status_code, sent.text[:300])
            sid = int(sent.headers["Location"].rsplit("/", 1)[1])

            busy, progress, _ = while_job_runs(office, kunming, base, sid, started)
            checked_s = progress[-1][0]
            state = kunming.get(f"{base}/api/v1/submissions/{sid}", timeout=120).json()

            # 昆明市 submits it; the office accepts it: the request queues the load.
            submitted = kunming.post(
                f"{base}/api/v1/submissions/{sid}/submit",
                json={},
                headers={"X-CSRFToken": token},
                timeout=120,
            )
            assert submitted.status_code == 200, (submitted.status_code, submitted.text[:300])
            started = time.perf_counter()
            asked = office.post(
                f"{base}/api/v1/submissions/{sid}/accept",
                json={"comment": "benchmark"},
                headers={"X-CSRFToken": office.cookies.get("_csrf_token")},
                timeout=300,
            )
            accept_ms = (time.perf_counter() - started) * 1000
            assert asked.status_code == 202, (asked.status_code, asked.text[:300])
            loading, load_progress, job = while_job_runs(office, office, base, sid, started)
            loaded_s = load_progress[-1][0]
            accepted = office.get(f"{base}/api/v1/submissions/{sid}", timeout=120).json()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)

    print(f"Upload of {len(content) / 2**20:.1f} MB through the 报送 form: {upload_ms:.0f} ms")
    print(
        f"Check of {args.rows:,} rows: {checked_s:.1f} s, job {state['job']['state']};"
        f" summary {_counts(state['summary'])}"
    )
    _steps("check:", progress)
    print(
        f"Accept of {args.rows:,} rows: the request (POST …/accept → 202) {accept_ms:.0f} ms;"
        f" the load {loaded_s:.1f} s, job {job.get('state')} {job.get('result') or ''}"
        f"{job.get('message') or ''}; state {accepted['state']}"
    )
    _steps("accept:", load_progress)
    print("Latency (the office, while 昆明市's register is checked / accepted vs idle):")
    idle_page = figures("page, idle", [p for p, _ in idle])
    busy_page = figures(f"page, checking ({len(busy)} req.)", [p for p, _ in busy])
    load_page = figures(f"page, accepting ({len(loading)} req.)", [p for p, _ in loading])
    idle_api = figures("API list, idle", [a for _, a in idle])
    busy_api = figures("API list, checking", [a for _, a in busy])
    load_api = figures("API list, accepting", [a for _, a in loading])
    print(
        f"  ratio checking / idle (median): page {busy_page / idle_page:.2f}×,"
        f" API {busy_api / idle_api:.2f}×"
    )
    print(
        f"  ratio accepting / idle (median): page {load_page / idle_page:.2f}×,"
        f" API {load_api / idle_api:.2f}×"
    )
    print(f"Load average: {os.getloadavg()} — a shared 2-core machine: figures may be contended.")


if __name__ == "__main__":
    main()
