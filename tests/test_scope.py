"""The access scope: who sees which prefectures, and the SQL and cache keys it gives."""

from __future__ import annotations

import pytest

from exitmap.scope import PARAM, Scope, scope_sql


def test_everything_sees_all_and_binds_no_restriction():
    s = Scope.everything()
    assert s.all_prefectures and s.sees(530100) and s.sees(533400)
    assert s.params() == {PARAM: None} and s.setting() == "*"
    assert s.narrow(None) is s
    assert s.narrow([530100]).adcodes() == [530100]


def test_prefecture_scope_filters_and_narrows():
    s = Scope("prefecture", "km", frozenset({530100}))
    assert s.sees(530100) and not s.sees(530300)
    assert scope_sql("ev.prefecture_adcode") == (
        f"(CAST(:{PARAM} AS integer[]) IS NULL OR ev.prefecture_adcode = ANY(:{PARAM}))"
    )
    assert s.params() == {PARAM: [530100]} and s.setting() == "530100"
    assert s.narrow(None).adcodes() == [530100]
    assert s.narrow([530300]).adcodes() == []  # asking for another prefecture gives nothing
    assert s.narrow([530300]).setting() == ""  # … and the database shows it nothing either
    assert s.narrow([530100, 530300]).adcodes() == [530100]
    assert s.narrow(530100).key() == s.key()


def test_cache_keys_differ_between_scopes_and_agree_within_one():
    km = Scope("prefecture", "a", frozenset({530100}))
    km2 = Scope("prefecture", "b", frozenset({530100}))
    qj = Scope("prefecture", "c", frozenset({530300}))
    assert km.key() == km2.key() != qj.key() != Scope("leader").key()
    assert Scope("leader").key() == Scope("province").key() == Scope.everything().key()


def test_department_owns_only_its_categories():
    d = Scope(
        "department",
        "env",
        departments=frozenset({"省生态环境厅"}),
        categories=frozenset({"环保不达标"}),
    )
    assert d.all_prefectures and d.owns_category("环保不达标") and not d.owns_category("淘汰类")
    assert Scope("province").owns_category("淘汰类")


def test_invalid_scopes_are_refused():
    with pytest.raises(ValueError):
        Scope("admin")
    with pytest.raises(ValueError):
        Scope("prefecture", "x")
    with pytest.raises(ValueError):
        Scope("department", "x")
