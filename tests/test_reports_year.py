"""The year's reports for the annual report (issue #15): by kind, received, closed,
substantiated, the substantiated share of those closed and the mean days to close — counted on
fixed dates, the year's edges and a later closing respected, no reporter in the report."""

from __future__ import annotations

import datetime as dt

import docx
import pandas as pd

from exitmap.clock import ZONE
from exitmap.scope import Scope
from exports.report import write_report
from layers.reports_year import reports_in_year
from reports import handling
from reports.intake import Contact, Intake, file_report
from reports.routing import Place

OFFICE = Scope("province", "t_province")


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(9), tzinfo=ZONE)


def filed(engine, code: str, received: str, closed: str | None = None, resolution=None) -> str:
    intake = Intake(code, "某厂问题", Place(530100, None), "letter", contact=Contact("秘密人"))
    reference = file_report(engine, intake, at(received))
    if closed:
        for step, outcome in (("screen", "valid"), ("assign", None), ("start", None)):
            handling.take(engine, OFFICE, reference, step, at(received), outcome=outcome)
        handling.take(engine, OFFICE, reference, "close", at(closed), outcome=resolution)
    return reference


def test_reports_are_counted_by_kind_with_share_and_days(engine):
    filed(engine, "safety", "2025-03-01", "2025-03-11", "substantiated")  # 10 days
    filed(engine, "safety", "2025-05-01", "2025-05-31", "unsubstantiated")  # 30 days
    filed(engine, "safety", "2025-12-20", "2026-01-05", "substantiated")  # closed next year
    filed(engine, "energy", "2025-07-01")
    filed(engine, "energy", "2024-12-31")  # the year before
    frame = reports_in_year(engine, 2025, dt.date(2025, 12, 31)).set_index("kind")
    assert list(frame.index) == ["能耗", "环保", "质量", "安全", "技术落后（淘汰类）"]
    assert frame.loc["安全", ["received", "closed", "substantiated"]].tolist() == [3, 2, 1]
    assert frame.loc["安全", "substantiated_pct"] == 50.0
    assert frame.loc["安全", "days_to_close"] == 20.0
    assert frame.loc["能耗", ["received", "closed"]].tolist() == [1, 0]
    assert pd.isna(frame.loc["能耗", "substantiated_pct"])
    later = reports_in_year(engine, 2025, dt.date(2026, 2, 1)).set_index("kind")
    assert later.loc["安全", ["closed", "substantiated"]].tolist() == [3, 2]


def test_the_annual_report_has_the_reports_table_and_no_reporter(decided_demo_engine, tmp_path):
    filed(decided_demo_engine, "quality", "2025-04-01", "2025-04-05", "substantiated")
    path = tmp_path / "r.docx"
    write_report(decided_demo_engine, 2025, path, on=dt.date(2026, 1, 31))
    doc = docx.Document(path)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "全年受理群众举报1件，办结1件，其中查证属实1件（属实率100.0%）" in text
    assert "秘密人" not in text
