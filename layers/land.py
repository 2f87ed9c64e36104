"""盘活土地资源 read side (seed 三(三)): the exited sites and what became of their land on a
date; for a site converted to encouraged services, the end of the window in which it keeps its
original use and land right, and whether that end is near. Within a scope (in SQL)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from exitmap.policy.land import LandRules, default_land
from exitmap.scope import EVERYTHING, Scope, scope_sql

SITES_SQL = f"""
SELECT s.id, u.unit_key, e.name AS enterprise_name, u.prefecture_adcode,
       p.name AS prefecture_name, s.area_mu, s.land_right, s.outcome, s.outcome_date,
       ST_X(u.geom) AS lon, ST_Y(u.geom) AS lat
FROM exited_site s
JOIN unit u ON u.id = s.unit_id
JOIN enterprise e ON e.id = u.enterprise_id
JOIN prefecture p ON p.adcode = u.prefecture_adcode
WHERE s.outcome_date <= :on AND {scope_sql("u.prefecture_adcode")}
ORDER BY u.prefecture_adcode, s.outcome_date, u.unit_key
"""


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def sites(
    engine: sa.Engine, on: dt.date, scope: Scope = EVERYTHING, rules: LandRules | None = None
) -> pd.DataFrame:
    """The sites whose outcome was recorded for a date on or before ``on`` that ``scope``
    sees; for 转产, ``window_end`` (the original use kept until then), ``days_left`` on ``on``
    and ``near`` (ending within the rules' near_days, not yet ended)."""
    rules = rules or default_land()
    with engine.connect() as conn:
        frame = pd.read_sql_query(sa.text(SITES_SQL), conn, params={"on": on} | scope.params())
    converted = frame["outcome"] == "转产"
    frame["window_end"] = [
        _years_later(d, rules.window_years) if c else None
        for d, c in zip(frame["outcome_date"], converted, strict=True)
    ]
    frame["days_left"] = pd.array(
        [(end - on).days if end else None for end in frame["window_end"]], dtype="Int64"
    )
    frame["near"] = [
        bool(end and 0 <= (end - on).days <= rules.near_days) for end in frame["window_end"]
    ]
    return frame
