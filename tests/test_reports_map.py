"""The overview map's layer of reports from the public by county (issue #15): counts by kind
and state, open and overdue marked, in the caller's scope; toggled on in headless Chromium, its
popup read; a department sees only its kinds; never a contact."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.browser import new_page, serve, wait_idle, wait_map
from exitmap.clock import ZONE
from exitmap.db import scoped
from exitmap.policy.reports import reports_policy
from exitmap.scope import Scope
from layers.map import MapData
from layers.report_counts import county_features
from reports import handling
from reports.intake import file_report
from reports.routing import place_of_point
from reports.states import STATES
from tests.helpers.a11y import assert_accessible
from tests.helpers.accounts import browser_state
from tests.helpers.browser import CPU_SLOWDOWN
from tests.helpers.demo import DEMO_TODAY
from tests.helpers.reports import CONTACT, RECEIVED, intake

SHOTS = Path(os.environ.get("EXITMAP_SHOTS", "/tmp/exitmap-shots"))
PROVINCE = Scope("province", "t_province")
LEADER = Scope("leader", "t_leader")
ENV = Scope("department", "t_env", departments=frozenset({"省生态环境厅"}))
KUNMING = Scope("prefecture", "t_kunming", frozenset({530100}))
LATE = dt.datetime(2026, 6, 25, 9, 0, tzinfo=ZONE)  # received 5 days before DEMO_TODAY
STEP = LATE + dt.timedelta(hours=2)
KINDS = list(reports_policy().kinds)


def place(engine, code, where, received):
    report = intake(code, where)
    with engine.connect() as conn:
        located = place_of_point(conn, report.place.lon, report.place.lat)
    return file_report(engine, replace(report, place=located), received)


def file_five(engine) -> dict[str, int]:
    """On DEMO_TODAY (2026-06-30), by county:

    - 昆明 (3): safety of 03-02 left received (overdue), environment of 03-02 assigned to
      省生态环境厅 (overdue), energy of 06-25 received (open, due 07-25) → red
    - 曲靖 (1): environment of 06-25, assigned (open, not overdue) → amber
    - 大理 (1): quality of 03-02, screened as a duplicate (done) → grey

    Returns prefecture → the county its reports were placed in."""
    place(engine, "safety", "kunming", RECEIVED)
    kunming_env = place(engine, "environment", "kunming", RECEIVED)
    place(engine, "energy", "kunming", LATE)
    qujing_env = place(engine, "environment", "qujing", LATE)
    duplicate = place(engine, "quality", "dali", RECEIVED)
    for reference, when in ((kunming_env, RECEIVED + dt.timedelta(hours=3)), (qujing_env, STEP)):
        handling.take(engine, PROVINCE, reference, "screen", when, outcome="valid")
        handling.take(engine, PROVINCE, reference, "assign", when)
    handling.take(engine, PROVINCE, duplicate, "screen", STEP, outcome="duplicate")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT prefecture_adcode, county_adcode FROM report").all()
    counties = {p: c for p, c in rows}
    assert len(counties) == 3 and None not in counties.values()
    return {"kunming": counties[530100], "qujing": counties[530300], "dali": counties[532900]}


def layer(engine, scope, on=DEMO_TODAY, known_on=None) -> dict[int, dict]:
    data = MapData(engine)
    with scoped(scope):
        counts = data.report_counts(on, scope, known_on=known_on)
        doc = county_features(counts, data.report_places(), KINDS, list(STATES))
    return {f["properties"]["a"]: f["properties"] for f in doc["features"]}


def per_state(**n) -> list[int]:
    return [n.get(s, 0) for s in STATES]


@pytest.fixture
def five(engine):
    return engine, file_five(engine)


def test_counts_by_county_kind_and_state_with_open_and_overdue(five):
    engine, county = five
    got = layer(engine, PROVINCE)
    assert set(got) == set(county.values())
    km = got[county["kunming"]]
    assert (km["t"], km["o"], km["d"]) == (3, 3, 2)
    assert km["r"] == [
        ["energy", per_state(received=1), 1, 0],
        ["environment", per_state(assigned=1), 1, 1],
        ["safety", per_state(received=1), 1, 1],
    ]
    qj, dl = got[county["qujing"]], got[county["dali"]]
    assert (qj["t"], qj["o"], qj["d"], qj["r"]) == (
        1,
        1,
        0,
        [["environment", per_state(assigned=1), 1, 0]],
    )
    assert (dl["t"], dl["o"], dl["d"], dl["r"]) == (
        1,
        0,
        0,
        [["quality", per_state(screened=1), 0, 0]],
    )
    assert km["n"] and km["n"].endswith(("区", "县", "市"))


def test_the_layer_on_an_earlier_date_and_as_known_then(five):
    engine, county = five
    # 03-17: only the three reports of 03-02; none overdue yet (safety's due that day), 大理's
    # duplicate screened only on 06-25: still received, and open.
    early = layer(engine, PROVINCE, on=dt.date(2026, 3, 17))
    assert {a: (p["t"], p["o"], p["d"]) for a, p in early.items()} == {
        county["kunming"]: (2, 2, 0),
        county["dali"]: (1, 1, 0),
    }
    # 06-30 as known on 06-24: the reports of 06-25 unknown, 大理's screening too.
    then = layer(engine, PROVINCE, known_on=dt.date(2026, 6, 24))
    assert {a: (p["t"], p["o"], p["d"]) for a, p in then.items()} == {
        county["kunming"]: (2, 2, 2),
        county["dali"]: (1, 1, 1),
    }


def test_each_caller_sees_its_own_in_the_layer_and_never_a_contact(five):
    engine, county = five
    from tests.helpers.reports import app_engine

    app = app_engine(engine)
    try:
        province, leader = layer(app, PROVINCE), layer(app, LEADER)
        env, kunming = layer(app, ENV), layer(app, KUNMING)
    finally:
        app.dispose()
    assert province == leader == layer(engine, PROVINCE)
    # A department: its own kind, once assigned to it.
    assert {a: p["r"] for a, p in env.items()} == {
        county["kunming"]: [["environment", per_state(assigned=1), 1, 1]],
        county["qujing"]: [["environment", per_state(assigned=1), 1, 0]],
    }
    # A prefecture: its territory.
    assert set(kunming) == {county["kunming"]} and kunming[county["kunming"]]["t"] == 3
    for seen in (province, env, kunming):
        text = json.dumps(seen, ensure_ascii=False)
        assert not any(value in text for value in CONTACT.values())


# -- in the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(decided_demo_engine, demo_env):
    from app.main import create_app

    county = file_five(decided_demo_engine)
    app = create_app(engine=decided_demo_engine)
    with serve(app) as base:
        yield base, county
    app.server.extensions["exitmap.png"].close()


def open_overview(chromium, base, role, viewport=None):
    options = {"viewport": viewport} if viewport else {}
    page = new_page(
        chromium,
        cpu_slowdown=CPU_SLOWDOWN,
        storage_state=browser_state(base, role),
        **options,
    )
    page.goto(base + "/")
    wait_map(page, timeout=30_000)
    page.wait_for_selector("#ranking", timeout=30_000)
    wait_idle(page)
    return page


def settled(page, popup) -> None:
    """Wait for the popup's fade-in and the map's pan to it to end (a screenshot taken
    during them shows a half-transparent popup cut by the map's edge)."""
    expect(popup).to_have_css("opacity", "1")
    page.wait_for_function("() => !document.querySelector('.leaflet-pan-anim, .leaflet-zoom-anim')")
    wait_idle(page)


def toggle_reports(page) -> None:
    box = page.get_by_label("举报（按县）")
    expect(box).not_to_be_checked()
    expect(page.locator(".report-marker")).to_have_count(0)
    box.check()
    expect(box).to_be_checked()


def test_the_layer_toggles_on_and_shows_a_countys_figures(site, chromium):
    base, county = site
    page = open_overview(chromium, base, "province")
    toggle_reports(page)
    markers = page.locator(".report-marker")
    expect(markers).to_have_count(3)
    kunming = page.locator(f'.report-marker span[data-county="{county["kunming"]}"]')
    expect(kunming).to_have_text("3")
    expect(kunming).to_have_attribute("data-overdue", "2")
    expect(page.locator(".report-marker.overdue")).to_have_count(1)
    expect(page.locator(".report-marker.open")).to_have_count(1)
    expect(page.locator(".report-marker.done")).to_have_count(1)
    kunming.click()
    popup = page.locator(f'.report-popup[data-county="{county["kunming"]}"]')
    expect(popup).to_contain_text("举报 3 件，未办结 3 件，逾期 2 件")
    expect(popup.locator("tr[data-kind]")).to_have_count(3)
    # 环保: one assigned (the 3rd state column), open, overdue.
    expect(popup.locator('tr[data-kind="environment"] td')).to_have_text(
        ["0", "0", "1", "0", "0", "1", "1"]
    )
    expect(popup.locator('tr[data-kind="environment"] th')).to_have_text("环保")
    assert not any(value in page.content() for value in CONTACT.values())
    settled(page, page.locator(".report-popup-wrap"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "overview-reports-1920.png"))
    assert_accessible(page, where="总览（举报图层）")
    # Off again: the markers go.
    page.get_by_label("举报（按县）").uncheck()
    expect(markers).to_have_count(0)
    page.context.close()


def test_a_department_sees_only_its_kinds_in_the_layer(site, chromium):
    base, county = site
    page = open_overview(chromium, base, "department")
    toggle_reports(page)
    expect(page.locator(".report-marker")).to_have_count(2)
    kunming = page.locator(f'.report-marker span[data-county="{county["kunming"]}"]')
    expect(kunming).to_have_text("1")
    kunming.click()
    popup = page.locator(f'.report-popup[data-county="{county["kunming"]}"]')
    expect(popup).to_contain_text("举报 1 件，未办结 1 件，逾期 1 件")
    expect(popup.locator("tr[data-kind]")).to_have_count(1)
    expect(popup.locator("tr[data-kind]")).to_have_attribute("data-kind", "environment")
    expect(page.locator(f'.report-marker span[data-county="{county["dali"]}"]')).to_have_count(0)
    page.context.close()


def test_the_layer_on_a_phone(site, chromium):
    base, county = site
    page = open_overview(chromium, base, "leader", viewport={"width": 390, "height": 844})
    toggle_reports(page)
    expect(page.locator(".report-marker")).to_have_count(3)
    page.locator(f'.report-marker span[data-county="{county["qujing"]}"]').click()
    popup = page.locator(f'.report-popup[data-county="{county["qujing"]}"]')
    expect(popup).to_contain_text("举报 1 件，未办结 1 件，逾期 0 件")
    settled(page, page.locator(".report-popup-wrap"))
    page.screenshot(path=str(SHOTS / "overview-reports-390.png"), full_page=True)
    page.context.close()
