"""A substantiated report on an exited unit (issue #15): the unit is flagged, its exit stays in
the standing (disputed, not undone), and its released quota is held — out of the ledger's
balance and the standing's released quota — from the day of the finding until the office
decides; before that day nothing changes."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from app.main import create_app
from exitmap.clock import ZONE
from exitmap.scope import Scope
from layers.quota import balance, ledger
from layers.standing import standing
from reports import handling
from reports.intake import Contact, Intake, file_report
from reports.routing import Place
from reports.states import StepRefused
from tests.helpers.accounts import client_as
from tests.helpers.dash_http import call, callback_body
from tests.helpers.demo import DEMO_TODAY

OFFICE = Scope("province", "t_province")
FOUND = dt.datetime.combine(DEMO_TODAY, dt.time(15, 0), tzinfo=ZONE)
BEFORE = DEMO_TODAY - dt.timedelta(days=1)


@pytest.fixture(scope="module")
def exited(decided_demo_engine):
    """An exited unit that released quota: (unit key, prefecture, energy tce)."""
    entries = ledger(decided_demo_engine, DEMO_TODAY)
    release = entries[(entries["kind"] == "release") & (entries["amount_tce"] > 0)].iloc[0]
    return release["item"], int(release["adcode"]), float(release["amount_tce"])


def close_on(engine, prefecture, unit_key, resolution):
    intake = Intake(
        "technology",
        "已关停的装备夜间复产",
        Place(prefecture, None),
        "phone",
        contact=Contact("某人", "13000000000"),
    )
    reference = file_report(engine, intake, FOUND - dt.timedelta(days=10))
    for step, outcome in (("screen", "valid"), ("assign", None), ("start", None)):
        handling.take(engine, OFFICE, reference, step, FOUND, outcome=outcome)
    return handling.take(
        engine, OFFICE, reference, "close", FOUND, outcome=resolution, unit_key=unit_key
    )


def released(engine, adcode, on):
    table = standing(engine, on)
    row = table[table["adcode"] == adcode].iloc[0]
    return row["quota_released_tce"], row["units_resolved"]


def test_a_substantiated_report_holds_the_units_quota_until_the_office_decides(
    decided_demo_engine, exited
):
    engine = decided_demo_engine
    unit_key, adcode, energy = exited
    balance_before = balance(engine, adcode, DEMO_TODAY)
    released_before, resolved_before = released(engine, adcode, DEMO_TODAY)
    day_before = released(engine, adcode, BEFORE)[0], balance(engine, adcode, BEFORE)
    taken = close_on(engine, adcode, unit_key, "substantiated")
    assert taken.held
    # From the finding on: the balance and the released quota leave the unit's energy out…
    assert balance(engine, adcode, DEMO_TODAY) == pytest.approx(balance_before - energy)
    released_now, resolved_now = released(engine, adcode, DEMO_TODAY)
    assert released_now == pytest.approx(released_before - energy)
    # …the exit itself is not undone (disputed, still counted as resolved)…
    assert resolved_now == resolved_before
    entries = ledger(engine, DEMO_TODAY)
    hold = entries[(entries["kind"] == "hold") & (entries["item"] == unit_key)]
    assert len(hold) == 1 and hold.iloc[0]["amount_tce"] == pytest.approx(-energy)
    assert hold.iloc[0]["kind_label"] == "举报查实暂扣"
    assert entries[entries["adcode"] == adcode].iloc[-1]["balance_tce"] == pytest.approx(
        balance_before - energy, abs=0.01
    )
    # …and the day before the finding reads as it did.
    assert (released(engine, adcode, BEFORE)[0], balance(engine, adcode, BEFORE)) == day_before
    assert not (ledger(engine, BEFORE)["kind"] == "hold").any()
    # Only the office decides; then the quota counts again from its decision.
    with pytest.raises(StepRefused, match="只有省办"):
        handling.release_hold(
            engine,
            Scope("department", "d", departments=frozenset({"省工业和信息化厅"})),
            unit_key,
            DEMO_TODAY,
            "x",
        )
    assert handling.release_hold(engine, OFFICE, unit_key, DEMO_TODAY, "经核实已拆除") == 1
    assert balance(engine, adcode, DEMO_TODAY) == pytest.approx(balance_before)
    assert released(engine, adcode, DEMO_TODAY)[0] == pytest.approx(released_before)
    kinds = ledger(engine, DEMO_TODAY)
    assert set(kinds[kinds["item"] == unit_key]["kind"]) == {"release", "hold", "unhold"}


def test_an_unsubstantiated_report_or_an_operating_unit_holds_nothing(decided_demo_engine, exited):
    engine = decided_demo_engine
    unit_key, adcode, _ = exited
    assert not close_on(engine, adcode, unit_key, "unsubstantiated").held
    with engine.connect() as conn:
        operating = conn.execute(
            sa.text("SELECT unit_key, prefecture_adcode FROM unit WHERE status = '在产' LIMIT 1")
        ).one()
    assert not close_on(engine, operating[1], operating[0], "substantiated").held
    with pytest.raises(StepRefused, match="没有编码为"):
        close_on(engine, adcode, "NO-SUCH-UNIT", "substantiated")


def test_the_unit_page_flags_the_disputed_exit_and_the_office_lifts_the_hold(
    decided_demo_engine, exited, demo_env
):
    engine = decided_demo_engine
    unit_key, adcode, _ = exited
    before = balance(engine, adcode, DEMO_TODAY)
    assert close_on(engine, adcode, unit_key, "substantiated").held
    app = create_app(engine=engine)
    path = f"/unit/{quote(unit_key, safe='')}"

    def unit_page(client) -> str:
        body = callback_body(
            [("header", "children"), ("page", "children")],
            [("url", "pathname", path)],
            [("url", "search", "")],
        )
        return json.dumps(call(client, body).get_json(), ensure_ascii=False)

    def lift(client, decision):
        body = callback_body(
            [("uh-message", "children")],
            [("uh-lift", "n_clicks", 1)],
            [("uh-decision", "value", decision), ("url", "pathname", path), ("url", "search", "")],
        )
        return call(client, body)

    office, leader = client_as(app, engine, "province"), client_as(app, engine, "leader")
    shown = unit_page(office)
    assert "unit-disputed" in shown and "暂扣" in shown and "uh-lift" in shown
    seen_by_leader = unit_page(leader)
    assert "unit-disputed" in seen_by_leader and "uh-lift" not in seen_by_leader
    assert lift(leader, "x").status_code == 403
    assert balance(engine, adcode, DEMO_TODAY) < before
    done = lift(office, "经核实已拆除")
    assert done.status_code == 200 and "已解除暂扣" in json.dumps(
        done.get_json(), ensure_ascii=False
    )
    assert balance(engine, adcode, DEMO_TODAY) == pytest.approx(before)
    assert "unit-disputed" not in unit_page(office)
