"""Presentation mode (?present=1) in headless Chromium on the demo: the meeting's slides in
order, stepped by keys and by itself, every slide whole and in large type on a 1920×1080
projector and a 3840×2160 wall, no page furniture, accessible."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.browser import new_page, wait_idle, wait_map
from layers.standing import standing
from tests.helpers.a11y import assert_accessible
from tests.helpers.browser import CPU_SLOWDOWN
from tests.helpers.demo import DEMO_TODAY


def open_deck(chromium, base, path="/?present=1", width=1920, height=1080):
    size = {"width": width, "height": height}
    page = new_page(chromium, cpu_slowdown=CPU_SLOWDOWN, viewport=size)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + path)
    page.wait_for_selector("#present")
    wait_map(page)
    wait_idle(page)
    return page, errors


def counter(page) -> str:
    return page.inner_text("#present-counter")


def shown(page) -> str:
    return page.evaluate(
        "() => [...document.querySelectorAll('.slide')].find(s => !s.hidden).dataset.title"
    )


def test_the_slides_of_a_meeting(dashboard, chromium, demo_engine):
    """Province (map and KPIs), ranking, then every prefecture under 区域限批 or with overdue
    units — the frozen ones first; the arrow keys step, the address keeps the slide."""
    base, _ = dashboard
    page, errors = open_deck(chromium, base)
    ref = standing(demo_engine, DEMO_TODAY).query("adcode != 530000")
    behind = ref[ref["freeze_triggered"] | (ref["units_overdue"] > 0)]
    n = 2 + len(behind)
    assert counter(page) == f"1 / {n}"
    assert page.locator("#nav, #filters, .header, #synthetic-banner").count() == 0
    assert page.locator("#slide-1 .leaflet-container path[data-adcode]").count() == 16
    assert page.locator("#slide-1 .kpi").count() == 8
    page.keyboard.press("ArrowRight")
    assert counter(page) == f"2 / {n}"
    assert page.evaluate("location.hash") == "#2"
    assert page.locator("#slide-2 #present-ranking tbody tr").count() == 17
    titles = []
    for _ in range(len(behind)):
        page.keyboard.press("ArrowRight")
        titles.append(shown(page))
    assert set(titles) == set(behind["name"])
    frozen = set(behind.loc[behind["freeze_triggered"], "name"])
    assert set(titles[: len(frozen)]) == frozen  # the frozen ones come first
    for i, name in enumerate(titles, 3):
        hatched = name in frozen
        slide = page.locator(f"#slide-{i}")
        assert slide.locator("img.locator").get_attribute("alt").startswith(name)
        assert ("区域限批" in slide.locator("h2").inner_text()) == hatched
    page.keyboard.press("Home")
    assert counter(page) == f"1 / {n}"
    page.keyboard.press("ArrowLeft")  # round to the end
    assert counter(page) == f"{n} / {n}"
    # The address names the slide: typed in, it moves there; a reload opens it again.
    page.goto(base + "/?present=1#3")
    expect(page.locator("#present-counter")).to_have_text(f"3 / {n}")
    page.reload()
    page.wait_for_selector("#present")
    expect(page.locator("#present-counter")).to_have_text(f"3 / {n}")
    assert shown(page) == titles[0]
    # Escape leaves for the page the view came from.
    page.keyboard.press("Escape")
    page.wait_for_selector("#nav-overview")
    assert "present" not in page.url
    page.context.close()
    assert not errors, errors


TEXT_SIZES = """() => {
  const slide = [...document.querySelectorAll('.slide')].find(s => !s.hidden);
  const sizes = [];
  for (const root of [slide, document.querySelector('.present-bar')]) {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
      const el = walk.currentNode.parentElement;
      if (!walk.currentNode.textContent.trim() || !el.checkVisibility()) continue;
      if (el.closest('.leaflet-control-container, .sr-only')) continue;  // scale bar, zoom
      sizes.push([parseFloat(getComputedStyle(el).fontSize), walk.currentNode.textContent.trim()]);
    }
  }
  return sizes;
}"""


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (3840, 2160)])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_slide_whole_and_large(dashboard, chromium, width, height, lang):
    """Each slide fits the screen (nothing cut at the foot or the side), and its smallest text
    grows with the screen: at least 0.75 % of its width (14 px on a projector, 29 on a wall)."""
    base, _ = dashboard
    path = "/?present=1" + ("&lang=en" if lang == "en" else "")
    page, errors = open_deck(chromium, base, path, width, height)
    n = int(counter(page).split("/")[1])
    smallest = 0.0075 * width
    for i in range(1, n + 1):
        box = page.evaluate(
            """i => { const s = document.getElementById('slide-' + i);
                      return [s.scrollHeight - s.clientHeight, s.scrollWidth - s.clientWidth,
                              document.documentElement.scrollWidth - innerWidth]; }""",
            i,
        )
        assert box == [0, 0, 0], f"slide {i}"
        small = [(s, text) for s, text in page.evaluate(TEXT_SIZES) if s < smallest]
        assert small == [], f"slide {i}"
        page.keyboard.press("ArrowRight")
    page.context.close()
    assert not errors, errors


def test_plays_by_itself_and_stops(dashboard, chromium):
    base, _ = dashboard
    page, errors = open_deck(chromium, base, "/?present=1&auto=3")
    play = page.locator('[data-step="auto"]')
    expect(play).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#present-counter")).to_have_text(re.compile(r"^2 / "), timeout=8_000)
    page.keyboard.press("p")
    expect(play).to_have_attribute("aria-pressed", "false")
    at = counter(page)
    page.wait_for_timeout(3_500)
    assert counter(page) == at
    page.context.close()
    assert not errors, errors


def test_accessible_and_opened_from_every_page(dashboard, chromium):
    """axe-core finds nothing on the deck; the header's 演示 opens it with the view's filters."""
    base, _ = dashboard
    page, errors = open_deck(chromium, base, "/?present=1&sector=钢铁")
    assert_accessible(page, where="presentation")
    page.keyboard.press("ArrowRight")
    assert_accessible(page, where="presentation, ranking")
    page.goto(base + "/freeze?on=2025-12-31")
    page.wait_for_selector("#freeze-table")
    link = page.locator("#present-link")
    assert link.get_attribute("href") == "/?on=2025-12-31&present=1"
    link.click()
    page.wait_for_selector("#present")
    assert "统计日期 2025年12月31日" in page.inner_text(".present-bar")
    page.context.close()
    assert not errors, errors
