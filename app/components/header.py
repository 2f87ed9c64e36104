"""Header (title, navigation, data-as-of line, marking, language switch) and the demo banner."""

from __future__ import annotations

from dash import dcc, html

from app import briefing
from app import format as fmt
from app.i18n import t
from app.state import ViewState, to_search

NAV = (
    ("/", "nav.overview"),
    ("/quota", "nav.quota"),
    ("/freeze", "nav.freeze"),
    ("/data", "nav.data"),
    ("/about", "nav.about"),
)


def section_of(path: str) -> str:
    """The navigation entry a page belongs to ('' for the office's own pages: none)."""
    if path.startswith("/admin/"):
        return ""
    for href, _ in NAV[1:]:
        if path.startswith(href):
            return href
    return "/"


def nav_links(path: str, search: str, lang: str) -> list:
    active = section_of(path)
    return [
        dcc.Link(
            t(key, lang),
            href=href + search,
            className="active" if href == active else "",
            id=f"nav-{key.split('.')[1]}",
        )
        for href, key in NAV
    ]


def export_links(path: str, state: ViewState) -> list:
    """导出简报图 (the briefing layout in a new tab) and its PNG, on the pages that have one."""
    if not briefing.page_kind(path):
        return []
    lang = state.lang
    return [
        html.A(
            briefing.tx("button", lang),
            href=briefing.with_flag(briefing.view_of(path, state)),
            target="_blank",
            rel="noopener",
            title=briefing.tx("button.hint", lang),
            className="export",
            id="briefing-link",
        ),
        html.A(
            briefing.tx("png", lang),
            href=briefing.export_href(path, state),
            title=briefing.tx("png.hint", lang),
            className="export",
            id="briefing-png",
        ),
    ]


def lang_switch_href(path: str, state: ViewState) -> str:
    """The same view in the other language (a full page load: every text changes)."""
    return path + to_search(state.with_(lang="en" if state.lang == "zh" else "zh"))


def account(caller, lang: str) -> list:
    """Who is signed in, the province's own pages, and signing out."""
    if caller is None or caller.user is None:
        return []
    kids = [html.Span(caller.user.label() if lang == "zh" else caller.user.username, id="whoami")]
    search = "?lang=en" if lang == "en" else ""
    if caller.scope.role == "province":
        kids += [
            dcc.Link(t("nav.users", lang), href="/admin/users" + search, id="nav-users"),
            dcc.Link(t("nav.audit", lang), href="/admin/audit" + search, id="nav-audit"),
        ]
    kids.append(html.A(t("nav.logout", lang), href="/logout", id="logout"))
    return kids


def header(
    path: str, state: ViewState, status: dict, marking: str, who: list | None = None
) -> list:
    lang = state.lang
    search = to_search(state)
    as_of = status.get("as_of")
    kids = [
        html.Header(
            [
                html.Div(
                    [
                        html.H1(t("title", lang)),
                        html.Span("· " + t("province", lang), className="province"),
                    ],
                    className="brand",
                ),
                html.Nav(nav_links(path, search, lang), id="nav"),
                html.Div(
                    [
                        html.Span(export_links(path, state), id="export-links"),
                        html.Span(
                            t("data_as_of", lang, date=fmt.date(as_of, lang))
                            if as_of
                            else t("no_data", lang),
                            id="data-as-of",
                        ),
                        html.Span(marking, className="marking") if marking else None,
                        html.A(
                            t("lang.switch", lang),
                            href=lang_switch_href(path, state),
                            className="lang",
                            id="lang-switch",
                        ),
                        html.Span(who or [], id="account", className="account"),
                    ],
                    className="meta",
                ),
            ],
            className="header",
        )
    ]
    if status.get("synthetic"):
        kids.append(
            html.Div(
                t("synthetic_banner", lang, n=f"{status['synthetic']:,}"),
                className="banner",
                id="synthetic-banner",
            )
        )
    return kids


def warnings(state: ViewState) -> html.Div | None:
    if not state.errors:
        return None
    return html.Div(
        [html.Div(t("e.bad_param", state.lang, name=n, value=v)) for n, v in state.errors],
        className="warning",
        id="param-warning",
    )
