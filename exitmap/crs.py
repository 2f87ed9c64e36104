"""Vectorised conversions between the coordinate systems met in Chinese data.

WGS-84 (GPS, and CGCS2000 which agrees within about a metre), GCJ-02 (Amap, Tencent) and
BD-09 (Baidu). GCJ-02 is an obfuscation with no closed-form inverse, so the way back is a
fixed-point iteration on the published forward transform. Everything accepts scalars or numpy
arrays and returns float64 arrays (0-d for scalar input).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

# Krasovsky 1940 ellipsoid, which the GCJ-02 forward transform is defined on.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

# The obfuscation is only applied inside this rough box around China; outside it the
# published algorithm returns the input unchanged, and so do we.
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)

CODES = ("WGS84", "CGCS2000", "GCJ02", "BD09")

# Spellings seen in registers, after upper-casing and dropping separators.
_ALIASES = {
    "": "WGS84",
    "WGS84": "WGS84",
    "EPSG4326": "WGS84",
    "GPS": "WGS84",
    "CGCS2000": "CGCS2000",
    "CGCS": "CGCS2000",
    "EPSG4490": "CGCS2000",
    "天地图": "CGCS2000",
    "国家2000": "CGCS2000",
    "GCJ02": "GCJ02",
    "GCJ": "GCJ02",
    "火星坐标": "GCJ02",
    "高德": "GCJ02",
    "腾讯": "GCJ02",
    "BD09": "BD09",
    "BD09LL": "BD09",
    "百度": "BD09",
}


def _arrays(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def in_china(lon, lat) -> np.ndarray:
    """True where the GCJ-02 offset applies."""
    lon, lat = _arrays(lon, lat)
    return (
        (lon >= _CHINA_LON[0])
        & (lon <= _CHINA_LON[1])
        & (lat >= _CHINA_LAT[0])
        & (lat <= _CHINA_LAT[1])
    )


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offset (degrees) that GCJ-02 adds to a WGS-84 position."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    d_lat += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    d_lon += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, d_lon, 0.0), np.where(inside, d_lat, 0.0)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _arrays(lon, lat)
    d_lon, d_lat = _gcj_offset(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon, lat, tol: float = 1e-9, max_iter: int = 20):
    """Invert the GCJ-02 obfuscation by fixed-point iteration.

    The offset changes by well under 1e-4 of its size per metre, so each step shrinks the
    error by that factor; three steps already reach millimetres. tol (degrees, 1e-9 ≈ 0.1 mm)
    stops early once every point has converged.
    """
    gcj_lon, gcj_lat = _arrays(lon, lat)
    w_lon, w_lat = gcj_lon.copy(), gcj_lat.copy()
    for _ in range(max_iter):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = f_lon - gcj_lon, f_lat - gcj_lat
        w_lon = w_lon - e_lon
        w_lat = w_lat - e_lat
        err = np.maximum(np.abs(e_lon), np.abs(e_lat))
        # NaN compares False, so rows without coordinates do not keep the loop going.
        if not np.any(err > tol):
            break
    return w_lon, w_lat


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon, lat, iterations: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Baidu's published inverse is only approximate (~1 m); refine it against the forward."""
    bd_lon, bd_lat = _arrays(lon, lat)
    x, y = bd_lon - 0.0065, bd_lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    g_lon, g_lat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(iterations):
        f_lon, f_lat = gcj02_to_bd09(g_lon, g_lat)
        g_lon = g_lon - (f_lon - bd_lon)
        g_lat = g_lat - (f_lat - bd_lat)
    return g_lon, g_lat


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _normalise_one(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "WGS84"
    text = str(value)
    key = "".join(text.upper().split())
    for sep in ("-", "_", "‐", "－", "—"):
        key = key.replace(sep, "")
    # Unknown spellings keep their text so messages can quote it.
    return _ALIASES.get(key, text.strip())


def normalise_crs(crs) -> np.ndarray:
    """Map free-text CRS codes to one of CODES; unknown spellings are returned unchanged.

    Blank/None means WGS84, as the register template says. Work is done once per distinct
    value, since a column holds only a handful of them.
    """
    arr = np.atleast_1d(np.asarray(crs, dtype=object))
    codes, uniques = pd.factorize(pd.Series(arr.ravel(), dtype=object), use_na_sentinel=True)
    mapped = np.array([_normalise_one(u) for u in uniques] + ["WGS84"], dtype=object)
    return mapped[codes].reshape(arr.shape)


def known_crs(codes: np.ndarray) -> np.ndarray:
    """Boolean mask of normalised codes that are convertible."""
    return np.isin(codes.astype(str), CODES)


def to_wgs84(lon, lat, crs) -> tuple[np.ndarray, np.ndarray]:
    """Convert positions declared in `crs` (one code or one per row) to WGS-84.

    Rows with an unknown code come back as NaN; use normalise_crs/known_crs to report them.
    """
    lon, lat = np.broadcast_arrays(*_arrays(lon, lat))
    lon = np.array(lon, dtype=np.float64, ndmin=1)
    lat = np.array(lat, dtype=np.float64, ndmin=1)
    codes = np.broadcast_to(normalise_crs(crs), lon.shape)
    out_lon = np.full(lon.shape, np.nan)
    out_lat = np.full(lat.shape, np.nan)
    same = (codes == "WGS84") | (codes == "CGCS2000")
    out_lon[same], out_lat[same] = lon[same], lat[same]
    gcj = codes == "GCJ02"
    if gcj.any():
        out_lon[gcj], out_lat[gcj] = gcj02_to_wgs84(lon[gcj], lat[gcj])
    bd = codes == "BD09"
    if bd.any():
        out_lon[bd], out_lat[bd] = bd09_to_wgs84(lon[bd], lat[bd])
    return out_lon, out_lat


def _gcj_coords_to_wgs(coords: np.ndarray) -> np.ndarray:
    lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def geometry_gcj02_to_wgs84(geometry):
    """Shift a shapely geometry (or array of them) from GCJ-02 to WGS-84.

    Identical input vertices map to identical outputs, so shared borders stay shared.
    """
    return shapely.transform(geometry, _gcj_coords_to_wgs)
