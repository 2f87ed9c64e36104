"""Vectorised geocoder for register rows: coordinates or, failing that, place names.

Used by the register loader and by `exitmap locate`. Rows with coordinates are converted to
WGS-84 and placed in a county by point-in-polygon against the full-resolution counties; rows
without are placed at a county's or prefecture's representative point from the 县（市、区）,
州（市） or 详细地址 text. Every problem becomes a Chinese message naming its column.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import shapely

from etl.text import decode
from exitmap.boundaries import load_counties, load_labels, load_prefectures, short_name
from exitmap.crs import known_crs, normalise_crs, to_wgs84

COL_LON = "经度"
COL_LAT = "纬度"
COL_CRS = "坐标系"
COL_ADDRESS = "详细地址"
COL_PREFECTURE = "州（市）"
COL_COUNTY = "县（市、区）"

# Rough Yunnan extent used only to recognise swapped columns; the polygons decide the rest.
YUNNAN_LON = (97.0, 107.0)
YUNNAN_LAT = (21.0, 30.0)

# Side of the grid cells the counties are cut into: small pieces make point-in-polygon cheap.
_GRID_STEP = 0.05


class Message(NamedTuple):
    severity: str  # "warning" | "error"
    column: str  # one of the COL_* headers
    text: str


class RowMessages(Sequence):
    """Messages per row, stored sparsely: most rows have none, and 100k empty lists cost.

    Indexing returns a fresh list (empty for clean rows); use add() to record.
    """

    def __init__(self, n: int) -> None:
        self._n = n
        self._rows: dict[int, list[Message]] = {}

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return list(self._rows.get(i, ()))

    def add(self, i: int, message: Message) -> None:
        self._rows.setdefault(int(i), []).append(message)

    def has_error(self, i: int) -> bool:
        return any(m.severity == "error" for m in self._rows.get(int(i), ()))

    def rows(self) -> list[int]:
        """Rows that have at least one message, ascending."""
        return sorted(self._rows)

    def joined(self, sep: str = "；") -> np.ndarray:
        out = np.full(self._n, "", dtype=object)
        for i, ms in self._rows.items():
            out[i] = sep.join(m.text for m in ms)
        return out


@dataclass
class LocateResult:
    """Per-row results; adcode 0 and name None mean "not located"."""

    lon_wgs84: np.ndarray
    lat_wgs84: np.ndarray
    prefecture_adcode: np.ndarray
    prefecture_name: np.ndarray
    county_adcode: np.ndarray
    county_name: np.ndarray
    precision: np.ndarray  # "exact" | "county" | "prefecture" | None
    messages: RowMessages = field(default_factory=lambda: RowMessages(0))

    def __len__(self) -> int:
        return len(self.lon_wgs84)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "prefecture_adcode": pd.array(
                    np.where(self.prefecture_adcode > 0, self.prefecture_adcode, None), "Int64"
                ),
                "prefecture_name": self.prefecture_name,
                "county_adcode": pd.array(
                    np.where(self.county_adcode > 0, self.county_adcode, None), "Int64"
                ),
                "county_name": self.county_name,
                "lon_wgs84": self.lon_wgs84,
                "lat_wgs84": self.lat_wgs84,
                "precision": self.precision,
                "messages": self.messages.joined("；"),
            }
        )


# --------------------------------------------------------------------------- coordinates

# Everything that people type for degree / minute / second marks, mapped to one symbol each.
_MARKS = [
    ("''", "″"), ("′′", "″"), ("’’", "″"), ("度", "°"), ("º", "°"), ("˚", "°"), ("分", "′"),
    ("'", "′"), ("’", "′"), ("‘", "′"), ("´", "′"), ("秒", "″"), ('"', "″"), ("“", "″"),
    ("”", "″"), ("〃", "″"), ("：", ":"), ("，", "."), ("。", "."),
]  # fmt: skip
_HEMI_PREFIX = re.compile(r"^(东经|北纬|西经|南纬|[东西南北]|[NSEWnsew])\s*")
_HEMI_SUFFIX = re.compile(r"\s*(东经|北纬|西经|南纬|[东西南北]|[NSEWnsew])$")
_NEGATIVE_HEMI = {"西经", "南纬", "西", "南", "S", "W", "s", "w"}
_NUM = r"(?:\d+(?:\.\d*)?|\.\d+)"
_DMS = re.compile(
    rf"^(?P<sign>[-+])?\s*(?P<d>{_NUM})\s*[°:]?\s*"
    rf"(?:(?P<m>{_NUM})\s*[′:]?\s*(?:(?P<s>{_NUM})\s*″?)?)?$"
)


@functools.lru_cache(maxsize=65536)
def _parse_one(text: str) -> float:
    s = unicodedata.normalize("NFKC", text).strip()
    for old, new in _MARKS:
        s = s.replace(old, new)
    s = s.replace("−", "-")
    sign = 1.0
    for pattern in (_HEMI_PREFIX, _HEMI_SUFFIX):
        match = pattern.search(s)
        if match:
            if match.group(1) in _NEGATIVE_HEMI:
                sign = -1.0
            s = pattern.sub("", s, count=1)
            break
    match = _DMS.match(s.strip())
    if not match:
        return float("nan")
    deg, minutes, seconds = match.group("d"), match.group("m"), match.group("s")
    value = float(deg)
    if minutes is not None:
        # A fractional part is only allowed on the last component ("25°2.5′", not "25.5°30′").
        if "." in deg or (seconds is not None and "." in minutes):
            return float("nan")
        m = float(minutes)
        sec = float(seconds) if seconds is not None else 0.0
        if m >= 60 or sec >= 60:
            return float("nan")
        value += m / 60.0 + sec / 3600.0
    if match.group("sign") == "-":
        sign = -sign
    return sign * value


def _blank(values: np.ndarray) -> np.ndarray:
    """True for None/NaN/empty-string cells."""
    if values.dtype == object and len(values) and values[0] is None and _all_none(values):
        return np.ones(len(values), dtype=bool)
    series = pd.Series(values, dtype=object)
    return series.isna().to_numpy() | (series.astype(str).str.strip() == "").to_numpy()


def _all_none(values: np.ndarray) -> bool:
    return bool(np.equal(values, None).all())


def parse_coordinate(values, *, return_failed: bool = False):
    """Parse decimal or degree-minute-second coordinates into float degrees.

    Blank and unparseable cells give NaN. With return_failed=True also returns a boolean mask
    of the cells that were not blank but could not be read (the caller reports them).
    """
    arr = np.atleast_1d(np.asarray(values, dtype=object))
    series = pd.Series(arr, dtype=object)
    # Most cells are plain numbers: let pandas do them in C, regex only the rest.
    out = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    todo = np.isnan(out) & ~_blank(arr)
    if todo.any():
        out[todo] = [_parse_one(str(v)) for v in arr[todo]]
    failed = todo & np.isnan(out)
    return (out, failed) if return_failed else out


# --------------------------------------------------------------------------- reference data


@functools.cache
def _county_table() -> pd.DataFrame:
    counties = load_counties()
    prefs = load_prefectures().set_index("adcode")["name"]
    # Representative points stay inside the county even for concave or multi-part shapes.
    from exitmap.boundaries import label_point

    pts = [label_point(g, decimals=6) for g in counties.geometry]
    if (counties["adcode"] // 100 * 100 != counties["parent_adcode"]).any():
        raise RuntimeError("a county adcode does not start with its prefecture's")
    return pd.DataFrame(
        {
            "adcode": counties["adcode"].astype(np.int64).to_numpy(),
            "name": counties["name"].astype(object).to_numpy(),
            "parent_adcode": counties["parent_adcode"].astype(np.int64).to_numpy(),
            "parent_name": prefs.loc[counties["parent_adcode"]].astype(object).to_numpy(),
            "x": [p.x for p in pts],
            "y": [p.y for p in pts],
        }
    )


@functools.cache
def _prefecture_table() -> pd.DataFrame:
    labels = load_labels().set_index("adcode")
    prefs = load_prefectures()
    codes = prefs["adcode"].astype(np.int64).to_numpy()
    return pd.DataFrame(
        {
            "adcode": codes,
            "name": prefs["name"].astype(object).to_numpy(),
            "x": labels.loc[codes].geometry.x.to_numpy(),
            "y": labels.loc[codes].geometry.y.to_numpy(),
        }
    )


@dataclass(frozen=True)
class _Grid:
    """Counties rasterised onto a regular grid, for point-in-polygon without geometry.

    A cell lying wholly inside one county answers by table lookup; only points in cells
    crossed by a border are tested against the county pieces clipped to those cells (a few
    dozen vertices each instead of thousands). Cell edges come from one array, so adjacent
    pieces share exact coordinates and no point can fall between them.
    """

    x0: float
    y0: float
    nx: int
    ny: int
    cell: np.ndarray  # county row, -1 outside every county, -2 crossed by a border
    pieces: np.ndarray  # counties clipped to crossed cells, sorted by cell
    owner: np.ndarray  # county row of each piece
    start: np.ndarray  # pieces of cell c are pieces[start[c]:start[c + 1]]
    tree: shapely.STRtree  # over all pieces, for points rounding put in the wrong cell


@functools.cache
def _grid() -> _Grid:
    geoms = np.asarray(load_counties().geometry.values)
    shapely.prepare(geoms)
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    x0, y0 = np.floor(x0), np.floor(y0)
    nx, ny = int((x1 - x0) / _GRID_STEP) + 1, int((y1 - y0) / _GRID_STEP) + 1
    ex, ey = x0 + _GRID_STEP * np.arange(nx + 1), y0 + _GRID_STEP * np.arange(ny + 1)
    iy, ix = np.divmod(np.arange(nx * ny), nx)
    cells = shapely.box(ex[ix], ey[iy], ex[ix + 1], ey[iy + 1])
    tree = shapely.STRtree(cells)
    table = np.full(nx * ny, -1, dtype=np.int64)
    county_i, cell_i = tree.query(geoms, predicate="intersects")
    table[cell_i] = -2
    inner_county, inner_cell = tree.query(geoms, predicate="contains_properly")
    table[inner_cell] = inner_county
    crossed = table[cell_i] == -2
    county_i, cell_i = county_i[crossed], cell_i[crossed]
    order = np.lexsort((county_i, cell_i))
    county_i, cell_i = county_i[order], cell_i[order]
    pieces = shapely.intersection(geoms[county_i], cells[cell_i])
    keep = ~shapely.is_empty(pieces)
    pieces, owner, cell_i = pieces[keep], county_i[keep], cell_i[keep]
    shapely.prepare(pieces)
    start = np.searchsorted(cell_i, np.arange(nx * ny + 1))
    return _Grid(float(x0), float(y0), nx, ny, table, pieces, owner, start, shapely.STRtree(pieces))


def _point_in_county(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Row of the county containing each point (-1 outside); border points take the first."""
    grid = _grid()
    result = np.full(len(lon), -1, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        cx = np.floor((lon - grid.x0) / _GRID_STEP)
        cy = np.floor((lat - grid.y0) / _GRID_STEP)
    ok = (cx >= 0) & (cx < grid.nx) & (cy >= 0) & (cy < grid.ny)  # False for NaN
    idx = np.flatnonzero(ok)
    looked_up = grid.cell[cy[idx].astype(np.int64) * grid.nx + cx[idx].astype(np.int64)]
    result[idx] = np.where(looked_up >= 0, looked_up, -1)
    # Rounding may put a point lying on a cell edge into the neighbouring cell. Harmless: a
    # whole cell is only trusted when it lies strictly inside one county, edges included,
    # and crossed cells are tested against all pieces, not just their own.
    todo = idx[looked_up == -2]
    if len(todo) == 0:
        return result
    # Pair each point with the pieces of its own cell and test them all in one call.
    cell = cy[todo].astype(np.int64) * grid.nx + cx[todo].astype(np.int64)
    first, count = grid.start[cell], grid.start[cell + 1] - grid.start[cell]
    pair_pt = np.repeat(np.arange(len(todo)), count)
    pair_piece = np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())
    hit = shapely.intersects_xy(grid.pieces[pair_piece], lon[todo][pair_pt], lat[todo][pair_pt])
    pt_i, counties = pair_pt[hit], grid.owner[pair_piece[hit]]
    missed = np.setdiff1d(np.arange(len(todo)), pt_i)
    if len(missed):
        # Rounding put these on the wrong side of a cell edge: ask the whole index.
        q_pt, q_piece = grid.tree.query(
            shapely.points(lon[todo[missed]], lat[todo[missed]]), predicate="intersects"
        )
        pt_i = np.concatenate([pt_i, missed[q_pt]])
        counties = np.concatenate([counties, grid.owner[q_piece]])
    # Deterministic choice on shared borders: the lowest county row (lowest adcode).
    order = np.lexsort((counties, pt_i))
    pt_i, counties = pt_i[order], counties[order]
    first_hit = np.r_[True, pt_i[1:] != pt_i[:-1]]
    result[todo[pt_i[first_hit]]] = counties[first_hit]
    return result


