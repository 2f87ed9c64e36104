"""Calendar arithmetic for deadlines, including agreement with PostgreSQL's date + interval."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exitmap.policy.dates import add_months, as_deadline, end_of_month

D = dt.date
dates = st.dates(min_value=D(1990, 1, 1), max_value=D(2090, 12, 31))
months = st.integers(min_value=-120, max_value=120)


def test_known_values():
    assert add_months(D(2021, 8, 31), 6) == D(2022, 2, 28)
    assert add_months(D(2023, 8, 31), 6) == D(2024, 2, 29)  # leap year
    assert add_months(D(2021, 8, 31), 9) == D(2022, 5, 31)
    assert add_months(D(2022, 1, 31), 1) == D(2022, 2, 28)
    assert add_months(D(2021, 12, 15), -12) == D(2020, 12, 15)
    assert end_of_month(D(2022, 3, 1)) == D(2022, 3, 31)
    assert end_of_month(D(2024, 2, 10)) == D(2024, 2, 29)
    assert as_deadline(D(2021, 12, 1), "month") == D(2021, 12, 31)
    assert as_deadline(D(2021, 12, 1), "day") == D(2021, 12, 1)
    assert as_deadline(None, "month") is None


@given(dates, months)
def test_month_index_moves_exactly(d, n):
    r = add_months(d, n)
    assert (r.year * 12 + r.month) - (d.year * 12 + d.month) == n


@given(dates, months)
def test_day_kept_or_clamped_to_month_end(d, n):
    r = add_months(d, n)
    assert r.day == d.day or (r.day < d.day and r == end_of_month(r))


@given(dates, st.integers(min_value=0, max_value=120))
def test_monotonic_in_the_date(d, n):
    nxt = d + dt.timedelta(days=1)
    if nxt <= D(2090, 12, 31):
        assert add_months(d, n) <= add_months(nxt, n)


@given(dates, months)
def test_end_of_month_is_idempotent_and_in_month(d, n):
    e = end_of_month(add_months(d, n))
    assert end_of_month(e) == e
    assert (e + dt.timedelta(days=1)).day == 1


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(dates, st.integers(0, 24)), min_size=1, max_size=40))
def test_python_agrees_with_postgresql(engine, pairs):
    # The SQL side computes deadlines with date + make_interval(months => n); both must agree.
    sql = sa.text(
        "SELECT (d + make_interval(months => n))::date,"
        " (date_trunc('month', d) + interval '1 month - 1 day')::date"
        " FROM unnest(CAST(:ds AS date[]), CAST(:ns AS integer[])) AS t(d, n)"
    )
    with engine.connect() as conn:
        got = conn.execute(sql, {"ds": [p[0] for p in pairs], "ns": [p[1] for p in pairs]}).all()
    assert [tuple(g) for g in got] == [(add_months(d, n), end_of_month(d)) for d, n in pairs]
