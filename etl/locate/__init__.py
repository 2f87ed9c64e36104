"""Vectorised geocoder for register rows: coordinates or, failing that, place names.

Used by the register loader and by `exitmap locate`. Rows with coordinates are converted to
WGS-84 and placed in a county by point-in-polygon against the full-resolution counties; rows
without are placed at a county's or prefecture's representative point from the 县（市、区）,
州（市） or 详细地址 text. Every problem becomes a Chinese message naming its column.

Modules:

- ``rows``         ``locate``: the rows' coordinates first, then their text;
- ``coordinates``  decimal and degree-minute-second coordinates as people type them;
- ``grid``         which county contains a point (the counties cut into grid cells);
- ``names``        place names and addresses → prefecture and county adcodes;
- ``areas``        the prefectures and counties: codes, names, representative points;
- ``cells``        register columns as arrays (blanks, text, once per distinct value);
- ``results``      ``LocateResult`` and the per-row messages;
- ``csv_file``     ``locate_csv``, the work of ``exitmap locate``.
"""

from etl.locate.coordinates import parse_coordinate
from etl.locate.csv_file import locate_csv, read_csv_any
from etl.locate.names import match_county, match_prefecture, parse_address
from etl.locate.results import (
    COL_ADDRESS,
    COL_COUNTY,
    COL_CRS,
    COL_LAT,
    COL_LON,
    COL_PREFECTURE,
    LocateResult,
    Message,
    RowMessages,
)
from etl.locate.rows import locate

__all__ = [
    "COL_ADDRESS",
    "COL_COUNTY",
    "COL_CRS",
    "COL_LAT",
    "COL_LON",
    "COL_PREFECTURE",
    "LocateResult",
    "Message",
    "RowMessages",
    "locate",
    "locate_csv",
    "match_county",
    "match_prefecture",
    "parse_address",
    "parse_coordinate",
    "read_csv_any",
]
