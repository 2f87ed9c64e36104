"""Render the briefing-image sample set (导出简报图) from the configured database.

    .venv/bin/exitmap db up && .venv/bin/exitmap demo     # once, if the demo is not loaded
    .venv/bin/python scripts/briefing_images.py --out DIR [--on 2026-06-30] [--scale 2] [--pdf]

One Chromium and one in-process app server render every image (app/render.py): the overview,
the overview by remaining energy for 钢铁, a prefecture with 区域限批 triggered (the first one
frozen on the day), 能耗指标, 区域限批 and the overview in English — 1920×1080 at --scale
(3840×2160 at 2). --pdf also writes the overview as a one-page PDF.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.main import create_app
from app.render import Renderer
from exitmap.db import scoped
from exitmap.scope import EVERYTHING
from exitmap.vocabulary import PROVINCE_ADCODE


def views(app, on: dt.date | None) -> list[tuple[str, str]]:
    """(file stem, view) of the sample set; the prefecture is one frozen on the day."""
    ctx = app.ctx
    day = on or ctx.today()
    with scoped(EVERYTHING):  # the app's role sees nothing unscoped
        table = ctx.data.table(day, EVERYTHING)
    frozen = [
        r["adcode"]
        for r in table.to_dicts()
        if r["freeze_triggered"] and r["adcode"] != PROVINCE_ADCODE
    ]
    adcode = frozen[0] if frozen else 530100
    q = f"on={on.isoformat()}" if on else ""

    def v(path: str, *params: str) -> str:
        query = "&".join(p for p in (*params, q) if p)
        return path + ("?" + query if query else "")

    return [
        ("01-总览", v("/")),
        ("02-总览-剩余能耗-钢铁", v("/", "measure=energy_remaining", "sector=钢铁")),
        (f"03-州市-{adcode}", v(f"/prefecture/{adcode}")),
        ("04-能耗指标", v("/quota")),
        ("05-区域限批", v("/freeze")),
        ("06-overview-en", v("/", "lang=en")),
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--on", type=dt.date.fromisoformat, default=None, help="统计日期")
    ap.add_argument("--scale", type=float, default=2)
    ap.add_argument("--pdf", action="store_true", help="also the overview as PDF")
    ap.add_argument("--database-url")
    args = ap.parse_args(argv)
    app = create_app(args.database_url)
    if not app.ctx.status()["units"]:
        sys.exit("数据库中没有装备数据：请先运行 exitmap demo。")
    start = time.perf_counter()
    with Renderer(app) as r:
        for stem, view in views(app, args.on):
            shot = r.png(view, args.out / f"{stem}.png", scale=args.scale)
            print(f"{shot.path}  {shot.width}×{shot.height}  {shot.seconds:.2f} s  {view}")
        if args.pdf:
            shot = r.pdf(views(app, args.on)[0][1], args.out / "01-总览.pdf")
            print(f"{shot.path}  PDF {shot.width}×{shot.height} px  {shot.seconds:.2f} s")
        warm = r.timings[1:]
    print(
        f"{len(r.timings)} files in {time.perf_counter() - start:.1f} s; first {r.timings[0]:.2f} s"
        + (f", then median {statistics.median(warm):.2f} s" if warm else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
