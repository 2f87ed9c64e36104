"""Screenshot every page in headless Chromium, at the screen sizes and in the languages asked.

    .venv/bin/python scripts/screenshots.py --out DIR [--database-url URL] [--role prefecture]
        [--sizes 390x844,768x1024,1024x768,1366x768,1920x1080,3840x2160] [--langs zh,en]
        [--zoom 2] [--full-page] [--present] [--only NAME]

One PNG per page, size and language: DIR/<size>-<lang>-<page>.png (--zoom 2 shows the browser
at 200 %: the size's CSS pixels halved, the image the same size). --present adds the
presentation's slides. Uses the configured database (DATABASE_URL or the project-local
cluster); run `exitmap demo` first for the demo data. Signs in through the login page as
``screenshot_<role>`` (made, or given a fresh random password, for the run; a prefecture account
is 昆明市's), so the pages are what that role sees; the office's also include 用户管理 and 审计.
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

SIZES = "390x844,768x1024,1024x768,1366x768,1920x1080,3840x2160"


def pages(app, role: str = "province") -> list[tuple[str, str, str]]:
    """(file name, path, what to wait for) for each page ``role`` has; picks a real prefecture
    and unit."""
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
        ("01-overview", "/", "ranking"),
        ("02-overview-energy-steel", "/?measure=energy_remaining&sector=钢铁", "ranking"),
        ("03-overview-2021", "/?on=2021-12-31&measure=units_overdue", "ranking"),
        ("03b-overview-2022-known-then", "/?on=2022-06-30&known=2022-06-30", "ranking"),
        ("03c-overview-targets", "/?measure=target_completion", "ranking"),
        ("04-prefecture", f"/prefecture/{adcode}", ""),
        ("05-unit", f"/unit/{quote(key, safe='')}", ""),
        ("06-quota", "/quota", "map"),
        ("07-freeze", "/freeze", ""),
        ("08-data", "/data", ""),
        ("09-about", "/about", ""),
        ("10-duties", "/duties", ""),
        ("11-bad-adcode", "/prefecture/999999", ""),
        *(
            [("13-admin-users", "/admin/users", ""), ("14-admin-audit", "/admin/audit", "")]
            if role == "province"
            else []
        ),
    ]


def in_lang(path: str, lang: str) -> str:
    return path if lang == "zh" else path + ("&" if "?" in path else "?") + "lang=" + lang


def size_of(text: str) -> tuple[int, int]:
    width, height = text.lower().split("x")
    return int(width), int(height)


def open_view(page, base: str, path: str, wait: str) -> None:
    """Go to ``path``; wait for the province map ("map"), and its ranking ("ranking") too."""
    page.goto(base + path)
    page.wait_for_selector("#page > div, #forbidden-page", timeout=30_000)
    if page.locator("#forbidden-page").count():
        wait = ""  # another prefecture's page: the 403 is the picture
    if wait:
        wait_map(page, timeout=30_000)
    if wait == "ranking":
        page.wait_for_selector("#ranking", timeout=30_000)
    wait_idle(page, timeout=30_000)
    page.wait_for_timeout(600)


def save(page, target: Path, full_page: bool = False) -> None:
    page.screenshot(path=str(target), full_page=full_page)
    print(target)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--sizes", default="1920x1080", help=f"e.g. {SIZES}")
    parser.add_argument("--langs", default="zh", help="zh, en or zh,en")
    parser.add_argument("--zoom", type=float, default=1, help="browser zoom (2: 200 %%)")
    parser.add_argument("--full-page", action="store_true", help="the whole page, not the screen")
    parser.add_argument("--present", action="store_true", help="also every presentation slide")
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
        for size in args.sizes.split(","):
            width, height = size_of(size)
            viewport = {"width": round(width / args.zoom), "height": round(height / args.zoom)}
            page = new_page(b, viewport=viewport, device_scale_factor=args.zoom)
            sign_in(page, base, username, password)
            tag = f"{width}x{height}" + (f"@{args.zoom:g}x" if args.zoom != 1 else "")
            for lang in args.langs.split(","):
                for name, path, wait in pages(app, args.role):
                    if args.only and args.only not in name:
                        continue
                    open_view(page, base, in_lang(path, lang), wait)
                    save(page, args.out / f"{tag}-{lang}-{name}.png", args.full_page)
                if args.present:
                    open_view(page, base, in_lang("/?present=1", lang), "map")
                    for i in range(1, page.locator(".slide").count() + 1):
                        save(page, args.out / f"{tag}-{lang}-12-present-{i:02d}.png")
                        page.keyboard.press("ArrowRight")
                        page.wait_for_timeout(300)
            page.context.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
