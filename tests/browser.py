"""Shared Playwright helpers: the Dash app in a background thread, Debian's headless Chromium.

Used by tests/test_app_browser.py, scripts/screenshots.py and benchmarks/bench_dashboard.py.
"""

from __future__ import annotations

import contextlib
import os

from app.browser import CHROMIUM, CHROMIUM_ARGS, InProcessServer

VIEWPORT = {"width": 1920, "height": 1080}
# Runs the pages on a browser this many times slower, to shake out tests that read too early
# (the browser tests pass at 12).
CPU_SLOWDOWN = float(os.environ.get("EXITMAP_TEST_CPU_SLOWDOWN", "1"))


@contextlib.contextmanager
def serve(app) -> str:
    """Serve a Dash app (its Flask server) on a free port; yield its base URL."""
    server = InProcessServer(app.server)
    try:
        yield server.base
    finally:
        server.close()


@contextlib.contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


# Counts Dash's callback requests, so a test can wait for the app to fall quiet: between a
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


def new_page(b, **kwargs):
    context = b.new_context(viewport=VIEWPORT, device_scale_factor=1, locale="zh-CN", **kwargs)
    context.add_init_script(TRACK_REQUESTS)
    page = context.new_page()
    if CPU_SLOWDOWN > 1:
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return page


# JavaScript run in the page --------------------------------------------------------------------

MAP_PAINTED = """() => {
  const paths = document.querySelectorAll('path[data-adcode]');
  if (paths.length < 16) return false;
  const styled = [...paths].every(p => p.getAttribute('fill') && p.getAttribute('fill') !== 'none');
  return styled && document.querySelectorAll('.pref-label-text').length >= 16;
}"""

FILLS = """() => Object.fromEntries([...document.querySelectorAll('path[data-adcode]')]
  .map(p => [p.getAttribute('data-adcode'), p.getAttribute('fill')]))"""


def wait_map(page, timeout: float = 15_000) -> None:
    page.wait_for_function(MAP_PAINTED, timeout=timeout)


def fills(page) -> dict[str, str]:
    return page.evaluate(FILLS)


def wait_idle(page, timeout: float = 15_000, quiet_ms: int = 300) -> None:
    """Wait until Dash has had no callback in flight for ``quiet_ms``."""
    page.wait_for_function(
        """quiet => !document.querySelector('[data-dash-is-loading="true"]')
          && window.__dashBusy === 0 && performance.now() - window.__dashQuietSince > quiet""",
        arg=quiet_ms,
        timeout=timeout,
    )


def labels_overlap(page) -> list[tuple[str, str]]:
    return page.evaluate("""() => {
      const r = [...document.querySelectorAll('.pref-label-text')]
        .map(e => [e.textContent, e.getBoundingClientRect()]);
      const out = [];
      for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
        const a = r[i][1], b = r[j][1];
        const hit = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        if (hit) out.push([r[i][0], r[j][0]]);
      }
      return out;
    }""")


# Fixtures (import them into a test module to use them) ------------------------------------------

DEMO_TODAY = __import__("datetime").date(2026, 6, 30)
XSS_NAME = "<script>window.__xss=1</script>\"'&<b>粗体</b>有限公司"


def _load_demo(url: str) -> None:
    import tempfile
    from pathlib import Path

    import sqlalchemy as sa

    from etl.demo import write_demo
    from etl.load import load
    from etl.pipeline import prepare

    eng = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with tempfile.TemporaryDirectory() as tmp:
        for path, as_of in write_demo(Path(tmp), today=DEMO_TODAY):
            load(eng, prepare([path]), as_of, source="demo", synthetic=True)
    # One enterprise with a hostile name: pages must show it as text.
    with eng.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE enterprise SET name = :n WHERE id = (SELECT min(enterprise_id) FROM unit)"
            ),
            {"n": XSS_NAME},
        )
    eng.dispose()


def _demo_engine(pg_cluster, template_db):
    import psycopg
    import pytest  # noqa: F401
    import sqlalchemy as sa

    name = "app_demo"
    with psycopg.connect(pg_cluster.conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    _load_demo(pg_cluster.url(name))
    eng = sa.create_engine(pg_cluster.url(name))
    yield eng
    eng.dispose()


def _fixture():
    import pytest

    return pytest.fixture(scope="session")(_demo_engine)


demo_engine = _fixture()
