"""Standing of each prefecture on several dates, worked out by hand from the standard scenario.

See tests/helpers/policy_scenarios.py for the table of units. Deadlines: 淘汰类 2021-12-31, 限制类
2025-12-31, Q1 2022-05-31 (2021-08-31 + 6 months = 02-28, extended + 3 = 05-31), Q2 2022-02-28,
Q3 2022-06-30, H2 2022-03-31 (整改期限 "2022-03", month precision).
"""

from __future__ import annotations

import shutil

import pytest

from exitmap.policy import load_policy
from exitmap.policy.rules import POLICY_DIR
from exitmap.scope import EVERYTHING
from layers.standing import COLUMNS, StandingCache, standing
from tests.helpers.policy_scenarios import (
    HONGHE,
    KUNMING,
    QUJING,
    YUXI,
    D,
    Scenario,
    UnitSpec,
    ev,
    standard_scenario,
)

# (in_scope, resolved, remaining, overdue, energy_in_scope, energy_resolved, pct_units,
#  pct_energy, triggered, reasons, xianzhi_overdue, released, surcharge_yuan)
EXPECTED = {
    # Before the 淘汰类 deadline. Y1 says 已关停 but its exit month (2021-12) ends after D.
    D(2021, 12, 15): {
        KUNMING: (3, 1, 2, 0, 6000, 1000, 33.3, 16.7, False, "", 0, 1000, 7_000_000),
        QUJING: (2, 0, 2, 0, 1100, 0, 0.0, 0.0, False, "", 0, 0, 700_000),
        HONGHE: (2, 0, 2, 0, 4800, 0, 0.0, 0.0, False, "", 0, 0, 1_500_000),
        YUXI: (1, 0, 1, 0, 900, 0, 0.0, 0.0, False, "", 0, 0, 300_000),
    },
    # Just after it: K2 late (淘汰类 triggers 昆明); H1 and Y1 exited in time.
    D(2022, 1, 15): {
        KUNMING: (3, 1, 2, 1, 6000, 1000, 33.3, 16.7, True, "淘汰类逾期1个", 0, 1000, 7_000_000),
        QUJING: (3, 0, 3, 0, 1800, 0, 0.0, 0.0, False, "", 0, 0, 700_000),  # Q3 from 01-10
        HONGHE: (2, 1, 1, 0, 4800, 4000, 50.0, 83.3, False, "", 0, 4000, 0),
        YUXI: (1, 1, 0, 0, 900, 900, 100.0, 100.0, False, "", 0, 900, 0),
    },
    # K2 removed 03-10 (no exit date: the event's date counts). Q2 past 02-28 with no
    # extension; Q1 extended to 05-31; Q3 has appeared.
    D(2022, 3, 15): {
        KUNMING: (3, 2, 1, 0, 6000, 3000, 66.7, 50.0, False, "", 0, 3000, 2_000_000),
        QUJING: (3, 0, 3, 1, 1800, 0, 0.0, 0.0, True, "能耗不达标逾期1个", 0, 0, 700_000),
        HONGHE: (2, 1, 1, 0, 4800, 4000, 50.0, 83.3, False, "", 0, 4000, 0),
        YUXI: (1, 1, 0, 0, 900, 900, 100.0, 100.0, False, "", 0, 900, 0),
    },
    # Q1's extension has run out; Q2 back in production (still late); Q3's deadline is D
    # itself (not late). H1 reopened on 04-01: late again and its quota no longer released.
    D(2022, 6, 30): {
        KUNMING: (3, 2, 1, 0, 6000, 3000, 66.7, 50.0, False, "", 0, 3000, 2_000_000),
        QUJING: (3, 0, 3, 2, 1800, 0, 0.0, 0.0, True, "能耗不达标逾期2个", 0, 0, 700_000),
        HONGHE: (
            2,
            0,
            2,
            2,
            4800,
            0,
            0.0,
            0.0,
            True,
            "淘汰类逾期1个、环保不达标逾期1个",
            0,
            0,
            1_500_000,
        ),
        YUXI: (1, 1, 0, 0, 900, 900, 100.0, 100.0, False, "", 0, 900, 0),
    },
    # Q1 rectified (resolved, releases nothing); Q3 closed (exit 08-20, releases 700).
    D(2023, 1, 1): {
        KUNMING: (3, 2, 1, 0, 6000, 3000, 66.7, 50.0, False, "", 0, 3000, 2_000_000),
        QUJING: (3, 2, 1, 1, 1800, 1200, 66.7, 66.7, True, "能耗不达标逾期1个", 0, 700, 400_000),
        HONGHE: (
            2,
            0,
            2,
            2,
            4800,
            0,
            0.0,
            0.0,
            True,
            "淘汰类逾期1个、环保不达标逾期1个",
            0,
            0,
            1_500_000,
        ),
        YUXI: (1, 1, 0, 0, 900, 900, 100.0, 100.0, False, "", 0, 900, 0),
    },
    # After the 限制类 deadline: K3 late (reported, not a trigger); K4 appeared in 2023.
    D(2026, 1, 15): {
        KUNMING: (4, 2, 2, 2, 6500, 3000, 50.0, 46.2, True, "淘汰类逾期1个", 1, 3000, 2_500_000),
        QUJING: (3, 2, 1, 1, 1800, 1200, 66.7, 66.7, True, "能耗不达标逾期1个", 0, 700, 400_000),
        HONGHE: (
            2,
            0,
            2,
            2,
            4800,
            0,
            0.0,
            0.0,
            True,
            "淘汰类逾期1个、环保不达标逾期1个",
            0,
            0,
            1_500_000,
        ),
        YUXI: (1, 1, 0, 0, 900, 900, 100.0, 100.0, False, "", 0, 900, 0),
    },
}

