"""The states of a submission and who may move it, as data (after DHIS2's data approval).

    draft ──submit──▶ submitted ──accept──▶ accepted ──reopen──▶ reopened
      ▲                   │
      └───(a new upload)  └──return──▶ returned

A returned or reopened register is corrected by a new upload (a new draft); the old version
stays as it was. Every transition not in ``TRANSITIONS`` is refused, whatever the page shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from exitmap.errors import UserError
from exitmap.scope import SYSTEM

STATES = ("draft", "submitted", "returned", "accepted", "reopened")
LABELS = {
    "draft": "草稿（已检查）",
    "submitted": "已报送",
    "returned": "已退回",
    "accepted": "已采用",
    "reopened": "已重新打开",
}
ACTIONS = {"submit": "报送", "return": "退回", "accept": "采用", "reopen": "重新打开"}


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    roles: frozenset[str]
    # Return needs a comment for the prefecture; reopen a reason on the record.
    needs_comment: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition("draft", "submit", "submitted", frozenset({"prefecture", "province", SYSTEM})),
    Transition("submitted", "return", "returned", frozenset({"province", SYSTEM}), True),
    Transition("submitted", "accept", "accepted", frozenset({"province", SYSTEM})),
    Transition("accepted", "reopen", "reopened", frozenset({"province", SYSTEM}), True),
)


class TransitionRefused(UserError):
    """The state change asked for is not one that can be made from this state."""


class RoleRefused(TransitionRefused):
    """The state change exists, but not for this caller's role."""


class CommentRequired(TransitionRefused):
    """Returning needs a comment for the prefecture, reopening a reason on the record."""


def transition(state: str, action: str, role: str, comment: str = "") -> Transition:
    """The transition ``action`` from ``state`` by a caller of ``role``, or refused with why."""
    if action not in ACTIONS:
        raise TransitionRefused(f"没有「{action}」这一操作")
    found = next((t for t in TRANSITIONS if t.source == state and t.action == action), None)
    if found is None:
        raise TransitionRefused(f"「{LABELS.get(state, state)}」状态的登记表不能{ACTIONS[action]}")
    if role not in found.roles:
        raise RoleRefused(f"当前角色无权{ACTIONS[action]}登记表")
    if found.needs_comment and not comment.strip():
        what = "退回意见" if action == "return" else "重新打开的理由"
        raise CommentRequired(f"{ACTIONS[action]}时必须填写{what}")
    return found


def actions_for(state: str, role: str) -> list[str]:
    """What a caller of ``role`` may do to a submission in ``state`` (the page's buttons)."""
    return [t.action for t in TRANSITIONS if t.source == state and role in t.roles]
