"""Charts and maps for slides: palette classes, map furniture, one warm renderer."""

from __future__ import annotations

import io

import pandas as pd
from PIL import Image

from exports import charts, maps
from layers.map import NO_DATA, PALETTE_GOOD


def _standing(pcts: dict[int, float | None], frozen=()) -> pd.DataFrame:
    rows = [
        {
            "adcode": a,
            "name": f"州{a}",
            "completion_units_pct": p,
            "units_resolved": 1,
            "units_in_scope": 2,
            "freeze_triggered": a in frozen,
        }
        for a, p in pcts.items()
    ]
    return pd.DataFrame(rows)


ADCODES = [530100, 530300, 530400, 530500, 530600, 530700, 530800, 530900, 532300, 532500,
           532600, 532800, 532900, 533100, 533300, 533400]  # fmt: skip


def test_completion_classes_follow_the_dashboard_breaks():
    assert charts.pct_colour(None) == NO_DATA
    assert charts.pct_colour(10.0) == PALETTE_GOOD[0]
    assert charts.pct_colour(50.0) == PALETTE_GOOD[1]
    assert charts.pct_colour(94.9) == PALETTE_GOOD[3]
    assert charts.pct_colour(100.0) == PALETTE_GOOD[4]
    assert [c for _, c in charts.pct_legend()] == list(PALETTE_GOOD[::-1])


def test_province_map_has_source_scale_north_and_hatched_freeze():
    table = _standing({a: 90.0 for a in ADCODES}, frozen={530100})
    fig = maps.province(table, frozen={532500})
    texts = [a.text for a in fig.layout.annotations]
    assert maps.SOURCE in texts
    assert "<b>北</b>" in texts
    assert any("千米" in t for t in texts)
    assert any(t.startswith("<b>昆明</b>") for t in texts)
    # Hatch lines: one line trace per frozen prefecture (rule-triggered and decided alike).
    hatches = [t for t in fig.data if t.fill is None and t.mode == "lines"]
    assert len(hatches) == 2


def test_renderer_draws_slide_sized_pngs_and_reuses_its_browser():
    table = _standing({a: float(i * 6) for i, a in enumerate(ADCODES)}, frozen={530100})
    with charts.Renderer() as r:
        first = r.png(maps.province(table), 800, 600)
        with r:  # re-entrant: the inner block must not stop the outer block's server
            second = r.png(charts.ranking(table), 640, 560)
        third = r.png(charts.ranking(table), 640, 560)
    assert Image.open(io.BytesIO(first)).size == (1600, 1200)
    assert Image.open(io.BytesIO(second)).size == (1280, 1120)
    assert second == third  # deterministic bytes for the same figure
    assert len(r.timings) == 3