# --------------------------------------------------------------------------- names


def _clean(text) -> str:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    return "".join(s.split())


def _strip_province(s: str) -> str:
    for prefix in ("云南省", "云南"):
        if s.startswith(prefix):
            return s[len(prefix) :]
    return s


@functools.cache
def _prefecture_variants() -> dict[str, int]:
    variants: dict[str, int] = {}
    for code, name in _prefecture_table()[["adcode", "name"]].itertuples(index=False):
        short = short_name(name)
        forms = {name, short, short + ("州" if name.endswith("州") else "市")}
        for form in forms:
            variants[form] = int(code)
    return variants


@functools.cache
def _county_variants() -> dict[str, tuple[int, ...]]:
    """Every accepted spelling -> county adcodes (a tuple, in case a short form repeats)."""
    table = _county_table()
    variants: dict[str, set[int]] = {}
    for code, name in table[["adcode", "name"]].itertuples(index=False):
        short = short_name(name)
        # Old suffixes survive in registers: 晋宁县 (now 区), 泸水县 (now 市), 石林县.
        forms = {name, short} | {short + s for s in ("县", "市", "区")}
        for form in forms:
            if len(form) >= 2:
                variants.setdefault(form, set()).add(int(code))
    return {k: tuple(sorted(v)) for k, v in variants.items()}


