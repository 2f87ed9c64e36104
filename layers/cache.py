"""An in-memory cache of database reads, keyed by what was asked and the data version.

The dashboard reads the same few things for every callback (the standing summary of a date,
every unit's state); ``VersionedCache`` keeps them, each store a small LRU, and reads again
when the data changes. Keys are built by the callers: the date, the access scope
(``exitmap.scope.Scope.key``) and ``version()``, so two scopes never share an entry; ``cached``
adds what the database applies (``exitmap.db.scope_settings``: the prefectures, role and
departments its row-level security reads), so a read
made under one request's wall is never served under another's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

import sqlalchemy as sa

from exitmap.db import scope_settings

T = TypeVar("T")

# One row, kept by the triggers of migration 0013: it grows with every committed transaction
# that wrote data (loads, decisions, submissions, reports, duties…), and the data and the new
# number become visible together.
VERSION_SQL = "SELECT n FROM data_version"


# The versions read in the current request (``one_version``): None outside one.
_versions: ContextVar[dict[int, tuple] | None] = ContextVar("exitmap_versions", default=None)


@contextmanager
def one_version() -> Iterator[None]:
    """Within this block every cache reads the data version once: one web request asks
    several cached things (a page's layout: standing, units, freeze list) and sees them all of
    one version, with one query instead of one per read. Not for a block that writes data and
    then reads it back (it would read the version from before its write)."""
    token = _versions.set({})
    try:
        yield
    finally:
        _versions.reset(token)


class VersionedCache:
    """Named LRU stores of computed values; one computation per key at a time."""

    def __init__(self, engine: sa.Engine, sizes: dict[str, int]):
        self.engine = engine
        self._sizes = dict(sizes)
        self._stores: dict[str, OrderedDict[tuple, object]] = {n: OrderedDict() for n in sizes}
        self._lock = threading.Lock()
        self._pending: dict[tuple, threading.Lock] = {}

    def version(self) -> tuple:
        seen = _versions.get()
        if seen is not None and id(self) in seen:
            return seen[id(self)]
        with self.engine.connect() as conn:
            version = tuple(conn.execute(sa.text(VERSION_SQL)).one())
        if seen is not None:
            seen[id(self)] = version
        return version

    def cached(self, store: str, key: tuple, make: Callable[[], T]) -> T:
        """The value of ``key`` in ``store``, made (once) if absent; the oldest entries go."""
        entries = self._stores[store]
        key = (*key, tuple(sorted(scope_settings().items())))
        with self._lock:
            if key in entries:
                entries.move_to_end(key)
                return entries[key]
            # One computation per key: the start-up warming and the first visitor (or two
            # callbacks of one page) asking for the same date wait for one read, not two.
            pending = self._pending.setdefault((store, key), threading.Lock())
        with pending:
            with self._lock:
                if key in entries:
                    return entries[key]
            try:
                value = make()
            finally:
                with self._lock:
                    self._pending.pop((store, key), None)
            with self._lock:
                entries[key] = value
                while len(entries) > self._sizes[store]:
                    entries.popitem(last=False)
        return value
