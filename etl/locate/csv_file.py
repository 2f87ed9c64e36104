"""The ``exitmap locate`` command's work: a CSV with lon, lat columns in, the same CSV with
each row's prefecture, county and WGS-84 coordinates appended out.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from etl.locate.rows import locate
from etl.text import decode
from exitmap.cells import neutralise_frame


def read_csv_any(path: Path) -> pd.DataFrame:
    """Read a CSV in UTF-8 (with or without BOM) or GBK/GB18030, keeping every cell as text."""
    text = decode(Path(path).read_bytes())
    if text is None:
        raise ValueError(f"{path}：无法识别文件编码（请用 UTF-8 或 GBK）")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def locate_csv(in_path, out_path) -> pd.DataFrame:
    """Append location columns to a CSV with lon, lat (optional crs, address) columns.

    Optional prefecture / county columns are checked against the result like 州（市）and
    县（市、区）in a register.
    Written as UTF-8 with BOM so Excel opens it correctly; returns the frame (as located,
    before its text was made inert for the file).
    """
    df = read_csv_any(Path(in_path))
    missing = [c for c in ("lon", "lat") if c not in df.columns]
    if missing:
        raise ValueError(f"{in_path}: missing column(s) {', '.join(missing)}")

    def col(name):
        return df[name].to_numpy(dtype=object) if name in df.columns else None

    result = locate(
        col("lon"),
        col("lat"),
        col("crs"),
        address=col("address"),
        county_text=col("county"),
        prefecture_text=col("prefecture"),
    )
    extra = result.to_frame()
    out = pd.concat([df.reset_index(drop=True), extra], axis=1)
    # The input's own cells come back too: written inert (exitmap/cells.py).
    neutralise_frame(out).to_csv(out_path, index=False, encoding="utf-8-sig", float_format="%.6f")
    return out