def _lookup_prefix(s: str, variants: dict) -> tuple[str, object] | None:
    """Longest variant that starts s."""
    for n in range(len(s), 1, -1):
        if s[:n] in variants:
            return s[:n], variants[s[:n]]
    return None


@functools.lru_cache(maxsize=8192)
def match_prefecture(text) -> int | None:
    """Prefecture adcode for 昆明/昆明市/红河州/红河哈尼族彝族自治州/西双版纳…, else None."""
    s = _strip_province(_clean(text))
    if not s:
        return None
    variants = _prefecture_variants()
    if s in variants:
        return variants[s]
    hit = _lookup_prefix(s, variants)
    return hit[1] if hit else None


@functools.lru_cache(maxsize=8192)
def match_county(text, prefecture_adcode: int | None = None) -> int | None:
    """County adcode for 蒙自/蒙自市/石林县/石林彝族自治县…, optionally within a prefecture.

    Accepts a leading province/prefecture ("红河州蒙自市"). None when unknown or ambiguous.
    """
    s = _strip_province(_clean(text))
    if not s:
        return None
    variants = _county_variants()
    candidates = variants.get(s)
    if candidates is None:
        pref_hit = _lookup_prefix(s, _prefecture_variants())
        if pref_hit and s[len(pref_hit[0]) :] in variants:
            candidates = variants[s[len(pref_hit[0]) :]]
            prefecture_adcode = prefecture_adcode or pref_hit[1]
    if not candidates:
        return None
    if prefecture_adcode:
        candidates = tuple(c for c in candidates if _parent_of(c) == prefecture_adcode)
    return candidates[0] if len(candidates) == 1 else None


