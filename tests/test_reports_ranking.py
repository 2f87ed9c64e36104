"""逾期举报 in the ranking (issue #15): open reports past their expected_datetime per
prefecture on the view's date, counted in SQL within the caller's scope; the published ranking
carries every prefecture's count. Exact counts on fixed dates, worked out by hand below."""

from __future__ import annotations

import datetime as dt

import pytest

from app.pages.overview import ranking
from app.state import ViewState
from exitmap.clock import ZONE
from exitmap.db import scoped
from exitmap.scope import Scope
from exitmap.vocabulary import PROVINCE_ADCODE
from layers.map import MEASURES, MapData, choropleth, rank
from reports import handling
from tests.helpers.reports import RECEIVED, app_engine, file

PROVINCE = Scope("province", "t_province")
LEADER = Scope("leader", "t_leader")
ENV = Scope("department", "t_env", departments=frozenset({"省生态环境厅"}))
KUNMING = Scope("prefecture", "t_kunming", frozenset({530100}))
KM, QJ, DL = 530100, 530300, 532900
LATER = RECEIVED + dt.timedelta(hours=5)
CLOSED = dt.datetime(2026, 3, 20, 12, 0, tzinfo=ZONE)
D = dt.date


@pytest.fixture
def app(engine):
    eng = app_engine(engine)
    yield eng
    eng.dispose()


@pytest.fixture
def filed(engine):
    """Five reports, all received 2026-03-02 10:00 (safety: 15 days to finish, due 03-17;
    environment: 30 days, due 04-01):

    - 昆明 safety, left received                      → overdue from 03-18
    - 昆明 environment, assigned to 省生态环境厅       → overdue from 04-02
    - 曲靖 safety, screened as a duplicate the same day → never overdue
    - 曲靖 safety, closed on 03-20 at noon            → overdue on 03-18 and 03-19 only
    - 大理 environment, left received                 → overdue from 04-02
    """
    file(engine, "safety", "kunming")
    kunming_env = file(engine, "environment", "kunming")
    duplicate = file(engine, "safety", "qujing")
    closed = file(engine, "safety", "qujing")
    file(engine, "environment", "dali")
    handling.take(engine, PROVINCE, duplicate, "screen", LATER, outcome="duplicate")
    for reference in (kunming_env, closed):
        handling.take(engine, PROVINCE, reference, "screen", LATER, outcome="valid")
        handling.take(engine, PROVINCE, reference, "assign", LATER)
    handling.take(engine, PROVINCE, closed, "start", LATER)
    handling.take(engine, PROVINCE, closed, "close", CLOSED, outcome="unsubstantiated")
    return engine


def overdue(table) -> dict[int, int]:
    """adcode → reports_overdue, leaving out the prefectures at 0 (the total always kept)."""
    return {
        r["adcode"]: r["reports_overdue"]
        for r in table.to_dicts()
        if r["reports_overdue"] or r["adcode"] == PROVINCE_ADCODE
    }


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (D(2026, 3, 1), {PROVINCE_ADCODE: 0}),  # nothing received yet
        (D(2026, 3, 17), {PROVINCE_ADCODE: 0}),  # due that day: not yet overdue
        (D(2026, 3, 18), {KM: 1, QJ: 1, PROVINCE_ADCODE: 2}),
        (D(2026, 3, 19), {KM: 1, QJ: 1, PROVINCE_ADCODE: 2}),
        (D(2026, 3, 20), {KM: 1, PROVINCE_ADCODE: 1}),  # 曲靖's closed that day
        (D(2026, 4, 1), {KM: 1, PROVINCE_ADCODE: 1}),  # the environment reports due today
        (D(2026, 4, 2), {KM: 2, DL: 1, PROVINCE_ADCODE: 3}),
    ],
)
def test_overdue_reports_per_prefecture_on_fixed_dates(filed, on, expected):
    assert overdue(MapData(filed).table(on, PROVINCE)) == expected


