"""Text written into a CSV or spreadsheet cell, made inert.

A cell that starts with = + - @ (or a tab or carriage return before them) is read as a
formula by spreadsheet programs; what a user typed (a user agent, a failed user name) must
never run as one. Such text gets a leading apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are all inert."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(neutralise)
    return out
