"""What is loaded: data date, load time, counts by source, synthetic units (for banners, 说明)."""

from __future__ import annotations

import sqlalchemy as sa

from exitmap.scope import EVERYTHING, Scope, scope_sql

# Every page shows this (banner, data date): one pass over unit, not one per count.
STATUS_SQL = """
SELECT l.as_of, l.loaded_at, l.loads, u.units, u.synthetic, u.gem, u.register,
       (SELECT count(*) FROM quota_entry) AS quota_entries,
       (SELECT count(*) FROM freeze_decision) AS freeze_decisions
FROM (SELECT max(as_of) AS as_of, max(loaded_at) AS loaded_at, count(*) AS loads
      FROM load_record) l,
     (SELECT count(*) AS units,
             count(*) FILTER (WHERE synthetic) AS synthetic,
             count(*) FILTER (WHERE source = 'gem') AS gem,
             count(*) FILTER (WHERE source = 'register' AND NOT synthetic) AS register
      FROM unit) u
"""


def data_status(engine: sa.Engine) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(STATUS_SQL)).mappings().one())


UNIT_SQL = f"""
SELECT u.unit_key, u.synthetic, u.source, u.source_detail, u.address, u.capacity_wt,
       u.location_precision::text AS location_precision, u.workers, u.exit_method,
       u.planned_exit_date, u.remarks, u.county_adcode, ST_X(u.geom) AS lon, ST_Y(u.geom) AS lat
FROM unit u WHERE u.unit_key = :k AND {scope_sql("u.prefecture_adcode")}
"""


def unit_record(engine: sa.Engine, unit_key: str, scope: Scope = EVERYTHING) -> dict | None:
    """The unit's register fields that the evaluation does not carry (None if unknown or
    outside ``scope``)."""
    with engine.connect() as conn:
        row = conn.execute(sa.text(UNIT_SQL), {"k": unit_key} | scope.params()).mappings().first()
    return dict(row) if row else None


PREFECTURES_SQL = f"SELECT adcode, name FROM prefecture WHERE {scope_sql('adcode')} ORDER BY adcode"


def prefecture_names(conn: sa.Connection, scope: Scope = EVERYTHING) -> dict[int, str]:
    """adcode → name of the prefectures ``scope`` sees, by adcode."""
    return dict(conn.execute(sa.text(PREFECTURES_SQL), scope.params()).all())


def unit_prefecture(engine: sa.Engine, unit_key: str) -> int | None:
    """The prefecture a unit key belongs to, whoever asks (None: no such unit) — only so that
    a page can say the unit is not the caller's (migration 0005 ``exitmap_unit_prefecture``)."""
    with engine.connect() as conn:
        sql = sa.text("SELECT exitmap_unit_prefecture(:k)")
        return conn.execute(sql, {"k": unit_key}).scalar_one()
