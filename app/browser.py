"""Driving the app's pages in Debian's headless Chromium: the browser, an in-process server,
and the waits that tell when a page has finished.

Used by the briefing renderer (app/render.py), the browser tests, scripts/screenshots.py and
benchmarks/bench_dashboard.py, so that all of them start Chromium and wait the same way.
"""

from __future__ import annotations

import logging
import socket
import threading

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# In-process server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class InProcessServer:
    """A Flask app served on 127.0.0.1:<free port> from a daemon thread."""

    def __init__(self, flask_app):
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = make_server("127.0.0.1", free_port(), flask_app, threaded=True)
        self.thread = threading.Thread(
            target=self.server.serve_forever, daemon=True, name="exitmap-png-server"
        )
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(5)
