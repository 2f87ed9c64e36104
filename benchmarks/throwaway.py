"""A throwaway database for a benchmark, prepared like any other, dropped afterwards.

Created in the cluster of DATABASE_URL (or the project-local one), reached through
``exitmap.db.engine`` so the benchmark runs with the app's connection settings.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import sqlalchemy as sa

from etl.prepare_database import prepare_database
from exitmap.db import database_url, engine


@contextlib.contextmanager
def throwaway_database(prefix: str) -> Iterator[sa.Engine]:
    server = sa.make_url(database_url())
    name = f"{prefix}_{os.getpid()}"  # built from our pid only, never from input
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    eng = engine(server.set(database=name).render_as_string(hide_password=False))
    try:
        with eng.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        prepare_database(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
