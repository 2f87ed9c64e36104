"""The load report: one CSV line per data row, so an official can fix the file row by row."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from etl.pipeline import Prepared
from exitmap.cells import neutralise_polars

COLUMNS = (
    "file",
    "sheet",
    "row",
    "status",
    "unit_key",
    "prefecture_adcode",
    "county_adcode",
    "lon",
    "lat",
    "precision",
    "messages",
)


def report_frame(prepared: Prepared) -> pl.DataFrame:
    rows = prepared.rows
    if rows.is_empty():
        return pl.DataFrame(schema=dict.fromkeys(COLUMNS, pl.Utf8))
    return rows.select(
        "file",
        "sheet",
        "row",
        pl.col("outcome").alias("status"),
        "unit_key",
        "prefecture_adcode",
        "county_adcode",
        pl.col("lon_wgs84").round(6).alias("lon"),
        pl.col("lat_wgs84").round(6).alias("lat"),
        pl.col("location_precision").alias("precision"),
        pl.col("messages").list.join("；").alias("messages"),
    )


def write_report(prepared: Prepared, path: Path) -> int:
    """Write the CSV (UTF-8 with BOM, so Excel shows the Chinese); return its line count.

    File and sheet names and every quoted cell come from the register: written inert
    (exitmap/cells.py)."""
    frame = report_frame(prepared)
    with path.open("wb") as fh:
        fh.write("\ufeff".encode())
        neutralise_polars(frame).write_csv(fh)
    return frame.height
