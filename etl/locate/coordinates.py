"""Coordinates as people type them: decimal degrees or degree-minute-second, with marks,
hemisphere words and full-width characters; blank and unreadable cells kept apart.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np
import pandas as pd

from etl.locate.cells import blank

# Everything that people type for degree / minute / second marks, mapped to one symbol each.
_MARKS = [
    ("''", "″"), ("′′", "″"), ("’’", "″"), ("度", "°"), ("º", "°"), ("˚", "°"), ("分", "′"),
    ("'", "′"), ("’", "′"), ("‘", "′"), ("´", "′"), ("秒", "″"), ('"', "″"), ("“", "″"),
    ("”", "″"), ("〃", "″"), ("：", ":"), ("，", "."), ("。", "."),
]  # fmt: skip
_HEMI_PREFIX = re.compile(r"^(东经|北纬|西经|南纬|[东西南北]|[NSEWnsew])\s*")
_HEMI_SUFFIX = re.compile(r"\s*(东经|北纬|西经|南纬|[东西南北]|[NSEWnsew])$")
_NEGATIVE_HEMI = {"西经", "南纬", "西", "南", "S", "W", "s", "w"}
_NUM = r"(?:\d+(?:\.\d*)?|\.\d+)"
_DMS = re.compile(
    rf"^(?P<sign>[-+])?\s*(?P<d>{_NUM})\s*[°:]?\s*"
    rf"(?:(?P<m>{_NUM})\s*[′:]?\s*(?:(?P<s>{_NUM})\s*″?)?)?$"
)


@functools.lru_cache(maxsize=65536)
def _parse_one(text: str) -> float:
    s = unicodedata.normalize("NFKC", text).strip()
    for old, new in _MARKS:
        s = s.replace(old, new)
    s = s.replace("−", "-")
    sign = 1.0
    for pattern in (_HEMI_PREFIX, _HEMI_SUFFIX):
        match = pattern.search(s)
        if match:
            if match.group(1) in _NEGATIVE_HEMI:
                sign = -1.0
            s = pattern.sub("", s, count=1)
            break
    match = _DMS.match(s.strip())
    if not match:
        return float("nan")
    deg, minutes, seconds = match.group("d"), match.group("m"), match.group("s")
    value = float(deg)
    if minutes is not None:
        # A fractional part is only allowed on the last component ("25°2.5′", not "25.5°30′").
        if "." in deg or (seconds is not None and "." in minutes):
            return float("nan")
        m = float(minutes)
        sec = float(seconds) if seconds is not None else 0.0
        if m >= 60 or sec >= 60:
            return float("nan")
        value += m / 60.0 + sec / 3600.0
    if match.group("sign") == "-":
        sign = -sign
    return sign * value


def parse_coordinate(values, *, return_failed: bool = False):
    """Parse decimal or degree-minute-second coordinates into float degrees.

    Blank and unparseable cells give NaN. With return_failed=True also returns a boolean mask
    of the cells that were not blank but could not be read (the caller reports them).
    """
    arr = np.atleast_1d(np.asarray(values, dtype=object))
    series = pd.Series(arr, dtype=object)
    # Most cells are plain numbers: let pandas do them in C, regex only the rest.
    out = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    todo = np.isnan(out) & ~blank(arr)
    if todo.any():
        out[todo] = [_parse_one(str(v)) for v in arr[todo]]
    failed = todo & np.isnan(out)
    return (out, failed) if return_failed else out