def _scan_text(s: str, variants: dict) -> list[object]:
    """Values of all variants occurring in s, longest spellings first (fallback to cpca)."""
    hits = []
    for form in sorted(variants, key=lambda f: (-len(f), f)):
        if form in s:
            hits.append(variants[form])
            s = s.replace(form, "\0")
    return hits


_OTHER_PROVINCE = re.compile(
    "^(北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北"
    "|湖南|广东|海南|四川|贵州|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门)"
)


@functools.lru_cache(maxsize=65536)
def parse_address(text) -> tuple[int | None, int | None, bool]:
    """(prefecture adcode, county adcode, outside_yunnan) from a free-text address."""
    s = _clean(text)
    if not s:
        return None, None, False
    import jieba

    # jieba announces its dictionary on stderr, which would bury the load's own messages.
    jieba.setLogLevel(logging.WARNING)
    import cpca  # slow import (jieba); only needed for address-only rows

    # An address naming no province is taken to be in Yunnan, which steers cpca's choice
    # between same-named counties elsewhere.
    query = s if s.startswith("云南") or _OTHER_PROVINCE.match(s) else "云南省" + s
    row = cpca.transform([query], open_warning=False, include_status=False).iloc[0]
    province, city, district = (row["省"] or ""), (row["市"] or ""), (row["区"] or "")
    if province and province != "云南省":
        return None, None, True
    pref = match_prefecture(city) if city else None
    county = match_county(district, pref) if district else None
    if county is None:
        body = _strip_province(s)
        for codes in _scan_text(body, _county_variants()):
            chosen = [c for c in codes if pref is None or _parent_of(c) == pref]
            if len(chosen) == 1:
                county = chosen[0]
                break
    if pref is None and county is None:
        hits = _scan_text(_strip_province(s), _prefecture_variants())
        pref = hits[0] if hits else None
    if county is not None:
        pref = _parent_of(county)
    return pref, county, False


