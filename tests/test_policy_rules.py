"""The policy data files: loaded values, validation errors, catalog suggestions, surcharges."""

from __future__ import annotations

import shutil

import pytest

from exitmap.policy import PolicyError, default_policy, disagrees, load_policy, suggest
from exitmap.policy.rules import POLICY_DIR
from tests.helpers.policy_scenarios import D


def test_default_rules_hold_the_seed_numbers():
    p = default_policy()
    assert p.categories["淘汰类"].deadline == D(2021, 12, 31)
    assert p.categories["限制类"].deadline == D(2025, 12, 31)
    energy = p.categories["能耗不达标"]
    assert (energy.kind, energy.months, energy.extension_months) == ("identified_plus_months", 6, 3)
    assert p.categories["安全不达标"].must_suspend
    assert p.trigger_categories() == (
        "淘汰类",
        "能耗不达标",
        "环保不达标",
        "质量不达标",
        "安全不达标",
    )
    assert "限制类" in p.trigger_categories(xianzhi_triggers=True)
    assert all(r.source for r in p.categories.values())
    assert not any(r.verified for r in p.catalog_rules)  # none checked against the catalogs yet


def test_catalog_edition_in_force():
    p = default_policy()
    assert p.edition_on(D(2019, 12, 31)) is None
    assert p.edition_on(D(2024, 1, 31)).name == "2019"
    assert p.edition_on(D(2024, 2, 1)).name == "2024"


def test_surcharges_by_date_and_category():
    p = default_policy()
    rate = lambda on, sub, cat: p.surcharges_on(on).get((sub, cat))  # noqa: E731
    assert rate(D(2016, 12, 31), "炼钢", "淘汰类").yuan_per_kwh == 0.05
    assert rate(D(2017, 1, 1), "炼钢", "淘汰类").yuan_per_kwh == 0.50
    assert rate(D(2017, 1, 1), "炼铁", "限制类").yuan_per_kwh == 0.10
    assert rate(D(2017, 1, 1), "铁合金", "限制类").yuan_per_kwh == 0.02
    assert rate(D(2020, 1, 1), "水泥熟料", "淘汰类").yuan_per_kwh == 0.40
    assert rate(D(2020, 1, 1), "电解铝", "能耗不达标").yuan_per_kwh == 0.02
    assert rate(D(2020, 1, 1), "锌冶炼", "环保不达标") is None
    assert rate(D(2003, 1, 1), "炼钢", "淘汰类") is None


def _suggest(on, sub, equipment, spec=None, value=None, unit=None):
    return suggest(
        default_policy(),
        on,
        sub_industry=sub,
        equipment_name=equipment,
        spec=spec,
        spec_value=value,
        spec_unit=unit,
    )


@pytest.mark.parametrize(
    ("on", "sub", "equipment", "spec", "value", "unit", "expected"),
    [
        (D(2022, 1, 1), "炼铁", "高炉", None, 400, "m³", "淘汰类"),
        (D(2022, 1, 1), "炼铁", "高炉", None, 401, "立方米", "限制类"),
        (D(2022, 1, 1), "炼铁", "高炉", None, 1200, "m3", "目录外"),
        (D(2022, 1, 1), "炼铁", "1号高炉", "450m³", None, None, "限制类"),
        (D(2022, 1, 1), "炼钢", "转炉", "25t转炉", None, None, "淘汰类"),
        (D(2022, 1, 1), "铁合金", "矿热炉", None, 6300, "kVA", "目录外"),
        (D(2022, 1, 1), "铁合金", "矿热炉", None, 6299, "千伏安", "淘汰类"),
        (D(2022, 1, 1), "焦炭", "捣固焦炉", "4.0米", None, None, "目录外"),
        (D(2022, 1, 1), "焦炭", "顶装焦炉", "4.0米", None, None, "淘汰类"),
        (D(2022, 1, 1), "电石", "开放式电石炉", None, None, None, "淘汰类"),
        (D(2022, 1, 1), "水泥熟料", "机立窑", None, None, None, "淘汰类"),
        # 2,200 t/d: above the 2019 threshold (2,000), below the 2024 one (2,500).
        (D(2024, 1, 31), "水泥熟料", "熟料生产线", "2200t/d", None, None, "目录外"),
        (D(2024, 2, 1), "水泥熟料", "熟料生产线", "2200t/d", None, None, "淘汰类"),
        (D(2022, 1, 1), "炼铁", "高炉", None, None, None, None),  # no spec: cannot judge
        (D(2022, 1, 1), "平板玻璃", "浮法玻璃生产线", "600t/d", None, None, None),
    ],
)
def test_suggested_category(on, sub, equipment, spec, value, unit, expected):
    assert _suggest(on, sub, equipment, spec, value, unit).category == expected


def test_disagreement_rules():
    assert disagrees("限制类", "淘汰类")
    assert disagrees("淘汰类", "目录外")
    assert not disagrees("淘汰类", "淘汰类")
    assert not disagrees("淘汰类", None)
    assert disagrees(None, "限制类")
    assert disagrees("能耗不达标", "淘汰类")
    assert not disagrees("能耗不达标", "目录外")


