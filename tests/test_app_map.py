"""layers.map: the dashboard's cache (unit frames, scope), measures, colours, charts.

The standing table itself is layers.standing's ``aggregate`` (tests/test_standing.py).
"""

import datetime as dt

import pytest

from exitmap.scope import EVERYTHING
from layers.map import (
    MEASURES,
    MapData,
    by_sub_industry,
    choropleth,
    classify,
    progress,
    rank,
    unit_points,
)
from tests.helpers.demo import DEMO_TODAY
from tests.helpers.policy_scenarios import HONGHE, KUNMING, QUJING, YUXI, D, standard_scenario


@pytest.fixture
def scenario_engine(engine):
    standard_scenario(engine)
    return engine


def test_progress_and_sub_industries_on_the_scenario(scenario_engine):
    """Worked out by hand from tests/helpers/policy_scenarios.py (see tests/test_standing.py)."""
    data = MapData(scenario_engine)
    on = D(2022, 6, 30)
    rows = progress(data, on, EVERYTHING).to_dicts()
    assert [(r["date"], r["units_in_scope"], r["units_resolved"]) for r in rows] == [
        (D(2020, 12, 31), 5, 0),  # K1–K3, H1, Y1
        (D(2021, 12, 31), 8, 3),  # + Q1, Q2, H2; K1, H1 and Y1 (exit month 2021-12) exited
        (on, 9, 3),
    ]
    assert [r["completion_units_pct"] for r in rows] == [0.0, 37.5, 33.3]
    assert rows[-1]["completion_energy_pct"] == 28.9

    subs = by_sub_industry(data.summary(on, EVERYTHING))
    assert [(r["sector"], r["sub_industry"]) for r in subs.to_dicts()] == sorted(
        (r["sector"], r["sub_industry"]) for r in subs.to_dicts()
    )
    got = {
        r["sub_industry"]: (
            r["units_resolved"],
            r["units_remaining"],
            r["energy_resolved_tce"],
            r["energy_remaining_tce"],
        )
        for r in subs.to_dicts()
    }
    assert got == {
        "炼铁": (1, 1, 1000, 3000),  # K1 closed; K3
        "炼钢": (1, 0, 2000, 0),  # K2 removed
        "水泥熟料": (0, 2, 0, 1100),  # Q1, Q2
        "电石": (1, 1, 900, 700),  # Y1 closed; Q3
        "铁合金": (0, 1, 0, 4000),  # H1 reopened
        "锌冶炼": (0, 1, 0, 800),  # H2
    }
    steel = by_sub_industry(
        data.summary(on, EVERYTHING), sector="钢铁", prefecture=HONGHE
    ).to_dicts()
    assert [(r["sub_industry"], r["units_remaining"]) for r in steel] == [("铁合金", 1)]


def test_unit_frames_by_scope(scenario_engine):
    data = MapData(scenario_engine)
    on = D(2022, 6, 30)
    everyone = data.units(on, EVERYTHING)
    assert set(everyone["prefecture_adcode"]) == {KUNMING, QUJING, HONGHE, YUXI}
    mine = data.units(on, EVERYTHING.narrow([QUJING]))
    assert mine is not everyone and data.units(on, EVERYTHING.narrow(QUJING)) is mine
    assert sorted(mine["unit_key"]) == ["Q1", "Q2", "Q3"]
    # The standing of the same scope: its own rows, its own total.
    table = data.table(on, EVERYTHING.narrow([QUJING])).to_dicts()
    assert [(r["adcode"], r["units_overdue"]) for r in table] == [(QUJING, 2), (530000, 2)]
    assert YUXI not in data.prefecture_wide(on, EVERYTHING.narrow([QUJING]))


def test_cache_follows_data_version(demo_engine):
    data = MapData(demo_engine)
    a = data.units(DEMO_TODAY, EVERYTHING)
    assert data.units(DEMO_TODAY, EVERYTHING) is a  # cached


