"""Every page of the dashboard on the demo, and how to tell when each has drawn what it shows."""

from __future__ import annotations

from urllib.parse import quote

import sqlalchemy as sa

from app.browser import wait_idle, wait_map
from exitmap.db import scoped
from exitmap.scope import EVERYTHING
from tests.helpers.demo import DEMO_TODAY

PREFECTURE = 530100
# The map of each page that has one: its frame and the shapes that must lie inside it, fitted
# (the province's 16 prefectures; a prefecture's own counties).
MAP_SHAPES = {
    "overview": ("#ov-map", "path[data-adcode]"),
    "quota": ("#qt-map", "path[data-adcode]"),
    "prefecture": ("#pf-map", f'path[data-county^="{str(PREFECTURE)[:4]}"]'),
}


def overdue_unit(app) -> str:
    with scoped(EVERYTHING):  # the app's own database role sees nothing unscoped
        units = app.ctx.data.units(DEMO_TODAY, EVERYTHING)
    return units.filter(units["overdue"])["unit_key"][0]


def submission(app, state: str) -> int:
    """The demo's submission in ``state`` (tests.helpers.demo.add_submissions)."""
    with scoped(EVERYTHING), app.ctx.engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT min(id) FROM submission WHERE state = :s"), {"s": state}
        ).scalar_one()


def pages(app) -> dict[str, str]:
    """Each page kind and a path that shows it on the demo."""
    return {
        "overview": "/",
        "prefecture": f"/prefecture/{PREFECTURE}",
        "unit": f"/unit/{quote(overdue_unit(app), safe='')}",
        "quota": "/quota",
        "freeze": "/freeze",
        "data": "/data",
        "reports": "/reports",
        "duties": "/duties",
        "about": "/about",
        "submit": "/submit",
        "submission": f"/submit/{submission(app, 'draft')}",
        "review": "/review",
        "review-detail": f"/review/{submission(app, 'submitted')}",
        "decisions": "/decisions",
    }


KINDS = (
    "overview",
    "prefecture",
    "unit",
    "quota",
    "freeze",
    "data",
    "reports",
    "duties",
    "about",
    "submit",
    "submission",
    "review",
    "review-detail",
    "decisions",
)
# What each page of 报送, 审核 and 决定 draws last.
DRAWN = {
    "submit": "#s-list",
    "submission": "#s-problems .ag-row",
    "review": "#r-status",
    "review-detail": "#r-map path.diff-added",
    "decisions": "#d-file",
}


def with_lang(path: str, lang: str) -> str:
    if lang == "zh":
        return path
    return path + ("&" if "?" in path else "?") + f"lang={lang}"


def open_view(page, base: str, kind: str, path: str, timeout: float = 30_000) -> None:
    """Go to ``path`` and wait until the page of ``kind`` has drawn everything it shows."""
    page.goto(base + path)
    page.wait_for_selector("#page > div", timeout=timeout)
    if kind in ("overview", "quota"):
        wait_map(page, timeout=timeout)
    if kind == "overview":
        page.wait_for_selector("#ranking", timeout=timeout)
    elif kind == "prefecture":
        page.wait_for_selector(MAP_SHAPES["prefecture"][1], timeout=timeout)
        # Attached: AG Grid keeps the rows of a grid below the fold hidden until scrolled to.
        page.wait_for_selector("#pf-units-table .ag-row", state="attached", timeout=timeout)
    elif kind == "unit":
        page.wait_for_selector("#un-map .unit-marker", timeout=timeout)
    elif kind == "data":
        page.wait_for_selector("#d-grid .ag-row", state="attached", timeout=timeout)
    elif kind in DRAWN:
        page.wait_for_selector(DRAWN[kind], state="attached", timeout=timeout)
    wait_idle(page, timeout=timeout)
