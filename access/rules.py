"""The access rules, as data: each action and the roles that may take it.

Every route and callback declares one of these actions (access/guard.py); the scope of the
caller (exitmap/scope.py) then limits which rows the action reaches.
"""

from __future__ import annotations

from exitmap.scope import ROLES, SYSTEM

EVERYONE = frozenset(ROLES) | {SYSTEM}

RULES: dict[str, frozenset[str]] = {
    # No sign-in needed: the login page, static assets, the health check.
    "public": frozenset(),
    # A signed-in caller whatever the role, e.g. signing out.
    "signed_in": EVERYONE,
    # Pages, maps, charts and tables — of what the scope sees.
    "view": EVERYONE,
    # Unit lists and a unit's page and history.
    "view_units": EVERYONE,
    # A table, list or file taken away (CSV, XLSX).
    "download": EVERYONE,
    # A briefing image, PDF or deck.
    "export": EVERYONE,
    # The read API (/api/v1), with a bearer token.
    "api": EVERYONE,
    # Recording a decision (区域限批, quota allocation); a department only for its categories.
    "decide": frozenset({"province", "department", SYSTEM}),
    # Sending a register for review (报送): a prefecture its own, the office any.
    "submit_register": frozenset({"prefecture", "province", SYSTEM}),
    # Approving what a prefecture submits (审核: accept, return, reopen).
    "approve": frozenset({"province", SYSTEM}),
    # Approving a decision another user drafted (区域限批, quota allocation): maker–checker.
    "approve_decision": frozenset({"province", SYSTEM}),
    # The seed's other duties entered on screen (专项工作: 产能置换, 督导检查, 职工安置, 土地).
    "record_duties": frozenset({"province", SYSTEM}),
    # 用户管理.
    "admin_users": frozenset({"province", SYSTEM}),
    # 审计.
    "view_audit": frozenset({"province", SYSTEM}),
    # A callback that runs in the browser only (clientside): no request reaches us.
    "client": frozenset(),
    # Open311 (/open311/v2): a platform's API key, checked by the route itself
    # (app/open311.py); no user signs in, the platform sees only the reports it filed.
    "open311": frozenset(),
    # The office's report desk (举报): the queue, screening, assigning, notes, closing, the
    # form for a telephone or letter report, the reporter's contact.
    "handle_reports": frozenset({"province", SYSTEM}),
    # A department's own reports (its kinds, once assigned): start, note, close.
    "work_reports": frozenset({"province", "department", SYSTEM}),
}

# Actions that only read: a request taking one sees one data version throughout.
READING = frozenset({"view", "view_units", "download", "export", "api"})

# Actions that need no signed-in caller.
ANONYMOUS = frozenset({"public", "client", "open311"})


def allowed(role: str | None, action: str) -> bool:
    """May a caller of ``role`` (None: not signed in) take ``action``?"""
    if action not in RULES:
        raise KeyError(f"no such access rule: {action!r}")
    if action in ANONYMOUS:
        return True
    return role is not None and role in RULES[action]
