"""Benchmark: the site under load through the nginx front, with and without a slow-client attack.

Loads the demo register into a throwaway database, runs `exitmap serve --prod` (gunicorn,
EXITMAP_WEB_WORKERS × EXITMAP_WEB_THREADS) on loopback and Debian's nginx in front of it with the
shipped configuration (exitmap.cli.frontend.loopback: the file operators use, moved to loopback
ports), records the callback POSTs the dashboard's own pages make in Chromium, then runs locust
(benchmarks/load_users.py, a process per phase) for a bounded time per phase:

  baseline   the static asset alone (same users): what the machine and the front cost
  50 users   page loads, layouts, dependencies, callbacks, the static asset; 0.5–1.5 s think time
  200 users  the same
  attack     50 users again while --attackers clients send callback bodies at 1 byte/s

Prints p50/p95/p99, failures and the request rate of each phase, the ratio of its p95 to the
static asset's p95 in the same phase, and the load average of the machine (other work on it
moves the figures: the ratio is what compares). Targets (issue #11): 50 users p95 ≤ 300 ms,
200 users p95 ≤ 1 s, 0 errors; under attack the 50 users p95 < 1 s.

    .venv/bin/python benchmarks/bench_load.py [--seconds 40] [--attackers 32]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

HERE = Path(__file__).resolve().parent
EXITMAP = Path(sys.executable).parent / "exitmap"
TODAY = "2026-06-30"
PAGES = ["/", "/prefecture/530100", "/prefecture/530300", "/quota", "/freeze", "/data", "/about"]
# The accounts the simulated users sign in with, in turn (the office: every page, the whole
# province). Several, not one: the response cache keeps answers per user (app/response_cache.py),
# so one shared account would measure a cache no real office has.
ACCOUNTS = [f"bench_load_{i:02d}" for i in range(1, 21)]
USER, PASSWORD = ACCOUNTS[0], "load benchmark password"
TARGETS = {"50 users": 300, "200 users": 1000, "attack": 1000}


def load_average() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


@contextlib.contextmanager
def prod_server(url: str):
    """`exitmap serve --prod` on a free loopback port: its port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": url, "EXITMAP_TODAY": TODAY}
    proc = subprocess.Popen(
        [EXITMAP, "serve", "--prod", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode(errors="replace")[-2000:])
            try:
                session = requests.Session()
                session.trust_env = False
                session.get(f"http://127.0.0.1:{port}/_dash-layout", timeout=60)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.3)
        yield port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def record_callbacks(base: str) -> list[dict]:
    """The callback POSTs each page makes when it loads in Chromium, signed in."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from app.browser import browser, new_page, sign_in, wait_idle

    recorded = []
    with browser() as b:
        for path in PAGES:
            page = new_page(b)
            sign_in(page, base, USER, PASSWORD)

            def keep(req, path=path):
                if req.method == "POST" and "/_dash-update-component" in req.url:
                    # The address as sent (Dash 4 adds a signed ?endId=…), without the origin.
                    recorded.append({"page": path, "url": req.url[len(base) :],
                                     "body": req.post_data})  # fmt: skip

            page.on("request", keep)
            page.goto(base + path)
            try:
                page.wait_for_selector(".leaflet-container, .ag-root, #page h1", state="attached")
            except PlaywrightTimeout as exc:
                # Once seen, not reproduced: say which page and what it showed instead.
                shown = page.locator("body").inner_text()[:400]
                raise RuntimeError(f"{path} ({page.url}) showed no content: {shown!r}") from exc
            # Idle once the layout is in; then the callbacks the async components start.
            wait_idle(page, timeout=30_000)
            page.wait_for_timeout(1500)
            wait_idle(page, timeout=30_000)
            page.context.close()
    return recorded


@contextlib.contextmanager
def slow_senders(port: int, n: int):
    """``n`` clients, each sending a 4 KB callback body at 1 byte a second (reconnecting when
    nginx closes them)."""
    stop = threading.Event()
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    opened = [0]

    def one(i: int):
        while not stop.is_set():
            try:
                raw = socket.create_connection(("127.0.0.1", port), timeout=10,
                                               source_address=(f"127.66.0.{i + 1}", 0))  # fmt: skip
                with context.wrap_socket(raw) as sock:
                    opened[0] += 1
                    sock.sendall(
                        b"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        b"Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n{"
                    )
                    while not stop.wait(1):
                        sock.sendall(b" ")
            except OSError:
                stop.wait(1)

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    time.sleep(3)
    try:
        yield opened
    finally:
        stop.set()
        for t in threads:
            t.join(5)


def phase(plan: Path, users: int, seconds: float, static_only: bool = False) -> dict:
    command = [sys.executable, str(HERE / "load_users.py"), str(plan), "--users", str(users),
               "--seconds", str(seconds)] + (["--static-only"] if static_only else [])  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 180)
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(label: str, result: dict, baseline_p95: float | None, load: str) -> None:
    kinds = result["kinds"]
    static = kinds.get("static asset", {})
    print(f"\n[{label}]  {result['rps']:.0f} 请求/秒，负载（1/5/15 分钟）{load}")
    for name in ("all app requests", "page", "layout", "dependencies", "callback", "static asset"):
        if name in kinds:
            k = kinds[name]
            print(
                f"  {name:<18} n={k['requests']:>6}  失败 {k['failures']:>4}"
                f"  p50 {k['p50']:>5.0f}  p95 {k['p95']:>5.0f}  p99 {k['p99']:>5.0f} ms"
            )
    app = kinds.get("all app requests")
    if app:
        ratios = []
        if static.get("p95"):
            ratios.append(f"本阶段静态文件 p95 的 {app['p95'] / static['p95']:.1f} 倍")
        if baseline_p95:
            ratios.append(f"基线静态文件 p95 的 {app['p95'] / baseline_p95:.1f} 倍")
        target = TARGETS[label.split(":")[0]]
        errors = sum(k["failures"] for k in kinds.values())
        verdict = "达标" if app["p95"] <= target and errors == 0 else "未达标"
        print(f"  应用请求 p95 {app['p95']:.0f} ms（{'，'.join(ratios)}）；"
              f"目标 p95 ≤ {target} ms 且 0 错误：{verdict}")  # fmt: skip
    for error in result["errors"]:
        print("  错误：" + error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40, help="measured seconds per phase")
    parser.add_argument("--attackers", type=int, default=32, help="1 B/s body senders")
    args = parser.parse_args()
    if not 5 <= args.seconds <= 300 or not 1 <= args.attackers <= 60:
        sys.exit("--seconds 5…300, --attackers 1…60")

    from throwaway import throwaway_database
    from web_session import sign_in

    from access import users
    from etl.demo import write_demo
    from etl.load import load
    from etl.pipeline import prepare
    from exitmap import settings
    from exitmap.cli.frontend import loopback

    print(f"开始时负载（1/5/15 分钟）：{load_average()}；CPU {os.cpu_count()} 核")
    with throwaway_database("exitmap_loadbench") as eng:
        import datetime as dt

        with tempfile.TemporaryDirectory() as tmp:
            for path, as_of in write_demo(Path(tmp), today=dt.date.fromisoformat(TODAY)):
                load(eng, prepare([path]), as_of, source="demo", synthetic=True)
        with eng.connect() as conn:
            units = conn.execute(sa.text("SELECT count(*) FROM unit")).scalar_one()
        for account in ACCOUNTS:
            users.add(eng, account, "province", password=PASSWORD)
        url = eng.url.render_as_string(hide_password=False)
        with (
            prod_server(url) as port,
            loopback(port) as front,
            tempfile.TemporaryDirectory() as tmp,
        ):
            print(
                f"演示数据 {units} 台；gunicorn {settings.get('web_workers')} 进程 × "
                f"{settings.get('web_threads')} 线程，前置 nginx（deploy/nginx/exitmap.conf）"
            )
            callbacks = record_callbacks(f"http://127.0.0.1:{port}")
            signed = requests.Session()
            signed.trust_env = False
            sign_in(signed, f"http://127.0.0.1:{port}", USER, PASSWORD)
            html = signed.get(f"http://127.0.0.1:{port}/", timeout=30).text
            asset = re.search(r'src="(/assets/url\.js\?m=[^"]+)"', html).group(1)
            plan = Path(tmp) / "plan.json"
            plan.write_text(json.dumps({"target": front.https, "pages": PAGES,
                                        "callbacks": callbacks, "asset": asset,
                                        "accounts": ACCOUNTS, "password": PASSWORD}))  # fmt: skip
            if not callbacks:
                raise RuntimeError("the pages made no callback in Chromium")
            print(f"用户轮流以 {len(ACCOUNTS)} 个账号登录；"
                  f"记录到页面自身的回调请求 {len(callbacks)} 个（{len(PAGES)} 个页面）；"
                  f"静态文件 {asset.split('?')[0]}；每阶段 {args.seconds:.0f} s")  # fmt: skip

            base = phase(plan, 50, args.seconds, static_only=True)
            report("baseline: 50 users, static asset only", base, None, load_average())
            baseline_p95 = base["kinds"]["static asset"]["p95"]
            for users in (50, 200):
                result = phase(plan, users, args.seconds)
                report(f"{users} users", result, baseline_p95, load_average())
            with slow_senders(int(front.https.rsplit(":", 1)[1]), args.attackers) as opened:
                result = phase(plan, 50, args.seconds)
                load_now = load_average()
            report(f"attack: 50 users, {args.attackers} clients sending 1 B/s (connections opened "
                   f"{opened[0]})", result, baseline_p95, load_now)  # fmt: skip
    print(f"\n结束时负载：{load_average()}（本机 2 核由其他任务共用，数字可能受干扰；请看倍数）")


if __name__ == "__main__":
    main()
