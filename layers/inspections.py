"""督导检查 read side: the findings of the office's visits as they stood on a date, within a
scope (filtered in SQL): open, overdue (open past its deadline) or closed."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from exitmap.scope import EVERYTHING, Scope, scope_sql

FINDINGS_SQL = f"""
SELECT f.id, i.id AS inspection_id, i.prefecture_adcode, p.name AS prefecture_name,
       i.visited_on, i.team, u.unit_key, f.finding, f.demand, f.deadline,
       CASE WHEN f.closed_on <= :on THEN f.closed_on END AS closed_on,
       CASE WHEN f.closed_on <= :on THEN 'closed'
            WHEN f.deadline < :on THEN 'overdue'
            ELSE 'open' END AS state,
       CASE WHEN (f.closed_on IS NULL OR f.closed_on > :on) AND f.deadline < :on
            THEN :on - f.deadline END AS days_late
FROM inspection_finding f
JOIN inspection i ON i.id = f.inspection_id
JOIN prefecture p ON p.adcode = i.prefecture_adcode
LEFT JOIN unit u ON u.id = f.unit_id
WHERE i.visited_on <= :on AND {scope_sql("i.prefecture_adcode")}
ORDER BY i.prefecture_adcode, COALESCE(f.closed_on <= :on, false), f.deadline, f.id
"""


def findings(engine: sa.Engine, on: dt.date, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Every finding of the visits made by ``on`` that ``scope`` sees, with its state on
    ``on``; per prefecture, those not closed first, by deadline."""
    with engine.connect() as conn:
        frame = pd.read_sql_query(sa.text(FINDINGS_SQL), conn, params={"on": on} | scope.params())
    frame["days_late"] = frame["days_late"].astype("Int64")
    return frame
