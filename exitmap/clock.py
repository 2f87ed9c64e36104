"""Today's date, overridable (EXITMAP_TODAY) so demos and tests replay a fixed day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from exitmap import settings


def today() -> dt.date:
    fixed = settings.get("today")
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()


# The province's day: record times are instants, "known on" a date means by that day's end.
ZONE = ZoneInfo("Asia/Shanghai")


def start_of(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` in the province."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=ZONE)


def end_of(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in the province: known on ``day`` = recorded before it."""
    return start_of(day + dt.timedelta(days=1))
