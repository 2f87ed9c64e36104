"""The meeting deck: slide count and titles, numbers equal to layers.standing on the date."""

from __future__ import annotations

import pandas as pd
import pytest
from pptx import Presentation
from pptx.util import Emu

from exports.charts import Renderer
from exports.deck import slide_count, write_deck
from exports.office import pct
from layers.standing import standing
from tests.helpers.demo import DECISION, DEMO_TODAY


def _named(slide, name):
    return next(s for s in slide.shapes if s.name == name).text_frame.text


def _title(slide):
    return slide.shapes.title.text_frame.text


@pytest.fixture(scope="module")
def deck(decided_demo_engine, tmp_path_factory):
    path = tmp_path_factory.mktemp("deck") / "deck.pptx"
    n = write_deck(decided_demo_engine, DEMO_TODAY, path)
    return n, Presentation(path), standing(decided_demo_engine, DEMO_TODAY)


def test_full_deck_has_a_slide_per_prefecture_in_order(deck):
    n, prs, table = deck
    prefs = table[table["adcode"] != 530000]
    assert n == len(prs.slides) == slide_count(16) == 21
    assert (prs.slide_width, prs.slide_height) == (Emu(12192000), Emu(6858000))
    titles = [_title(s) for s in prs.slides]
    assert titles[0].startswith("云南省淘汰落后")
    assert titles[1] == "全省产能退出进展"
    assert titles[2].startswith("各州（市）完成情况排名")
    assert [t.split("（")[0] for t in titles[3:19]] == list(prefs["name"])
    assert titles[19].startswith("区域限批")
    assert titles[20] == f"{DEMO_TODAY.year}年群众举报受理和办理情况"


def test_province_kpis_equal_standing(deck):
    _, prs, table = deck
    total = table.set_index("adcode").loc[530000]
    slide = prs.slides[1]
    assert _named(slide, "kpi_completion_units") == pct(total["completion_units_pct"])
    assert _named(slide, "kpi_completion_energy") == pct(total["completion_energy_pct"])
    assert _named(slide, "kpi_remaining") == str(total["units_remaining"])
    assert f"已逾期 {total['units_overdue']} 台" in _named(slide, "kpi_remaining_sub")
    assert _named(slide, "kpi_quota") == f"{total['quota_released_tce'] / 1e4:,.2f}"


def test_each_prefecture_slide_shows_its_standing(deck):
    _, prs, table = deck
    prefs = table[table["adcode"] != 530000]
    targeted = 0
    for slide, row in zip(list(prs.slides)[3:19], prefs.itertuples(), strict=True):
        assert _named(slide, "kpi_completion_units") == pct(row.completion_units_pct)
        assert _named(slide, "kpi_remaining") == f"{row.units_remaining} / {row.units_overdue}"
        if not pd.isna(row.target_completion_pct):  # the demo's year has targets (etl/demo)
            targeted += 1
            expected = f"{DEMO_TODAY.year}年度目标完成 {pct(row.target_completion_pct)}"
            assert _named(slide, "kpi_remaining_sub") == expected
        overdue = [s for s in slide.shapes if s.name == "table_overdue"]
        if row.units_overdue:
            assert len(overdue[0].table.rows) - 1 == min(row.units_overdue, 5)
        else:
            assert not overdue
        # A recorded decision puts the prefecture under 限批 even where the rule does not.
        frozen = row.freeze_triggered or row.adcode == DECISION[0]
        assert _named(slide, "kpi_freeze") == ("是" if frozen else "否")
    assert targeted > 0


def test_east_asian_font_is_set_on_text(deck):
    _, prs, _ = deck
    run = prs.slides[1].shapes.title.text_frame.paragraphs[0].runs[0]
    ea = run._r.rPr.find("{http://schemas.openxmlformats.org/drawingml/2006/main}ea")
    assert ea.get("typeface") == "微软雅黑"


def test_selected_prefectures_deck_is_deterministic(decided_demo_engine, tmp_path):
    with Renderer() as r:
        a = write_deck(decided_demo_engine, DEMO_TODAY, tmp_path / "a.pptx", [532500], renderer=r)
        write_deck(decided_demo_engine, DEMO_TODAY, tmp_path / "b.pptx", [532500], renderer=r)
    assert a == slide_count(1) == 6
    assert (tmp_path / "a.pptx").read_bytes() == (tmp_path / "b.pptx").read_bytes()
    with pytest.raises(ValueError, match="未知"):
        write_deck(decided_demo_engine, DEMO_TODAY, tmp_path / "c.pptx", [123456])


def test_a_database_without_units_gives_a_deck_of_zeros(engine, tmp_path):
    # Before any register is loaded (a new installation): the deck says so, it does not fail.
    n = write_deck(engine, DEMO_TODAY, tmp_path / "empty.pptx", [532500])
    prs = Presentation(tmp_path / "empty.pptx")
    assert n == len(prs.slides) == slide_count(1)
    province = prs.slides[1]
    assert "已完成 0 / 纳入范围 0 台（套）" in [
        s.text_frame.text for s in province.shapes if s.has_text_frame
    ]
