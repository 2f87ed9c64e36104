"""Benchmark: the full meeting deck (all 16 prefectures) and per-image render time.

Uses the database of DATABASE_URL (or the project-local cluster) with the demo loaded
(`exitmap demo`). Prints, in the same run:
- the cold start of the renderer (headless Chromium via kaleido's sync server);
- per-image render time with a warm renderer (median and p95 over the deck's images);
- the baseline: one image with a fresh browser per image (what a deck without a long-lived
  renderer would pay), measured on three images;
- the whole deck end to end (reading layers, rendering, writing), against the 60 s target;
- briefing images (app/render.py, 导出简报图): 1920×1080 at scale 2 (3840×2160) of the sample
  views — Chromium start, first image, per image with a warm renderer (median, p95, max)
  against the 5 s target, and the baseline of a fresh Chromium per image.

    .venv/bin/python benchmarks/bench_exports.py [--as-of 2026-06-30] [--out /tmp/deck.pptx]
                                                 [--only deck|png] [--rounds 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import kaleido

from exitmap.clock import today
from exitmap.db import engine
from exports import charts, deck
from layers.standing import standing


def bench_png(rounds: int) -> None:
    from app.main import create_app
    from app.render import Renderer
    from scripts.briefing_images import views

    app = create_app()
    samples = [view for _, view in views(app, None)]
    out = Path(tempfile.mkdtemp())
    renderer = Renderer(app)
    start = time.perf_counter()
    renderer.start()
    started = time.perf_counter() - start
    with renderer:
        for i in range(rounds):
            for j, view in enumerate(samples):
                shot = renderer.png(view, out / f"{i}-{j}.png", scale=2)
                assert (shot.width, shot.height) == (3840, 2160)
    first, warm = renderer.timings[0], sorted(renderer.timings[1:])
    p95 = warm[int(0.95 * (len(warm) - 1))]
    base = []
    for view in samples[:2]:
        t0 = time.perf_counter()
        with Renderer(app) as fresh:
            fresh.png(view, out / "fresh.png", scale=2)
        base.append(time.perf_counter() - t0)
    median = statistics.median(warm)
    print(f"briefing PNG 1920×1080 ×2 → 3840×2160, {len(renderer.timings)} images of "
          f"{len(samples)} views → {out}")  # fmt: skip
    print(f"renderer start (Chromium):          {started:6.2f} s")
    print(f"first image (app server + page JS): {first:6.2f} s")
    verdict = "met" if warm[-1] <= 5 else "NOT met"
    print(f"per image, warm renderer:  median   {median:6.2f} s, p95 {p95:.2f} s, "
          f"max {warm[-1]:.2f} s (target ≤ 5 s: {verdict})")  # fmt: skip
    print(f"per image, browser per image (base) {statistics.median(base):6.2f} s "
          f"(×{statistics.median(base) / median:.1f} the warm median)")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--only", choices=("deck", "png"), default=None)
    ap.add_argument("--rounds", type=int, default=2, help="rounds over the briefing views")
    args = ap.parse_args()
    if args.only != "deck":
        bench_png(args.rounds)
    if args.only == "png":
        return
    on = args.as_of or today()
    eng = engine()
    out = args.out or Path(tempfile.mkdtemp()) / "deck.pptx"

    fig = charts.ranking(standing(eng, on))
    start = time.perf_counter()
    cold = [kaleido.calc_fig_sync(fig, opts={"format": "png", "width": 640, "height": 560})
            for _ in range(3)]  # fmt: skip
    per_browser = (time.perf_counter() - start) / len(cold)

    renderer = charts.Renderer()
    start = time.perf_counter()
    with renderer:
        started = time.perf_counter() - start
        t0 = time.perf_counter()
        n = deck.write_deck(eng, on, out, renderer=renderer)
        total = time.perf_counter() - t0
    warm = sorted(renderer.timings[1:])  # the first image also loads plotly.js into the page
    p95 = warm[int(0.95 * (len(warm) - 1))]
    print(f"deck: {n} slides, {len(renderer.timings)} images, as of {on} → {out}")
    print(f"renderer start (Chromium):          {started:6.2f} s")
    print(f"first image (Chromium + plotly.js):{renderer.timings[0]:6.2f} s")
    print(f"per image, warm renderer:  median   {statistics.median(warm):6.2f} s, p95 {p95:.2f} s")
    print(f"per image, browser per image (base) {per_browser:6.2f} s "
          f"(×{per_browser / statistics.median(warm):.1f} the warm median)")  # fmt: skip
    print(f"full deck end to end:               {total + started:6.2f} s (target ≤ 60 s)")


if __name__ == "__main__":
    main()