FIELDS = [
    "units_in_scope",
    "units_resolved",
    "units_remaining",
    "units_overdue",
    "energy_in_scope_tce",
    "energy_resolved_tce",
    "completion_units_pct",
    "completion_energy_pct",
    "freeze_triggered",
    "freeze_reasons",
    "xianzhi_overdue",
    "quota_released_tce",
    "surcharge_estimate_yuan",
]


@pytest.fixture
def scenario_engine(engine):
    standard_scenario(engine)
    return engine


def test_standing_on_each_date(scenario_engine):
    for on, expected in EXPECTED.items():
        frame = standing(scenario_engine, on)
        assert list(frame.columns) == COLUMNS
        assert len(frame) == 17  # 16 prefectures + the province
        rows = frame.set_index("adcode")
        for adcode, values in expected.items():
            got = tuple(rows.loc[adcode, FIELDS].tolist())
            assert got == values, (on, adcode)
        others = rows.drop(index=[*expected, 530000])
        assert len(others) == 12
        assert (others["units_in_scope"] == 0).all()
        assert others["completion_units_pct"].isna().all()
        assert not others["freeze_triggered"].any()


def test_province_total_row(scenario_engine):
    frame = standing(scenario_engine, D(2022, 6, 30))
    total = frame.iloc[-1]
    assert (total["adcode"], total["name"]) == (530000, "云南省")
    assert total[FIELDS[:8]].tolist() == [9, 3, 6, 4, 13500, 3900, 33.3, 28.9]
    assert total["freeze_triggered"]
    assert total["freeze_reasons"] == "2个州（市）触发：曲靖市、红河哈尼族彝族自治州"
    assert total["quota_released_tce"] == 3900
    assert total["surcharge_estimate_yuan"] == 4_200_000


def test_xianzhi_can_be_switched_on_as_trigger(scenario_engine):
    rows = standing(scenario_engine, D(2026, 1, 15), xianzhi_triggers=True).set_index("adcode")
    assert rows.loc[KUNMING, "freeze_reasons"] == "淘汰类逾期1个、限制类逾期1个"
    assert rows.loc[KUNMING, "xianzhi_overdue"] == 1


