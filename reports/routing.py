"""Where a report goes: the place gives the prefecture (and county), the kind the department;
the policy gives the deadlines.

A point is placed in its county by PostGIS against the full-resolution counties; an address is
placed by the caller (the app, with etl.locate, which this package sits beside) and handed in
as adcodes, checked here against the boundaries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from exitmap.clock import ZONE
from exitmap.errors import UserError
from exitmap.policy.reports import Kind

POINT_SQL = """
SELECT c.prefecture_adcode, c.adcode FROM county c
WHERE ST_Covers(c.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
ORDER BY c.adcode LIMIT 1
"""
AREAS_SQL = """
SELECT p.adcode, c.adcode FROM prefecture p
LEFT JOIN county c ON c.adcode = :county AND c.prefecture_adcode = p.adcode
WHERE p.adcode = :prefecture
"""


class PlaceError(UserError):
    """A report's place is outside the province, or names no prefecture."""


@dataclass(frozen=True)
class Place:
    prefecture: int
    county: int | None
    lon: float | None = None
    lat: float | None = None
    address: str | None = None


def place_of_point(conn: sa.Connection, lon: float, lat: float, address: str | None = None):
    """The county (and its prefecture) containing a WGS-84 point."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise PlaceError(f"经纬度超出范围：经度 {lon}，纬度 {lat}")
    found = conn.execute(sa.text(POINT_SQL), {"lon": lon, "lat": lat}).first()
    if found is None:
        raise PlaceError(f"位置（经度 {lon:.5f}，纬度 {lat:.5f}）不在云南省内，请重新选择")
    return Place(found[0], found[1], lon, lat, address)


def place_of_areas(conn: sa.Connection, prefecture: int | None, county: int | None, address: str):
    """An address already placed (etl.locate) at a prefecture and perhaps a county."""
    if prefecture is None:
        raise PlaceError(f"无法从地址「{address[:60]}」确定所在州（市），请在地图上选择位置")
    found = conn.execute(sa.text(AREAS_SQL), {"prefecture": prefecture, "county": county}).first()
    if found is None:
        raise PlaceError(f"没有代码为 {prefecture} 的州（市）")
    if county is not None and found[1] is None:
        raise PlaceError(f"县（市、区）{county} 不属于州（市）{prefecture}")
    return Place(prefecture, county, None, None, address)


@dataclass(frozen=True)
class Deadlines:
    acknowledge: dt.datetime
    expected: dt.datetime  # Open311 expected_datetime


def deadlines(kind: Kind, received: dt.datetime) -> Deadlines:
    """Received + the kind's days (calendar days: the seed says 限期, the office sets them)."""
    return Deadlines(
        received + dt.timedelta(days=kind.acknowledge.days),
        received + dt.timedelta(days=kind.finish.days),
    )


def late(deadline: dt.datetime, today: dt.date) -> bool:
    """Past its deadline on ``today`` (the province's day): due on the deadline's own day."""
    return today > deadline.astimezone(ZONE).date()
