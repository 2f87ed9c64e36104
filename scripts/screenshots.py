"""Screenshot every page at 1920×1080 in headless Chromium.

    .venv/bin/python scripts/screenshots.py --out DIR [--database-url URL]

Uses the configured database (DATABASE_URL or the project-local cluster); run `exitmap demo`
first for the demo data.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import quote

from app.browser import browser, new_page, serve, wait_idle, wait_map
from app.main import create_app
from exitmap.scope import EVERYTHING
from exitmap.vocabulary import PROVINCE_ADCODE
from layers.map import MapData


def pages(app) -> list[tuple[str, str, bool]]:
    """(file name, path, has a province map) for each page; picks a real prefecture and unit."""
    ctx = app.ctx
    units = ctx.data.units(ctx.today(), EVERYTHING)
    table = ctx.data.table(ctx.today(), EVERYTHING)
    frozen = [
        r["adcode"]
        for r in table.to_dicts()
        if r["freeze_triggered"] and r["adcode"] != PROVINCE_ADCODE
    ]
    adcode = frozen[0] if frozen else 530100
    overdue = units.filter(units["overdue"])
    key = (overdue if overdue.height else units)["unit_key"][0] if units.height else "none"
    return [
        ("01-overview", "/", True),
        ("02-overview-energy-steel", "/?measure=energy_remaining&sector=钢铁", True),
        ("03-overview-2021", "/?on=2021-12-31&measure=units_overdue", True),
        ("04-prefecture", f"/prefecture/{adcode}", False),
        ("05-unit", f"/unit/{quote(key, safe='')}", False),
        ("06-quota", "/quota", False),
        ("07-freeze", "/freeze", False),
        ("08-data", "/data", False),
        ("09-about", "/about", False),
        ("10-overview-en", "/?lang=en", True),
        ("11-bad-adcode", "/prefecture/999999", False),
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--only", help="only pages whose file name contains this")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = create_app(args.database_url)
    assert isinstance(app.ctx.data, MapData)
    with serve(app) as base, browser() as b:
        page = new_page(b)
        for name, path, has_map in pages(app):
            if args.only and args.only not in name:
                continue
            page.goto(base + path)
            page.wait_for_selector("#page > div", timeout=20_000)
            if has_map:
                wait_map(page)
                page.wait_for_selector("#ranking", timeout=15_000)
            wait_idle(page)
            page.wait_for_timeout(600)
            target = args.out / f"{name}.png"
            page.screenshot(path=str(target))
            print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
