"""Where the database is, one engine per process, and the scope the database applies.

Two roles reach the database. The owner (the URL of ``database_url``: migrations, the command
line, the ETL) owns the tables and is not held by row-level security. The web app connects as
the app role (``app_database_url``), which owns nothing: every transaction it begins puts the
request's scope (``db_scope``) into ``exitmap.prefectures``, and the policies of migration
0005 show it only those rows — none when no scope is set.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from exitmap import settings
from exitmap.cluster import Cluster
from exitmap.scope import Scope

# The scope of the request (or job) being served; None: nothing is visible to the app role.
_DB_SCOPE: contextvars.ContextVar[Scope | None] = contextvars.ContextVar(
    "exitmap_db_scope", default=None
)
SCOPE_SETTING = "exitmap.prefectures"
# Who is asking, beside which prefectures: the policies of tables that are not by prefecture
# (the public's reports and their reporters, migration 0007) read the role and departments.
SET_SCOPE_SQL = (
    f"SELECT set_config('{SCOPE_SETTING}', %(scope)s, true),"
    " set_config('exitmap.role', %(role)s, true),"
    " set_config('exitmap.departments', %(departments)s, true)"
)


def database_url() -> str:
    """DATABASE_URL when set; else the local cluster, started if needed."""
    url = settings.get("database_url")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return Cluster.from_settings().up(settings.get("pg_database"))


def app_database_url(owner_url: str | None = None) -> str:
    """APP_DATABASE_URL when set; else the owner's URL with the app role as its user (the local
    cluster trusts its socket; a real server needs APP_DATABASE_URL with a password)."""
    url = settings.get("app_database_url")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    owner = make_url(owner_url or database_url())
    return owner.set(username=settings.get("app_db_role"), password=None).render_as_string(
        hide_password=False
    )


@contextlib.contextmanager
def connected(bind: sa.Engine | sa.Connection) -> Iterator[sa.Connection]:
    """A connection to read through: ``bind`` itself, or one of its engine's for the block.

    A caller making several reads passes its connection, so they share one checkout (each
    costs a ping and the scope's settings) and one snapshot.
    """
    if isinstance(bind, sa.Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


def engine(url: str | None = None) -> sa.Engine:
    """The engine of ``url`` (default: DATABASE_URL as it is now), one per URL."""
    return _engine_of(url or database_url())


@functools.cache
def _engine_of(url: str) -> sa.Engine:
    # JIT compiling the as-of replay query costs seconds and saves milliseconds: off, also
    # on a server we do not configure. The data sits in memory (a province is a few hundred
    # MB at most), where an index read costs about what a sequential one does; at the default
    # random_page_cost of 4 the planner reads the whole history table instead of the standing's
    # covering index (migration 0004), 1.4–3× slower.
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        connect_args={"options": "-c jit=off -c random_page_cost=1.1"},
    )


def scoped_engine(url: str) -> sa.Engine:
    """An engine whose every transaction sets ``exitmap.prefectures`` from ``db_scope()``."""
    eng = sa.create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"})

    @sa.event.listens_for(eng, "begin")
    def set_scope(conn: sa.Connection) -> None:
        conn.exec_driver_sql(SET_SCOPE_SQL, scope_settings())

    return eng


def db_scope() -> Scope | None:
    """The scope the database applies to the app role's reads here (None: none set)."""
    return _DB_SCOPE.get()


def scope_settings() -> dict[str, str]:
    """The parameters of ``SET_SCOPE_SQL`` for the current scope (all '' when none is set)."""
    scope = _DB_SCOPE.get()
    if scope is None:
        return {"scope": "", "role": "", "departments": ""}
    return {
        "scope": scope.setting(),
        "role": scope.role,
        # Department names hold no comma (data/policy/deadlines.toml ``lead``).
        "departments": ",".join(sorted(scope.departments)),
    }


@contextlib.contextmanager
def scoped(scope: Scope) -> Iterator[Scope]:
    """Serve the block (a request, a job thread) under ``scope``."""
    token = _DB_SCOPE.set(scope)
    try:
        yield scope
    finally:
        _DB_SCOPE.reset(token)


def enter_scope(scope: Scope) -> contextvars.Token:
    """``scoped`` for frameworks that begin and end a request in two hooks."""
    return _DB_SCOPE.set(scope)


def leave_scope(token: contextvars.Token) -> None:
    _DB_SCOPE.reset(token)
