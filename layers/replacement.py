"""产能置换 read side: the replacement projects and the exited capacity each uses, within a
scope (filtered in SQL)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from exitmap.scope import EVERYTHING, Scope, scope_sql

PROJECTS_SQL = f"""
SELECT p.id, p.name, p.enterprise, p.prefecture_adcode, pr.name AS prefecture_name,
       p.sub_industry, p.new_capacity_wt, p.ratio, p.document_no, p.approved_on,
       COALESCE(sum(r.capacity_wt), 0)::float8 AS used_capacity_wt,
       count(r.id) AS units,
       string_agg(u.unit_key, '、' ORDER BY u.unit_key) AS unit_keys,
       -- Where the map puts the project: a point inside its county, else its prefecture.
       ST_X(ST_PointOnSurface(COALESCE(c.geom, pr.geom))) AS lon,
       ST_Y(ST_PointOnSurface(COALESCE(c.geom, pr.geom))) AS lat
FROM replacement_project p
JOIN prefecture pr ON pr.adcode = p.prefecture_adcode
LEFT JOIN county c ON c.adcode = p.county_adcode
LEFT JOIN replacement_use r ON r.project_id = p.id
LEFT JOIN unit u ON u.id = r.unit_id
WHERE {scope_sql("p.prefecture_adcode")}
GROUP BY p.id, pr.name, pr.geom, c.geom
ORDER BY p.approved_on, p.id
"""

USES_SQL = f"""
SELECT r.project_id, u.unit_key, u.prefecture_adcode AS unit_prefecture_adcode,
       r.capacity_wt, u.capacity_wt AS unit_capacity_wt,
       ST_X(u.geom) AS lon, ST_Y(u.geom) AS lat
FROM replacement_use r
JOIN replacement_project p ON p.id = r.project_id
JOIN unit u ON u.id = r.unit_id
WHERE {scope_sql("p.prefecture_adcode")}
ORDER BY r.project_id, u.unit_key
"""


def projects(engine: sa.Engine, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """One row per project ``scope`` sees: the new capacity, the ratio it was approved at, the
    exited capacity it uses and from which units."""
    with engine.connect() as conn:
        return pd.read_sql_query(sa.text(PROJECTS_SQL), conn, params=scope.params())


def uses(engine: sa.Engine, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """One row per unit used by a project ``scope`` sees, with the unit's place (map lines
    from the exited units to the project's prefecture)."""
    with engine.connect() as conn:
        return pd.read_sql_query(sa.text(USES_SQL), conn, params=scope.params())
