"""The year's reports for the annual report (issue #15): by kind, received, closed,
substantiated, the substantiated share of those closed and the mean days to close — counted on
fixed dates, the year's edges and a later closing respected, no reporter in the report."""

from __future__ import annotations

import datetime as dt

import docx
import pandas as pd
from pptx import Presentation

from exitmap.clock import ZONE
from exitmap.scope import Scope
from exports.deck import slide_count, write_deck
from exports.report import write_report
from layers.reports_year import reports_in_year, reports_year
from reports import handling
from reports.intake import Contact, Intake, file_report
from reports.routing import Place
from tests.helpers.demo import DEMO_TODAY

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


# -- the deck's slide: the same query as section 七 ----------------------------------------------


def cells(rows) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in rows]


def test_the_deck_shows_the_years_reports_as_the_annual_report_does(decided_demo_engine, tmp_path):
    """2026 up to DEMO_TODAY (06-30): safety 10 and 30 days (one substantiated), environment
    5 days (substantiated), energy still open; one of 2025 and one after 06-30 left out."""
    engine = decided_demo_engine
    filed(engine, "safety", "2026-01-10", "2026-01-20", "substantiated")
    filed(engine, "safety", "2026-02-01", "2026-03-03", "unsubstantiated")
    filed(engine, "environment", "2026-03-01", "2026-03-06", "substantiated")
    filed(engine, "energy", "2026-05-01")
    filed(engine, "environment", "2025-12-30")
    filed(engine, "quality", "2026-07-05")
    found = reports_year(engine, 2026, DEMO_TODAY)
    assert found.total == {
        "kind": "合计",
        "received": 4,
        "closed": 3,
        "substantiated": 2,
        "substantiated_pct": 66.7,
        "days_to_close": 15.0,  # (10 + 30 + 5) / 3, not the mean of the kinds' means
    }

    path = tmp_path / "deck.pptx"
    assert write_deck(engine, DEMO_TODAY, path, [530100]) == slide_count(1) == 6
    slide = Presentation(path).slides[-1]
    assert slide.shapes.title.text_frame.text == "2026年群众举报受理和办理情况"
    shapes = {s.name: s for s in slide.shapes}
    assert [
        shapes[f"kpi_reports_{k}"].text_frame.text
        for k in ("received", "closed", "substantiated", "days")
    ] == ["4", "3", "66.7%", "15.0"]
    assert shapes["kpi_reports_substantiated_sub"].text_frame.text == "查证属实 2 件"
    table = cells(shapes["table_reports"].table.rows)
    assert table == [
        ["类别", "受理", "办结", "查证属实", "属实率", "平均办结天数"],
        ["能耗", "1", "0", "0", "—", "—"],
        ["环保", "1", "1", "1", "100.0%", "5.0"],
        ["质量", "0", "0", "0", "—", "—"],
        ["安全", "2", "2", "1", "50.0%", "20.0"],
        ["技术落后（淘汰类）", "0", "0", "0", "—", "—"],
        ["合计", "4", "3", "2", "66.7%", "15.0"],
    ]
    deck_text = "\n".join(
        s.text_frame.text for sl in Presentation(path).slides for s in sl.shapes if s.has_text_frame
    )
    assert "秘密人" not in deck_text

    # The annual report's table 8 for the same days holds the same rows.
    report = tmp_path / "r.docx"
    write_report(engine, 2026, report, on=DEMO_TODAY)
    assert cells(docx.Document(report).tables[7].rows) == table


def test_a_departments_deck_counts_its_own_kinds(decided_demo_engine, tmp_path):
    engine = decided_demo_engine
    filed(engine, "environment", "2026-04-01", "2026-04-03", "unsubstantiated")
    env = Scope("department", "t_env", departments=frozenset({"省生态环境厅"}))
    office = reports_year(engine, 2026, DEMO_TODAY).total
    own = reports_year(engine, 2026, DEMO_TODAY, env)
    assert own.kinds.set_index("kind")["received"].to_dict() == {
        "能耗": 0,
        "环保": 2,
        "质量": 0,
        "安全": 0,
        "技术落后（淘汰类）": 0,
    }
    assert (own.total["received"], own.total["closed"], own.total["days_to_close"]) == (2, 2, 3.5)
    assert office["received"] > own.total["received"]
    path = tmp_path / "env.pptx"
    write_deck(engine, DEMO_TODAY, path, [530100], scope=env)
    shapes = {s.name: s for s in Presentation(path).slides[-1].shapes}
    assert shapes["kpi_reports_received"].text_frame.text == "2"
