"""Accessibility (WCAG 2.1 AA, GB/T 37668-2019): axe-core on every page in both languages on a
desktop and a phone, the language of the document, a keyboard-only walk through the app, the
map's text version, and the browser zoomed to 200 %."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.browser import new_page, wait_idle, wait_map
from exitmap.db import scoped
from exitmap.scope import EVERYTHING
from tests.helpers.a11y import assert_accessible, axe_version
from tests.helpers.accounts import browser_state
from tests.helpers.browser import CPU_SLOWDOWN
from tests.helpers.screens import cut_labels, sideways
from tests.helpers.views import PREFECTURE, open_view, pages, with_lang


def open_page(chromium, base, width=1920, height=1080, scale=1, role="province", **options):
    """A page signed in as ``role`` (None: not signed in)."""
    if role is not None:
        options["storage_state"] = browser_state(base, role)
    page = new_page(
        chromium,
        cpu_slowdown=CPU_SLOWDOWN,
        viewport={"width": width, "height": height},
        device_scale_factor=scale,
        **options,
    )
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


@pytest.mark.parametrize("size", [(1920, 1080), (390, 844)], ids=["1920x1080", "390x844"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_axe_violations_on_any_page(dashboard, chromium, size, lang):
    base, app = dashboard
    page, errors = open_page(chromium, base, *size)
    for kind, path in pages(app).items():
        open_view(page, base, kind, with_lang(path, lang))
        assert_accessible(page, where=f"{kind} {lang} {size}")
        if size[0] < 900:
            # What folds away on a phone is checked open, too.
            if page.locator(".filters-toggle").count():
                page.click(".filters-toggle")
            page.click("#menu-toggle")  # last: the open menu lies over the page
            assert_accessible(page, where=f"{kind} {lang} {size}, menu and filters open")
    page.context.close()
    assert not errors, errors


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_login_page_and_the_offices_pages_are_accessible(
    dashboard, chromium, demo_engine, lang
):
    base, _ = dashboard
    page, errors = open_page(chromium, base, role=None)
    page.goto(base + with_lang("/login", lang))
    page.wait_for_selector("#login-submit")
    assert_accessible(page, where=f"login {lang}")
    page.fill("#username", "t_leader")
    page.fill("#password", "wrong")
    try:
        with page.expect_navigation():
            page.click("#login-submit")  # a refused sign-in: the page says why
        page.wait_for_selector("#login-submit")
        assert_accessible(page, where=f"login refused {lang}")
    finally:  # every test signs in from this one address: leave it unlocked
        with demo_engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM login_failure"))
    page.context.close()
    page, more = open_page(chromium, base)
    for path in ("/admin/users", "/admin/audit"):  # 报送, 审核, 决定: among every page's
        page.goto(base + with_lang(path, lang))
        page.wait_for_selector("#users-table, #audit-table")
        wait_idle(page)
        assert_accessible(page, where=f"{path} {lang}")
    page.context.close()
    assert not errors + more, errors + more


def test_axe_is_the_shipped_one(dashboard, chromium):
    """The rules come from the wheel's axe-core (no download), a 4.x that knows WCAG 2.1."""
    base, _ = dashboard
    page, _ = open_page(chromium, base)
    page.goto(base + "/about")
    assert re.fullmatch(r"4\.\d+\.\d+", axe_version(page))
    page.context.close()


@pytest.mark.parametrize(
    ("lang", "html_lang", "title"),
    [("zh", "zh-CN", "产能退出一张图 · 云南省"), ("en", "en", "Capacity Exit Map · Yunnan")],
)
def test_document_language_follows_the_view(dashboard, chromium, lang, html_lang, title):
    base, _ = dashboard
    page, _ = open_page(chromium, base)
    page.goto(base + with_lang("/freeze", lang))
    page.wait_for_selector("#freeze-table")
    assert page.evaluate("document.documentElement.lang") == html_lang
    assert page.title() == title
    page.context.close()


def tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until the focus is on ``selector``; fail if it never gets there."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached in {limit} presses of Tab")


FOCUS_RING = """() => {
  const s = getComputedStyle(document.activeElement);
  return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
}"""


