"""A module-scoped database holding the demo register, one allocation and one 限批 decision.

Shared by the tests/test_exports_*.py modules (import ``demo_engine`` into the module). The
demo is the same ``etl.demo`` register the dev database holds, loaded snapshot by snapshot.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from conftest import _drop_database, _fresh_database

TODAY = dt.date(2026, 6, 30)
ALLOCATION = (530100, 1000.0, "演示转型项目", dt.date(2026, 3, 1), "演示文号〔2026〕1号")
DECISION = (530300, "演示限批〔2026〕2号", dt.date(2026, 4, 1))


@pytest.fixture(scope="module")
def demo_engine(pg_cluster, template_db, tmp_path_factory) -> sa.Engine:
    from etl.decisions import allocate, decide_freeze
    from etl.demo import write_demo
    from etl.load import load
    from etl.pipeline import prepare

    name = _fresh_database(pg_cluster, template_db)
    eng = sa.create_engine(pg_cluster.url(name))
    out = tmp_path_factory.mktemp("demo")
    for path, as_of in write_demo(out, today=TODAY):
        load(eng, prepare([path]), as_of, source="demo", synthetic=True)
    adcode, tce, project, on, doc = ALLOCATION
    allocate(eng, adcode, tce, project, on, doc)
    decide_freeze(eng, DECISION[0], DECISION[1], DECISION[2], reason="测试")
    yield eng
    eng.dispose()
    _drop_database(pg_cluster, name)
