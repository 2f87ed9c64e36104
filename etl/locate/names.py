"""Place names and free-text addresses → prefecture and county adcodes.

Accepts the forms registers use (short names, old suffixes, a leading province or prefecture);
addresses go through cpca, with a scan for known names when it finds no county.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

import numpy as np

from etl.locate.areas import county_table, parent_of, prefecture_table
from exitmap.boundaries import short_name


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
    for code, name in prefecture_table()[["adcode", "name"]].itertuples(index=False):
        short = short_name(name)
        forms = {name, short, short + ("州" if name.endswith("州") else "市")}
        for form in forms:
            variants[form] = int(code)
    return variants


@functools.cache
def _county_variants() -> dict[str, tuple[int, ...]]:
    """Every accepted spelling -> county adcodes (a tuple, in case a short form repeats)."""
    table = county_table()
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
        candidates = tuple(c for c in candidates if parent_of(c) == prefecture_adcode)
    return candidates[0] if len(candidates) == 1 else None


def _scan_text(s: str, forms: tuple[tuple[str, object], ...]) -> list[object]:
    """Values of all ``forms`` (``_scan_order``) occurring in s, longest spellings first."""
    hits = []
    for form, value in forms:
        if form in s:
            hits.append(value)
            s = s.replace(form, "\0")
    return hits


def _scan_order(variants: dict) -> tuple[tuple[str, object], ...]:
    """(spelling, value) longest first: the order ``_scan_text`` tries them in."""
    return tuple(sorted(variants.items(), key=lambda item: (-len(item[0]), item[0])))


# Sorted once: an address is scanned against every spelling, and a register can hold 100,000
# distinct addresses.
@functools.cache
def _prefecture_scan() -> tuple[tuple[str, object], ...]:
    return _scan_order(_prefecture_variants())


@functools.cache
def _suffixed_county_scan() -> tuple[tuple[str, object], ...]:
    """The county spellings that end in 县/市/区, which name a county wherever they stand."""
    variants = _county_variants()
    return _scan_order({f: c for f, c in variants.items() if f.endswith(_COUNTY_SUFFIXES)})


_OTHER_PROVINCE = re.compile(
    "^(北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北"
    "|湖南|广东|海南|四川|贵州|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门)"
)


_COUNTY_SUFFIXES = ("县", "市", "区")


def _split_prefecture(body: str) -> tuple[int | None, str]:
    """The prefecture an address starts with and the rest of it. A prefecture's bare short
    name followed by 市/县/区 names a county, not the prefecture: 大理市, 楚雄市, 文山市, 红河县."""
    hit = _lookup_prefix(body, _prefecture_variants())
    if hit is None:
        return None, body
    form, code = hit
    rest = body[len(form) :]
    bare = form == short_name(_prefecture_name(code))
    if bare and rest[:1] in _COUNTY_SUFFIXES:
        return None, body
    return code, rest


@functools.cache
def _prefecture_name(code: int) -> str:
    table = prefecture_table()
    return str(table.loc[table["adcode"] == code, "name"].iloc[0])


def _county_named(rest: str, pref: int | None) -> int | None:
    """The county ``rest`` names as a county: at its start (蒙自市…, 蒙自…), or anywhere with
    its suffix (…宣威市…). The prefecture's own short name (大理 in 大理州大理古城) is the
    prefecture's, not its namesake county's."""
    own = short_name(_prefecture_name(pref)) if pref else None

    def within(codes) -> list[int]:
        return [c for c in codes if pref is None or parent_of(c) == pref]

    variants = _county_variants()
    hit = _lookup_prefix(rest, variants)
    if hit and hit[0] != own:
        chosen = within(hit[1])
        if len(chosen) == 1:
            return chosen[0]
    for codes in _scan_text(rest, _suffixed_county_scan()):
        chosen = within(codes)
        if len(chosen) == 1:
            return chosen[0]
    return None


Place = tuple[int | None, int | None, bool]  # (prefecture, county, outside Yunnan)


def parse_address(text) -> Place:
    """(prefecture adcode, county adcode, outside_yunnan) from a free-text address.

    A county counts only when the address names it as a county: 云南省大理白族自治州 is the
    prefecture (precision 'prefecture'), 大理州大理市 its county 大理市.
    """
    return parse_addresses([text])[text]


def parse_addresses(texts) -> dict[object, Place]:
    """``parse_address`` of each text, keyed by the text as given (each distinct text once).

    One call of cpca for them all: called once per address, its table-building costs ~1 ms,
    and a register without coordinates can hold 100,000 distinct addresses.
    """
    cleaned = {text: _clean(text) for text in dict.fromkeys(texts)}
    named = sorted({s for s in cleaned.values() if s})
    found = {"": (None, None, False)}
    if named:
        found |= dict(zip(named, map(_place, named, _cpca_rows(named)), strict=True))
    return {text: found[s] for text, s in cleaned.items()}


def _cpca_rows(addresses: list[str]) -> list[tuple[str, str]]:
    """cpca's (province, prefecture) of each cleaned address."""
    import jieba

    # jieba announces its dictionary on stderr, which would bury the load's own messages.
    jieba.setLogLevel(logging.WARNING)
    import cpca  # slow import (jieba); only needed for address-only rows

    # An address naming no province is taken to be in Yunnan, which steers cpca's choice
    # between same-named counties elsewhere.
    queries = [
        s if s.startswith("云南") or _OTHER_PROVINCE.match(s) else "云南省" + s for s in addresses
    ]
    table = cpca.transform(queries, open_warning=False, include_status=False)
    return list(zip(table["省"].fillna(""), table["市"].fillna(""), strict=True))


def _place(s: str, cpca_row: tuple[str, str]) -> Place:
    province, city = cpca_row
    if province and province != "云南省":
        return None, None, True
    # cpca fills in a county from a prefecture's name alone (大理州 → 大理市): its county is
    # not taken; the address's own words are.
    pref, rest = _split_prefecture(_strip_province(s))
    county = _county_named(rest, pref)
    if pref is None and county is None:
        pref = match_prefecture(city) if city else None
    if pref is None and county is None:
        hits = _scan_text(rest, _prefecture_scan())
        pref = hits[0] if hits else None
    if county is not None:
        pref = parent_of(county)
    return pref, county, False
