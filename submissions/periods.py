"""The reporting period and where each prefecture stands in it (the 审核 page's overview).

The period (``EXITMAP_SUBMISSION_PERIOD``: month, quarter or year) whose register is due is the
last one ended; it is due ``EXITMAP_SUBMISSION_DEADLINE_DAYS`` after its end. A prefecture's
register for it is the latest submission dated (数据日期) within it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from exitmap import settings
from exitmap.errors import SettingsError
from exitmap.scope import Scope, scope_sql
from exitmap.vocabulary import PREFECTURES

MONTHS = {"month": 1, "quarter": 3, "year": 12}
# What a prefecture's register for the period is doing, in the order the page sorts them.
STATUS_LABELS = {
    "late": "逾期未报",
    "returned": "已退回",
    "arrived": "已报送待审",
    "accepted": "已采用",
    "draft": "已上传未报送",
    "due": "未到期",
}


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    deadline: dt.date

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"


def due_period(today: dt.date) -> Period:
    kind = settings.get("submission_period").strip().lower()
    if kind not in MONTHS:
        raise SettingsError(
            f"设置 EXITMAP_SUBMISSION_PERIOD={kind!r} 无效：应为 month、quarter 或 year"
        )
    months = MONTHS[kind]
    first_of_current = dt.date(today.year, (today.month - 1) // months * months + 1, 1)
    end = first_of_current - dt.timedelta(days=1)
    start = dt.date(end.year, (end.month - 1) // months * months + 1, 1)
    deadline = end + dt.timedelta(days=settings.get_int("submission_deadline_days"))
    return Period(start, end, deadline)


def standing(engine: sa.Engine, scope: Scope, today: dt.date) -> tuple[Period, list[dict]]:
    """Per prefecture in the scope: its register for the due period, and its status."""
    period = due_period(today)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f"""
                SELECT DISTINCT ON (prefecture_adcode) prefecture_adcode, id, state, created_at,
                       (SELECT min(at) FROM submission_transition t
                        WHERE t.submission_id = s.id AND t.action = 'submit') AS submitted_at
                FROM submission s
                WHERE as_of BETWEEN :start AND :end AND {scope_sql("prefecture_adcode")}
                ORDER BY prefecture_adcode, created_at DESC, id DESC
                """
            ),
            {"start": period.start, "end": period.end, **scope.params()},
        ).mappings()
        latest = {r["prefecture_adcode"]: dict(r) for r in rows}
    out = []
    for adcode, name in PREFECTURES.items():
        if not scope.sees(adcode):
            continue
        found = latest.get(adcode)
        status = _status(found, today, period)
        submitted = found["submitted_at"] if found else None
        out.append(
            {
                "adcode": adcode,
                "prefecture": name,
                "status": status,
                "label": STATUS_LABELS[status],
                "submission_id": found["id"] if found else None,
                "late": bool(submitted and submitted.date() > period.deadline),
            }
        )
    order = list(STATUS_LABELS)
    out.sort(key=lambda r: (order.index(r["status"]), r["adcode"]))
    return period, out


def _status(found: dict | None, today: dt.date, period: Period) -> str:
    if found is None or found["state"] == "draft":
        if today > period.deadline:
            return "late"
        return "draft" if found else "due"
    return {
        "submitted": "arrived",
        "returned": "returned",
        "accepted": "accepted",
        "reopened": "returned",
    }[found["state"]]
