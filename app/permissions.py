"""What a signed-in caller may open, by path: the pages' half of the guard.

The guard (access/guard.py) checks the role's rule for every request; here the scope is
checked against what a path names — another prefecture's page, a unit of another
prefecture, the province's own pages — before anything is read. A refusal is a clear 403
(Chinese first, English in English mode) and an audit line.
"""

from __future__ import annotations

from urllib.parse import unquote

import flask
from dash import dcc, html

from access.guard import Caller, record
from access.rules import allowed
from app.i18n import t
from app.state import ViewState
from exitmap.vocabulary import PREFECTURE_EN, PREFECTURES
from layers.meta import unit_prefecture

# Pages for one action beyond viewing.
ACTION_PAGES = {
    "/admin/users": "admin_users",
    "/admin/audit": "view_audit",
    "/submit": "submit_register",
    "/review": "approve",
    "/decisions": "decide",
}


def action_of(path: str) -> str | None:
    """The rule of a page for one action: its own, or its section's (/review/12: /review)."""
    return ACTION_PAGES.get(path) or ACTION_PAGES.get("/" + path.strip("/").split("/")[0])


def _who(caller: Caller, lang: str) -> str:
    if caller.user is None:
        return caller.scope.user
    label = caller.user.label()
    return label if lang == "zh" else caller.user.username


def _name(adcode: int, lang: str) -> str:
    return PREFECTURES.get(adcode, str(adcode)) if lang == "zh" else PREFECTURE_EN.get(adcode, "")


def refusal(engine, caller: Caller, path: str, lang: str) -> str | None:
    """Why ``caller`` may not open ``path`` (in ``lang``), or None."""
    scope = caller.scope
    action = action_of(path)
    if action and not allowed(scope.role, action):
        return t("e.forbidden_role", lang, who=_who(caller, lang))
    if scope.all_prefectures:
        return None
    if path.startswith("/prefecture/"):
        try:
            adcode = int(unquote(path[len("/prefecture/") :]))
        except ValueError:
            return None  # not a prefecture at all: the page says so
        if adcode in PREFECTURES and not scope.sees(adcode):
            return t(
                "e.forbidden_prefecture", lang, who=_who(caller, lang), name=_name(adcode, lang)
            )
    elif path.startswith("/unit/"):
        key = unquote(path[len("/unit/") :])
        adcode = unit_prefecture(engine, key)
        if adcode is not None and not scope.sees(adcode):
            name = _name(adcode, lang)
            return t("e.forbidden_unit", lang, unit=key, who=_who(caller, lang), name=name)
    return None


def refused(path: str, message: str) -> None:
    """Record a refusal in the audit log."""
    record("forbidden", path, {"message": message})


def forbidden_component(state: ViewState, message: str) -> html.Div:
    """The 403 inside the app (a link followed within the page)."""
    home = "/?lang=en" if state.lang == "en" else "/"
    return html.Div(
        [
            html.H1(t("e.forbidden", state.lang)),
            html.P(message, id="error-message"),
            dcc.Link(t("e.home", state.lang), href=home),
        ],
        className="error-page card forbidden",
        id="forbidden-page",
    )


def forbidden_response(message: str, lang: str) -> flask.Response:
    """The 403 for a page opened by its address (before the app is loaded)."""
    from markupsafe import escape

    home = "/?lang=en" if lang == "en" else "/"
    title = t("e.forbidden", lang)
    other = t("e.forbidden", "en" if lang == "zh" else "zh")
    body = f"""<!DOCTYPE html>
<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">
<title>{escape(title)}</title><link rel="stylesheet" href="/assets/login.css"></head>
<body><main class="forbidden" id="forbidden-page"><h1>{escape(title)} · {escape(other)}</h1>
<p id="error-message">{escape(message)}</p>
<p><a href="{home}">{escape(t("e.home", lang))}</a></p></main></body></html>"""
    return flask.Response(body, status=403, mimetype="text/html")
