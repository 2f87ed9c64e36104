"""The web app's briefing renderer is a bounded service: preset sizes only, a bounded queue
(503 beyond it), a per-user rate (429), a bounded set of open pages, and it renders through the
server it is told of, carrying a grant for the requester — never cookies."""

from __future__ import annotations

import concurrent.futures
import http.server
import threading
from urllib.parse import urlsplit

import pytest

from access import grants, users
from app.render import (
    PAGES_KEPT,
    PRESET_SIZES,
    RenderBusy,
    Renderer,
    RenderError,
    RenderRateLimited,
    RenderService,
)
from tests.helpers.accounts import KUNMING, sign_in


class Held:
    """A local server standing in for the app: each request is recorded and, while ``hold``
    is clear, kept waiting; then answered 500 (so a render ends at once, refused)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.arrived = threading.Event()
        self.hold = threading.Event()
        self.hold.set()  # not holding unless a test clears it
        held = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                held.requests.append({"path": self.path, "headers": dict(self.headers)})
                held.arrived.set()
                held.hold.wait(60)
                body = b"<!DOCTYPE html><title>500</title><p>stand-in</p>"
                self.send_response(500)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def close(self):
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def held():
    h = Held()
    yield h
    h.close()


@pytest.fixture
def service():
    made: list[RenderService] = []

    def make(**limits) -> RenderService:
        made.append(RenderService(**limits))
        return made[-1]

    yield make
    for s in made:
        s.close()


def test_only_the_preset_sizes_and_scales_are_rendered(demo_site):
    s = sign_in(demo_site, "prefecture")
    for params, said in (
        ({"size": "1000x1000"}, "尺寸只能是"),
        ({"size": "4096x4096", "scale": "1"}, "尺寸只能是"),
        ({"scale": "3"}, "倍数只能是"),
        ({"size": "lots"}, "尺寸应为"),
    ):
        resp = s.get(demo_site + "/export/png", params={"view": "/quota", **params}, timeout=60)
        assert resp.status_code == 400 and said in resp.text, (params, resp.text)


def test_a_full_queue_answers_busy_until_the_render_ends(held, service):
    svc = service(queue=0, per_minute=10, timeout_s=2)
    held.hold.clear()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        first = pool.submit(svc.render, "png", held.base + "/", PRESET_SIZES[0], 1, user="a")
        assert held.arrived.wait(60)  # the first render is in Chromium now
        with pytest.raises(RenderBusy):
            svc.render("png", held.base + "/", PRESET_SIZES[0], 1, user="b")
        # Its caller stops waiting, but the render goes on: the slot is still taken.
        with pytest.raises(concurrent.futures.TimeoutError):
            first.result(timeout=60)
        with pytest.raises(RenderBusy):
            svc.render("png", held.base + "/", PRESET_SIZES[0], 1, user="b")
    held.hold.set()  # the render ends (refused by the stand-in) and its slot is free again
    for _ in range(100):
        try:
            svc.render("png", held.base + "/", PRESET_SIZES[0], 1, user="b")
        except RenderBusy:
            threading.Event().wait(0.1)  # the first render is still closing its page
        except RenderError as exc:
            assert "HTTP 500" in str(exc)  # admitted, and refused by the stand-in
            break
    else:
        pytest.fail("the queue stayed full after the render ended")


def test_each_user_has_a_rate_per_minute(held, service):
    svc = service(queue=4, per_minute=2, timeout_s=60)
    for _ in range(2):
        with pytest.raises(RenderError, match="HTTP 500"):
            svc.render("png", held.base + "/", PRESET_SIZES[1], 1, user="a")
    asked = len(held.requests)
    with pytest.raises(RenderRateLimited, match="每分钟最多导出 2 张"):
        svc.render("png", held.base + "/", PRESET_SIZES[1], 1, user="a")
    assert len(held.requests) == asked  # refused before Chromium was asked
    with pytest.raises(RenderError, match="HTTP 500"):  # another user is not held back
        svc.render("png", held.base + "/", PRESET_SIZES[1], 1, user="b")


def test_open_pages_stay_bounded_whatever_the_sizes(held):
    with Renderer() as r:
        for size in PRESET_SIZES:
            for scale in (1.0, 2.0):
                with pytest.raises(RenderError, match="HTTP 500"):
                    r.png(held.base + "/", size=size, scale=scale)
                assert len(r.browser.contexts) <= PAGES_KEPT


def test_renders_go_to_the_configured_server_with_the_requesters_grant(
    held, demo_site, demo_app, demo_engine, monkeypatch
):
    monkeypatch.setenv("EXITMAP_RENDER_BASE_URL", held.base)
    s = sign_in(demo_site, "prefecture")
    resp = s.get(
        demo_site + "/export/png",
        params={"view": f"/prefecture/{KUNMING}", "size": "1280x720", "scale": "1"},
        timeout=120,
    )
    assert resp.status_code == 400 and "HTTP 500" in resp.text  # the stand-in refused it
    first = held.requests[0]
    assert urlsplit(first["path"]).path == f"/prefecture/{KUNMING}"
    assert "briefing=1" in first["path"]
    assert "Cookie" not in first["headers"]
    grant = grants.read(demo_app.server.config["SECRET_KEY"], first["headers"][grants.HEADER])
    assert grant.user == "t_kunming" and grant.view == f"/prefecture/{KUNMING}"
    assert grant.matches(users.get(demo_engine, "t_kunming").scope())


def test_the_service_starts_no_server_of_its_own():
    # The web app's service renders full URLs only: a view path has no server to go to.
    svc = RenderService(queue=1, per_minute=5)
    try:
        with pytest.raises(RenderError, match="完整网址"):
            svc.render("png", "/quota", PRESET_SIZES[0], 1, user="a")
    finally:
        svc.close()
