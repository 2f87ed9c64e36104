"""layers.map: the dashboard's cached, in-memory figures equal layers.standing.standing."""

import datetime as dt

import pytest

from layers.map import MEASURES, MapData, choropleth, classify, rank, unit_points
from layers.standing import COLUMNS, standing
from tests.helpers.demo import DEMO_TODAY

CASES = [
    {},
    {"sector": "钢铁"},
    {"sub_industry": ["水泥熟料", "粉磨站"]},
    {"category": "淘汰类"},
    {"status": ["在产", "停产"]},
    {"sector": "建材", "category": ["能耗不达标", "限制类"]},
]


@pytest.mark.parametrize("on", [DEMO_TODAY, dt.date(2021, 12, 31), dt.date(2023, 6, 1)])
@pytest.mark.parametrize("filters", CASES)
def test_table_matches_standing(demo_engine, on, filters):
    data = MapData(demo_engine)
    mine = data.table(on, **filters).to_pandas().set_index("adcode")
    ref = standing(demo_engine, on, **filters).set_index("adcode")
    assert list(mine.index) == list(ref.index)
    for col in COLUMNS[2:]:
        for adcode in ref.index:
            a, b = mine.at[adcode, col], ref.at[adcode, col]
            if b is None or (isinstance(b, float) and b != b):
                assert a is None or a != a, (col, adcode)
            elif isinstance(b, float):
                assert a == pytest.approx(b, abs=0.011), (col, adcode, a, b)
            else:
                assert a == b, (col, adcode, a, b)


def test_cache_follows_data_version(demo_engine):
    data = MapData(demo_engine)
    a = data.units(DEMO_TODAY)
    assert data.units(DEMO_TODAY) is a  # cached


def test_choropleth_and_rank(demo_engine):
    data = MapData(demo_engine)
    table = data.table(DEMO_TODAY)
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
    units = MapData(demo_engine).units(DEMO_TODAY)
    doc = unit_points(units)
    assert len(doc["features"]) == units.height
    assert set(doc["features"][0]["properties"]) == {"k", "n", "e", "c", "s", "d", "t", "x"}


def test_decided_freeze_in_table_and_hideout(engine):
    """A decision in force marks its prefecture (decided), apart from the rule's trigger."""
    from etl.decisions import decide_freeze, lift_freeze

    data = MapData(engine)
    before = data.table(DEMO_TODAY)
    assert not any(before["freeze_decided"])
    decide_freeze(engine, 530100, "测试〔2026〕1号", dt.date(2026, 1, 10))
    table = data.table(DEMO_TODAY)  # the data version changed: read again
    row = table.filter(table["adcode"] == 530100).to_dicts()[0]
    assert row["freeze_decided"] and not row["freeze_triggered"]
    h = choropleth(table, "completion_units")
    assert h["decided"] == ["530100"] and "530100" not in h["frozen"]
    assert data.table(dt.date(2025, 12, 31))["freeze_decided"].sum() == 0  # not yet in force
    lift_freeze(engine, 530100, "测试〔2026〕2号", dt.date(2026, 3, 1))
    assert data.table(DEMO_TODAY)["freeze_decided"].sum() == 0  # lifting changes the version
