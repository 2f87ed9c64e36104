"""Where the database is, and one engine per process."""

from __future__ import annotations

import functools

import sqlalchemy as sa

from exitmap import settings
from exitmap.cluster import Cluster


def database_url() -> str:
    """DATABASE_URL when set; else the local cluster, started if needed."""
    url = settings.get("database_url")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return Cluster.from_settings().up(settings.get("pg_database"))


@functools.cache
def engine(url: str | None = None) -> sa.Engine:
    # JIT compiling the as-of replay query costs seconds and saves milliseconds: off, also
    # on a server we do not configure.
    return sa.create_engine(
        url or database_url(), pool_pre_ping=True, connect_args={"options": "-c jit=off"}
    )
