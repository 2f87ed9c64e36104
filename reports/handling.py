"""A step taken on a report: screen, assign, reassign, start, close, or a note.

``take`` reads the report as the caller's session may see it (row-level security: a report the
caller cannot see is "not found"), checks the step against the state table (reports/states.py)
and the caller's role, writes the new state and one ``report_event`` row with who, when and the
notes — all in one transaction. A reassignment changes the department and keeps the deadline:
nothing restarts silently, and the event says from whom to whom.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from exitmap import clock
from exitmap.clock import ZONE
from exitmap.policy import default_policy
from exitmap.policy.reports import reports_policy
from exitmap.scope import Scope
from reports.intake import INSERT_EVENT, MAX_DESCRIPTION
from reports.states import STEPS, StepRefused, check

READ_SQL = """
SELECT id, status, screening, agency_responsible, resolution, unit_key, closed_datetime
FROM report WHERE service_request_id = :reference
"""
# Locking needs the UPDATE policy too, which a prefecture's or a leader's session lacks: the
# step is checked on the plain read first (so the refusal says "your role"), then locked.
LOCK_SQL = READ_SQL + " FOR UPDATE"
UPDATE_SQL = """
UPDATE report SET status = :status, screening = :screening, resolution = :resolution,
    agency_responsible = :agency, unit_key = :unit_key, updated_datetime = :now,
    acknowledged_datetime = COALESCE(acknowledged_datetime, :acknowledged),
    closed_datetime = :closed
WHERE id = :id
"""


class ReportNotFound(StepRefused):
    def __init__(self, reference: str):
        super().__init__(f"没有编号为「{reference[:40]}」的举报，或您无权查看", "missing")


UNIT_SQL = "SELECT id, prefecture_adcode, status FROM unit WHERE unit_key = :key"
HOLD_SQL = """
INSERT INTO unit_hold (unit_id, report_id, prefecture_adcode, held_from, recorded_at)
VALUES (:unit_id, :report_id, :prefecture, :held_from, :recorded_at)
"""


@dataclass(frozen=True)
class Taken:
    reference: str
    step: str
    from_status: str
    to_status: str
    outcome: str | None
    department: str
    held: bool = False  # a substantiated report on an exited unit: its quota is now held


def departments() -> tuple[str, ...]:
    """The departments a report may be handed to (those of reports.toml)."""
    return tuple(dict.fromkeys(k.department for k in reports_policy().kinds.values()))


def take(
    engine: sa.Engine,
    scope: Scope,
    reference: str,
    step_name: str,
    now: dt.datetime,
    *,
    outcome: str | None = None,
    notes: str = "",
    department: str | None = None,
    unit_key: str | None = None,
) -> Taken:
    """Take the step, or raise StepRefused (ReportNotFound) saying why, changing nothing."""
    notes = (notes or "").strip()
    if len(notes) > MAX_DESCRIPTION:
        raise StepRefused(f"备注不能超过 {MAX_DESCRIPTION} 字", "input")
    with engine.begin() as conn:
        row = conn.execute(sa.text(READ_SQL), {"reference": reference}).mappings().first()
        if row is None:
            raise ReportNotFound(reference)
        check(step_name, scope.role, row["status"], row["screening"], outcome)
        row = conn.execute(sa.text(LOCK_SQL), {"reference": reference}).mappings().first()
        if row is None:
            raise ReportNotFound(reference)
        step = check(step_name, scope.role, row["status"], row["screening"], outcome)
        if scope.role == "department" and row["agency_responsible"] not in scope.departments:
            raise StepRefused("此举报不由您的部门办理", "role")
        if step_name == "note" and not notes:
            raise StepRefused("备注不能为空", "input")
        agency = row["agency_responsible"]
        if step_name in ("assign", "reassign") and department is not None:
            if department not in departments():
                raise StepRefused(f"承办部门应为 {'、'.join(departments())} 之一", "input")
            agency = department
        if step_name == "reassign" and agency == row["agency_responsible"]:
            raise StepRefused("改派须选择另一个承办部门", "input")
        to_status = step.target or row["status"]
        held = False
        if step_name == "close" and unit_key:
            unit = conn.execute(sa.text(UNIT_SQL), {"key": unit_key}).mappings().first()
            if unit is None:
                raise StepRefused(f"没有编码为「{unit_key[:60]}」的装备", "input")
            # An exited unit shown producing again: flag it and hold what its exit released.
            if outcome == "substantiated" and unit["status"] in default_policy().statuses.exited:
                conn.execute(
                    sa.text(HOLD_SQL),
                    {
                        "unit_id": unit["id"],
                        "report_id": row["id"],
                        "prefecture": unit["prefecture_adcode"],
                        "held_from": now.astimezone(ZONE).date(),
                        "recorded_at": now,
                    },
                )
                held = True
        conn.execute(
            sa.text(UPDATE_SQL),
            {
                "id": row["id"],
                "status": to_status,
                "screening": outcome if step_name == "screen" else row["screening"],
                "resolution": outcome if step_name == "close" else row["resolution"],
                "agency": agency,
                "unit_key": (unit_key or None) if step_name == "close" else row["unit_key"],
                "now": now,
                "acknowledged": now if step_name == "screen" else None,
                "closed": now if step_name == "close" else row["closed_datetime"],
            },
        )
        conn.execute(
            sa.text(INSERT_EVENT),
            {
                "report_id": row["id"],
                "at": now,
                "actor": scope.user,
                "role": scope.role,
                "step": step.name,
                "from_status": row["status"],
                "to_status": to_status,
                "outcome": outcome,
                "department": agency,
                "notes": notes,
            },
        )
    return Taken(reference, step.name, row["status"], to_status, outcome, agency, held)


RELEASE_SQL = """
UPDATE unit_hold SET released_on = :on, decision = :decision, released_at = :recorded_at
WHERE released_on IS NULL AND unit_id = (SELECT id FROM unit WHERE unit_key = :key)
"""


def release_hold(
    engine: sa.Engine,
    scope: Scope,
    unit_key: str,
    on: dt.date,
    decision: str,
    now: dt.datetime | None = None,
) -> int:
    """The office's decision on a disputed exit: the held quota counts again from ``on``
    (the decision, e.g. 核实已关停, is kept with the hold), recorded at ``now`` (the clock's,
    unless given). The number of holds released."""
    if scope.role not in ("province", "system"):
        raise StepRefused("只有省办可以解除指标暂扣", "role")
    if not decision.strip():
        raise StepRefused("请写明决定（如：经核实已关停）", "input")
    with engine.begin() as conn:
        done = conn.execute(
            sa.text(RELEASE_SQL),
            {
                "on": on,
                "decision": decision.strip(),
                "key": unit_key,
                "recorded_at": now or clock.now(),
            },
        ).rowcount
    if not done:
        raise StepRefused(f"装备「{unit_key[:60]}」没有被暂扣的指标", "input")
    return done


__all__ = ["STEPS", "ReportNotFound", "StepRefused", "Taken", "release_hold", "take"]
