"""The tests' fixtures, all of them: a test module names one as an argument, nothing else.

A throwaway PostGIS cluster for the session, a fresh database per test, and the demo register in
two forms (for the pages, and with decisions for the exports). The cluster is the same code as
``exitmap db up`` (a real PostgreSQL + PostGIS), started in a temporary folder. A template
database holds the migrated schema and the boundaries, so each test's database is a cheap
``CREATE DATABASE … TEMPLATE``. Plain helpers (no fixtures) are in tests/helpers/.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from app.browser import browser, serve
from exitmap.cluster import Cluster
from tests.helpers.accounts import add_accounts
from tests.helpers.demo import (
    DEMO_TODAY,
    XSS_NAME,
    add_decisions,
    add_submissions,
    load_demo,
    rename_first_enterprise,
)

TEMPLATE = "exitmap_template"
_names = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster() -> Cluster:
    # Not under pytest's basetemp: a concurrent pytest run prunes old basetemps, and with
    # them a running cluster's files.
    root = Path(tempfile.mkdtemp(prefix="exitmap-test-pg-"))
    cluster = Cluster(root=root, port=5439, bin_dir=Path("/usr/lib/postgresql/15/bin"))
    cluster.up("postgres")
    yield cluster
    cluster.down()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def template_db(pg_cluster) -> str:
    from etl.prepare_database import prepare_database

    pg_cluster.up(TEMPLATE)
    eng = sa.create_engine(pg_cluster.url(TEMPLATE), poolclass=sa.pool.NullPool)
    prepare_database(eng)
    eng.dispose()
    return TEMPLATE


def _fresh_database(cluster: Cluster, template: str) -> str:
    name = f"test_{next(_names)}"
    with psycopg.connect(cluster.conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


def _drop_database(cluster: Cluster, name: str) -> None:
    with psycopg.connect(cluster.conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(pg_cluster, template_db) -> sa.Engine:
    """A database with the schema and the boundaries, for this test only."""
    name = _fresh_database(pg_cluster, template_db)
    eng = sa.create_engine(pg_cluster.url(name))
    yield eng
    eng.dispose()
    _drop_database(pg_cluster, name)


@pytest.fixture
def empty_engine(pg_cluster) -> sa.Engine:
    """A database with only the postgis extension."""
    name = _fresh_database(pg_cluster, "template1")
    with psycopg.connect(pg_cluster.conninfo(name), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    eng = sa.create_engine(pg_cluster.url(name))
    yield eng
    eng.dispose()
    _drop_database(pg_cluster, name)


@pytest.fixture(scope="session")
def demo_engine(pg_cluster, template_db) -> sa.Engine:
    """The demo register as the pages show it (on tests.helpers.demo.DEMO_TODAY), one enterprise
    named XSS_NAME, the test accounts (tests.helpers.accounts), two registers of 昆明市 sent
    through 报送 (tests.helpers.demo.add_submissions); one database for the whole session."""
    name = _fresh_database(pg_cluster, template_db)
    eng = sa.create_engine(pg_cluster.url(name))
    load_demo(eng)
    rename_first_enterprise(eng, XSS_NAME)
    add_accounts(eng)
    add_submissions(eng)
    yield eng
    eng.dispose()
    _drop_database(pg_cluster, name)


@pytest.fixture(scope="module")
def decided_demo_engine(pg_cluster, template_db) -> sa.Engine:
    """The demo register plus one quota allocation and one 限批 decision
    (tests.helpers.demo.ALLOCATION, DECISION), for the exports; one database per test module."""
    name = _fresh_database(pg_cluster, template_db)
    eng = sa.create_engine(pg_cluster.url(name))
    load_demo(eng)
    add_decisions(eng)
    add_accounts(eng)
    yield eng
    eng.dispose()
    _drop_database(pg_cluster, name)


@pytest.fixture(scope="module")
def hostile_engine(pg_cluster, template_db, tmp_path_factory) -> sa.Engine:
    """The formula-like register of tests.helpers.hostile, loaded as of its AS_OF, with an
    allocation and a 限批 decision named like formulas too; one database per test module."""
    from etl.decisions import allocate, decide_freeze
    from etl.load import load
    from etl.pipeline import prepare
    from tests.helpers.hostile import AS_OF, write_hostile_register

    name = _fresh_database(pg_cluster, template_db)
    eng = sa.create_engine(pg_cluster.url(name))
    register = write_hostile_register(tmp_path_factory.mktemp("hostile"))
    load(eng, prepare([register]), AS_OF)
    allocate(eng, 530100, 100.0, "=1+1转型项目", AS_OF, "@文号〔2025〕1号")
    decide_freeze(eng, 530100, "=HYPERLINK(1)〔2025〕2号", AS_OF, reason="-2+3")
    yield eng
    eng.dispose()
    _drop_database(pg_cluster, name)


@pytest.fixture(scope="module")
def demo_env():
    """The pages' settings for the demo: today is DEMO_TODAY, the marking 内部资料."""
    mp = pytest.MonkeyPatch()
    mp.setenv("EXITMAP_TODAY", DEMO_TODAY.isoformat())
    mp.setenv("EXITMAP_MARKING", "内部资料")
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def demo_app(demo_engine, demo_env):
    """The dashboard over the demo (it connects as the app role, as served)."""
    from app.main import create_app

    return create_app(engine=demo_engine)


@pytest.fixture(scope="module")
def demo_site(demo_app) -> str:
    """demo_app served on a free local port: its base URL."""
    with serve(demo_app) as base:
        yield base
    demo_app.server.extensions["exitmap.png"].close()


@pytest.fixture(scope="module")
def dashboard(demo_site, demo_app):
    """The dashboard on the pages' demo, today = DEMO_TODAY, marked 内部资料, served on a free
    port for one test module: (base URL, app). Sign in to it with tests.helpers.accounts."""
    return demo_site, demo_app


@pytest.fixture(scope="module")
def chromium():
    """Debian's headless Chromium for one test module."""
    with browser() as b:
        yield b
