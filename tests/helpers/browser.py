"""What only the browser tests need on top of app.browser: a slowed-down CPU on request, the
map's colours, the label-overlap check, and choosing in a dropdown."""

from __future__ import annotations

import os

from playwright.sync_api import expect

# Runs the pages on a browser this many times slower, to shake out tests that read too early
# (the browser tests pass at 12). Pass it to app.browser.new_page.
CPU_SLOWDOWN = float(os.environ.get("EXITMAP_TEST_CPU_SLOWDOWN", "1"))

FILLS = """() => Object.fromEntries([...document.querySelectorAll('path[data-adcode]')]
  .map(p => [p.getAttribute('data-adcode'), p.getAttribute('fill')]))"""


def fills(page) -> dict[str, str]:
    """Each prefecture's fill colour on the province map, by adcode."""
    return page.evaluate(FILLS)


def labels_overlap(page) -> list[tuple[str, str]]:
    """Pairs of prefecture labels whose boxes overlap on the page."""
    return page.evaluate("""() => {
      const r = [...document.querySelectorAll('.pref-label-text')]
        .map(e => [e.textContent, e.getBoundingClientRect()]);
      const out = [];
      for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
        const a = r[i][1], b = r[j][1];
        const hit = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        if (hit) out.push([r[i][0], r[j][0]]);
      }
      return out;
    }""")


def pick(page, dropdown: str, text: str) -> None:
    """Choose ``text`` in a Dash dropdown, as a user does: open it, click the option."""
    page.click(dropdown)
    page.get_by_role("option", name=text, exact=True).click()
    expect(page.locator(dropdown)).to_contain_text(text)
