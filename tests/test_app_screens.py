"""Every page at every screen size the users hold, in Chinese and English: no sideways scroll,
no KPI value or navigation label cut, the map fitted inside its frame, the menu on narrow
screens, touch targets on phones (headless Chromium on the demo)."""

from __future__ import annotations

import re
import subprocess

import pytest

from app.browser import new_page
from layers.standing import standing
from tests.helpers.accounts import browser_state
from tests.helpers.browser import CPU_SLOWDOWN
from tests.helpers.demo import DEMO_TODAY
from tests.helpers.screens import (
    NARROW,
    SIZES,
    cut_labels,
    map_misfit,
    sideways,
    small_targets,
)
from tests.helpers.views import MAP_SHAPES, open_view, pages, with_lang


def viewport(size: tuple[int, int]) -> dict:
    return {"width": size[0], "height": size[1]}


@pytest.fixture
def screen(chromium, dashboard, request):
    size = request.param
    page = new_page(
        chromium,
        cpu_slowdown=CPU_SLOWDOWN,
        viewport=viewport(size),
        storage_state=browser_state(dashboard[0], "province"),
    )
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield size, page
    page.context.close()
    assert not errors, errors


def problems(page, kind: str, width: int) -> list[str]:
    """What is wrong with the page as drawn on a screen ``width`` px wide."""
    found = []
    if (extra := sideways(page)) > 0:
        found.append(f"{extra} px sideways scroll")
    found += cut_labels(page)
    if kind in MAP_SHAPES:
        found += [f"map: {p}" for p in map_misfit(page, *MAP_SHAPES[kind])]
    if width < NARROW:
        # The navigation is one tap away, whole, and the open menu widens nothing.
        if page.is_visible("#nav"):
            found.append("navigation shown on a narrow screen")
        page.click("#menu-toggle")
        if not page.is_visible("#nav-about"):
            found.append("menu does not open")
        found += [f"open menu: {p}" for p in cut_labels(page)]
        if sideways(page) > 0:
            found.append("open menu scrolls sideways")
    elif page.is_visible("#menu-toggle") or not page.is_visible("#nav-about"):
        found.append("navigation folded on a wide screen")
    if width <= 400:
        found += [f"small target: {p}" for p in small_targets(page)]
    return found


