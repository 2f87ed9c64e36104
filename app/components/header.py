"""Header (title, navigation, data-as-of line, marking, language switch) and the demo banner."""

from __future__ import annotations

from dash import html

from app import briefing, presentation
from app import format as fmt
from app.components.submission_nav import submission_links
from app.i18n import t
from app.state import ViewState, to_search

NAV = (
    ("/", "nav.overview"),
    ("/quota", "nav.quota"),
    ("/freeze", "nav.freeze"),
    ("/data", "nav.data"),
    ("/reports", "nav.reports"),
    ("/about", "nav.about"),
)


def section_of(path: str) -> str:
    """The navigation entry a page belongs to ('' for the office's own pages: none)."""
    if path.startswith(("/admin/", "/submit", "/review", "/decisions", "/duties")):
        return ""
    for href, _ in NAV[1:]:
        if path.startswith(href):
            return href
    return "/"


def nav_links(path: str, search: str, lang: str) -> list:
    """Links that move within the app (a[data-spa], assets/url.js), the current section marked
    for screen readers too (aria-current, which dcc.Link cannot carry)."""
    active = section_of(path)
    return [
        html.A(
            t(key, lang),
            href=href + search,
            className="active" if href == active else "",
            id=f"nav-{key.split('.')[1]}",
            **{"data-spa": ""},
            **({"aria-current": "page"} if href == active else {}),
        )
        for href, key in NAV
    ]


def export_links(path: str, state: ViewState) -> list:
    """演示 (presentation mode, on every page), and 导出简报图 (the briefing layout in a new
    tab) and its PNG on the pages that have one."""
    lang = state.lang
    present = html.A(
        t("present", lang),
        href=presentation.href(state),
        title=t("present.hint", lang),
        className="export",
        id="present-link",
    )
    if not briefing.page_kind(path):
        return [present]
    return [
        present,
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


def account(caller, lang: str, waiting: dict | None = None) -> list:
    """Who is signed in, the province's own pages, what awaits them (``waiting``:
    submissions.inbox), and signing out."""
    if caller is None or caller.user is None:
        return []
    kids = [html.Span(caller.user.label() if lang == "zh" else caller.user.username, id="whoami")]
    search = "?lang=en" if lang == "en" else ""
    kids += submission_links(caller.scope.role, lang, search, waiting)
    if caller.scope.role == "province":
        spa = {"data-spa": ""}  # moves within the app (assets/url.js)
        kids += [
            html.A(t("nav.users", lang), href="/admin/users" + search, id="nav-users", **spa),
            html.A(t("nav.audit", lang), href="/admin/audit" + search, id="nav-audit", **spa),
        ]
    kids.append(html.A(t("nav.logout", lang), href="/logout", id="logout"))
    return kids


def header(
    path: str, state: ViewState, status: dict, marking: str, who: list | None = None
) -> list:
    """Brand, navigation, the view's facts and who is signed in (``who``: ``account``). Below
    900 px the navigation and the facts fold into a menu (#menu-panel, opened by #menu-toggle:
    assets/layout.js); the marking stays."""
    lang = state.lang
    search = to_search(state)
    as_of = status.get("as_of")
    kids = [
        html.Header(
            [
                html.A(t("skip", lang), href="#page", className="skip-link"),
                html.Button(
                    [html.Span(className="menu-icon", **{"aria-hidden": "true"}), t("menu", lang)],
                    id="menu-toggle",
                    className="menu-toggle",
                    type="button",
                    **{"aria-expanded": "false", "aria-controls": "menu-panel"},
                ),
                html.Div(
                    [
                        html.H1(t("title", lang)),
                        html.Span("· " + t("province", lang), className="province"),
                    ],
                    className="brand",
                ),
                html.Div(
                    [
                        html.Nav(
                            nav_links(path, search, lang),
                            id="nav",
                            **{"aria-label": t("nav.label", lang)},
                        ),
                        html.Div(
                            [
                                html.Span(export_links(path, state), id="export-links"),
                                html.Span(
                                    t("data_as_of", lang, date=fmt.date(as_of, lang))
                                    if as_of
                                    else t("no_data", lang),
                                    id="data-as-of",
                                ),
                                html.A(
                                    t("lang.switch", lang),
                                    href=lang_switch_href(path, state),
                                    className="lang",
                                    id="lang-switch",
                                    lang="en" if lang == "zh" else "zh-CN",
                                ),
                                html.Span(marking, className="marking") if marking else None,
                            ],
                            className="meta",
                        ),
                        html.Span(who or [], id="account", className="account"),
                    ],
                    id="menu-panel",
                    className="menu-panel",
                ),
                # The marking stays in sight when the menu is folded (one of the two is shown).
                html.Span(marking, className="marking marking-folded") if marking else None,
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
