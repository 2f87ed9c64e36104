"""Geocoding register rows: coordinate parsing, CRS, point-in-county, text fallback, CSV."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from etl.locate import (
    COL_CRS,
    COL_LON,
    COL_PREFECTURE,
    locate,
    locate_csv,
    match_county,
    match_prefecture,
    parse_coordinate,
)
from exitmap.boundaries import load_counties, load_prefectures, short_name
from exitmap.crs import gcj02_to_bd09, wgs84_to_gcj02

WUHUA = (102.7040, 25.0430)  # 昆明市五华区政府, WGS-84


@pytest.fixture(scope="module")
def counties():
    return load_counties().set_index("adcode").geometry


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("102.71", 102.71),
        ("１０２．７１", 102.71),
        (" 102.71° ", 102.71),
        ("102°42'36.5\"", 102 + 42 / 60 + 36.5 / 3600),
        ("102°42′36.5″", 102 + 42 / 60 + 36.5 / 3600),
        ("102度42分36.5秒", 102 + 42 / 60 + 36.5 / 3600),
        ("E102°42'36\"", 102 + 42 / 60 + 36 / 3600),
        ("东经102°42′36″", 102 + 42 / 60 + 36 / 3600),
        ("N25 02 30", 25 + 2 / 60 + 30 / 3600),
        ("25°2.5'", 25 + 2.5 / 60),
        ("25°02′30″N", 25 + 2 / 60 + 30 / 3600),
        ("S12.5", -12.5),
    ],
)
def test_parse_coordinate_forms(text, expected):
    assert parse_coordinate([text])[0] == pytest.approx(expected, abs=1e-9)


def test_parse_coordinate_reports_failures():
    values, failed = parse_coordinate(
        ["102.5", "", None, "abc", "102°75'", "102.5°30'", 25.0, float("nan")], return_failed=True
    )
    assert values[0] == 102.5 and values[6] == 25.0
    assert np.isnan(values[1:6]).all()
    assert list(failed) == [False, False, False, True, True, True, False, False]


def test_exact_location_and_no_messages():
    r = locate([WUHUA[0]], [WUHUA[1]], [""])
    assert r.county_adcode[0] == 530102 and r.county_name[0] == "五华区"
    assert r.prefecture_adcode[0] == 530100 and r.prefecture_name[0] == "昆明市"
    assert r.precision[0] == "exact" and r.messages[0] == []
    assert (r.lon_wgs84[0], r.lat_wgs84[0]) == WUHUA


def test_swapped_lat_lon_is_fixed_with_warning():
    r = locate([WUHUA[1]], [WUHUA[0]], None)
    assert r.county_adcode[0] == 530102
    (msg,) = r.messages[0]
    assert msg.severity == "warning" and msg.column == COL_LON and "填反" in msg.text


def test_dms_strings_go_through_locate():
    r = locate(["102°42'14.4\""], ["25°2'34.8\""], ["WGS84"])
    assert r.county_adcode[0] == 530102 and r.precision[0] == "exact"


def _to_bd09(lon, lat):
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def _shift_sensitive_point(counties, forward):
    """A WGS-84 point whose shifted coordinates, read naively as WGS-84, land in another county."""
    geom = counties[530102]
    for lon in np.arange(102.60, 102.80, 0.002):
        for lat in np.arange(24.95, 25.20, 0.002):
            if not geom.contains(Point(lon, lat)):
                continue
            g_lon, g_lat = (float(v) for v in forward(lon, lat))
            if not geom.contains(Point(g_lon, g_lat)):
                return float(lon), float(lat), g_lon, g_lat
    raise AssertionError("no border point found")


@pytest.mark.parametrize(("crs", "forward"), [("GCJ02", wgs84_to_gcj02), ("BD09", _to_bd09)])
def test_gcj02_and_bd09_land_in_the_right_county(counties, crs, forward):
    lon, lat, g_lon, g_lat = _shift_sensitive_point(counties, forward)
    naive = locate([g_lon], [g_lat], ["WGS84"])
    assert naive.county_adcode[0] != 530102  # so the conversion really matters here
    r = locate([g_lon], [g_lat], [crs])
    assert r.county_adcode[0] == 530102
    assert r.lon_wgs84[0] == pytest.approx(lon, abs=1e-7)
    assert r.lat_wgs84[0] == pytest.approx(lat, abs=1e-7)


def test_unknown_crs_is_an_error():
    r = locate([WUHUA[0]], [WUHUA[1]], ["北京54"])
    assert r.precision[0] is None
    assert [(m.severity, m.column) for m in r.messages[0]] == [("error", COL_CRS)]
    assert "北京54" in r.messages[0][0].text


def test_outside_yunnan_is_an_error():
    r = locate([104.0657], [30.6595], None)  # 成都
    assert r.county_adcode[0] == 0 and r.precision[0] is None
    (msg,) = r.messages[0]
    assert msg.severity == "error"
    assert msg.text == "坐标(经度 104.065700, 纬度 30.659500)不在云南省境内"


def test_address_only_rows(counties):
    prefs = load_prefectures().set_index("adcode").geometry
    r = locate(
        [None, None, None, None, None],
        [None, None, None, None, None],
        None,
        address=["云南省红河州蒙自市文澜镇天马路", "西双版纳州", None, "四川省成都市武侯区", None],
        county_text=[None, None, "宣威", None, None],
    )
    assert r.county_adcode[0] == 532503 and r.precision[0] == "county"
    assert counties[532503].contains(Point(r.lon_wgs84[0], r.lat_wgs84[0]))
    assert r.prefecture_adcode[1] == 532800 and r.precision[1] == "prefecture"
    assert r.county_adcode[1] == 0
    assert prefs[532800].contains(Point(r.lon_wgs84[1], r.lat_wgs84[1]))
    assert r.county_adcode[2] == 530381 and r.prefecture_name[2] == "曲靖市"
    assert r.precision[3] is None and r.messages[3][0].severity == "error"
    assert r.precision[4] is None and r.messages[4][0].severity == "error"
    # Placed from text alone: a warning asks for coordinates, nothing worse.
    for i in range(3):
        assert [m.severity for m in r.messages[i]] == ["warning"]
        assert "未填写坐标" in r.messages[i][0].text


def test_county_points_stay_inside_their_county(counties):
    codes = np.array(sorted(counties.index))
    r = locate([None] * len(codes), [None] * len(codes), None, county_text=[str(c) for c in codes])
    # adcodes are not names: nothing should match
    assert (r.precision == None).all()  # noqa: E711
    names = load_counties().set_index("adcode")["name"]
    r = locate([None] * len(codes), [None] * len(codes), None, county_text=list(names[codes]))
    assert list(r.county_adcode) == list(codes)
    for code, x, y in zip(codes, r.lon_wgs84, r.lat_wgs84, strict=True):
        assert counties[code].contains(Point(x, y)), code


def test_declared_prefecture_disagreeing_with_geometry_warns():
    r = locate([WUHUA[0]], [WUHUA[1]], None, prefecture_text=["曲靖市"], county_text=["五华区"])
    assert r.county_adcode[0] == 530102
    warnings = [m for m in r.messages[0] if m.column == COL_PREFECTURE]
    assert [m.text for m in warnings] == ["填报的州（市）为「曲靖市」，坐标位于「昆明市」"]
    assert all(m.severity == "warning" for m in r.messages[0])


def test_matching_helpers():
    for text in ("红河州", "红河哈尼族彝族自治州", "红河", "云南省红河州"):
        assert match_prefecture(text) == 532500
    assert match_prefecture("西双版纳") == 532800
    assert match_prefecture("昆明") == 530100
    assert match_prefecture("成都市") is None
    assert match_county("蒙自") == match_county("蒙自市") == 532503
    assert match_county("红河") == 532529  # 红河县, not the prefecture
    assert match_county("石林县") == match_county("石林彝族自治县") == 530126
    assert match_county("晋宁县") == 530115  # old suffix
    assert match_county("红河州蒙自市") == 532503
    assert match_county("蒙自", prefecture_adcode=530100) is None


def test_locate_csv_gbk_round_trip(tmp_path):
    src = tmp_path / "plants.csv"
    df = pd.DataFrame(
        {
            "企业名称": ["某水泥厂", "某钢铁厂", "某电石厂"],
            "lon": ["102°42'14.4\"", "", "104.0657"],
            "lat": ["25.043", "", "30.6595"],
            "crs": ["WGS84", "", ""],
            "address": ["", "云南省曲靖市宣威市板桥镇", ""],
        }
    )
    df.to_csv(src, index=False, encoding="gbk")
    out = tmp_path / "located.csv"
    locate_csv(src, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(back.columns[:5]) == list(df.columns)
    assert list(back.columns[5:]) == [
        "prefecture_adcode", "prefecture_name", "county_adcode", "county_name",
        "lon_wgs84", "lat_wgs84", "precision", "messages",
    ]  # fmt: skip
    assert back["企业名称"].tolist() == df["企业名称"].tolist()
    assert back["county_name"].tolist() == ["五华区", "宣威市", ""]
    assert back["precision"].tolist() == ["exact", "county", ""]
    assert "不在云南省境内" in back["messages"][2]


def test_locate_command_needs_no_database(tmp_path):
    src = tmp_path / "check.csv"
    pd.DataFrame({"lon": ["102.7047", "25.043"], "lat": ["25.0430", "102.7047"]}).to_csv(
        src, index=False
    )
    out = tmp_path / "out.csv"
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@/none?host=/nonexistent"}
    exe = Path(sys.executable).parent / "exitmap"
    done = subprocess.run(
        [exe, "locate", src, "--out", out], env=env, capture_output=True, text=True, check=True
    )
    assert "2 行" in done.stdout
    back = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["county_name"].tolist() == ["五华区", "五华区"]
    assert "填反" in back["messages"][1]


# The four autonomous prefectures that share their name with one of their counties.
NAMESAKES = {532900: 532901, 532300: 532301, 532600: 532601, 532500: 532529}


def _prefecture_forms(name: str) -> set[str]:
    """How registers write a prefecture: full, short, short + 州/市, after 云南省 or not."""
    short = short_name(name)
    forms = {name, short, short + ("州" if name.endswith("州") else "市")}
    return forms | {"云南省" + f for f in forms}


def test_a_prefecture_alone_is_placed_at_the_prefecture_and_a_county_must_be_named():
    from etl.locate.areas import county_table, prefecture_table
    from etl.locate.names import parse_address

    counties = county_table()
    for code, name in prefecture_table()[["adcode", "name"]].itertuples(index=False):
        for form in _prefecture_forms(name):
            assert parse_address(form) == (code, None, False), form
        mine = counties[counties["parent_adcode"] == code]
        assert len(mine) > 0
        for county, county_name in mine[["adcode", "name"]].itertuples(index=False):
            for form in _prefecture_forms(name):
                address = form + county_name + "某镇某村"
                assert parse_address(address) == (code, county, False), address
    # The namesake county is found when named as a county, alone or after its prefecture.
    for pref, county in NAMESAKES.items():
        county_name = counties.set_index("adcode").at[county, "name"]
        assert parse_address(county_name) == (pref, county, False)
        assert parse_address(short_name(county_name) + "州" + county_name)[1] == county


def test_addresses_are_parsed_in_one_batch_with_the_same_answers(monkeypatch):
    import cpca

    from etl.locate.names import parse_address, parse_addresses

    addresses = [
        "云南省曲靖市宣威市某镇",
        "红河州蒙自市某村",
        "大理州大理古城",
        "四川省成都市武侯区",
        "某某工业园区",
        "",
        None,
        "红河州蒙自市某村",  # twice in a register: parsed once, answered for both
    ]
    one_by_one = {a: parse_address(a) for a in addresses}
    calls = []
    transform = cpca.transform
    monkeypatch.setattr(
        cpca, "transform", lambda texts, **kw: calls.append(texts) or transform(texts, **kw)
    )
    assert parse_addresses(addresses) == one_by_one
    assert one_by_one["四川省成都市武侯区"] == (None, None, True)
    assert one_by_one["云南省曲靖市宣威市某镇"] == (530300, 530381, False)
    assert one_by_one[""] == one_by_one[None] == (None, None, False)
    # One call for the five distinct named addresses, however many rows carry them.
    assert [len(texts) for texts in calls] == [5]


def test_address_rows_of_autonomous_prefectures_get_the_right_precision():
    r = locate(
        [None] * 6,
        [None] * 6,
        None,
        address=[
            "云南省大理白族自治州",
            "楚雄彝族自治州",
            "文山壮族苗族自治州",
            "红河哈尼族彝族自治州",
            "大理州大理市下关镇",
            "红河州红河县迤萨镇",
        ],
    )
    assert list(r.precision) == ["prefecture"] * 4 + ["county"] * 2
    assert list(r.prefecture_adcode) == [532900, 532300, 532600, 532500, 532900, 532500]
    assert list(r.county_adcode) == [0, 0, 0, 0, 532901, 532529]