@pytest.fixture
def policy_copy(tmp_path):
    shutil.copytree(POLICY_DIR, tmp_path / "policy")
    return tmp_path / "policy"


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "deadlines.toml",
            "deadline = 2021-12-31",
            'deadline = "明年"',
            "deadlines.toml 中的条目「淘汰类」无效：字段 deadline",
        ),
        ("deadlines.toml", 'name = "质量不达标"', 'name = "质量问题"', "退出类别「质量问题」不在"),
        (
            "deadlines.toml",
            "months = 6\n",
            "",
            "deadlines.toml 中的条目「能耗不达标」无效：缺少字段 months",
        ),
        (
            "surcharges.toml",
            "yuan_per_kwh = 0.50",
            "yuan_per_kwh = 50",
            "surcharges.toml 中的条目「steel-2017-taotai」无效：yuan_per_kwh=50.0 超出合理范围",
        ),
        (
            "surcharges.toml",
            'categories = ["限制类"]',
            'categories = ["限制"]',
            "条目「framework-2004-xianzhi」无效：字段 categories 中的「限制」不在可选值之内",
        ),
        (
            "catalog.toml",
            'spec_unit = "m³"',
            'spec_unit = "furlong"',
            "catalog.toml 中的条目「blast-furnace-taotai」无效：有数值门槛时 spec_unit",
        ),
        (
            "freeze.toml",
            "min_overdue_units = 1",
            "min_overdue_units = 0",
            "freeze.toml 中的条目「trigger」无效：min_overdue_units 至少为 1",
        ),
        (
            "catalog.toml",
            'source = "domain.md §3：高炉 ≤400 m³',
            'source = "" # ',
            "catalog.toml 中的条目「blast-furnace-taotai」无效：source 不能为空",
        ),
    ],
)
def test_invalid_entries_are_named(policy_copy, file, old, new, message):
    _edit(policy_copy / file, old, new)
    with pytest.raises(PolicyError) as info:
        load_policy(policy_copy)
    assert message in str(info.value)


def test_broken_toml_and_missing_file(policy_copy):
    (policy_copy / "freeze.toml").write_text("[trigger\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"freeze.toml 格式错误"):
        load_policy(policy_copy)
    (policy_copy / "freeze.toml").unlink()
    with pytest.raises(PolicyError, match=r"找不到政策数据文件"):
        load_policy(policy_copy)


# ---------------------------------------------------------------- 区域限批: the one rule


def test_freeze_verdict_counts_trigger_categories_in_policy_order():
    p = default_policy()
    # Given out of order, with a zero and a category that never triggers by default.
    v = p.freeze_verdict({"安全不达标": 1, "限制类": 4, "能耗不达标": 0, "淘汰类": 2})
    assert v.triggered
    assert v.overdue == (("淘汰类", 2), ("安全不达标", 1))
    assert v.units == 3
    assert v.categories == ("淘汰类", "安全不达标")
    assert v.reasons() == "淘汰类逾期2个、安全不达标逾期1个"
    assert v.reasons("en") == "淘汰类: 2 overdue; 安全不达标: 1 overdue"
    assert v.reasons("en", lambda c: f"<{c}>") == "<淘汰类>: 2 overdue; <安全不达标>: 1 overdue"


def test_freeze_verdict_without_overdue_units():
    p = default_policy()
    for overdue in ({}, {"淘汰类": 0, "环保不达标": 0}, {"限制类": 3}):
        v = p.freeze_verdict(overdue)
        assert (v.triggered, v.overdue, v.units, v.reasons()) == (False, (), 0, "")


def test_freeze_verdict_xianzhi_switch():
    p = default_policy()
    only_xianzhi = {"限制类": 1}
    assert not p.freeze_verdict(only_xianzhi).triggered
    v = p.freeze_verdict(only_xianzhi, xianzhi_triggers=True)
    assert (v.triggered, v.reasons()) == (True, "限制类逾期1个")
    # 限制类 takes its place in the policy's order (second), not the end of the trigger list.
    mixed = {"能耗不达标": 1, "限制类": 2, "淘汰类": 1}
    assert p.freeze_verdict(mixed).reasons() == "淘汰类逾期1个、能耗不达标逾期1个"
    assert p.freeze_verdict(mixed, xianzhi_triggers=True).reasons() == (
        "淘汰类逾期1个、限制类逾期2个、能耗不达标逾期1个"
    )


def test_freeze_verdict_follows_the_rule_data(policy_copy):
    _edit(policy_copy / "freeze.toml", "min_overdue_units = 1", "min_overdue_units = 3")
    _edit(
        policy_copy / "freeze.toml",
        'categories = ["淘汰类", "能耗不达标"',
        'categories = ["淘汰类", "限制类", "能耗不达标"',
    )
    p = load_policy(policy_copy)
    below = p.freeze_verdict({"淘汰类": 1, "限制类": 1, "质量不达标": 0})
    # Under the threshold: not triggered, though the counted categories are still named.
    assert (below.triggered, below.units) == (False, 2)
    assert below.reasons() == "淘汰类逾期1个、限制类逾期1个"
    at = p.freeze_verdict({"淘汰类": 1, "限制类": 1, "质量不达标": 1})
    assert (at.triggered, at.units) == (True, 3)
    assert at.reasons() == "淘汰类逾期1个、限制类逾期1个、质量不达标逾期1个"
    # The switch adds nothing when the data already lists 限制类.
    assert p.freeze_verdict({"限制类": 3}, xianzhi_triggers=True).units == 3
    assert p.freeze_verdict({"限制类": 3}).units == 3