def test_a_past_view_as_known_then_does_not_know_the_later_closing(filed):
    data = MapData(filed)
    assert overdue(data.table(D(2026, 3, 21), PROVINCE))[PROVINCE_ADCODE] == 1
    then = data.table(D(2026, 3, 21), PROVINCE, known_on=D(2026, 3, 19))
    assert overdue(then) == {KM: 1, QJ: 1, PROVINCE_ADCODE: 2}


def test_filters_narrow_units_not_reports(filed):
    table = MapData(filed).table(D(2026, 4, 2), PROVINCE, sector="钢铁")
    assert overdue(table) == {KM: 2, DL: 1, PROVINCE_ADCODE: 3}


def test_each_caller_counts_what_its_scope_sees_in_sql_and_in_the_database(filed, app):
    on = D(2026, 4, 2)

    def counted(scope):
        with scoped(scope):
            return overdue(MapData(app).table(on, scope))

    assert counted(PROVINCE) == counted(LEADER) == {KM: 2, DL: 1, PROVINCE_ADCODE: 3}
    # Its own kind, once handed to it: 昆明's environment report, not 大理's (still received).
    assert counted(ENV) == {KM: 1, PROVINCE_ADCODE: 1}
    kunming = MapData(app)
    with scoped(KUNMING):
        own = kunming.table(on, KUNMING)
    assert own["adcode"].to_list() == [KM, PROVINCE_ADCODE]
    assert overdue(own) == {KM: 2, PROVINCE_ADCODE: 2}
    # The code's filter alone (the owner's session, no policy): the same counts.
    assert overdue(MapData(filed).table(on, ENV)) == {KM: 1, PROVINCE_ADCODE: 1}
    assert overdue(MapData(filed).table(on, KUNMING)) == {KM: 2, PROVINCE_ADCODE: 2}


def test_a_department_and_the_office_do_not_share_a_cached_count(filed):
    data, on = MapData(filed), D(2026, 4, 2)
    assert ENV.key() != PROVINCE.key()
    assert overdue(data.table(on, PROVINCE))[PROVINCE_ADCODE] == 3
    assert overdue(data.table(on, ENV))[PROVINCE_ADCODE] == 1


def test_the_published_ranking_carries_every_prefectures_count(filed, app):
    on = D(2026, 4, 2)
    with scoped(KUNMING):
        published = MapData(app).published_table(on, KUNMING)
        then = MapData(app).published_table(D(2026, 3, 21), KUNMING, known_on=D(2026, 3, 19))
    assert published.height == 17
    assert overdue(published) == {KM: 2, DL: 1, PROVINCE_ADCODE: 3}
    assert overdue(then) == {KM: 1, QJ: 1, PROVINCE_ADCODE: 2}


def test_a_new_step_shows_at_once_in_the_cached_ranking(filed):
    data, on = MapData(filed), D(2026, 4, 2)
    assert overdue(data.table(on, PROVINCE))[DL] == 1
    reference = file(filed, "environment", "dali")
    assert overdue(data.table(on, PROVINCE))[DL] == 2
    handling.take(filed, PROVINCE, reference, "screen", LATER, outcome="out_of_scope")
    assert overdue(data.table(on, PROVINCE))[DL] == 1


def test_the_ranking_orders_and_shows_the_measure(filed):
    table = MapData(filed).table(D(2026, 4, 2), PROVINCE)
    ranked = rank(table, "reports_overdue")
    # Fewer is better: the prefectures at 0 first (by adcode), 大理 then 昆明 last.
    assert ranked["adcode"].to_list()[-2:] == [DL, KM]
    assert ranked["reports_overdue"].to_list()[-2:] == [1, 2]
    hideout = choropleth(table, "reports_overdue")
    assert hideout["kind"] == MEASURES["reports_overdue"].kind == "reports"
    assert hideout["fill"][str(KM)] != hideout["fill"][str(QJ)]
    for lang, text in (("zh", "2件"), ("en", "2 reports")):
        drawn = ranking(table, ViewState(measure="reports_overdue", lang=lang))
        assert drawn["headers"][2] == ("逾期举报" if lang == "zh" else "Reports overdue")
        last = drawn["rows"][-1]
        assert last["row"] == str(KM) and last["cells"][2]["text"] == text
        assert drawn["total"]["cells"][2]["text"] == text.replace("2", "3")
