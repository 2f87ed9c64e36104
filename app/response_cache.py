"""Answers to repeated reads, kept per caller and data version: a page's layout and the
callbacks declared ``cache=True`` (access.guard.guarded).

Two hundred people opening the dashboard ask for the same few pages and the same first blocks of
its tables; each answer took 5–100 ms of CPU to make again (measured on the demo: a prefecture's
page 100 ms, 总览's panels 30 ms, a block of a grid 17 ms). Kept, an answer costs the guard's
checks and one read of the data version.

An answer is kept only for a caller signed in by session, under a key of:
- what was asked: for ``/_dash-layout`` the page's path and query (from its Referer, as
  app.main.create_app renders it), for a callback its body and query string;
- who asked: the user and the scope the database applies (its row-level security);
- today (EXITMAP_TODAY or the calendar), the settings (a published ranking, the marking…) and
  the data version (layers/cache.VERSION_SQL), which grows with every committed write to any
  data table (migration 0013).
A layout is kept only for the pages of ``pages``/``page_prefixes``: those whose content is their
data; a page of workflow (submissions, review, reports, duties, admin) is always made afresh.

The audit rows the making of an answer wrote are kept with it and written again each time it is
served (access.guard.AUDIT_KEPT), so the audit log reads the same with or without the cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import flask

from access.guard import AUDIT_KEPT, CALLBACK_ENDPOINT, current_action, current_caller, guard_of
from access.rules import READING
from exitmap import settings
from exitmap.db import scope_settings

LAYOUT_ENDPOINT = "/_dash-layout"
KEY = "exitmap_response_key"
# Bounds per worker process: an answer larger than ENTRY_BYTES is not kept; the oldest go once
# the kept answers pass TOTAL_BYTES.
ENTRY_BYTES = 4 * 1024 * 1024
TOTAL_BYTES = 96 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    body: bytes
    status: int
    mimetype: str
    audits: tuple[dict, ...]


class ResponseCache:
    """An LRU of answers bounded in bytes; thread-safe."""

    def __init__(self, entry_bytes: int = ENTRY_BYTES, total_bytes: int = TOTAL_BYTES):
        self.entry_bytes = entry_bytes
        self.total_bytes = total_bytes
        self._answers: OrderedDict[tuple, Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> Answer | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._answers.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: tuple, answer: Answer) -> None:
        size = len(answer.body)
        if size > self.entry_bytes:
            return
        with self._lock:
            old = self._answers.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._answers[key] = answer
            self._bytes += size
            while self._bytes > self.total_bytes:
                _, dropped = self._answers.popitem(last=False)
                self._bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._answers)


def install(
    app,
    version: Callable[[], tuple],
    today: Callable[[], object],
    pages: Iterable[str],
    page_prefixes: Iterable[str],
) -> ResponseCache:
    """Serve kept answers to ``app`` (a Dash app); install after every other request hook, so
    that the guard has admitted and scoped the request first. ``version``: the data version
    (layers.cache.VersionedCache.version); ``today``: the app's today."""
    server = app.server
    guard = guard_of(app)
    pages = frozenset(pages)
    page_prefixes = tuple(page_prefixes)
    cache = ResponseCache()

    def asked() -> tuple | None:
        """What the request asks, as a key's first part; None: not an answer to keep."""
        request = flask.request
        if request.path == LAYOUT_ENDPOINT and request.method == "GET":
            page = urlsplit(request.referrer or "")
            path = page.path.rstrip("/") or "/"
            if path in pages or path.startswith(page_prefixes):
                return ("layout", path, page.query)
            return None
        if request.path == CALLBACK_ENDPOINT and request.method == "POST":
            _, output = guard.callback_rule()
            if output in guard.cacheable:
                return ("callback", request.query_string, request.get_data())
        return None

    @server.before_request
    def serve_kept():
        caller = current_caller()
        if caller is None or caller.user is None or caller.via != "session":
            return None
        if current_action() not in READING:
            return None
        what = asked()
        if what is None:
            return None
        scope = tuple(sorted(scope_settings().items()))
        key = (what, caller.user.id, scope, today(), settings.current(), version())
        answer = cache.get(key)
        if answer is None:
            setattr(flask.g, KEY, key)
            setattr(flask.g, AUDIT_KEPT, [])
            return None
        for call in answer.audits:
            guard.audit(**call)
        return flask.Response(answer.body, status=answer.status, mimetype=answer.mimetype)

    @server.after_request
    def keep(response: flask.Response) -> flask.Response:
        key = flask.g.pop(KEY, None)
        audits = flask.g.pop(AUDIT_KEPT, None)
        if key is None or audits is None:
            return response
        if response.status_code in (200, 204) and not response.direct_passthrough:
            body = response.get_data()
            cache.put(key, Answer(body, response.status_code, response.mimetype, tuple(audits)))
        return response

    return cache
