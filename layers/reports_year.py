"""The year's reports from the public (举报) for the annual report: by kind, how many were
received, closed and substantiated, and how long closing took. Counts only — no description,
no place, never the reporter."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from exitmap.clock import end_of, start_of
from exitmap.policy.reports import reports_policy
from exitmap.scope import EVERYTHING, Scope, scope_sql

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
      AND {scope_sql("prefecture_adcode")}
GROUP BY service_code
"""
COLUMNS = ["kind", "received", "closed", "substantiated", "substantiated_pct", "days_to_close"]


def reports_in_year(
    engine: sa.Engine, year: int, end: dt.date, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """One row per kind of reports.toml (in its order), received in ``year`` up to ``end``:
    received, closed and substantiated by ``end``, the substantiated share of those closed
    in percent (None when none closed) and the mean days from receipt to closure."""
    params = {"since": start_of(dt.date(year, 1, 1)), "until": end_of(end)} | scope.params()
    with engine.connect() as conn:
        rows = {r["service_code"]: r for r in conn.execute(sa.text(YEAR_SQL), params).mappings()}
    out = []
    for code, kind in reports_policy().kinds.items():
        r = rows.get(code)
        closed = int(r["closed"]) if r else 0
        substantiated = int(r["substantiated"]) if r else 0
        days = r["days_to_close"] if r else None
        out.append(
            [
                kind.name,
                int(r["received"]) if r else 0,
                closed,
                substantiated,
                round(100 * substantiated / closed, 1) if closed else None,
                round(float(days), 1) if days is not None else None,
            ]
        )
    return pd.DataFrame(out, columns=COLUMNS)
