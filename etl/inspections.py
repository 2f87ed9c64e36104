"""督导检查 written to the database (seed 四(五)): the office's inspection visits, what each
found, the rectification demanded by a deadline, and its closing.

Every check is made before anything is written; a visit and its findings go in one
transaction (nothing half recorded).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from etl.decisions import DecisionError, resolve_prefecture


@dataclass(frozen=True)
class Finding:
    finding: str
    demand: str  # the rectification demanded
    deadline: dt.date
    unit_key: str | None = None  # the unit it concerns, if one


def record_inspection(
    engine: sa.Engine,
    prefecture: str | int,
    visited_on: dt.date,
    team: str,
    findings: list[Finding],
    by: str,
    summary: str = "",
) -> int:
    """Record a visit to ``prefecture`` with its ``findings``; its id. Refused with a
    DecisionError (Chinese) naming the finding and what is wrong."""
    if not team or not team.strip():
        raise DecisionError("请填写检查组（--team）")
    with engine.begin() as conn:
        adcode, name = resolve_prefecture(conn, prefecture)
        rows = [
            _finding_row(conn, i, f, adcode, name, visited_on) for i, f in enumerate(findings, 1)
        ]
        inspection_id = conn.execute(
            sa.text(
                "INSERT INTO inspection (prefecture_adcode, visited_on, team, summary, recorded_by)"
                " VALUES (:a, :on, :team, :summary, :by) RETURNING id"
            ),
            {"a": adcode, "on": visited_on, "team": team.strip(), "summary": summary, "by": by},
        ).scalar_one()
        if rows:
            conn.execute(
                sa.text(
                    "INSERT INTO inspection_finding (inspection_id, unit_id, finding, demand,"
                    " deadline) VALUES (:i, :unit, :finding, :demand, :deadline)"
                ),
                [r | {"i": inspection_id} for r in rows],
            )
    return inspection_id


def _finding_row(
    conn: sa.Connection, n: int, f: Finding, adcode: int, name: str, visited_on: dt.date
) -> dict:
    where = f"第{n}条问题"
    if not f.finding.strip() or not f.demand.strip():
        raise DecisionError(f"{where}：请写明发现的问题和整改要求")
    if f.deadline < visited_on:
        raise DecisionError(f"{where}：整改期限 {f.deadline} 早于检查日期 {visited_on}")
    unit_id = None
    if f.unit_key:
        found = conn.execute(
            sa.text("SELECT id, prefecture_adcode FROM unit WHERE unit_key = :k"), {"k": f.unit_key}
        ).one_or_none()
        if found is None:
            raise DecisionError(f"{where}：找不到装备「{f.unit_key}」")
        if found.prefecture_adcode != adcode:
            raise DecisionError(f"{where}：装备「{f.unit_key}」不在{name}")
        unit_id = found.id
    return {"unit": unit_id, "finding": f.finding.strip(), "demand": f.demand.strip(),
            "deadline": f.deadline}  # fmt: skip


def close_finding(engine: sa.Engine, finding_id: int, closed_on: dt.date, by: str, note: str = ""):
    """Close a finding whose rectification is done (on ``closed_on``)."""
    with engine.begin() as conn:
        row = conn.execute(
            sa.text(
                "SELECT f.closed_on, i.visited_on FROM inspection_finding f"
                " JOIN inspection i ON i.id = f.inspection_id WHERE f.id = :id FOR UPDATE OF f"
            ),
            {"id": finding_id},
        ).one_or_none()
        if row is None:
            raise DecisionError(f"找不到检查问题 {finding_id}")
        if row.closed_on is not None:
            raise DecisionError(f"检查问题 {finding_id} 已于 {row.closed_on} 销号")
        if closed_on < row.visited_on:
            raise DecisionError(f"销号日期 {closed_on} 早于检查日期 {row.visited_on}")
        conn.execute(
            sa.text(
                "UPDATE inspection_finding SET closed_on = :on, closed_note = :note,"
                " closed_by = :by WHERE id = :id"
            ),
            {"on": closed_on, "note": note, "by": by, "id": finding_id},
        )
