"""The demo's annual targets: for the year of its "today", each prefecture is asked to exit
four in ten of the in-scope units it still had at the start of the year, and to release three
in ten of their energy — what a province might set, so that 年度目标完成率 has something to show."""

from __future__ import annotations

import datetime as dt
import math

import sqlalchemy as sa

from etl.targets import TargetLine, set_target
from exitmap.clock import start_of
from exitmap.vocabulary import PROVINCE_ADCODE

DOCUMENT = "演示目标任务"


def write_demo_targets(engine: sa.Engine, today: dt.date, backfill: bool = True) -> int:
    """Set the demo's lines for ``today``'s year (recorded on 15 January when ``backfill``,
    as the demo records its registers on their own dates); how many."""
    from layers.standing import standing

    start = dt.date(today.year, 1, 1)
    table = standing(engine, start - dt.timedelta(days=1))
    recorded = start_of(dt.date(today.year, 1, 15)) if backfill and today.month > 1 else None
    count = 0
    with engine.begin() as conn:
        for row in table[table["adcode"] != PROVINCE_ADCODE].itertuples():
            if row.units_remaining <= 0:
                continue
            tce = round(row.energy_in_scope_tce - row.energy_resolved_tce, -2) * 0.3
            line = TargetLine(
                today.year,
                units=math.ceil(row.units_remaining * 0.4),
                tce=round(tce, -2) or None,
                document_no=DOCUMENT,
            )
            set_target(conn, int(row.adcode), line, "demo", "demo-office", recorded)
            count += 1
    return count
