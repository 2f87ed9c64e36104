"""Prefectures and counties the demo places firms in, and points drawn inside a county."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import shapely

from etl.demo.mixes import COUNTY_WEIGHTS
from exitmap.boundaries import load_counties, load_prefectures, short_name

# Coordinates are sampled this far (degrees) inside the county border, so that rounding, the
# jitter between units of one plant and the GCJ-02 round trip never leave the county.
# The display counties deviate from the full-resolution ones by at most ~0.0022° (domain §1).
DISPLAY_DEVIATION = 0.0025
JITTER = 0.0015
INSET = DISPLAY_DEVIATION + 2 * JITTER + 0.0015


@dataclass(frozen=True)
class County:
    adcode: int
    name: str
    short: str
    prefecture: int
    prefecture_name: str
    weight: float


@functools.cache
def prefectures_and_counties() -> tuple[dict[int, tuple[str, str]], tuple[County, ...]]:
    """Prefecture adcode → (full name, short name), and every county with its weight."""
    prefs = load_prefectures(display=True)  # names only
    pref_names = {
        int(a): (str(n), short_name(str(n))) for a, n in zip(prefs.adcode, prefs.name, strict=True)
    }
    counties = load_counties(display=True)
    out = []
    for a, n, p in zip(counties.adcode, counties.name, counties.parent_adcode, strict=True):
        a, p = int(a), int(p)
        out.append(
            County(a, str(n), short_name(str(n)), p, pref_names[p][0], COUNTY_WEIGHTS.get(a, 1.0))
        )
    return pref_names, tuple(out)


@functools.cache
def _sampling_shapes() -> dict[int, object]:
    """County shapes shrunk by INSET, from the display counties (buffering the full
    resolution is slow). Their border lies within DISPLAY_DEVIATION of the true one, so the
    shrunk shapes stay well inside the true counties.
    """
    counties = load_counties(display=True)
    geoms = shapely.buffer(counties.geometry.values, -INSET, quad_segs=2)
    out = {}
    for adcode, inner, full in zip(counties.adcode, geoms, counties.geometry.values, strict=True):
        shape = inner if not inner.is_empty else full
        shapely.prepare(shape)
        out[int(adcode)] = shape
    return out


def sample_point(rng: np.random.Generator, county: int) -> tuple[float, float]:
    """A WGS-84 point drawn uniformly inside the county, at least INSET from its border."""
    shape = _sampling_shapes()[county]
    x0, y0, x1, y1 = shape.bounds
    while True:
        xs = rng.uniform(x0, x1, 64)
        ys = rng.uniform(y0, y1, 64)
        inside = np.flatnonzero(shapely.contains_xy(shape, xs, ys))
        if inside.size:
            i = int(inside[0])
            return float(xs[i]), float(ys[i])
