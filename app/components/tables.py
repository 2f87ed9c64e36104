"""Plain HTML tables (Dash escapes every string: names render as text, never as markup)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from dash import html


@dataclass(frozen=True)
class Col:
    header: str
    cell: Callable[[dict], object]
    num: bool = False
    nowrap: bool = False  # dates and short codes stay on one line beside long text

    @property
    def css(self) -> str | None:
        return " ".join(c for c, on in (("num", self.num), ("nowrap", self.nowrap)) if on) or None


def table(
    cols: Sequence[Col],
    rows: Iterable[dict],
    *,
    id=None,
    total: dict | None = None,
    row_id: Callable[[dict], str] | None = None,
) -> html.Table:
    head = html.Thead(html.Tr([html.Th(c.header, className=c.css) for c in cols]))
    body = []
    for r in rows:
        attrs = {"data-row": row_id(r)} if row_id else {}
        body.append(html.Tr([html.Td(c.cell(r), className=c.css) for c in cols], **attrs))
    if total is not None:
        body.append(
            html.Tr(
                [html.Td(c.cell(total), className=c.css) for c in cols],
                className="total",
            )
        )
    kwargs = {"id": id} if id else {}
    return html.Table([head, html.Tbody(body)], className="tbl", **kwargs)


def frame(content, label: str, class_name: str = "scroll", **attrs) -> html.Div:
    """A table's own scrolling frame: reachable by keyboard (so it can be scrolled without a
    mouse) and named for screen readers."""
    return html.Div(
        content, className=class_name, tabIndex="0", role="region", **{"aria-label": label}, **attrs
    )


def facts(pairs: Iterable[tuple[str, object]]) -> html.Dl:
    items = []
    for k, v in pairs:
        items += [html.Dt(k), html.Dd(v if v not in (None, "") else "—")]
    return html.Dl(items, className="facts")
