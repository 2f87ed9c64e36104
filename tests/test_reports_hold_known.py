"""Held quota read "as known then" (issue #15): a view as known on a day holds a disputed
unit's quota only if the substantiated finding was recorded by then, and lets it count again
only if the office's decision was recorded by then — in the standing, the published ranking,
the quota ledger and balance, and the unit's holds."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from exitmap.clock import ZONE
from exitmap.policy import default_policy
from exitmap.scope import Scope
from layers.holds import held_on, holds
from layers.quota import balance, ledger
from layers.standing import read_published_summary, standing
from reports import handling
from reports.intake import Intake, file_report
from reports.routing import Place
from tests.helpers.demo import DEMO_TODAY

OFFICE = Scope("province", "t_province")
D = dt.date
FOUND = dt.datetime.combine(DEMO_TODAY, dt.time(15, 0), tzinfo=ZONE)  # 2026-06-30 15:00
LIFTED_ON = D(2026, 7, 2)  # the decision counts the quota again from 07-02 …
LIFT_RECORDED = dt.datetime(2026, 7, 5, 10, 0, tzinfo=ZONE)  # … recorded on 07-05


@pytest.fixture(scope="module")
def held(decided_demo_engine):
    """An exited unit that released quota, held on 06-30 by a substantiated report and lifted
    by the office's decision of 07-02 recorded on 07-05: (engine, unit key, prefecture,
    energy tce)."""
    engine = decided_demo_engine
    entries = ledger(engine, DEMO_TODAY)
    release = entries[(entries["kind"] == "release") & (entries["amount_tce"] > 0)].iloc[0]
    unit_key, adcode = release["item"], int(release["adcode"])
    intake = Intake("technology", "已关停的装备夜间复产", Place(adcode, None), "phone")
    reference = file_report(engine, intake, FOUND - dt.timedelta(days=10))
    for step, outcome in (("screen", "valid"), ("assign", None), ("start", None)):
        handling.take(engine, OFFICE, reference, step, FOUND, outcome=outcome)
    taken = handling.take(
        engine, OFFICE, reference, "close", FOUND, outcome="substantiated", unit_key=unit_key
    )
    assert taken.held
    handling.release_hold(engine, OFFICE, unit_key, LIFTED_ON, "经核实已拆除", LIFT_RECORDED)
    return engine, unit_key, adcode, float(release["amount_tce"])


def released_tce(engine, adcode, on, known_on=None) -> float:
    table = standing(engine, on, known_on=known_on)
    return float(table.loc[table["adcode"] == adcode, "quota_released_tce"].iloc[0])


def published_tce(engine, adcode, on, known_on=None) -> float:
    with engine.connect() as conn:
        summary = read_published_summary(conn, on, default_policy(), known_on)
    mine = summary.filter(pl.col("prefecture_adcode") == adcode)
    return float(mine["quota_released_tce"].sum())


def ledger_kinds(engine, unit_key, on, known_on=None) -> list[str]:
    entries = ledger(engine, on, known_on=known_on)
    return sorted(entries.loc[entries["item"] == unit_key, "kind"])


# (as-of date, known on, held?): what the office knew of the hold on each day.
VIEWS = [
    (D(2026, 6, 30), None, True),  # held from the finding's day, everything known now
    (D(2026, 6, 30), D(2026, 6, 29), False),  # the finding not yet recorded
    (D(2026, 6, 30), D(2026, 6, 30), True),  # recorded that day
    (D(2026, 7, 3), None, False),  # lifted from 07-02
    (D(2026, 7, 3), D(2026, 7, 4), True),  # the lifting not yet recorded: still held
    (D(2026, 7, 3), D(2026, 7, 5), False),  # recorded on 07-05
]


@pytest.mark.parametrize(("on", "known_on", "is_held"), VIEWS)
def test_the_hold_as_known_on_each_day(held, on, known_on, is_held):
    engine, unit_key, adcode, energy = held
    entries = ledger(engine, on, known_on=known_on)
    mine = entries[entries["adcode"] == adcode]
    # What the exits released (a hold never changes these rows), less the held energy.
    exits = float(mine.loc[mine["kind"] == "release", "amount_tce"].sum())
    allocated = float(mine.loc[mine["kind"] == "allocation", "amount_tce"].sum())
    assert unit_key in set(mine.loc[mine["kind"] == "release", "item"])
    expected = exits - (energy if is_held else 0)
    assert released_tce(engine, adcode, on, known_on) == pytest.approx(expected, abs=0.01)
    assert published_tce(engine, adcode, on, known_on) == pytest.approx(expected, abs=0.01)
    assert balance(engine, adcode, on, known_on=known_on) == pytest.approx(
        expected + allocated, abs=0.01
    )
    assert float(mine["balance_tce"].iloc[-1]) == pytest.approx(expected + allocated, abs=0.01)
    found = holds(engine, unit_key, OFFICE, known_on=known_on)
    assert (held_on(found, on) is not None) == is_held


def test_the_ledger_shows_the_hold_and_its_lifting_once_recorded(held):
    engine, unit_key, _, _ = held
    on = D(2026, 7, 3)
    assert ledger_kinds(engine, unit_key, on) == ["hold", "release", "unhold"]
    assert ledger_kinds(engine, unit_key, on, D(2026, 7, 4)) == ["hold", "release"]
    assert ledger_kinds(engine, unit_key, on, D(2026, 6, 29)) == ["release"]
    lifted = holds(engine, unit_key, OFFICE)[0]
    assert (lifted["released_on"], lifted["decision"]) == (LIFTED_ON, "经核实已拆除")
    before = holds(engine, unit_key, OFFICE, known_on=D(2026, 7, 4))[0]
    assert (before["held_from"], before["released_on"], before["decision"]) == (
        DEMO_TODAY,
        None,
        None,
    )
    assert holds(engine, unit_key, OFFICE, known_on=D(2026, 6, 29)) == []
