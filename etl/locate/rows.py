"""Locating register rows: by their coordinates where they have usable ones, else by their
县（市、区）, 州（市） or 详细地址 text; every problem a message naming its column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.locate.areas import county_table, parent_of, prefecture_table
from etl.locate.cells import as_text_array, blank, per_unique
from etl.locate.coordinates import parse_coordinate
from etl.locate.grid import point_in_county
from etl.locate.names import match_county, match_prefecture, parse_addresses
from etl.locate.results import (
    COL_ADDRESS,
    COL_COUNTY,
    COL_CRS,
    COL_LAT,
    COL_LON,
    COL_PREFECTURE,
    LocateResult,
    Message,
    RowMessages,
)
from exitmap.crs import known_crs, normalise_crs, to_wgs84

# Rough Yunnan extent used only to recognise swapped columns; the polygons decide the rest.
YUNNAN_LON = (97.0, 107.0)
YUNNAN_LAT = (21.0, 30.0)


def _coords(values, n: int) -> tuple[np.ndarray, np.ndarray]:
    if values is None:
        return np.full(n, np.nan), np.zeros(n, dtype=bool)
    arr = np.asarray(values)
    if arr.ndim == 0:
        arr = np.broadcast_to(arr, (n,))
    if arr.dtype.kind in "fiu":
        return arr.astype(np.float64), np.zeros(n, dtype=bool)
    return parse_coordinate(arr, return_failed=True)


def locate(lon, lat, crs=None, address=None, county_text=None, prefecture_text=None):
    """Locate register rows; see the module docstring. Arrays (or scalars) in, LocateResult out."""
    lon_arr = np.atleast_1d(np.asarray(lon))
    n = len(lon_arr)
    x, x_failed = _coords(lon_arr, n)
    y, y_failed = _coords(lat, n)
    x, y = x.copy(), y.copy()
    messages = RowMessages(n)

    def add(mask: np.ndarray, severity: str, column: str, texts) -> None:
        idx = np.flatnonzero(mask)
        if isinstance(texts, str):
            for i in idx:
                messages.add(i, Message(severity, column, texts))
        else:
            for i in idx:
                messages.add(i, Message(severity, column, texts(i)))

    raw_lon = lon_arr
    raw_lat = as_text_array(lat, n)
    add(x_failed, "error", COL_LON, lambda i: f"经度「{raw_lon[i]}」无法识别")
    add(y_failed, "error", COL_LAT, lambda i: f"纬度「{raw_lat[i]}」无法识别")
    has_x, has_y = np.isfinite(x), np.isfinite(y)
    add(has_x & ~has_y & ~y_failed, "error", COL_LAT, "有经度但缺少纬度")
    add(has_y & ~has_x & ~x_failed, "error", COL_LON, "有纬度但缺少经度")
    with_coords = has_x & has_y

    swapped = (
        with_coords
        & (x >= YUNNAN_LAT[0]) & (x <= YUNNAN_LAT[1])
        & (y >= YUNNAN_LON[0]) & (y <= YUNNAN_LON[1])
    )  # fmt: skip
    if swapped.any():
        add(
            swapped,
            "warning",
            COL_LON,
            lambda i: f"经度与纬度填反，已交换（原经度 {x[i]:g}，原纬度 {y[i]:g}）",
        )
        x[swapped], y[swapped] = y[swapped], x[swapped].copy()

    crs_raw = as_text_array(crs, n)
    codes = normalise_crs(crs_raw)
    unknown = ~known_crs(codes)
    add(
        unknown & with_coords,
        "error",
        COL_CRS,
        lambda i: f"坐标系「{crs_raw[i]}」无法识别（应为 WGS84、CGCS2000、GCJ02 或 BD09）",
    )
    wx, wy = to_wgs84(x, y, codes)
    usable = with_coords & ~unknown
    wx[~usable], wy[~usable] = np.nan, np.nan

    counties = county_table()
    row = point_in_county(wx, wy)
    inside = row >= 0
    outside = usable & ~inside
    add(
        outside,
        "error",
        COL_LON,
        # Quote the row's own figures (after any swap), which is what the user can find.
        lambda i: f"坐标(经度 {x[i]:.6f}, 纬度 {y[i]:.6f})不在云南省境内",
    )

    county_adcode = np.zeros(n, dtype=np.int64)
    pref_adcode = np.zeros(n, dtype=np.int64)
    precision = np.full(n, None, dtype=object)
    county_adcode[inside] = counties["adcode"].to_numpy()[row[inside]]
    pref_adcode[inside] = counties["parent_adcode"].to_numpy()[row[inside]]
    precision[inside] = "exact"
    out_x = np.where(inside, wx, np.nan)
    out_y = np.where(inside, wy, np.nan)

    pref_raw = as_text_array(prefecture_text, n)
    county_raw = as_text_array(county_text, n)
    declared_pref = per_unique(pref_raw, lambda v: match_prefecture(v) or 0).astype(np.int64)
    declared_county = _declared_counties(county_raw, declared_pref)
    pref_given = ~blank(pref_raw)
    county_given = ~blank(county_raw)
    add(
        pref_given & (declared_pref == 0),
        "warning",
        COL_PREFECTURE,
        lambda i: f"州（市）「{pref_raw[i]}」不是云南省的州（市）",
    )
    add(
        county_given & (declared_county == 0),
        "warning",
        COL_COUNTY,
        lambda i: f"县（市、区）「{county_raw[i]}」无法识别",
    )

    # Text geocoding for every row the coordinates could not place.
    todo = ~inside
    if todo.any():
        addr_raw = as_text_array(address, n)
        _locate_by_text(
            np.flatnonzero(todo),
            declared_pref,
            declared_county,
            addr_raw,
            county_adcode,
            pref_adcode,
            precision,
            out_x,
            out_y,
            messages,
        )

    names = dict(counties[["adcode", "name"]].itertuples(index=False))
    pref_names = dict(prefecture_table()[["adcode", "name"]].itertuples(index=False))
    pref_name_arr = _names(pref_adcode, pref_names)
    county_name_arr = _names(county_adcode, names)

    # Declared text versus where the coordinates put the row.
    exact = precision == "exact"
    bad_pref = exact & (declared_pref > 0) & (declared_pref != pref_adcode)
    add(
        bad_pref,
        "warning",
        COL_PREFECTURE,
        lambda i: (
            f"填报的州（市）为「{pref_names[declared_pref[i]]}」，坐标位于「{pref_name_arr[i]}」"
        ),
    )
    bad_county = exact & (declared_county > 0) & (declared_county != county_adcode)
    add(
        bad_county,
        "warning",
        COL_COUNTY,
        lambda i: (
            f"填报的县（市、区）为「{names[declared_county[i]]}」，坐标位于「{county_name_arr[i]}」"
        ),
    )
    # Declared county that belongs to another prefecture than the declared one.
    clash = (
        (declared_county > 0) & (declared_pref > 0) & (parent_of(declared_county) != declared_pref)
    )
    add(
        clash,
        "warning",
        COL_COUNTY,
        lambda i: (
            f"县（市、区）「{names[declared_county[i]]}」属于"
            f"「{pref_names[parent_of(declared_county[i])]}」，"
            f"与填报的州（市）「{pref_names[declared_pref[i]]}」不符"
        ),
    )
    # Placed from text alone: usable, but the official should add coordinates.
    level = {"county": "县级", "prefecture": "州（市）级"}
    add(
        ~with_coords & np.isin(precision.astype(str), list(level)),
        "warning",
        COL_LON,
        lambda i: f"未填写坐标，已按地址定位到{level[precision[i]]}代表点，建议补填经纬度",
    )

    return LocateResult(
        lon_wgs84=out_x,
        lat_wgs84=out_y,
        prefecture_adcode=pref_adcode,
        prefecture_name=pref_name_arr,
        county_adcode=county_adcode,
        county_name=county_name_arr,
        precision=precision,
        messages=messages,
    )


def _names(codes: np.ndarray, names: dict) -> np.ndarray:
    out = np.full(len(codes), None, dtype=object)
    for code in np.unique(codes[codes > 0]):
        out[codes == code] = names[int(code)]
    return out


def _declared_counties(county_raw: np.ndarray, declared_pref: np.ndarray) -> np.ndarray:
    """Match county text, using the declared prefecture to settle duplicates.

    Work is done once per distinct (text, prefecture) pair.
    """
    if len(county_raw) == 0:
        return np.zeros(0, dtype=np.int64)
    kc, texts = pd.factorize(pd.Series(county_raw, dtype=object), use_na_sentinel=False)
    kp, prefs = pd.factorize(declared_pref)
    key, pairs = pd.factorize(kc.astype(np.int64) * len(prefs) + kp)
    vals = []
    for pair in pairs:
        text, pref = texts[pair // len(prefs)], int(prefs[pair % len(prefs)])
        code = match_county(text, pref or None) or match_county(text)
        vals.append(code or 0)
    return np.asarray(vals, dtype=np.int64)[key]


def _locate_by_text(
    rows, declared_pref, declared_county, addr_raw, county_adcode, pref_adcode, precision,
    out_x, out_y, messages,
) -> None:  # fmt: skip
    counties = county_table().set_index("adcode")
    prefs = prefecture_table().set_index("adcode")
    addr_blank = blank(addr_raw)
    # Only a row that names no county is located by its address.
    places = parse_addresses(
        addr_raw[i] for i in rows if not int(declared_county[i]) and not addr_blank[i]
    )
    for i in rows:
        county = int(declared_county[i])
        pref = int(declared_pref[i])
        if not county and not addr_blank[i]:
            a_pref, a_county, abroad = places[addr_raw[i]]
            if abroad:
                messages.add(
                    i, Message("error", COL_ADDRESS, f"详细地址「{addr_raw[i]}」不在云南省")
                )
            else:
                if a_county and (not pref or parent_of(a_county) == pref):
                    county = a_county
                pref = pref or (a_pref or 0)
        if county:
            county_adcode[i] = county
            pref_adcode[i] = parent_of(county)
            out_x[i], out_y[i] = counties.at[county, "x"], counties.at[county, "y"]
            precision[i] = "county"
        elif pref:
            pref_adcode[i] = pref
            out_x[i], out_y[i] = prefs.at[pref, "x"], prefs.at[pref, "y"]
            precision[i] = "prefecture"
        elif not messages.has_error(i):
            # Rows whose coordinates already failed carry that error; one is enough.
            text = "无法定位：没有坐标，地址和州（市）、县（市、区）也无法识别"
            messages.add(i, Message("error", COL_LON, text))
