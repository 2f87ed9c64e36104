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


def now() -> dt.datetime:
    """This instant in the province; on a fixed day (EXITMAP_TODAY) that day at this time, so
    that what is recorded today (a report received) agrees with the pages' today."""
    current = dt.datetime.now(ZONE)
    fixed = settings.get("today")
    if not fixed:
        return current
    return dt.datetime.combine(dt.date.fromisoformat(fixed), current.timetz())
