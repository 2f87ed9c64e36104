"""Driving the app's pages in Debian's headless Chromium: the browser, an in-process server,
new pages, and the waits that tell when a page has finished.

Used by the briefing renderer (app/render.py), the browser tests, scripts/screenshots.py and
benchmarks/bench_dashboard.py, so that all of them start Chromium and wait the same way.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Iterator

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
VIEWPORT = {"width": 1920, "height": 1080}

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


@contextlib.contextmanager
def serve(app) -> Iterator[str]:
    """Serve a Dash app (its Flask server) on a free port; yield its base URL."""
    server = InProcessServer(app.server)
    try:
        yield server.base
    finally:
        server.close()


# Browser and pages ------------------------------------------------------------------------------


def launch(playwright):
    """Debian's Chromium, headless, through a running Playwright."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@contextlib.contextmanager
def browser():
    """A Chromium for the length of the block (Playwright's sync API: this thread only)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        try:
            yield b
        finally:
            b.close()


# Counts Dash's callback requests, so a caller can wait for the app to fall quiet: between a
# response and the request it sets off (the side panels follow the map's next paint) no
# component is marked loading, so the loading marks alone are not enough.
TRACK_REQUESTS = """(() => {
  const fetch_ = window.fetch;
  window.__dashBusy = 0;
  window.__dashQuietSince = performance.now();
  window.fetch = async (...args) => {
    const dash = String(args[0] && args[0].url || args[0]).includes('_dash-update-component');
    if (!dash) return fetch_(...args);
    window.__dashBusy++;
    try { return await fetch_(...args); }
    finally { window.__dashBusy--; window.__dashQuietSince = performance.now(); }
  };
  // Back and forward change the address before the app asks for anything: count them as
  // activity, so a wait that starts right after them gives the request time to leave.
  window.addEventListener('popstate', () => { window.__dashQuietSince = performance.now(); });
})()"""


def new_page(
    b,
    *,
    cpu_slowdown: float = 1,
    viewport: dict = VIEWPORT,
    device_scale_factor: float = 1,
    **context_options,
):
    """A page in a fresh context (1920×1080 unless ``viewport`` says otherwise, zh-CN) that
    counts Dash's requests for wait_idle.

    ``cpu_slowdown`` > 1 runs the page on a CPU that many times slower (DevTools throttling).
    A ``device_scale_factor`` of 2 on half the viewport is the browser zoomed to 200 %.
    """
    context = b.new_context(
        viewport=viewport,
        device_scale_factor=device_scale_factor,
        locale="zh-CN",
        **context_options,
    )
    context.add_init_script(TRACK_REQUESTS)
    page = context.new_page()
    if cpu_slowdown > 1:
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_slowdown})
    return page


# Waits ------------------------------------------------------------------------------------------

MAP_PAINTED = """() => {
  const paths = document.querySelectorAll('path[data-adcode]');
  if (paths.length < 16) return false;
  const styled = [...paths].every(p => p.getAttribute('fill') && p.getAttribute('fill') !== 'none');
  return styled && document.querySelectorAll('.pref-label-text').length >= 16;
}"""


def wait_map(page, timeout: float = 15_000) -> None:
    """Wait until the province map has its 16 prefectures coloured and labelled."""
    page.wait_for_function(MAP_PAINTED, timeout=timeout)


def wait_idle(page, timeout: float = 15_000, quiet_ms: int = 300) -> None:
    """Wait until Dash has had no callback in flight for ``quiet_ms`` (needs new_page's
    request counter)."""
    page.wait_for_function(
        """quiet => !document.querySelector('[data-dash-is-loading="true"]')
          && window.__dashBusy === 0 && performance.now() - window.__dashQuietSince > quiet""",
        arg=quiet_ms,
        timeout=timeout,
    )