def test_choropleth_and_rank(demo_engine):
    data = MapData(demo_engine)
    table = data.table(DEMO_TODAY, EVERYTHING)
    for m in MEASURES:
        h = choropleth(table, m)
        assert len(h["fill"]) == 16
        assert len(h["classes"]) >= 2
    ranked = rank(table, "completion_units")
    assert ranked["rank"].to_list() == list(range(1, 17))
    vals = [x for x in ranked["completion_units_pct"].to_list() if x is not None]
    assert vals == sorted(vals, reverse=True)


def test_classify():
    assert classify(None, [50, 70]) == -1
    assert classify(10, [50, 70]) == 0
    assert classify(60, [50, 70]) == 1
    assert classify(70, [50, 70]) == 2


def test_unit_points_compact(demo_engine):
    units = MapData(demo_engine).units(DEMO_TODAY, EVERYTHING)
    doc = unit_points(units)
    assert len(doc["features"]) == units.height
    assert set(doc["features"][0]["properties"]) == {"k", "n", "e", "c", "s", "d", "t", "x"}


def test_decided_freeze_in_table_and_hideout(engine):
    """A decision in force marks its prefecture (decided), apart from the rule's trigger."""
    from etl.decisions import decide_freeze, lift_freeze

    data = MapData(engine)
    before = data.table(DEMO_TODAY, EVERYTHING)
    assert not any(before["freeze_decided"])
    decide_freeze(engine, 530100, "测试〔2026〕1号", dt.date(2026, 1, 10))
    table = data.table(DEMO_TODAY, EVERYTHING)  # the data version changed: read again
    row = table.filter(table["adcode"] == 530100).to_dicts()[0]
    assert row["freeze_decided"] and not row["freeze_triggered"]
    h = choropleth(table, "completion_units")
    assert h["decided"] == ["530100"] and "530100" not in h["frozen"]
    assert (
        data.table(dt.date(2025, 12, 31), EVERYTHING)["freeze_decided"].sum() == 0
    )  # not yet in force
    lift_freeze(engine, 530100, "测试〔2026〕2号", dt.date(2026, 3, 1))
    assert (
        data.table(DEMO_TODAY, EVERYTHING)["freeze_decided"].sum() == 0
    )  # lifting changes the version


def test_tables_and_freeze_lists_are_kept_per_filters_scope_and_language(demo_engine):
    """A page asks for the same standing table and freeze list several times: each is made
    once per (date, filters, scope, language), and never handed across any of them."""
    from app.i18n import layer_words
    from layers.cache import one_version
    from layers.freeze import freeze_list

    data = MapData(demo_engine)
    steel = data.table(DEMO_TODAY, EVERYTHING, sector=("钢铁",))
    assert data.table(DEMO_TODAY, EVERYTHING, sector=["钢铁"]) is steel  # the same entry
    cement = data.table(DEMO_TODAY, EVERYTHING, sector=("建材",))
    assert not steel.equals(cement)
    assert not data.table(DEMO_TODAY, EVERYTHING.narrow([QUJING]), sector=("钢铁",)).equals(steel)

    whole = data.freeze_list(DEMO_TODAY, EVERYTHING, **layer_words("zh"))
    assert whole.equals(freeze_list(demo_engine, DEMO_TODAY, **layer_words("zh")))
    qujing = data.freeze_list(DEMO_TODAY, EVERYTHING.narrow([QUJING]), **layer_words("zh"))
    assert len(whole) == 16 and list(qujing["adcode"]) == [QUJING]
    english = data.freeze_list(DEMO_TODAY, EVERYTHING, **layer_words("en"))
    triggered = whole["triggered"].idxmax()
    assert english.at[triggered, "trigger_reasons"] != whole.at[triggered, "trigger_reasons"]
    whole["added"] = 1  # a caller's column stays its own
    assert "added" not in data.freeze_list(DEMO_TODAY, EVERYTHING, **layer_words("zh"))
    with one_version():  # one request: the version is read once
        assert data.version() is data.version()
