"""The demo register as the tests load it, and the facts the tests add to it.

The same ``etl.demo`` register the dev database holds (``exitmap demo``), loaded snapshot by
snapshot; the fixtures that hold it are in tests/conftest.py.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import sqlalchemy as sa

DEMO_TODAY = dt.date(2026, 6, 30)
# One enterprise of the pages' demo gets this name: pages must show it as text.
XSS_NAME = "<script>window.__xss=1</script>\"'&<b>粗体</b>有限公司"
# What the exports' demo adds: an energy-quota allocation and a 限批 decision.
ALLOCATION = (530100, 1000.0, "演示转型项目", dt.date(2026, 3, 1), "演示文号〔2026〕1号")
DECISION = (530300, "演示限批〔2026〕2号", dt.date(2026, 4, 1))


def load_demo(engine: sa.Engine, today: dt.date = DEMO_TODAY) -> None:
    """Write the demo register's snapshots up to ``today`` and load them in date order; set
    the demo's targets for the year (as `exitmap demo` does)."""
    from etl.demo import write_demo
    from etl.demo.targets import write_demo_targets
    from etl.load import load
    from etl.pipeline import prepare
    from exitmap.clock import start_of

    with tempfile.TemporaryDirectory() as tmp:
        for path, as_of in write_demo(Path(tmp), today=today):
            recorded = start_of(as_of)  # as `exitmap demo` records them
            load(
                engine, prepare([path]), as_of, source="demo", synthetic=True, recorded_at=recorded
            )
    write_demo_targets(engine, today)


def rename_first_enterprise(engine: sa.Engine, name: str) -> None:
    """Give the enterprise of the first unit loaded another name."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE enterprise SET name = :n WHERE id = (SELECT min(enterprise_id) FROM unit)"
            ),
            {"n": name},
        )


def add_decisions(engine: sa.Engine) -> None:
    """Record ALLOCATION and DECISION through etl.decisions, as the quota and freeze pages do."""
    from etl.decisions import allocate, decide_freeze

    allocate(engine, *ALLOCATION)
    decide_freeze(engine, *DECISION, reason="测试")


def add_submissions(engine: sa.Engine) -> None:
    """Two registers of 昆明市 through 报送, checked by the worker as the app's would be: one
    with problems (a draft: the 报送 page's problem grid) and one clean and submitted (the 审核
    page's difference against the demo register). Nothing is accepted: the register and the
    standing stay the demo's."""
    from submissions import store
    from submissions.worker import run_one
    from tests.helpers.registers import unit_row
    from tests.helpers.submissions import KUNMING_USER, csv_bytes

    on = DEMO_TODAY - dt.timedelta(days=1)
    bad = [unit_row(1), unit_row(2, 退出类别="乱写"), unit_row(3, 装备编号="")]
    store.create(engine, KUNMING_USER, "昆明登记表.csv", csv_bytes(bad), on)
    clean = [unit_row(1), unit_row(2, 当前状态="已关停", 实际退出日期="2026-05-31")]
    submitted = store.create(engine, KUNMING_USER, "昆明登记表（修正）.csv", csv_bytes(clean), on)
    while run_one(engine, "demo"):
        pass
    store.act(engine, KUNMING_USER, submitted, "submit")
