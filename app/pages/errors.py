"""A clear page for bad URLs (unknown adcode, unknown unit, unknown path)."""

from __future__ import annotations

from dash import dcc, html

from app.i18n import t
from app.state import ViewState, lang_search


def page(state: ViewState, message: str) -> html.Div:
    search = "?lang=en" if state.lang == "en" else ""
    return html.Div(
        [
            html.H1(t("e.title", state.lang)),
            html.P(message, id="error-message"),
            dcc.Link(t("e.home", state.lang), href="/" + search),
        ],
        className="error-page card",
        id="error-page",
    )


__all__ = ["lang_search", "page"]
