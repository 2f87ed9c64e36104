"""What the screen-size tests read off a page: sideways scroll, cut text, the map's fit, small
touch targets. Each returns what is wrong (empty when all is well), so a failure names it."""

from __future__ import annotations

# Phones, portrait and landscape tablets, a laptop, the design size, a 4K wall.
SIZES = ((390, 844), (768, 1024), (1024, 768), (1366, 768), (1920, 1080), (3840, 2160))
NARROW = 900  # below this the header folds into a menu (style.css)


def sideways(page) -> int:
    """How many px the document is wider than the viewport (0: no sideways scroll)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


CUT = """() => {
  const out = [];
  const lines = el => {
    const r = document.createRange();
    r.selectNodeContents(el);
    const tops = [...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top));
    return new Set(tops).size;
  };
  const wider = el => el.scrollWidth > el.clientWidth;
  for (const el of document.querySelectorAll('.kpi-value')) {
    const text = el.textContent;
    if (wider(el)) out.push(`KPI ${text}: ${el.scrollWidth} > ${el.clientWidth}`);
    const box = el.getBoundingClientRect();
    for (const part of el.querySelectorAll('.kpi-num, .kpi-unit')) {
      const r = part.getBoundingClientRect();
      if (r.right > box.right + 0.5 || r.left < box.left - 0.5) out.push(`KPI ${text}: outside`);
      if (lines(part) > 1) out.push(`KPI ${text}: ${part.textContent} broken over lines`);
    }
  }
  for (const el of document.querySelectorAll('#nav a')) {
    if (!el.checkVisibility()) continue;
    const text = el.textContent;
    if (wider(el)) out.push(`nav ${text}: ${el.scrollWidth} > ${el.clientWidth}`);
    if (lines(el) > 1) out.push(`nav ${text}: ${lines(el)} lines`);
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 0.5 || r.left < -0.5) out.push(`nav ${text}: off screen`);
  }
  return out;
}"""


def cut_labels(page) -> list[str]:
    """KPI values and visible navigation labels that are cut, broken or off screen."""
    return page.evaluate(CUT)


OUTSIDE = """([frame, shapes]) => {
  const box = document.querySelector(frame).getBoundingClientRect();
  const paths = [...document.querySelectorAll(frame + ' ' + shapes)];
  if (!paths.length) return ['no shapes ' + shapes];
  const r = paths.map(p => p.getBoundingClientRect());
  const s = {left: Math.min(...r.map(x => x.left)), right: Math.max(...r.map(x => x.right)),
             top: Math.min(...r.map(x => x.top)), bottom: Math.max(...r.map(x => x.bottom))};
  const out = [];
  for (const side of ['left', 'top']) {
    if (s[side] < box[side] - 1) out.push(`${side} ${s[side]} < ${box[side]}`);
  }
  for (const side of ['right', 'bottom']) {
    if (s[side] > box[side] + 1) out.push(`${side} ${s[side]} > ${box[side]}`);
  }
  // Fitted, not merely inside: the area fills the frame in one direction (zoom moves in
  // quarter steps, 2^0.25 = 1.19, so a fit may leave up to 16 %, and a few px of padding).
  const fill = Math.max((s.right - s.left) / box.width, (s.bottom - s.top) / box.height);
  if (fill < 0.8) out.push(`fills only ${Math.round(fill * 100)}% of the frame`);
  return out;
}"""


def map_misfit(page, frame: str, shapes: str) -> list[str]:
    """How the shapes ``shapes`` inside the map ``frame`` fail to lie inside it, filling it."""
    return page.evaluate(OUTSIDE, [frame, shapes])


# Controls a finger must hit. Not the map's own shapes (the ranking is their target) nor the
# grid's cells; a radio or checkbox counts through its label.
SMALL = """min => {
  const sel = 'a[href], button, input:not([type=radio]):not([type=checkbox]), select, '
    + '[role=button], label:has(input[type=radio]), label:has(input[type=checkbox])';
  const skip = '.leaflet-pane, .ag-center-cols-viewport, .ag-header, .skip-link, '
    + '.dash-dropdown-focus-target, .sr-only';
  return [...document.querySelectorAll(sel)]
    .filter(e => e.checkVisibility() && !e.closest(skip))
    .map(e => [e, e.getBoundingClientRect()])
    .filter(([e, r]) => r.width > 0 && (r.width < min - 0.5 || r.height < min - 0.5))
    .map(([e, r]) => {
      const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '');
      const text = e.textContent.trim().slice(0, 20);
      return `${name} "${text}" ${Math.round(r.width)}×${Math.round(r.height)}`;
    });
}"""


def small_targets(page, minimum: int = 44) -> list[str]:
    """Visible controls smaller than ``minimum`` px either way."""
    return page.evaluate(SMALL, minimum)
