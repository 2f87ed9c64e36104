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
    # on a server we do not configure. The data sits in memory (a province is a few hundred
    # MB at most), where an index read costs about what a sequential one does; at the default
    # random_page_cost of 4 the planner reads the whole history table instead of the standing's
    # covering index (migration 0004), 1.4–3× slower.
    return sa.create_engine(
        url or database_url(),
        pool_pre_ping=True,
        connect_args={"options": "-c jit=off -c random_page_cost=1.1"},
    )