def test_filters_narrow_counts_but_not_freeze_or_quota(scenario_engine):
    on = D(2022, 6, 30)
    rows = standing(scenario_engine, on, sector="钢铁").set_index("adcode")
    # 昆明 K1-K3 and 红河 H1 (铁合金) are 钢铁; 曲靖 has none but stays triggered.
    assert rows.loc[KUNMING, FIELDS[:4]].tolist() == [3, 2, 1, 0]
    assert rows.loc[HONGHE, FIELDS[:4]].tolist() == [1, 0, 1, 1]
    assert rows.loc[QUJING, FIELDS[:4]].tolist() == [0, 0, 0, 0]
    assert rows.loc[QUJING, "freeze_triggered"]
    assert rows.loc[YUXI, "quota_released_tce"] == 900

    by_cat = standing(scenario_engine, on, category=["能耗不达标", "环保不达标"])
    by_cat = by_cat.set_index("adcode")
    assert by_cat.loc[530000, FIELDS[:4]].tolist() == [3, 0, 3, 3]

    by_status = standing(scenario_engine, on, status="在产").set_index("adcode")
    # 在产 on 06-30: K3, Q2 (reversal), H1 (reopened).
    assert by_status.loc[530000, "units_in_scope"] == 3

    by_sub = standing(scenario_engine, on, sub_industry="水泥熟料").set_index("adcode")
    assert by_sub.loc[QUJING, "surcharge_estimate_yuan"] == 700_000
    assert by_sub.loc[530000, "units_in_scope"] == 2


def test_before_any_event_nothing_exists(scenario_engine):
    frame = standing(scenario_engine, D(2019, 12, 31))
    assert frame["units_in_scope"].sum() == 0
    assert frame["quota_balance_tce"].sum() == 0


def test_types_and_attrs(scenario_engine):
    frame = standing(scenario_engine, D(2022, 6, 30))
    counts = [c for c in COLUMNS if c.startswith("units_") or c == "xianzhi_overdue"]
    assert all(frame[c].dtype == "int64" for c in counts)
    assert frame["freeze_triggered"].dtype == bool
    assert frame["completion_units_pct"].dtype == "float64"
    assert frame.attrs["as_of"] == D(2022, 6, 30)
    assert set(frame.attrs["policy_versions"]) == {
        "deadlines.toml",
        "catalog.toml",
        "surcharges.toml",
        "freeze.toml",
    }


def test_filters_combined_and_lists(scenario_engine):
    on = D(2022, 6, 30)
    rows = standing(scenario_engine, on, sector="建材", category=["能耗不达标", "限制类"])
    rows = rows.set_index("adcode")
    # Q1 and Q2 (水泥熟料, 能耗不达标); K3 is 限制类 but 钢铁.
    assert rows.loc[QUJING, FIELDS[:6]].tolist() == [2, 0, 2, 2, 1100, 0]
    assert rows.loc[QUJING, "surcharge_estimate_yuan"] == 700_000
    assert rows.loc[KUNMING, FIELDS[:4]].tolist() == [0, 0, 0, 0]
    assert rows.loc[KUNMING, "xianzhi_overdue"] == 0
    assert rows.loc[530000, FIELDS[:4]].tolist() == [2, 0, 2, 2]
    # The freeze and the quota stay those of the whole prefecture.
    assert rows.loc[HONGHE, "freeze_reasons"] == "淘汰类逾期1个、环保不达标逾期1个"
    assert rows.loc[KUNMING, "quota_released_tce"] == 3000

    subs = standing(scenario_engine, on, sub_industry=["电石", "锌冶炼"]).set_index("adcode")
    # Q3 (电石), H2 (锌冶炼), Y1 (电石).
    assert subs.loc[530000, FIELDS[:6]].tolist() == [3, 1, 2, 1, 2400, 900]


def test_min_overdue_units_from_the_rule_data(scenario_engine, tmp_path):
    shutil.copytree(POLICY_DIR, tmp_path / "policy")
    freeze = tmp_path / "policy" / "freeze.toml"
    freeze.write_text(
        freeze.read_text(encoding="utf-8").replace(
            "min_overdue_units = 1", "min_overdue_units = 2"
        ),
        encoding="utf-8",
    )
    policy = load_policy(tmp_path / "policy")

    def freeze_of(on, **kw):
        rows = standing(scenario_engine, on, policy=policy, **kw).set_index("adcode")
        return {a: tuple(r) for a, r in rows[["freeze_triggered", "freeze_reasons"]].iterrows()}

    early = freeze_of(D(2022, 3, 15))  # 曲靖 has one overdue unit: below the threshold
    assert early[QUJING] == (False, "")
    assert early[530000] == (False, "")
    mid = freeze_of(D(2022, 6, 30))
    assert mid[QUJING] == (True, "能耗不达标逾期2个")
    assert mid[HONGHE] == (True, "淘汰类逾期1个、环保不达标逾期1个")
    assert mid[530000] == (True, "2个州（市）触发：曲靖市、红河哈尼族彝族自治州")
    # 昆明 in 2026: K4 (淘汰类, registered in 2023) and K3 (限制类) are overdue; only with the
    # switch do the two reach the threshold together.
    assert freeze_of(D(2026, 1, 15))[KUNMING] == (False, "")
    assert freeze_of(D(2026, 1, 15), xianzhi_triggers=True)[KUNMING] == (
        True,
        "淘汰类逾期1个、限制类逾期1个",
    )


