"""Chinese number formatting and URL state parsing (no database)."""

import datetime as dt

from app import format as fmt
from app.i18n import STRINGS, t, v
from app.state import ViewState, parse, to_search


def test_numbers_chinese():
    assert fmt.number(1234) == "1,234"
    assert fmt.number(56_000) == "5.6万"
    assert fmt.number(5_936_725) == "593.7万"
    assert fmt.number(136_937_330) == "1.37亿"
    assert fmt.tce(5_936_725) == "593.7万吨标准煤"
    assert fmt.yuan(136_937_330) == "1.37亿元"
    assert fmt.units(42) == "42台（套）"
    assert fmt.pct(91.94) == "91.9%"
    assert fmt.number(None) == "—"


def test_numbers_english():
    assert fmt.tce(5_936_725, "en") == "5.94 million tce"
    assert fmt.units(42, "en") == "42 units"
    assert fmt.date(dt.date(2021, 12, 31)) == "2021年12月31日"
    assert fmt.date(dt.date(2021, 12, 31), "en") == "2021-12-31"


def test_every_string_has_both_languages():
    for key, (zh, en) in STRINGS.items():
        assert zh and en, key
    assert t("nav.overview", "en") == "Overview"
    assert v("淘汰类", "en").startswith("Eliminate")
    assert v("未知值", "en") == "未知值"


def test_state_round_trip():
    s = ViewState(
        measure="units_overdue",
        sector=("钢铁",),
        cat=("淘汰类", "限制类"),
        on=dt.date(2021, 12, 31),
        known=dt.date(2021, 12, 31),
        units=True,
        lang="en",
    )
    assert parse(to_search(s)) == s
    assert "known=2021-12-31" in to_search(s)
    assert to_search(ViewState()) == ""


def test_bad_parameters_are_dropped_and_reported():
    s = parse("?measure=drop%20table&sector=钢铁,<script>&on=2021-13-45&lang=fr&units=x")
    assert s.measure == ViewState().measure
    assert s.sector == ("钢铁",)
    assert s.on is None and s.lang == "zh"
    names = {n for n, _ in s.errors}
    assert names == {"measure", "sector", "on", "lang", "units"}


def test_future_date_rejected():
    s = parse("?on=2030-01-01", today=dt.date(2026, 6, 30))
    assert s.on is None and s.errors == (("on", "2030-01-01"),)
    s = parse("?known=2030-01-01&on=2022-06-30", today=dt.date(2026, 6, 30))
    assert (s.on, s.known, s.errors) == (dt.date(2022, 6, 30), None, (("known", "2030-01-01"),))
