"""Screenshot every page at 1920×1080 in headless Chromium.

    .venv/bin/python scripts/screenshots.py --out DIR [--database-url URL] [--role prefecture]

Uses the configured database (DATABASE_URL or the project-local cluster); run `exitmap demo`
first for the demo data. Signs in through the login page as ``screenshot_<role>`` (made, or
given a fresh random password, for the run; a prefecture account is 昆明市's), so the pages are
what that role sees.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path
from urllib.parse import quote

from access import users
from app.browser import browser, new_page, serve, sign_in, wait_idle, wait_map
from app.main import create_app
from exitmap.db import database_url, engine, scoped
from exitmap.scope import EVERYTHING, ROLES
from exitmap.vocabulary import PROVINCE_ADCODE
from layers.map import MapData


def pages(app) -> list[tuple[str, str, bool]]:
    """(file name, path, has a province map) for each page; picks a real prefecture and unit."""
    ctx = app.ctx
    with scoped(EVERYTHING):
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
    parser.add_argument("--role", default="province", choices=ROLES)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    owner = engine(args.database_url or database_url())
    username, password = f"screenshot_{args.role}", secrets.token_urlsafe(16)
    if users.get(owner, username) is None:
        extra = {"prefecture": 530100} if args.role == "prefecture" else {}
        if args.role == "department":
            extra = {"department": "省生态环境厅"}
        users.add(owner, username, args.role, password=password, **extra)
    else:
        users.set_password(owner, username, password)
    app = create_app(engine=owner)
    assert isinstance(app.ctx.data, MapData)
    with serve(app) as base, browser() as b:
        page = new_page(b)
        sign_in(page, base, username, password)
        for name, path, has_map in pages(app):
            if args.only and args.only not in name:
                continue
            page.goto(base + path)
            page.wait_for_selector("#page > div, #forbidden-page", timeout=20_000)
            if has_map and page.locator("#forbidden-page").count() == 0:
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
