"""Calendar arithmetic for deadlines: whole months, and month-precision dates.

Registers often give "2021.12" for a date; it is stored as the 1st of the month with precision
'month'. As a deadline such a date means the END of the month: the unit had the whole month.
"""

from __future__ import annotations

import calendar
import datetime as dt


def end_of_month(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: dt.date, months: int) -> dt.date:
    """d plus whole calendar months, clamped to the month's last day (08-31 + 6 → 02-28).

    Same result as PostgreSQL's ``date + interval 'n months'``, which the SQL side uses.
    """
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    day = min(d.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day)


def as_deadline(d: dt.date | None, precision: str | None) -> dt.date | None:
    """The last day a date allows: the end of the month for month precision."""
    if d is None:
        return None
    return end_of_month(d) if precision == "month" else d