@pytest.mark.parametrize("screen", SIZES, indirect=True, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_fits_the_screen(dashboard, screen, lang):
    """Each page in turn, in one browser context (each page's problems named together)."""
    base, app = dashboard
    (width, _), page = screen
    found = {}
    for kind, path in pages(app).items():
        open_view(page, base, kind, with_lang(path, lang))
        if wrong := problems(page, kind, width):
            found[kind] = wrong
    assert found == {}


@pytest.mark.parametrize("screen", [(390, 844)], indirect=True, ids=["390x844"])
def test_phone_overview_order_and_folded_filters(dashboard, screen):
    """On a phone: headline KPIs, then the map, the ranking, the charts; the filter bar folded
    behind a button that opens it (and says so)."""
    base, _ = dashboard
    _, page = screen
    open_view(page, base, "overview", "/")
    tops = page.evaluate("""() => ['#ov-kpis', '#ov-map', '#ov-ranking', '#ov-sub']
        .map(s => document.querySelector(s).getBoundingClientRect().top)""")
    assert tops == sorted(tops)
    toggle = page.locator("#f-filters-toggle")
    assert not page.is_visible("#filters")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert page.is_visible("#f-measure")
    assert toggle.get_attribute("aria-expanded") == "true"
    # Two KPI cards a row.
    lefts = page.evaluate("""() => [...document.querySelectorAll('#ov-kpis .kpi')]
        .map(e => Math.round(e.getBoundingClientRect().left))""")
    assert len(set(lefts)) == 2


@pytest.mark.parametrize("screen", [(390, 844)], indirect=True, ids=["390x844"])
def test_tables_scroll_in_their_own_frame(dashboard, screen):
    """A table wider than a phone scrolls inside its frame; the page itself does not."""
    base, _ = dashboard
    _, page = screen
    open_view(page, base, "freeze", "/freeze")
    frame = page.locator(".table-frame:has(#freeze-table)")
    wide = frame.evaluate("e => [e.scrollWidth, e.clientWidth, getComputedStyle(e).overflowX]")
    assert wide[0] > wide[1] and wide[2] == "auto"
    assert sideways(page) <= 0


@pytest.mark.parametrize("screen", [(1920, 1080)], indirect=True, ids=["1920x1080"])
def test_print_is_a_clean_a4_landscape_page(dashboard, screen, tmp_path, demo_engine):
    """Ctrl+P on 总览: A4 landscape; the first page holds the title, date, marking, the map
    fitted to its paper frame, the KPIs and the whole ranking; no menus or buttons."""
    base, _ = dashboard
    _, page = screen
    open_view(page, base, "overview", "/")
    pdf = tmp_path / "总览.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+841\.\d+ x 59[45]\.\d+ pts \(A4\)", info), info
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) <= 2
    first = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for text in ("产能退出一张图", "数据截至", "内部资料", "州（市）排名", "云南省"):
        assert text in first
    names = standing(demo_engine, DEMO_TODAY)["name"]
    assert [n for n in names if n not in first] == []
    for furniture in ("导出简报图", "下载 PNG", "English", "菜单", "跳到", "点击地图"):
        assert furniture not in first
    # On paper the map takes its paper size and is fitted to it (assets/map.js, beforeprint).
    page.emulate_media(media="print")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    assert map_misfit(page, *MAP_SHAPES["overview"]) == []
    width = page.evaluate("() => document.querySelector('#ov-map').getBoundingClientRect().width")
    assert width == pytest.approx(130 * 96 / 25.4, abs=1)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_login_page_and_the_offices_pages_fit_the_screen(chromium, dashboard, size, lang):
    """The sign-in page (before any session) and the office's 用户管理 and 审计 pages (报送,
    审核 and 决定 are among every page's): no sideways scroll, nothing cut, 44 px targets on
    phones; the admin pages' tables scroll in their own frame."""
    base, _ = dashboard
    width = size[0]
    anonymous = new_page(chromium, cpu_slowdown=CPU_SLOWDOWN, viewport=viewport(size))
    try:
        anonymous.goto(base + with_lang("/login", lang))
        anonymous.wait_for_selector("#login-submit")
        found = {}
        wrong = [f"{extra} px sideways scroll"] if (extra := sideways(anonymous)) > 0 else []
        if width <= 400:
            wrong += [f"small target: {p}" for p in small_targets(anonymous)]
        if wrong:
            found["login"] = wrong
    finally:
        anonymous.context.close()
    office = new_page(
        chromium,
        cpu_slowdown=CPU_SLOWDOWN,
        viewport=viewport(size),
        storage_state=browser_state(base, "province"),
    )
    try:
        for path, table in (
            ("/admin/users", "#users-table"),
            ("/admin/audit", "#audit-table"),
        ):
            office.goto(base + with_lang(path, lang))
            office.wait_for_selector(table, state="attached", timeout=30_000)
            if wrong := problems(office, "admin", width):
                found[path] = wrong
    finally:
        office.context.close()
    assert found == {}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_public_report_pages_fit_the_screen(chromium, dashboard, size):
    """The public's 举报 form and a report's state page (no session, Chinese only): no sideways
    scroll, the map inside its frame, 44 px targets on phones."""
    base, _ = dashboard
    page = new_page(chromium, cpu_slowdown=CPU_SLOWDOWN, viewport=viewport(size))
    found = {}
    try:
        for path, ready in (("/report", "#report-map path"), ("/report/JB00000000-XXXXXX", "h1")):
            page.goto(base + path)
            page.wait_for_selector(ready)
            wrong = [f"{extra} px sideways scroll"] if (extra := sideways(page)) > 0 else []
            if size[0] <= 400:
                wrong += [f"small target: {p}" for p in small_targets(page)]
            if path == "/report":
                wrong += [f"map: {p}" for p in map_misfit(page, ".map-frame", "#report-map path")]
            if wrong:
                found[path] = wrong
    finally:
        page.context.close()
    assert found == {}
