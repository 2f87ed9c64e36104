"""The access scope: who sees which prefectures, and the SQL and cache keys it gives."""

from __future__ import annotations

import pytest

from exitmap.scope import Scope


def test_everything_sees_all_and_adds_no_sql():
    s = Scope.everything()
    assert s.all_prefectures and s.sees(530100) and s.sees(533400)
    assert s.sql("ev.prefecture_adcode") == ("", {})
    assert s.narrow(None) is None
    assert s.narrow([530100]) == [530100]


def test_prefecture_scope_filters_and_narrows():
    s = Scope("prefecture", "km", frozenset({530100}))
    assert s.sees(530100) and not s.sees(530300)
    clause, params = s.sql("ev.prefecture_adcode")
    assert clause == " AND ev.prefecture_adcode = ANY(:scope_prefectures)"
    assert params == {"scope_prefectures": [530100]}
    assert s.narrow(None) == [530100]
    assert s.narrow([530300]) == []  # asking for another prefecture gives nothing
    assert s.narrow([530100, 530300]) == [530100]


def test_cache_keys_differ_between_scopes_and_agree_within_one():
    km = Scope("prefecture", "a", frozenset({530100}))
    km2 = Scope("prefecture", "b", frozenset({530100}))
    qj = Scope("prefecture", "c", frozenset({530300}))
    assert km.key() == km2.key() != qj.key() != Scope("leader").key()
    assert Scope("leader").key() == Scope("province").key() == Scope.everything().key()


def test_invalid_scopes_are_refused():
    with pytest.raises(ValueError):
        Scope("admin")
    with pytest.raises(ValueError):
        Scope("prefecture", "x")