def _parent_of(county_adcode):
    """Prefecture adcode of a county (checked in _county_table: Yunnan has no exceptions)."""
    return county_adcode // 100 * 100


# --------------------------------------------------------------------------- locate


def _as_text_array(values, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, None, dtype=object)
    arr = np.asarray(values, dtype=object)
    return np.broadcast_to(arr, (n,)) if arr.ndim == 0 else arr


def _per_unique(values: np.ndarray, func) -> np.ndarray:
    """Apply func once per distinct value (registers repeat the same texts a lot)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    mapped = np.array([func(u) for u in uniques] + [func(None)], dtype=object)
    return mapped[codes]  # sentinel -1 picks the trailing func(None)


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
    raw_lat = _as_text_array(lat, n)
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

    crs_raw = _as_text_array(crs, n)
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

    counties = _county_table()
    row = _point_in_county(wx, wy)
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

    pref_raw = _as_text_array(prefecture_text, n)
    county_raw = _as_text_array(county_text, n)
    declared_pref = _per_unique(pref_raw, lambda v: match_prefecture(v) or 0).astype(np.int64)
    declared_county = _declared_counties(county_raw, declared_pref)
    pref_given = ~_blank(pref_raw)
    county_given = ~_blank(county_raw)
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
        addr_raw = _as_text_array(address, n)
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
    pref_names = dict(_prefecture_table()[["adcode", "name"]].itertuples(index=False))
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
        (declared_county > 0) & (declared_pref > 0) & (_parent_of(declared_county) != declared_pref)
    )
    add(
        clash,
        "warning",
        COL_COUNTY,
        lambda i: (
            f"县（市、区）「{names[declared_county[i]]}」属于"
            f"「{pref_names[_parent_of(declared_county[i])]}」，"
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
    counties = _county_table().set_index("adcode")
    prefs = _prefecture_table().set_index("adcode")
    addr_blank = _blank(addr_raw)
    for i in rows:
        county = int(declared_county[i])
        pref = int(declared_pref[i])
        if not county and not addr_blank[i]:
            a_pref, a_county, abroad = parse_address(addr_raw[i])
            if abroad:
                messages.add(
                    i, Message("error", COL_ADDRESS, f"详细地址「{addr_raw[i]}」不在云南省")
                )
            else:
                if a_county and (not pref or _parent_of(a_county) == pref):
                    county = a_county
                pref = pref or (a_pref or 0)
        if county:
            county_adcode[i] = county
            pref_adcode[i] = _parent_of(county)
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


# --------------------------------------------------------------------------- CSV


def read_csv_any(path: Path) -> pd.DataFrame:
    """Read a CSV in UTF-8 (with or without BOM) or GBK/GB18030, keeping every cell as text."""
    text = decode(Path(path).read_bytes())
    if text is None:
        raise ValueError(f"{path}：无法识别文件编码（请用 UTF-8 或 GBK）")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def locate_csv(in_path, out_path) -> pd.DataFrame:
    """Append location columns to a CSV with lon, lat (optional crs, address) columns.

    Optional prefecture / county columns are checked against the result like 州（市）and
    县（市、区）in a register.
    Written as UTF-8 with BOM so Excel opens it correctly; returns the written frame.
    """
    df = read_csv_any(Path(in_path))
    missing = [c for c in ("lon", "lat") if c not in df.columns]
    if missing:
        raise ValueError(f"{in_path}: missing column(s) {', '.join(missing)}")

    def col(name):
        return df[name].to_numpy(dtype=object) if name in df.columns else None

    result = locate(
        col("lon"),
        col("lat"),
        col("crs"),
        address=col("address"),
        county_text=col("county"),
        prefecture_text=col("prefecture"),
    )
    extra = result.to_frame()
    out = pd.concat([df.reset_index(drop=True), extra], axis=1)
    out.to_csv(out_path, index=False, encoding="utf-8-sig", float_format="%.6f")
    return out
