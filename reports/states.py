"""The states of a report and the steps between them, as data.

    received → screened (valid / duplicate / out_of_scope, by the office)
             → assigned → investigating → closed (substantiated / unsubstantiated / referred)

Each step names the states it starts from, the state it leads to, the outcomes it may carry and
the roles that may take it; ``handling.take`` refuses anything else. A department takes the
steps of the reports assigned to it only (the database shows it no others).
"""

from __future__ import annotations

from dataclasses import dataclass

STATES = ("received", "screened", "assigned", "investigating", "closed")
OPEN_STATES = ("received", "screened", "assigned", "investigating")

# Open311's two states: a report is "open" until it is closed (or screened out).
OPEN311_STATUS = {s: "open" for s in OPEN_STATES} | {"closed": "closed"}

SCREENINGS = ("valid", "duplicate", "out_of_scope")
RESOLUTIONS = ("substantiated", "unsubstantiated", "referred")

LABELS = {
    "received": "已受理",
    "screened": "已甄别",
    "assigned": "已移交",
    "investigating": "核查中",
    "closed": "已办结",
    "valid": "属实待办",
    "duplicate": "重复举报",
    "out_of_scope": "不属受理范围",
    "substantiated": "查证属实",
    "unsubstantiated": "查证不属实",
    "referred": "转交其他部门",
}


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str | None  # None: the state stays (a note, a reassignment)
    roles: frozenset[str]
    outcomes: tuple[str, ...] = ()  # one is required when given
    # Only after a valid screening (a duplicate or an out-of-scope report goes no further).
    needs_valid: bool = False


OFFICE = frozenset({"province", "system"})
HANDLERS = frozenset({"province", "department", "system"})

STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step("receive", "受理", (), "received", frozenset()),  # intake only
        Step("screen", "甄别", ("received",), "screened", OFFICE, SCREENINGS),
        Step("assign", "移交", ("screened",), "assigned", OFFICE, needs_valid=True),
        Step("reassign", "改派", ("assigned", "investigating"), None, OFFICE),
        Step("start", "开始核查", ("assigned",), "investigating", HANDLERS),
        Step("close", "办结", ("investigating",), "closed", HANDLERS, RESOLUTIONS),
        Step("note", "备注", OPEN_STATES, None, HANDLERS),
    )
}


class StepRefused(Exception):
    """A step the caller may not take, or that does not follow from the report's state."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason  # role | state | outcome | input


def check(step_name: str, role: str, state: str, screening: str | None, outcome: str | None):
    """The step, or StepRefused saying why (in Chinese)."""
    step = STEPS.get(step_name)
    if step is None or step_name == "receive":
        raise StepRefused(f"没有「{step_name}」这一办理步骤", "input")
    if role not in step.roles:
        raise StepRefused(f"您的角色无权进行「{step.label}」", "role")
    if state not in step.sources:
        raise StepRefused(f"举报当前为「{LABELS[state]}」，不能进行「{step.label}」", "state")
    if step.needs_valid and screening != "valid":
        raise StepRefused(f"只有甄别为「{LABELS['valid']}」的举报才能移交", "state")
    if step.outcomes and outcome not in step.outcomes:
        allowed = "、".join(LABELS[o] for o in step.outcomes)
        raise StepRefused(f"「{step.label}」须选择结果：{allowed}", "outcome")
    if not step.outcomes and outcome:
        raise StepRefused(f"「{step.label}」不带结果", "outcome")
    return step
