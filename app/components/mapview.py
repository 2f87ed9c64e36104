"""Leaflet maps: neutral background (Yunnan outline, neighbours grey) or the configured tiles.

Geometry comes from /geo/*.geojson (sent once, cached); everything that changes with the filters
travels in ``hideout`` (colours, frozen set, labels) or as compact unit points.
"""

from __future__ import annotations

import math

import dash_leaflet as dl

from app.context import Context
from app.geo import shift_point
from app.i18n import PREFECTURE_EN, t
from layers.map import unit_points

YUNNAN_CENTER = [25.1, 101.75]

JS = "exitmap."


def fn(name: str) -> dict:
    return {"variable": JS + name}


def label_names(lang: str) -> dict[str, str] | None:
    return {str(k): v for k, v in PREFECTURE_EN.items()} if lang == "en" else None


def background(ctx: Context, id_prefix: str) -> list:
    layers = []
    if ctx.tile_url:
        layers.append(dl.TileLayer(url=ctx.tile_url, attribution="", id=f"{id_prefix}-tiles"))
    else:
        layers.append(
            dl.GeoJSON(
                url=ctx.geo.url("neighbours"),
                style=fn("neighbourStyle"),
                interactive=False,
                id=f"{id_prefix}-neighbours",
            )
        )
    return layers


def outline(ctx: Context, id_prefix: str) -> dl.GeoJSON:
    return dl.GeoJSON(
        url=ctx.geo.url("outline"),
        style=fn("outlineStyle"),
        interactive=False,
        id=f"{id_prefix}-outline",
    )


def prefecture_layers(ctx: Context, id_prefix: str, hideout: dict) -> list:
    return [
        dl.GeoJSON(
            url=ctx.geo.url("prefectures"),
            id=f"{id_prefix}-pref",
            hideout=hideout,
            style=fn("prefStyle"),
            onEachFeature=fn("prefEach"),
            hoverStyle=fn("prefHover"),
        ),
        dl.GeoJSON(
            url=ctx.geo.url("prefectures"),
            id=f"{id_prefix}-hatch",
            hideout=hideout,
            style=fn("hatchStyle"),
            onEachFeature=fn("hatchEach"),
            interactive=False,
        ),
    ]


def label_layer(ctx: Context, id_prefix: str, hideout: dict) -> dl.GeoJSON:
    return dl.GeoJSON(
        url=ctx.geo.url("labels"),
        id=f"{id_prefix}-labels",
        hideout=hideout,
        pointToLayer=fn("label"),
        interactive=False,
    )


# Unit points drawn one by one on a map, at most: past it a page would carry megabytes of points
# (40,000 units ≈ 15 MB) and the browser would stall; the map says so and the tables list all.
MAX_POINTS = 20_000


def points_or_note(ctx: Context, units, lang: str) -> tuple[dict | None, str | None]:
    """The unit points of a frame of units for unit_layer, or why they are not drawn."""
    if units.height > MAX_POINTS:
        return None, t("o.too_many_units", lang, n=f"{units.height:,}")
    return shift_points(ctx, unit_points(units)), None


def unit_layer(id_: str, data: dict | None, hideout: dict) -> dl.GeoJSON:
    return dl.GeoJSON(
        id=id_,
        data=data or {"type": "FeatureCollection", "features": []},
        cluster=True,
        zoomToBoundsOnClick=True,
        superClusterOptions={"radius": 60, "maxZoom": 10},
        pointToLayer=fn("unitPoint"),
        onEachFeature=fn("unitEach"),
        clusterToLayer=fn("cluster"),
        hideout=hideout,
    )


def report_layer(id_: str, data: dict, hideout: dict, lang: str) -> dl.LayersControl:
    """The reports from the public by county (``layers.report_counts.county_features``), an
    overlay the reader turns on in the map's own layer control (off at first: the map's
    subject is the exit; the reports are a second look)."""
    layer = dl.GeoJSON(
        id=id_,
        data=data,
        pointToLayer=fn("reportPoint"),
        onEachFeature=fn("reportEach"),
        hideout=hideout,
    )
    return dl.LayersControl(
        [dl.Overlay(layer, name=t("r.layer", lang), checked=False, id=f"{id_}-overlay")],
        position="topleft",
        collapsed=False,
        id=f"{id_}-control",
    )


def shift_points(ctx: Context, data: dict) -> dict:
    """Move WGS-84 unit points onto GCJ-02 tiles when the tiles are GCJ-02."""
    if ctx.gcj:
        for f in data["features"]:
            f["geometry"]["coordinates"] = list(shift_point(*f["geometry"]["coordinates"]))
    return data


def fit(bounds, width: int, height: int) -> dict:
    """Center and zoom showing ``bounds`` ([[s, w], [n, e]]) in a width × height px map."""
    (s, w), (n, e) = bounds

    def y(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    zx = math.log2(width * 360 / (256 * max(e - w, 1e-6)))
    zy = math.log2(height * 2 * math.pi / (256 * max(y(n) - y(s), 1e-6)))
    zoom = math.floor(min(zx, zy, 14) * 4) / 4
    return {"center": [(s + n) / 2, (w + e) / 2], "zoom": zoom}


def map_container(
    id_: str,
    children: list,
    bounds=None,
    class_name: str = "map",
    zoom: float = 7,
) -> dl.Map:
    """A map that opens showing ``bounds`` ([[s, w], [n, e]]) whole, at the zoom its own frame
    allows (Leaflet fits them once the frame has its size: a phone, a laptop, a wall alike;
    assets/map.js keeps them fitted while the frame changes size); without bounds, Yunnan's
    centre at ``zoom``."""
    view = (
        {"bounds": bounds, "boundsOptions": {"padding": [6, 6]}}
        if bounds
        else {"center": YUNNAN_CENTER, "zoom": zoom}
    )
    return dl.Map(
        id=id_,
        children=[*children, dl.ScaleControl(position="bottomright", imperial=False)],
        **view,
        zoomSnap=0.25,
        zoomDelta=0.5,
        minZoom=5,
        maxZoom=16,
        attributionControl=False,
        className=class_name,
        preferCanvas=False,
        # Nothing reads the view back, and dash-leaflet's tracking assumes a centre was given
        # (it breaks on a map opened by bounds) and sends every pan to the renderer.
        trackViewport=False,
    )
