"""产能置换 written to the database: a new project under total-volume control and the exited
capacity it uses (seed 二(三)).

Checked and written in one transaction holding row locks on the units it uses, so two
projects racing for the same exited capacity cannot both pass:
- the new capacity's sub-industry is under total-volume control (data/policy/replacement.toml);
- each unit used is of that sub-industry, had exited by the approval date, has a known
  capacity, and its capacity is used at most once in total, over every project;
- the capacity used meets the ratio (exited : new) of the rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from etl.decisions import DecisionError, resolve_prefecture
from exitmap.policy.replacement import ReplacementRules, default_replacement
from layers.units import exited_by

# Capacities are 万吨/年 with two decimals in the registers: closer than this is equal.
EPSILON_WT = 0.005


@dataclass(frozen=True)
class Project:
    name: str
    enterprise: str
    prefecture: str | int
    sub_industry: str
    new_capacity_wt: float
    document_no: str
    approved_on: dt.date


UNITS_SQL = """
SELECT u.id, u.unit_key, u.sub_industry, u.capacity_wt,
       COALESCE((SELECT sum(r.capacity_wt) FROM replacement_use r WHERE r.unit_id = u.id), 0)
           AS used
FROM unit u WHERE u.unit_key = ANY(:keys)
ORDER BY u.id
FOR UPDATE OF u
"""


def record_project(
    engine: sa.Engine,
    project: Project,
    uses: list[tuple[str, float | None]],
    by: str,
    rules: ReplacementRules | None = None,
) -> int:
    """Check and record ``project`` using ``uses`` — (unit key, capacity in 万吨/年, or None
    for all that is left of it); its id. Refused with a DecisionError (Chinese) naming what
    fails and the figures."""
    rules = rules or default_replacement()
    _check_project(project, rules)
    if not uses:
        raise DecisionError("请列出所用的已退出装备（--use 装备编码[=万吨/年]）")
    keys = [key for key, _ in uses]
    if len(set(keys)) != len(keys):
        raise DecisionError("同一装备在一个置换项目中只能列一次")
    exited = _exited_by(engine, keys, project)
    with engine.begin() as conn:
        adcode, _ = resolve_prefecture(conn, project.prefecture)
        found = {r.unit_key: r for r in conn.execute(sa.text(UNITS_SQL), {"keys": keys})}
        taken = []
        for key, wanted in uses:
            taken.append(_take(found.get(key), key, wanted, project, exited))
        ratio = rules.ratio(project.sub_industry)
        needed = project.new_capacity_wt * ratio.value
        total = sum(amount for _, amount in taken)
        if total + EPSILON_WT < needed:
            new = f"新建{project.sub_industry}产能 {project.new_capacity_wt:g} 万吨/年"
            need = f"按 {ratio.text()} 需用已退出产能 {needed:.2f} 万吨/年"
            have = f"所列装备合计 {total:.2f} 万吨/年（比例出处：{ratio.source}）"
            raise DecisionError(f"置换比例不足：{new}，{need}，{have}")
        project_id = conn.execute(
            sa.text(
                """
INSERT INTO replacement_project (name, enterprise, prefecture_adcode, sub_industry,
    new_capacity_wt, ratio, document_no, approved_on, recorded_by)
VALUES (:name, :enterprise, :adcode, :sub, :capacity, :ratio, :doc, :on, :by) RETURNING id
"""
            ),
            {
                "name": project.name.strip(),
                "enterprise": project.enterprise.strip(),
                "adcode": adcode,
                "sub": project.sub_industry,
                "capacity": project.new_capacity_wt,
                "ratio": ratio.value,
                "doc": project.document_no.strip(),
                "on": project.approved_on,
                "by": by,
            },
        ).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO replacement_use (project_id, unit_id, capacity_wt) VALUES (:p, :u, :c)"
            ),
            [{"p": project_id, "u": unit_id, "c": amount} for unit_id, amount in taken],
        )
    return project_id


def _check_project(project: Project, rules: ReplacementRules) -> None:
    for label, text in (
        ("项目名称", project.name),
        ("企业名称", project.enterprise),
        ("批复文号", project.document_no),
    ):
        if not text or not text.strip():
            raise DecisionError(f"请填写{label}")
    if project.sub_industry not in rules.controlled:
        raise DecisionError(
            f"「{project.sub_industry}」不属于产能总量控制的行业（{'、'.join(rules.controlled)}），"
            "不以产能置换方式新建"
        )
    if not project.new_capacity_wt > 0:
        raise DecisionError(f"新建产能应大于 0，现为 {project.new_capacity_wt}")


def _exited_by(engine: sa.Engine, keys: list[str], project: Project) -> dict[str, dt.date]:
    """The units of ``keys`` that had exited by the approval date, with their exit dates (only
    the project's sub-industry is read: no other unit may serve it)."""
    frame = exited_by(engine, project.approved_on, sub_industry=project.sub_industry)
    frame = frame[frame["unit_key"].isin(keys)]
    return dict(zip(frame["unit_key"], frame["exit_date"], strict=True))


def _take(row, key: str, wanted: float | None, project: Project, exited: dict) -> tuple:
    """(unit id, capacity used) of one unit, or a DecisionError saying why not."""
    if row is None:
        raise DecisionError(f"找不到装备「{key}」")
    if row.sub_industry != project.sub_industry:
        raise DecisionError(
            f"装备「{key}」属于{row.sub_industry}，不能用于{project.sub_industry}项目的产能置换"
        )
    if key not in exited:
        raise DecisionError(f"装备「{key}」在批复日期 {project.approved_on} 尚未退出，不能用于置换")
    if row.capacity_wt is None:
        raise DecisionError(f"装备「{key}」的产能未登记，无法计算可用于置换的产能")
    left = row.capacity_wt - row.used
    amount = left if wanted is None else float(wanted)
    if left <= EPSILON_WT:
        raise DecisionError(
            f"装备「{key}」的产能 {row.capacity_wt:g} 万吨/年已全部用于其他置换项目"
        )
    if not amount > 0 or amount > left + EPSILON_WT:
        raise DecisionError(
            f"装备「{key}」可用于置换的产能为 {left:.2f} 万吨/年"
            f"（登记产能 {row.capacity_wt:g}，已用 {row.used:.2f}），所列为 {amount:g}"
        )
    return row.id, amount
