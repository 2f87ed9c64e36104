"""Today's date, overridable (EXITMAP_TODAY) so demos and tests replay a fixed day."""

from __future__ import annotations

import datetime as dt

from exitmap import settings


def today() -> dt.date:
    fixed = settings.get("today")
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()
