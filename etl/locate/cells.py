"""Register columns as arrays: blank cells, text columns, work done once per distinct value."""

from __future__ import annotations

import numpy as np
import pandas as pd


def blank(values: np.ndarray) -> np.ndarray:
    """True for None/NaN/empty-string cells."""
    if values.dtype == object and len(values) and values[0] is None and _all_none(values):
        return np.ones(len(values), dtype=bool)
    series = pd.Series(values, dtype=object)
    return series.isna().to_numpy() | (series.astype(str).str.strip() == "").to_numpy()


def _all_none(values: np.ndarray) -> bool:
    return bool(np.equal(values, None).all())


def as_text_array(values, n: int) -> np.ndarray:
    """An optional column (None, a scalar or n cells) as n object cells."""
    if values is None:
        return np.full(n, None, dtype=object)
    arr = np.asarray(values, dtype=object)
    return np.broadcast_to(arr, (n,)) if arr.ndim == 0 else arr


def per_unique(values: np.ndarray, func) -> np.ndarray:
    """Apply func once per distinct value (registers repeat the same texts a lot)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    mapped = np.array([func(u) for u in uniques] + [func(None)], dtype=object)
    return mapped[codes]  # sentinel -1 picks the trailing func(None)