def test_scope_restricts_rows_and_totals(scenario_engine):
    on = D(2022, 6, 30)
    frame = standing(scenario_engine, on, scope=EVERYTHING.narrow([HONGHE, KUNMING]))
    assert frame["adcode"].tolist() == [KUNMING, HONGHE, 530000]
    rows = frame.set_index("adcode")
    assert tuple(rows.loc[KUNMING, FIELDS].tolist()) == EXPECTED[on][KUNMING]
    assert tuple(rows.loc[HONGHE, FIELDS].tolist()) == EXPECTED[on][HONGHE]
    total = rows.loc[530000]
    assert total[FIELDS[:8]].tolist() == [5, 2, 3, 2, 10800, 3000, 40.0, 27.8]
    assert total["freeze_reasons"] == "1个州（市）触发：红河哈尼族彝族自治州"
    assert total[["quota_released_tce", "surcharge_estimate_yuan"]].tolist() == [3000, 3_500_000]
    single = standing(scenario_engine, on, scope=EVERYTHING.narrow(QUJING))
    assert single["adcode"].tolist() == [QUJING, 530000]
    assert single.iloc[1]["freeze_reasons"] == "1个州（市）触发：曲靖市"


def test_dashboard_cache_by_date_scope_and_version(scenario_engine):
    cache = StandingCache(scenario_engine)
    on = D(2022, 6, 30)
    summary = cache.summary(on, EVERYTHING)
    assert cache.summary(on, EVERYTHING) is summary  # cached
    scoped = cache.summary(on, EVERYTHING.narrow([YUXI, QUJING]))
    assert scoped is not summary  # a scope is its own entry …
    assert cache.summary(on, EVERYTHING.narrow([QUJING, YUXI])) is scoped  # … whatever the order
    assert set(scoped["prefecture_adcode"]) == {QUJING, YUXI}  # restricted in the query
    assert set(summary["prefecture_adcode"]) == {KUNMING, QUJING, HONGHE, YUXI}

    table = cache.table(on, EVERYTHING.narrow([QUJING, YUXI]), category="能耗不达标").to_dicts()
    assert [r["adcode"] for r in table] == [QUJING, YUXI, 530000]
    assert [r["units_in_scope"] for r in table] == [2, 0, 2]
    assert [r["freeze_triggered"] for r in table] == [True, False, True]
    # The switch is part of the key: both answers are kept, neither overwrites the other.
    day = D(2026, 1, 15)
    plain = cache.table(day, EVERYTHING).to_pandas().set_index("adcode")
    both = cache.table(day, EVERYTHING, xianzhi_triggers=True).to_pandas().set_index("adcode")
    assert plain.loc[KUNMING, "freeze_reasons"] == "淘汰类逾期1个"
    assert both.loc[KUNMING, "freeze_reasons"] == "淘汰类逾期1个、限制类逾期1个"
    # The dashboard's two extra columns.
    row = plain.loc[KUNMING]
    assert row["energy_remaining_tce"] == 3500 and not row["freeze_decided"]

    # A new register changes the data version: read again, with the new unit.
    Scenario(scenario_engine).add(
        UnitSpec("Y2", YUXI, "淘汰类", [ev(D(2020, 1, 1), "在产")], energy_tce=100)
    )
    assert cache.summary(on, EVERYTHING) is not summary
    after = cache.table(on, EVERYTHING).to_pandas().set_index("adcode")
    assert after.loc[YUXI, FIELDS[:4]].tolist() == [2, 1, 1, 1]
    assert after.loc[YUXI, "freeze_reasons"] == "淘汰类逾期1个"