def test_keyboard_only_walk(dashboard, chromium, tmp_path):
    """Overview → a prefecture (from the ranking, the map's keyboard way in) → one of its
    overdue units → back to the overview → 数据 → download the table, with keys alone, the
    focus visible at every stop."""
    base, _ = dashboard
    page, errors = open_page(chromium, base, accept_downloads=True)
    open_view(page, base, "overview", "/")
    # The map's skip link leads past the map's own tab stops to its text version.
    tab_to(page, ".map-card .skip-link")
    assert page.evaluate(FOCUS_RING)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "ov-ranking"
    tab_to(page, f'#ranking a[href^="/prefecture/{PREFECTURE}"]')
    assert page.evaluate(FOCUS_RING)
    page.keyboard.press("Enter")
    expect(page.locator("#prefecture-name")).to_have_text("昆明市")
    tab_to(page, "#pf-overdue a")
    assert page.evaluate(FOCUS_RING)
    unit = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.wait_for_selector("#unit-title")
    assert unit in page.inner_text("#unit-title")
    tab_to(page, '.page-title a[href="/"]')
    assert page.evaluate(FOCUS_RING)
    page.keyboard.press("Enter")
    wait_map(page)
    page.wait_for_selector("#ranking")
    wait_idle(page)
    tab_to(page, "#nav-data")
    assert page.evaluate(FOCUS_RING)
    page.keyboard.press("Enter")
    page.wait_for_selector("#d-grid .ag-row")
    wait_idle(page)
    shown = page.evaluate("() => dash_ag_grid.getApi('d-grid').getDisplayedRowCount()")
    tab_to(page, "#d-csv")
    assert page.evaluate(FOCUS_RING)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    csv = tmp_path / "units.csv"
    download.value.save_as(csv)
    assert len(csv.read_text(encoding="utf-8-sig").strip().splitlines()) == shown + 1
    page.context.close()
    assert not errors, errors


def test_keyboard_reaches_the_filters_and_the_menu(dashboard, chromium):
    """The map measure is a radio group moved by the arrow keys; on a phone the menu opens
    with Enter and closes with Escape, the focus back on its button."""
    base, _ = dashboard
    page, errors = open_page(chromium, base)
    open_view(page, base, "overview", "/")
    tab_to(page, '#f-measure input[value="completion_units"]')
    assert page.evaluate(
        "() => getComputedStyle(document.activeElement.closest('label')).outlineStyle"
    ) not in ("none", "")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('measure=completion_energy')")
    page.context.close()
    page, _ = open_page(chromium, base, 390, 844)
    open_view(page, base, "freeze", "/freeze")
    tab_to(page, "#menu-toggle")
    page.keyboard.press("Enter")
    expect(page.locator("#menu-toggle")).to_have_attribute("aria-expanded", "true")
    assert page.is_visible("#nav-quota")
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(page.locator("#menu-toggle")).to_have_attribute("aria-expanded", "false")
    assert not page.is_visible("#nav-quota")
    assert page.evaluate("document.activeElement.id") == "menu-toggle"
    page.context.close()
    assert not errors, errors


def test_the_ranking_is_the_maps_text_version(dashboard, chromium):
    """Announced as such; colour is never alone: each frozen prefecture says so in words in the
    ranking and on its label, and a prefecture's tooltip gives its value."""
    base, app = dashboard
    page, _ = open_page(chromium, base)
    open_view(page, base, "overview", "/")
    region = page.get_by_role("region", name="云南省各州（市）地图")
    expect(region).to_have_attribute("aria-describedby", "ov-map-alt")
    assert "排名" in page.inner_text("#ov-map-alt")
    expect(page.get_by_role("table", name=re.compile("地图的文字版本"))).to_have_count(1)
    with scoped(EVERYTHING):  # the app's own database role sees nothing unscoped
        table = app.ctx.data.table(app.ctx.today(), EVERYTHING)
    frozen = [
        r["adcode"] for r in table.to_dicts() if r["freeze_triggered"] and r["adcode"] != 530000
    ]
    assert frozen
    for adcode in frozen:
        assert "区域限批" in page.inner_text(f'#ranking tr[data-row="{adcode}"]')
        assert "限批" in page.inner_text(f'.pref-label-text[data-adcode="{adcode}"]')
    box = page.locator(f'path[data-adcode="{PREFECTURE}"]').bounding_box()
    # A point inside 昆明 away from its label (as test_app_browser clicks it).
    page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.62)
    tip = page.locator(".leaflet-tooltip")
    expect(tip).to_contain_text("昆明市")
    expect(tip).to_contain_text(re.compile(r"完成率（按台套）：\d+(\.\d)?%"))
    page.context.close()


def test_zoomed_to_200_percent(dashboard, chromium):
    """A 1920×1080 screen at 200 % is a 960×540 viewport at twice the pixels: every page still
    fits its width, nothing is cut, and every page stays one link away."""
    base, app = dashboard
    page, errors = open_page(chromium, base, 960, 540, scale=2)
    for kind, path in pages(app).items():
        open_view(page, base, kind, path)
        assert sideways(page) <= 0, kind
        assert cut_labels(page) == [], kind
        assert page.is_visible("#nav-data") or page.is_visible("#menu-toggle"), kind
    page.context.close()
    assert not errors, errors
