"""The year's reports from the public (举报) for the annual report: by kind, how many were
received, closed and substantiated, and how long closing took; the deck's slide reads the same.
Counts only — no description, no place, never the reporter. A department counts its own kinds
once handed to it (``layers.report_counts.report_scope_sql``), as everywhere else."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from exitmap.clock import end_of, start_of
from exitmap.policy.reports import reports_policy
from exitmap.scope import EVERYTHING, Scope
from layers.report_counts import report_scope_params, report_scope_sql

# By kind, and the year's total in the same pass (the row whose service_code is NULL): the mean
# days to close over every report closed, not a mean of the kinds' means.
YEAR_SQL = f"""
SELECT service_code,
       count(*) AS received,
       count(*) FILTER (WHERE status = 'closed' AND closed_datetime < :until) AS closed,
       count(*) FILTER (WHERE resolution = 'substantiated' AND closed_datetime < :until)
           AS substantiated,
       avg(EXTRACT(EPOCH FROM closed_datetime - requested_datetime) / 86400.0)
           FILTER (WHERE status = 'closed' AND closed_datetime < :until) AS days_to_close
FROM report
WHERE requested_datetime >= :since AND requested_datetime < :until
      AND {report_scope_sql("report")}
GROUP BY GROUPING SETS ((service_code), ())
"""
COLUMNS = ["kind", "received", "closed", "substantiated", "substantiated_pct", "days_to_close"]
TOTAL = "合计"


@dataclass(frozen=True)
class ReportsYear:
    """The year's reports: ``kinds`` (COLUMNS, one row per kind of reports.toml, in its
    order) and ``total`` (the same figures over every kind, ``kind`` = 合计)."""

    kinds: pd.DataFrame
    total: dict


def _figures(name: str, r) -> list:
    closed = int(r["closed"]) if r else 0
    substantiated = int(r["substantiated"]) if r else 0
    days = r["days_to_close"] if r else None
    return [
        name,
        int(r["received"]) if r else 0,
        closed,
        substantiated,
        round(100 * substantiated / closed, 1) if closed else None,
        round(float(days), 1) if days is not None else None,
    ]


def reports_year(
    engine: sa.Engine, year: int, end: dt.date, scope: Scope = EVERYTHING
) -> ReportsYear:
    """The reports the scope sees received in ``year`` up to ``end``: received, closed and
    substantiated by ``end``, the substantiated share of those closed in percent (None when
    none closed) and the mean days from receipt to closure — by kind and in total, one query
    for the annual report's section 七 and the deck's slide."""
    params = {"since": start_of(dt.date(year, 1, 1)), "until": end_of(end)}
    params |= report_scope_params(scope)
    with engine.connect() as conn:
        rows = {r["service_code"]: r for r in conn.execute(sa.text(YEAR_SQL), params).mappings()}
    kinds = [_figures(kind.name, rows.get(code)) for code, kind in reports_policy().kinds.items()]
    total = dict(zip(COLUMNS, _figures(TOTAL, rows.get(None)), strict=True))
    return ReportsYear(pd.DataFrame(kinds, columns=COLUMNS), total)


def reports_in_year(
    engine: sa.Engine, year: int, end: dt.date, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """``reports_year``'s rows by kind."""
    return reports_year(engine, year, end, scope).kinds
