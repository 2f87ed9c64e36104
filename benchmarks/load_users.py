"""One phase of benchmarks/bench_load.py: locust users against the nginx front, for a bounded time.

Run by bench_load.py in a process of its own (locust patches the standard library with gevent,
which the browser and the database driver of the orchestrating process should not see):

    python benchmarks/load_users.py PLAN.json --users 50 --seconds 40 [--static-only]

Each user comes from its own loopback address (127.1.x.y): nginx limits requests per client
address, and on an intranet every person has one; a single address for all would measure the
rate limit, not the site. A user makes one request, thinks 0.5–1.5 s, makes the next: page
HTML, the page's layout (for that page, by its Referer), Dash's dependencies, one of the
dashboard's own callback POSTs recorded from Chromium, or a fingerprinted static asset. Each
user signs in first through the login form (the plan's accounts in turn;
benchmarks/web_session.py), and
the figures count from when every user has signed in. Prints
one JSON object: per request kind, count, failures, p50/p95/p99 in ms; with ``--static-only``
every request is the static asset (the baseline).
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
import requests  # noqa: E402
from locust import HttpUser, between, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from web_session import csrf_header, sign_in  # noqa: E402

ADDRESSES = (f"127.1.{i // 250}.{i % 250 + 1}" for i in itertools.count())
TURNS = itertools.count()  # which of the plan's accounts the next user signs in with
MAX_USERS = 500
MAX_SECONDS = 300
SIGNED_IN = [0]  # users past their sign-in


class FromAddress(requests.adapters.HTTPAdapter):
    """Connections from one loopback source address."""

    def __init__(self, address: str):
        self.address = address
        super().__init__(pool_connections=1, pool_maxsize=2)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def user_class(plan: dict, static_only: bool) -> type[HttpUser]:
    pages = plan["pages"]
    callbacks = plan["callbacks"]
    asset = plan["asset"]

    class Visitor(HttpUser):
        wait_time = between(0.5, 1.5)
        host = plan["target"]

        def on_start(self):
            self.client.trust_env = False  # no proxy, no CA bundle from the environment
            self.client.verify = False  # nginx's throwaway certificate
            self.client.mount("https://", FromAddress(next(ADDRESSES)))
            self.client.headers["Accept-Encoding"] = "gzip"
            if not static_only:
                accounts = plan["accounts"]
                name = accounts[next(TURNS) % len(accounts)]
                sign_in(self.client, plan["target"], name, plan["password"])
            SIGNED_IN[0] += 1

        def referer(self, path: str) -> dict:
            return {"Referer": plan["target"] + path}

        @task(1)
        def static(self):
            self.client.get(asset, name="static asset")

        if not static_only:

            @task(2)
            def page(self):
                self.client.get(random.choice(pages), name="page")

            @task(2)
            def layout(self):
                path = random.choice(pages)
                self.client.get("/_dash-layout", headers=self.referer(path), name="layout")

            @task(1)
            def dependencies(self):
                self.client.get("/_dash-dependencies", name="dependencies")

            @task(5)
            def callback(self):
                c = random.choice(callbacks)
                self.client.post(
                    c["url"],
                    data=c["body"].encode(),
                    headers={
                        "Content-Type": "application/json",
                        **self.referer(c["page"]),
                        **csrf_header(self.client),
                    },
                    name="callback",
                )

    return Visitor


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("plan")
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--static-only", action="store_true")
    args = parser.parse_args()
    if not 0 < args.users <= MAX_USERS or not 0 < args.seconds <= MAX_SECONDS:
        sys.exit(f"users ≤ {MAX_USERS}, seconds ≤ {MAX_SECONDS}")
    with open(args.plan, encoding="utf-8") as f:
        plan = json.load(f)
    if not plan["target"].startswith("https://127.0.0.1:"):
        sys.exit("loopback only")

    env = Environment(user_classes=[user_class(plan, args.static_only)])
    runner = env.create_local_runner()
    runner.start(args.users, spawn_rate=max(10, args.users / 5))
    runner.spawning_greenlet.join()
    deadline = time.monotonic() + 180
    while SIGNED_IN[0] < args.users and time.monotonic() < deadline:
        gevent.sleep(0.5)
    if SIGNED_IN[0] < args.users:
        sys.exit(f"only {SIGNED_IN[0]} of {args.users} users signed in")
    gevent.sleep(3)  # every user past its first request (its TLS handshake)
    env.stats.reset_all()
    gevent.sleep(args.seconds)
    runner.quit()

    def figures(entry) -> dict:
        return {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.50),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
        }

    kinds = {name: figures(entry) for (name, _), entry in env.stats.entries.items()}
    app = [e for (name, _), e in env.stats.entries.items() if name != "static asset"]
    if app:
        # All but the static asset, as one distribution.
        merged = type(app[0])(env.stats, "app", None)
        for entry in app:
            merged.extend(entry)
        kinds["all app requests"] = figures(merged)
    errors = [f"{e.method} {e.name}: {e.error} ×{e.occurrences}" for e in env.stats.errors.values()]
    print(json.dumps({"kinds": kinds, "errors": errors[:5], "rps": env.stats.total.total_rps}))


if __name__ == "__main__":
    main()
