"""Briefing images: a dashboard view as PNG (or PDF) rendered in headless Chromium.

    with Renderer(create_app()) as r:           # one Chromium, one app server, reused
        r.png("/prefecture/530100?on=2025-12-31", "昆明.png", size=(1920, 1080), scale=2)
        r.pdf("http://host:8050/?measure=energy_remaining", "总览.pdf")

A view is a full URL of a running server, or a path+query rendered by the given app, served
by this process (werkzeug in a thread: the command line only). Every view is opened with a render
grant (access/grants.py) in ``X-Exitmap-Grant``: the requester's for the web app's exports, the
system's for the command line — never anyone's cookies. The view
is opened with ``briefing=1`` (app/briefing.py), waited for until its maps are painted and no
callback is in flight, checked (the briefing title is there, the furniture hidden) and captured.

``RenderService`` runs one Renderer on one thread, for the web app's /export endpoints
(Playwright's sync API must stay on the thread that started it). It is bounded: preset sizes
and scales only, at most two pages kept open, a queue of ``EXITMAP_RENDER_QUEUE`` answering
"busy" beyond it, and ``EXITMAP_RENDER_PER_MINUTE`` renders per user. It renders through the
real server (``EXITMAP_RENDER_BASE_URL``, or the address the request came to), never a second
server inside a web worker.
"""

from __future__ import annotations

import base64
import collections
import concurrent.futures
import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from access import grants
from app.briefing import with_flag
from app.browser import InProcessServer, launch
from exitmap.errors import UserError

DEFAULT_SIZE = (1920, 1080)
MAX_SIDE = 4096  # CSS pixels
MAX_SCALE = 4.0
TIMEOUT_MS = 30_000
# What the web app renders: these sizes (CSS pixels) at these scales, nothing else.
PRESET_SIZES = ((1920, 1080), (1280, 720), (1600, 1200), (1080, 1350))
PRESET_SCALES = (1.0, 2.0)
PAGES_KEPT = 2

log = logging.getLogger(__name__)


class RenderError(UserError):
    """The view cannot be exported (bad URL, no such page, invalid parameters, not ready)."""


class RenderBusy(RenderError):
    """Too many renders are waiting: try again shortly (HTTP 503)."""


class RenderRateLimited(RenderError):
    """This user asked for too many renders in the last minute (HTTP 429)."""


def preset(size: tuple[int, int], scale: float) -> tuple[tuple[int, int], float]:
    """``size`` and ``scale`` if they are among the web app's presets, else RenderError."""
    sizes = "、".join(f"{w}x{h}" for w, h in PRESET_SIZES)
    if tuple(size) not in PRESET_SIZES:
        raise RenderError(f"尺寸只能是 {sizes} 之一，现为 {size[0]}x{size[1]}")
    if float(scale) not in PRESET_SCALES:
        raise RenderError(f"倍数只能是 1 或 2，现为 {scale:g}")
    return tuple(size), float(scale)


@dataclass
class Shot:
    format: str  # "png" or "pdf"
    data: bytes
    width: int  # image pixels (png) or CSS pixels of the page (pdf)
    height: int
    seconds: float
    url: str
    facts: dict = field(default_factory=dict)  # read from the page DOM just before capture
    path: Path | None = None


