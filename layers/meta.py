"""What is loaded: data date, load time, counts by source, synthetic units (for banners, 说明)."""

from __future__ import annotations

import sqlalchemy as sa

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


UNIT_SQL = """
SELECT u.unit_key, u.synthetic, u.source, u.source_detail, u.address, u.capacity_wt,
       u.location_precision::text AS location_precision, u.workers, u.exit_method,
       u.planned_exit_date, u.remarks, u.county_adcode, ST_X(u.geom) AS lon, ST_Y(u.geom) AS lat
FROM unit u WHERE u.unit_key = :k
"""


def unit_record(engine: sa.Engine, unit_key: str) -> dict | None:
    """The unit's register fields that the evaluation does not carry (None if unknown)."""
    with engine.connect() as conn:
        row = conn.execute(sa.text(UNIT_SQL), {"k": unit_key}).mappings().first()
    return dict(row) if row else None
