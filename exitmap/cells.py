"""Text written into a CSV or spreadsheet cell, made inert: the one writer rule every file obeys.

Excel, WPS and LibreOffice run a cell as a formula when its text starts with ``=``, ``+``, ``-``
or ``@`` (a tab or carriage return in front does not stop them). Registers may carry such text
in any free-text field (企业名称 ``=HYPERLINK("http://…"&A1,"x")``, a sheet or file name), and the
lists we write are published: none of it may come back as a live formula.

The rule, after OWASP's advice on CSV injection: text that starts with one of those characters,
after any leading spaces, gets a leading apostrophe, ``'=1+1``. Chosen over the alternatives
because
- it is the spreadsheet users' own sign for "text follows", so a reader sees the name as it was
  written with one mark in front, and nothing is dropped or re-spelled;
- the same rule works in every format, so a CSV and an xlsx of the same list say the same thing
  (an xlsx string cell alone is inert only until someone edits it, or copies it into a CSV);
- quoting the CSV field is not enough (spreadsheets unquote before they evaluate).
Only text is touched: numbers, dates, booleans and empty cells pass unchanged (a float -2.5 stays
a number cell), and so does text that is one plain number ("-2.5", "+86"), which every
spreadsheet reads as that constant, never as a formula; "-2+3" is a formula and is prefixed.
"""

from __future__ import annotations

import re

import pandas as pd
import polars as pl

# A formula trigger after any leading spaces (ASCII or ideographic), unless the whole text is
# one plain decimal number.
_TRIGGER = r"^[ \u3000]*[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+\-]?(\d+\.?\d*|\.\d+)([eE][+\-]?\d+)?$"
_trigger = re.compile(_TRIGGER)
_plain_number = re.compile(_PLAIN_NUMBER)

PREFIX = "'"


def is_live(text: str) -> bool:
    """Would a spreadsheet read this text as a formula?"""
    return bool(_trigger.match(text)) and not _plain_number.match(text)


def neutralise(value: object) -> object:
    """``value`` as it may be written into a cell: live text prefixed, everything else as is."""
    if isinstance(value, str) and is_live(value):
        return PREFIX + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a pandas ``frame`` whose text cells are all inert (column names too)."""
    out = frame.rename(columns=lambda c: neutralise(c) if isinstance(c, str) else c)
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise, na_action="ignore")
    return out


def neutralise_polars(frame: pl.DataFrame) -> pl.DataFrame:
    """The same for a polars ``frame`` (its string columns, in one vectorised pass)."""
    live = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_TRIGGER) & ~pl.col(c).str.contains(_PLAIN_NUMBER))
        .then(pl.lit(PREFIX) + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in live
    ).rename({c: neutralise(c) for c in frame.columns if neutralise(c) != c})


def put(sheet, row: int, column: int, value: object):
    """Write ``value`` into an openpyxl cell as inert text or a plain value; return the cell.

    openpyxl stores any string starting with ``=`` as a formula; the cell's type is forced to
    text as well, so nothing written here is ever one."""
    cell = sheet.cell(row=row, column=column, value=neutralise(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def append(sheet, values) -> None:
    """Append one row to an openpyxl sheet, each cell as ``put`` writes it."""
    values = [neutralise(v) for v in values]
    sheet.append(values)
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            sheet.cell(row=row, column=column).data_type = "s"


def write_only_row(sheet, values) -> list:
    """The cells of one row for a write-only openpyxl sheet (``sheet.append`` them)."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=neutralise(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"
        cells.append(cell)
    return cells
