"""The public report page's map: the prefectures as one inline SVG, drawn on the server.

The public has no session, so the app's boundary layers (for signed-in users) and no tile
server are at hand: a simplified outline of the 16 prefectures in an equirectangular
projection (x = lon · cos 25°, y = −lat) is enough to click a place; the server places the
point in its county with PostGIS. assets/public/report.js turns a click into lon/lat.
"""

from __future__ import annotations

import functools
import math

from shapely.geometry import MultiPolygon, Polygon

from exitmap.boundaries import load_prefectures

X_SCALE = math.cos(math.radians(25.0))  # the province's middle latitude
TOLERANCE = 0.01  # degrees, ~1 km: plenty for a finger on a phone
DECIMALS = 3


def _ring(coords) -> str:
    points = [f"{x * X_SCALE:.{DECIMALS}f},{-y:.{DECIMALS}f}" for x, y in coords]
    return "M" + "L".join(points) + "Z"


def _path(geom) -> str:
    polygons = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
    parts = []
    for polygon in polygons:
        if not isinstance(polygon, Polygon) or polygon.is_empty:
            continue
        parts.append(_ring(polygon.exterior.coords))
        parts += [_ring(hole.coords) for hole in polygon.interiors]
    return "".join(parts)


@functools.cache
def province_svg() -> str:
    """The <svg> element (no XML prolog), with ``data-x-scale`` for the script's inverse."""
    frame = load_prefectures(display=True)
    x0, y0, x1, y1 = frame.total_bounds
    pad = 0.1
    view = (
        f"{(x0 - pad) * X_SCALE:.3f} {-(y1 + pad):.3f} "
        f"{(x1 - x0 + 2 * pad) * X_SCALE:.3f} {y1 - y0 + 2 * pad:.3f}"
    )
    paths = "".join(
        f'<path d="{_path(geom.simplify(TOLERANCE, preserve_topology=True))}"/>'
        for geom in frame.geometry
    )
    return (
        f'<svg id="report-map" viewBox="{view}" data-x-scale="{X_SCALE:.6f}" role="img"'
        ' aria-label="云南省地图：点击地图选择位置（也可填写地址或经纬度）"'
        ' preserveAspectRatio="xMidYMid meet">'
        f'<g class="prefectures">{paths}</g>'
        '<circle id="report-pick" r="0.09" cx="0" cy="0" visibility="hidden"/></svg>'
    )
