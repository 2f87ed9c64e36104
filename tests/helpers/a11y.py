"""axe-core on a page (WCAG 2.0/2.1 level A and AA rules): one call for every page test.

axe-core's script comes inside the ``axe-playwright-python`` wheel and is injected into the
page; nothing is fetched. Later pages (login, 报送, 审核, the public report form) call
``assert_accessible(page)`` once they have drawn what they show.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

WCAG_A_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
OPTIONS = {"runOnly": {"type": "tag", "values": list(WCAG_A_AA)}, "resultTypes": ["violations"]}

_axe = Axe()


def axe_version(page) -> str:
    _inject(page)
    return page.evaluate("axe.version")


def violations(page, context: str | None = None) -> list[dict]:
    """axe-core's WCAG A/AA violations on the page as drawn now (or inside ``context``)."""
    return _axe.run(page, context=context, options=OPTIONS).response["violations"]


def report(found: list[dict]) -> str:
    """A short reading of violations: rule, impact, and the first nodes with axe's reason."""
    lines = []
    for v in found:
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}): {v['help']}")
        for node in v["nodes"][:5]:
            checks = node.get("any", []) + node.get("all", []) + node.get("none", [])
            why = "; ".join(c["message"] for c in checks)
            lines.append(f"    {' '.join(map(str, node['target']))}: {why}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


def assert_accessible(page, context: str | None = None, where: str = "") -> None:
    """Fail with axe-core's findings when the page breaks any WCAG 2.1 A or AA rule."""
    found = violations(page, context)
    assert not found, f"axe-core: {where or page.url}\n{report(found)}"


def _inject(page) -> None:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe.axe_script)
