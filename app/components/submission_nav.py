"""The header's links to 报送, 审核, 决定 and 专项, for the roles that may use them
(access/rules.py)."""

from __future__ import annotations

from dash import html

from access.rules import allowed

LINKS = (
    ("/submit", "submit_register", ("报送", "Submit"), "nav-submit"),
    ("/review", "approve", ("审核", "Review"), "nav-review"),
    ("/decisions", "decide", ("决定", "Decisions"), "nav-decisions"),
    ("/duties", "view", ("专项", "Duties"), "nav-duties"),
)


# The inbox's kinds: the link they sit on, and what the badge says.
BADGES = {
    "returned": ("/submit", ("{n} 份被退回", "{n} returned")),
    "to_review": ("/review", ("{n} 份待审核", "{n} to review")),
    "overdue": (None, ("{n} 个逾期未报", "{n} overdue")),
    "to_approve": ("/decisions", ("{n} 项待审批", "{n} to approve")),
}


def submission_links(role: str, lang: str, search: str, waiting: dict | None = None) -> list:
    """The links, each with what awaits the user there (``waiting``: submissions.inbox)."""
    waiting = waiting or {}
    out = []
    for href, action, words, id_ in LINKS:
        if not allowed(role, action):
            continue
        badges = [
            text[lang == "en"].format(n=waiting[kind])
            for kind, (where, text) in BADGES.items()
            if waiting.get(kind) and (where or LINKS[0 if role == "prefecture" else 1][0]) == href
        ]
        label = words[lang == "en"]
        children = [label, *(html.Span(b, className="inbox-badge") for b in badges)]
        out.append(html.A(children, href=href + search, id=id_, **{"data-spa": ""}))
    return out
