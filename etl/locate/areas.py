"""Yunnan's prefectures and counties as the locator knows them: codes, names and the point a
row is placed at when only its prefecture or county is known.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from exitmap.boundaries import label_point, load_counties, load_labels, load_prefectures


@functools.cache
def county_table() -> pd.DataFrame:
    """Every county, in load_counties() order: adcode, name, prefecture, representative point."""
    counties = load_counties()
    prefs = load_prefectures().set_index("adcode")["name"]
    # Representative points stay inside the county even for concave or multi-part shapes.
    pts = [label_point(g, decimals=6) for g in counties.geometry]
    if (counties["adcode"] // 100 * 100 != counties["parent_adcode"]).any():
        raise RuntimeError("a county adcode does not start with its prefecture's")
    return pd.DataFrame(
        {
            "adcode": counties["adcode"].astype(np.int64).to_numpy(),
            "name": counties["name"].astype(object).to_numpy(),
            "parent_adcode": counties["parent_adcode"].astype(np.int64).to_numpy(),
            "parent_name": prefs.loc[counties["parent_adcode"]].astype(object).to_numpy(),
            "x": [p.x for p in pts],
            "y": [p.y for p in pts],
        }
    )


@functools.cache
def prefecture_table() -> pd.DataFrame:
    """Every prefecture: adcode, name and its label point."""
    labels = load_labels().set_index("adcode")
    prefs = load_prefectures()
    codes = prefs["adcode"].astype(np.int64).to_numpy()
    return pd.DataFrame(
        {
            "adcode": codes,
            "name": prefs["name"].astype(object).to_numpy(),
            "x": labels.loc[codes].geometry.x.to_numpy(),
            "y": labels.loc[codes].geometry.y.to_numpy(),
        }
    )


def parent_of(county_adcode):
    """Prefecture adcode of a county (checked in county_table: Yunnan has no exceptions)."""
    return county_adcode // 100 * 100
