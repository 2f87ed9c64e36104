"""Coordinate conversions: round trips, magnitudes and the CRS code handling."""

import numpy as np
import pytest
import shapely

from exitmap.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geometry_gcj02_to_wgs84,
    normalise_crs,
    to_wgs84,
    wgs84_to_gcj02,
)


def _metres(lon1, lat1, lon2, lat2):
    """Equirectangular distance; plenty for a few hundred metres."""
    k = 111_320.0
    dx = (np.asarray(lon1) - lon2) * k * np.cos(np.radians(lat1))
    dy = (np.asarray(lat1) - lat2) * 110_574.0
    return np.hypot(dx, dy)


@pytest.fixture(scope="module")
def yunnan_points():
    rng = np.random.default_rng(7)
    return rng.uniform(97.5, 106.2, 20_000), rng.uniform(21.1, 29.3, 20_000)


def test_gcj_inverse_is_accurate_to_millimetres(yunnan_points):
    lon, lat = yunnan_points
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    back_lon, back_lat = gcj02_to_wgs84(g_lon, g_lat)
    assert _metres(back_lon, back_lat, lon, lat).max() < 0.01


def test_gcj_shift_over_yunnan_is_a_few_hundred_metres(yunnan_points):
    lon, lat = yunnan_points
    shift = _metres(*wgs84_to_gcj02(lon, lat), lon, lat)
    assert shift.min() > 250 and shift.max() < 550


def test_scalars_work_and_outside_china_is_unchanged():
    lon, lat = gcj02_to_wgs84(102.71, 25.04)
    assert np.ndim(lon) == 0 and 102.70 < lon < 102.71 and 25.04 < lat < 25.05
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_bd09_round_trip(yunnan_points):
    lon, lat = yunnan_points
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    b_lon, b_lat = gcj02_to_bd09(g_lon, g_lat)
    assert _metres(*bd09_to_gcj02(b_lon, b_lat), g_lon, g_lat).max() < 0.01
    assert _metres(*bd09_to_wgs84(b_lon, b_lat), lon, lat).max() < 0.01
    # Baidu adds roughly another 0.0065°/0.006° on top of GCJ-02.
    assert np.all(_metres(b_lon, b_lat, g_lon, g_lat) > 500)


def test_normalise_crs_spellings():
    codes = normalise_crs(["", None, np.nan, "wgs-84", "CGCS 2000", "gcj_02", "BD-09", "火星"])
    assert list(codes) == ["WGS84", "WGS84", "WGS84", "WGS84", "CGCS2000", "GCJ02", "BD09", "火星"]


def test_to_wgs84_per_row_codes():
    w_lon, w_lat = np.array([102.7, 103.4]), np.array([25.0, 23.4])
    g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
    b_lon, b_lat = gcj02_to_bd09(g_lon, g_lat)
    lon = np.array([w_lon[0], w_lon[0], g_lon[1], b_lon[1], 1.0])
    lat = np.array([w_lat[0], w_lat[0], g_lat[1], b_lat[1], 1.0])
    out_lon, out_lat = to_wgs84(lon, lat, ["WGS84", "CGCS2000", "GCJ02", "BD09", "XYZ"])
    np.testing.assert_allclose(out_lon[:4], [102.7, 102.7, 103.4, 103.4], atol=1e-7)
    np.testing.assert_allclose(out_lat[:4], [25.0, 25.0, 23.4, 23.4], atol=1e-7)
    assert np.isnan(out_lon[4]) and np.isnan(out_lat[4])
    # A single code applies to every row.
    one_lon, _ = to_wgs84(g_lon, g_lat, "GCJ02")
    np.testing.assert_allclose(one_lon, w_lon, atol=1e-7)


def test_geometry_conversion_keeps_shared_vertices_shared():
    a = shapely.Polygon([(102.0, 25.0), (102.1, 25.0), (102.1, 25.1), (102.0, 25.1)])
    b = shapely.Polygon([(102.1, 25.0), (102.2, 25.0), (102.2, 25.1), (102.1, 25.1)])
    wa, wb = geometry_gcj02_to_wgs84(np.array([a, b]))
    shared = wa.intersection(wb)
    assert shared.geom_type == "LineString" and shared.length > 0.09
    assert wa.intersection(wb).area == 0
    # Every vertex moved by the GCJ-02 offset.
    moved = _metres(*shapely.get_coordinates(wa).T, *shapely.get_coordinates(a).T)
    assert np.all((moved > 250) & (moved < 550))
