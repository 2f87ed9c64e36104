"""A small static map: the province with one prefecture picked out (hatched when frozen), as an
SVG image with a text alternative. No Leaflet: a slide shows many of them at no cost."""

from __future__ import annotations

import functools
import json
import math
from urllib.parse import quote

from dash import html
from shapely.geometry import shape

# Simplified far past the display set: at a few hundred pixels nobody sees 0.01°.
TOLERANCE = 0.01
COLOURS = {"other": "#e1e5ea", "border": "#ffffff", "picked": "#1f4e79", "outline": "#5b6775"}


def _y(lat: float) -> float:
    """Web Mercator's northing in degrees (the shapes look as they do on the Leaflet maps)."""
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def _path(geometry) -> str:
    parts = []
    polygons = geometry.geoms if geometry.geom_type == "MultiPolygon" else [geometry]
    for poly in polygons:
        for ring in (poly.exterior, *poly.interiors):
            pts = [f"{x:.3f} {-_y(y):.3f}" for x, y in ring.coords]
            parts.append("M" + "L".join(pts) + "Z")
    return "".join(parts)


@functools.lru_cache(maxsize=2)
def _shapes(prefectures_geojson: str) -> tuple[dict[int, str], tuple[float, float, float, float]]:
    """Each prefecture's SVG path and the view box around them all."""
    paths, boxes = {}, []
    for f in json.loads(prefectures_geojson)["features"]:
        geom = shape(f["geometry"]).simplify(TOLERANCE, preserve_topology=True)
        paths[int(f["properties"]["adcode"])] = _path(geom)
        boxes.append(geom.bounds)
    w, s = min(b[0] for b in boxes), min(b[1] for b in boxes)
    e, n = max(b[2] for b in boxes), max(b[3] for b in boxes)
    pad = 0.1
    box = (w - pad, -_y(n) - pad, e - w + 2 * pad, _y(n) - _y(s) + 2 * pad)
    return paths, box


def svg(prefectures_geojson: str, picked: int, frozen: bool) -> str:
    paths, (x, y, w, h) = _shapes(prefectures_geojson)
    hatch = (
        '<defs><pattern id="h" patternUnits="userSpaceOnUse" width="0.18" height="0.18" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="0.18" stroke="#fff" '
        'stroke-width="0.06"/></pattern></defs>'
    )
    others = "".join(f'<path d="{d}"/>' for code, d in paths.items() if code != picked)
    mine = paths.get(picked, "")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x:.3f} {y:.3f} {w:.3f} {h:.3f}">'
        + (hatch if frozen else "")
        + f'<g fill="{COLOURS["other"]}" stroke="{COLOURS["border"]}" stroke-width="0.04">'
        + f"{others}</g>"
        + f'<path d="{mine}" fill="{COLOURS["picked"]}" stroke="#111" stroke-width="0.06"/>'
        + (f'<path d="{mine}" fill="url(#h)"/>' if frozen else "")
        + "</svg>"
    )


def locator(prefectures_geojson: str, picked: int, frozen: bool, alt: str, **attrs) -> html.Img:
    """The province with ``picked`` filled (and hatched when ``frozen``), as an image."""
    uri = "data:image/svg+xml;charset=utf-8," + quote(svg(prefectures_geojson, picked, frozen))
    return html.Img(src=uri, alt=alt, className="locator", **attrs)
