"""职工安置 written to the database (seed 四(三)): an exiting firm's resettlement plan — the
workers affected, how many are resettled by each channel, the plan's date and status, the funds.

One plan per firm: recording it again replaces it (the plan as it now stands)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from etl.decisions import DecisionError
from exitmap.vocabulary import PREFECTURES, RESETTLEMENT_CHANNELS, RESETTLEMENT_STATUSES

# Within a prefecture when one is given (a prefecture's upload sees its own firms only).
FIRM_SQL = """
SELECT id, name, adcode FROM (
    SELECT e.id, e.name, COALESCE(e.prefecture_adcode,
           (SELECT min(u.prefecture_adcode) FROM unit u WHERE u.enterprise_id = e.id)) AS adcode
    FROM enterprise e WHERE e.credit_code = :firm OR e.name = :firm
) f WHERE CAST(:prefecture AS integer) IS NULL OR adcode = :prefecture
"""

UPSERT_SQL = f"""
INSERT INTO resettlement_plan (enterprise_id, prefecture_adcode, workers,
    {", ".join(RESETTLEMENT_CHANNELS)}, funds_10k_yuan, plan_date, status, recorded_by)
VALUES (:firm_id, :adcode, :workers, {", ".join(":" + c for c in RESETTLEMENT_CHANNELS)},
    :funds, :plan_date, :status, :by)
ON CONFLICT (enterprise_id) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in ("workers", *RESETTLEMENT_CHANNELS))},
    funds_10k_yuan = EXCLUDED.funds_10k_yuan, plan_date = EXCLUDED.plan_date,
    status = EXCLUDED.status, recorded_by = EXCLUDED.recorded_by, recorded_at = now()
RETURNING id
"""


def plan_problems(
    workers: int, channels: dict[str, int], status: str, funds_10k_yuan: float | None = None
) -> list[tuple[str, str]]:
    """What is wrong with a plan's values, as (field, message in Chinese); none: nothing.
    The screen, the command line and the register's 职工安置 sheet all check with this."""
    problems: list[tuple[str, str]] = []
    unknown = set(channels) - set(RESETTLEMENT_CHANNELS)
    if unknown:
        problems.append(("channels", f"没有这种安置渠道：{'、'.join(sorted(unknown))}"))
    if status not in RESETTLEMENT_STATUSES:
        told = f"方案状态应为 {'、'.join(RESETTLEMENT_STATUSES)} 之一，收到「{status}」"
        problems.append(("status", told))
    counts = {c: int(channels.get(c, 0) or 0) for c in RESETTLEMENT_CHANNELS}
    if workers < 0:
        problems.append(("workers", "人数不能为负"))
    problems += [(c, "人数不能为负") for c, n in counts.items() if n < 0]
    if workers >= 0 and sum(counts.values()) > workers:
        told = "、".join(f"{RESETTLEMENT_CHANNELS[c]} {n}" for c, n in counts.items() if n)
        problems.append(
            (
                "workers",
                f"各渠道安置人数合计 {sum(counts.values())}（{told}）超过涉及职工 {workers}",
            )
        )
    if funds_10k_yuan is not None and funds_10k_yuan < 0:
        problems.append(("funds_10k_yuan", "安置资金不能为负"))
    return problems


def find_firm(
    conn: sa.Connection, firm: str, prefecture: int | None = None
) -> tuple[int, str, int | None]:
    """The firm named by ``firm`` (统一社会信用代码 or exact name): id, name, 州（市）; only
    among the firms of ``prefecture`` if given."""
    found = conn.execute(sa.text(FIRM_SQL), {"firm": firm.strip(), "prefecture": prefecture}).all()
    if not found:
        where = f"{PREFECTURES[prefecture]}的" if prefecture is not None else ""
        raise DecisionError(f"找不到{where}企业「{firm}」：请用统一社会信用代码或企业全称")
    if len(found) > 1:
        raise DecisionError(f"企业名称「{firm}」对应多家企业：请用统一社会信用代码")
    return tuple(found[0])


def record_plan(
    target: sa.Engine | sa.Connection,
    firm: str,
    workers: int,
    channels: dict[str, int],
    plan_date: dt.date,
    status: str,
    by: str,
    funds_10k_yuan: float | None = None,
) -> int:
    """Record (or replace) the plan of ``firm`` (统一社会信用代码 or exact name); its id.
    Refused with a DecisionError (Chinese) saying what is wrong. Given a connection, the plan
    joins its transaction (an accepted register's 职工安置 sheet); given an engine, its own."""
    problems = plan_problems(workers, channels, status, funds_10k_yuan)
    if problems:
        raise DecisionError(problems[0][1])
    if isinstance(target, sa.Engine):
        with target.begin() as conn:
            return record_plan(conn, firm, workers, channels, plan_date, status, by, funds_10k_yuan)
    firm_id, name, adcode = find_firm(target, firm)
    if adcode is None:
        raise DecisionError(f"企业「{name}」没有所在州（市）")
    counts = {c: int(channels.get(c, 0) or 0) for c in RESETTLEMENT_CHANNELS}
    params = {"firm_id": firm_id, "adcode": adcode, "workers": workers, **counts}
    params |= {"funds": funds_10k_yuan, "plan_date": plan_date, "status": status, "by": by}
    return target.execute(sa.text(UPSERT_SQL), params).scalar_one()
