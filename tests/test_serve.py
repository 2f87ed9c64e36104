"""`exitmap serve --prod`: the dashboard under gunicorn, as it runs in production."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from app.browser import free_port
from tests.helpers.accounts import sign_in

EXITMAP = Path(sys.executable).parent / "exitmap"


def test_serve_prod_runs_under_gunicorn_and_compresses(demo_engine):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": demo_engine.url.render_as_string(hide_password=False)}
    proc = subprocess.Popen(
        [EXITMAP, "serve", "--prod", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
            try:
                # The socket opens before the worker has built the app: a first answer can be slow.
                page = requests.get(base + "/healthz", timeout=60)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        assert page.status_code == 200
        assert page.headers["Server"].startswith("gunicorn")
        # Nothing but the login page without signing in; then the app, as the office.
        assert requests.get(base + "/", timeout=30, allow_redirects=False).status_code == 302
        session = sign_in(base, "province")
        page = session.get(base + "/", timeout=30)
        assert page.status_code == 200 and "产能退出一张图" in page.text
        # The page's own layout, rendered for the URL the browser shows (its Referer).
        layout = session.get(
            base + "/_dash-layout",
            headers={"Referer": base + "/prefecture/530100", "Accept-Encoding": "gzip"},
            timeout=30,
        )
        assert layout.status_code == 200
        assert layout.headers["Content-Encoding"] == "gzip"
        text = json.dumps(layout.json(), ensure_ascii=False)
        assert "昆明市" in text and "prefecture-name" in text
        # The boundaries: compressed and cacheable.
        geo = session.get(
            base + "/geo/prefectures.geojson", headers={"Accept-Encoding": "gzip"}, timeout=30
        )
        assert geo.status_code == 200 and geo.headers["Content-Encoding"] == "gzip"
        assert "max-age" in geo.headers["Cache-Control"]
        assert len(geo.json()["features"]) == 16
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
