"""The header's links to 报送 and 审核, for the roles that may use them (access/rules.py)."""

from __future__ import annotations

from dash import html

from access.rules import allowed

LINKS = (
    ("/submit", "submit_register", ("报送", "Submit"), "nav-submit"),
    ("/review", "approve", ("审核", "Review"), "nav-review"),
)


def submission_links(role: str, lang: str, search: str) -> list:
    return [
        html.A(words[lang == "en"], href=href + search, id=id_, **{"data-spa": ""})
        for href, action, words, id_ in LINKS
        if allowed(role, action)
    ]
