"""What is loaded: data date, load time, counts by source, synthetic units (for banners, 说明)."""

from __future__ import annotations

import sqlalchemy as sa

STATUS_SQL = """
SELECT (SELECT max(as_of) FROM load_record) AS as_of,
       (SELECT max(loaded_at) FROM load_record) AS loaded_at,
       (SELECT count(*) FROM load_record) AS loads,
       (SELECT count(*) FROM unit) AS units,
       (SELECT count(*) FROM unit WHERE synthetic) AS synthetic,
       (SELECT count(*) FROM unit WHERE source = 'gem') AS gem,
       (SELECT count(*) FROM unit WHERE source = 'register' AND NOT synthetic) AS register,
       (SELECT count(*) FROM quota_entry) AS quota_entries,
       (SELECT count(*) FROM freeze_decision) AS freeze_decisions
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