def parse_size(text: str) -> tuple[int, int]:
    """'1920x1080' (or 1920×1080) → (1920, 1080), within 320…MAX_SIDE."""
    try:
        w, h = (int(x) for x in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise RenderError(f"尺寸应为 宽x高（如 1920x1080），现为 {text!r}") from None
    if not (320 <= w <= MAX_SIDE and 320 <= h <= MAX_SIDE):
        raise RenderError(f"尺寸应在 320–{MAX_SIDE} 像素之间，现为 {w}x{h}")
    return w, h


def _check_scale(scale: float) -> float:
    if not (0.5 <= scale <= MAX_SCALE):
        raise RenderError(f"--scale 应在 0.5–{MAX_SCALE:g} 之间，现为 {scale:g}")
    return float(scale)


# The page-side checks ---------------------------------------------------------------------------

# Filled paths of a map that show inside its box (a statement both checks below begin with).
PAINTED = """
  const painted = map => {
    const box = map.getBoundingClientRect();
    return [...map.querySelectorAll('.leaflet-pane path')].filter(p => {
      const fill = p.getAttribute('fill');
      if (!fill || fill === 'none') return false;
      const r = p.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && r.right > box.left && r.left < box.right
        && r.bottom > box.top && r.top < box.bottom;
    });
  };"""

READY_JS = (
    "() => {"
    + PAINTED
    + """
  const frame = document.querySelector('#briefing');
  if (!frame) return document.querySelector('#page > div') ? 'no-frame' : false;
  if (frame.dataset.failed === '1') return 'failed';
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  for (const sel of (frame.dataset.ready || '').split(',').filter(Boolean)) {
    if (!document.querySelector(sel)) return false;
  }
  for (const map of document.querySelectorAll('.leaflet-container')) {
    // Painted: drawn into the map's laid-out box, not into a size Leaflet measured before
    // the layout settled (a 0 px high SVG gave the prefecture page's map as blank grey).
    const box = map.getBoundingClientRect();
    const svg = map.querySelector('.leaflet-overlay-pane svg');
    if (!svg || box.width < 2 || box.height < 2) return false;
    const drawn = svg.getBoundingClientRect();
    if (drawn.width < box.width / 2 || drawn.height < box.height / 2) return false;
    if (painted(map).length < 2) return false;
    // Fitted (assets/map.js) for the size it has now, not for one it had on the way.
    const fitted = map.dataset.fittedFor;
    if (fitted && fitted !== map.clientWidth + 'x' + map.clientHeight) return false;
    const prefs = map.querySelectorAll('path[data-adcode]');
    if (prefs.length) {
      if (prefs.length < 16) return false;
      if (![...prefs].every(p => p.getAttribute('fill') && p.getAttribute('fill') !== 'none')) {
        return false;
      }
      if (map.querySelectorAll('.pref-label-text').length < 16) return false;
    }
  }
  return document.fonts.status === 'loaded' ? 'ready' : false;
}"""
)

SETTLE_JS = """() => new Promise(done =>
  requestAnimationFrame(() => requestAnimationFrame(done)))"""

FACTS_JS = (
    "() => {"
    + PAINTED
    + """
  const text = sel => {
    const e = document.querySelector(sel);
    return e ? e.innerText.trim() : null;
  };
  const shown = sel => [...document.querySelectorAll(sel)].some(e => e.checkVisibility());
  const maps = [...document.querySelectorAll('.leaflet-container')];
  return {
    title: text('#briefing-title'),
    subtitle: text('#briefing-subtitle'),
    as_of: text('#briefing-as-of'),
    marking: text('#briefing-marking'),
    source: text('#briefing-source'),
    note: text('#briefing-note'),
    error: text('#briefing #error-message'),
    warning: text('#briefing #param-warning'),
    maps: maps.length,
    // Where each map is (CSS px) and the colours its painted paths are filled with, each
    // with its fill opacity ("#2c7fb8 0.85").
    map_boxes: maps.map(m => { const r = m.getBoundingClientRect();
                               return [r.left, r.top, r.width, r.height]; }),
    map_colours: maps.map(m => [...new Set(painted(m).map(p =>
      p.getAttribute('fill') + ' ' + getComputedStyle(p).fillOpacity))].sort()),
    fills: Object.fromEntries([...document.querySelectorAll('path[data-adcode]')]
      .map(p => [p.getAttribute('data-adcode'), p.getAttribute('fill')])),
    north_arrows: maps.filter(m => getComputedStyle(m, '::after').backgroundImage.includes('svg')
                                   && m.checkVisibility()).length,
    visible: {
      nav: shown('#nav, .header'),
      filters: shown('#filters, .filters'),
      buttons: shown('#briefing button, #briefing .btn, #export-links'),
      zoom: shown('.leaflet-control-zoom'),
      layers: shown('.leaflet-control-layers'),
      banner: shown('#synthetic-banner'),
      legend: shown('.legend'),
      scale_bar: shown('.leaflet-control-scale'),
    },
    overflow: document.documentElement.scrollHeight > window.innerHeight + 1,
  };
}"""
)


# The renderer -----------------------------------------------------------------------------------


class Renderer:
    """One Chromium (and, for view paths, one app server) reused for every image.

    ``app``: the Dash app to serve for view paths (None: only full URLs can be rendered).
    """

    def __init__(self, app=None, *, timeout_ms=TIMEOUT_MS, grant_key: str | None = None):
        self._app = app
        self._timeout = timeout_ms
        # Views of our own app opened without a grant get the system's (the command line).
        if grant_key is None and app is not None:
            grant_key = app.server.config.get("SECRET_KEY")
        self._grant_key = grant_key
        self._pw = None
        self._browser = None
        self._server: InProcessServer | None = None
        self._pages: dict[tuple, object] = {}
        self._cdp: dict[int, object] = {}
        self.timings: list[float] = []

    # lifecycle
    def __enter__(self) -> Renderer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        if self._browser is not None:
            return
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = launch(self._pw)
        except Exception:
            self._pw.stop()
            self._pw = None
            raise

    def close(self) -> None:
        for page in self._pages.values():
            with contextlib.suppress(Exception):
                page.context.close()
        self._pages.clear()
        self._cdp.clear()
        if self._browser is not None:
            with contextlib.suppress(Exception):
                self._browser.close()
            self._browser = None
        if self._pw is not None:
            with contextlib.suppress(Exception):
                self._pw.stop()
            self._pw = None
        if self._server is not None:
            self._server.close()
            self._server = None

    @property
    def browser(self):
        """The running Chromium (playwright Browser), e.g. for more pages on the same thread."""
        self.start()
        return self._browser

    # views
    def base_url(self) -> str:
        if self._server is None:
            if self._app is None:
                raise RenderError("没有可渲染的看板：请给出完整网址（http://…）")
            app = self._app
            self._server = InProcessServer(app.server)
        return self._server.base

    def url(self, view: str) -> str:
        """The briefing URL of a view (a full http(s) URL or a path+query)."""
        view = view.strip()
        if view.startswith(("http://", "https://")):
            return with_flag(view)
        if not view.startswith("/") or view.startswith("//"):
            raise RenderError(f"视图应为完整网址（http://…）或以 / 开头的路径，现为 {view!r}")
        return with_flag(self.base_url() + view)

    def page_for(self, size: tuple[int, int], scale: float):
        """The page that renders views of this size and scale (kept for the next one)."""
        key = (size, scale)
        page = self._pages.pop(key, None)
        if page is not None and not page.is_closed():
            self._pages[key] = page  # most recently used last
            return page
        while len(self._pages) >= PAGES_KEPT:  # a bounded set of pages, the oldest closed
            old = self._pages.pop(next(iter(self._pages)))
            self._cdp.pop(id(old), None)
            with contextlib.suppress(Exception):
                old.context.close()
        self.start()
        context = self._browser.new_context(
            viewport={"width": size[0], "height": size[1]},
            device_scale_factor=scale,
            locale="zh-CN",
        )
        page = context.new_page()
        page.set_default_timeout(self._timeout)
        page.emulate_media(media="screen")
        self._pages[key] = page
        return page

    def _capture(self, page, size, scale: float) -> bytes:
        """The viewport as PNG straight from the compositor (DevTools protocol): the same
        pixels as page.screenshot(), encoded for speed (~0.4 s instead of ~1 s at 3840×2160)."""
        cdp = self._cdp.get(id(page))
        if cdp is None:
            cdp = self._cdp[id(page)] = page.context.new_cdp_session(page)
        clip = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": scale}
        shot = cdp.send(
            "Page.captureScreenshot", {"format": "png", "clip": clip, "optimizeForSpeed": True}
        )
        return base64.b64decode(shot["data"])

    def _open(self, view: str, size, scale: float, headers: dict | None):
        url = self.url(view)
        page = self.page_for(size, scale)
        headers = dict(headers or {})
        if grants.HEADER not in headers and self._grant_key:
            headers[grants.HEADER] = grants.system_grant(self._grant_key, urlsplit(url).path)
        page.set_extra_http_headers(headers)
        response = page.goto(url, wait_until="domcontentloaded")
        if response is not None and response.status >= 400:
            raise RenderError(f"{url} 返回 HTTP {response.status}")
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            state = page.wait_for_function(READY_JS, timeout=self._timeout).json_value()
        except PlaywrightTimeout:
            raise RenderError(
                f"{view} 未能在 {self._timeout / 1000:g} 秒内显示完整（地图未绘制完成或仍在加载），"
                "未导出"
            ) from None
        if state == "no-frame":
            raise RenderError(f"{view} 没有简报版式（仅总览、州市、能耗指标、区域限批页面可导出）")
        facts = page.evaluate(FACTS_JS)
        if state == "failed":
            raise RenderError(facts.get("error") or f"{view} 无法显示")
        if facts.get("warning"):
            raise RenderError(facts["warning"])
        page.evaluate(SETTLE_JS)
        return page, url, facts

    def png(self, view: str, out=None, size=DEFAULT_SIZE, scale: float = 2, headers=None) -> Shot:
        """Capture the viewport (size × scale pixels) as PNG; write it to ``out`` if given."""
        scale = _check_scale(scale)
        start = time.perf_counter()
        page, url, facts = self._open(view, tuple(size), scale, headers)
        data = self._capture(page, size, scale)
        seconds = time.perf_counter() - start
        self.timings.append(seconds)
        w, h = round(size[0] * scale), round(size[1] * scale)
        return _finish(Shot("png", data, w, h, seconds, url, facts), out)

    def pdf(self, view: str, out=None, size=DEFAULT_SIZE, headers=None) -> Shot:
        """One page of size CSS pixels, vector where the browser draws vectors (text, SVG)."""
        start = time.perf_counter()
        page, url, facts = self._open(view, tuple(size), 1.0, headers)
        data = page.pdf(
            width=f"{size[0]}px",
            height=f"{size[1]}px",
            print_background=True,
            margin={"top": "0", "right": "0", "bottom": "0", "left": "0"},
            page_ranges="1",
        )
        seconds = time.perf_counter() - start
        self.timings.append(seconds)
        return _finish(Shot("pdf", data, size[0], size[1], seconds, url, facts), out)

    def render(self, format: str, view: str, out=None, size=DEFAULT_SIZE, scale=2, headers=None):
        if format == "pdf":
            return self.pdf(view, out, size, headers)
        return self.png(view, out, size, scale, headers)


def _finish(shot: Shot, out) -> Shot:
    if out is not None:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(shot.data)
        shot.path = path
    return shot


class RenderService:
    """A Renderer on its own thread, started on first use, for the web app's exports.

    ``render`` may be called from any thread; renders run one at a time. At most ``queue``
    wait (then RenderBusy), one user may ask ``per_minute`` times a minute (then
    RenderRateLimited). Views are full URLs of the real server, opened with a grant.
    """

    def __init__(self, timeout_s: float = 60, queue: int = 4, per_minute: int = 6):
        self._timeout = timeout_s
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="exitmap-png")
        self._renderer: Renderer | None = None
        self._slots = threading.BoundedSemaphore(queue + 1)  # the one rendering, and the queue
        self._per_minute = per_minute
        self._recent: dict[str, collections.deque] = {}
        self._lock = threading.Lock()

    def _run(self, format, url, size, scale, headers) -> Shot:
        if self._renderer is None:
            self._renderer = Renderer()
            self._renderer.start()
        try:
            return self._renderer.render(format, url, None, size, scale, headers)
        except RenderError:
            raise
        except Exception:
            # A crashed browser or page: start afresh on the next request.
            log.exception("rendering %s failed", url)
            self._renderer.close()
            self._renderer = None
            raise

    def _admit(self, user: str) -> None:
        now = time.monotonic()
        with self._lock:
            times = self._recent.setdefault(user, collections.deque())
            while times and now - times[0] > 60:
                times.popleft()
            if len(times) >= self._per_minute:
                raise RenderRateLimited(
                    f"每分钟最多导出 {self._per_minute} 张简报图，请稍后再试。"
                    f" At most {self._per_minute} renders a minute."
                )
            times.append(now)

    def render(
        self, format: str, url: str, size=DEFAULT_SIZE, scale=2, headers=None, user: str = ""
    ) -> Shot:
        size, scale = preset(size, scale)
        self._admit(user)
        if not self._slots.acquire(blocking=False):
            raise RenderBusy("导出队列已满，请稍后再试。The render queue is full.")
        try:
            future = self._pool.submit(self._run, format, url, size, scale, headers)
        except BaseException:
            self._slots.release()
            raise
        # The slot is given back when the render ends, not when this caller stops waiting:
        # renders that outlive their callers' timeouts would otherwise pile up unbounded.
        future.add_done_callback(lambda _f: self._slots.release())
        return future.result(timeout=self._timeout)

    def close(self) -> None:
        def stop():
            if self._renderer is not None:
                self._renderer.close()
                self._renderer = None

        self._pool.submit(stop).result(timeout=30)
        self._pool.shutdown()
