"""Render the briefing sample set from the demo data in the dev database.

    .venv/bin/exitmap db up && .venv/bin/exitmap demo     # once, if the demo is not loaded
    .venv/bin/python scripts/briefing_samples.py --out DIR [--as-of 2026-06-30]

Writes into DIR: deck.pptx (all prefectures), lists/ (the eight public lists), the annual report
of the year before the as-of date as .docx and .xlsx, and charts/ — the province map, the
ranking, the sub-industry chart and one prefecture map as 1920×1080-class PNGs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exitmap.clock import today
from exitmap.db import engine
from exports import charts, deck, lists, maps, report
from layers import disclosure
from layers.meta import data_status
from layers.standing import standing

# Standalone PNGs: 960×540 CSS pixels at scale 2 = 1920×1080, the projector's size.
SLIDE_PX = (960, 540)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    args = ap.parse_args()
    eng = engine()
    if not data_status(eng)["units"]:
        sys.exit("数据库中没有装备数据：请先运行 exitmap demo。")
    on = args.as_of or today()
    out: Path = args.out
    (out / "charts").mkdir(parents=True, exist_ok=True)
    with charts.Renderer() as r:
        n = deck.write_deck(eng, on, out / "deck.pptx", renderer=r)
        print(f"{out / 'deck.pptx'}（{n} 页）")
        table = standing(eng, on)
        units = disclosure.units(eng, on)
        figures = {
            "province_map.png": maps.province(table),
            "ranking.png": charts.ranking(table),
            "sub_industry.png": charts.sub_industry(units),
            "prefecture_530100.png": maps.prefecture(
                530100, units[units["prefecture_adcode"] == 530100]
            ),
        }
        for name, fig in figures.items():
            (out / "charts" / name).write_bytes(r.png(fig, *SLIDE_PX))
            print(out / "charts" / name)
    for path, rows in lists.write_lists(eng, on, out / "lists").items():
        print(f"{path}（{rows} 条）")
    for suffix in ("docx", "xlsx"):
        path = out / f"annual_report_{on.year - 1}.{suffix}"
        report.write_report(eng, on.year - 1, path, on=on)
        print(path)


if __name__ == "__main__":
    main()
