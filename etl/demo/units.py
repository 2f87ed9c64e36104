"""The register's units: each enterprise's equipment, its exit category and its coordinates.

``Unit.events`` is filled later by the timelines (etl/demo/timelines.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from etl.demo.draws import chance, pick
from etl.demo.enterprises import Enterprise, draw_enterprise
from etl.demo.equipment import Equipment, draw_equipment
from etl.demo.mixes import (
    AFFINITY,
    CATEGORY_WEIGHTS,
    N_UNITS,
    OUT_OF_SCOPE_SHARE,
    PREFECTURE_WEIGHTS,
    PROFILES,
)
from etl.demo.places import JITTER, prefectures_and_counties
from exitmap.crs import wgs84_to_gcj02
from exitmap.vocabulary import NO_RESTRICTED_LIST


@dataclass
class Unit:
    enterprise: Enterprise
    sub: str
    equipment: Equipment
    number: str | None
    category: str | None
    lon: float | None  # WGS-84
    lat: float | None
    # As written in the 经度/纬度 columns (GCJ-02 when the enterprise states GCJ02).
    x: float | None = None
    y: float | None = None
    registered: dt.date = dt.date(2020, 1, 1)
    # (date, field updates) in date order; fields: status, identified, deadline, planned,
    # exited, method.
    events: list[tuple[dt.date, dict]] = field(default_factory=list)
    overdue: bool = False
    recent: bool = False

    def state(self, when: dt.date) -> dict | None:
        """The unit's register fields on ``when``; None before it entered the register."""
        if self.registered > when:
            return None
        state = {"identified": None, "deadline": None, "planned": None, "exited": None,
                 "method": None}  # fmt: skip
        for date, changes in self.events:
            if date > when:
                break
            state.update(changes)
        return state


def _tier(rng: np.random.Generator, category: str | None) -> str:
    if category == "淘汰类":
        return "old"
    if category == "限制类":
        return "mid"
    if category is None:
        return "any"
    return pick(rng, ("mid", "any"))


def _category(rng: np.random.Generator, sub: str) -> str | None:
    if chance(rng, OUT_OF_SCOPE_SHARE):
        return None
    cats = list(CATEGORY_WEIGHTS)
    weights = [0.0 if (c == "限制类" and sub in NO_RESTRICTED_LIST) else w
               for c, w in CATEGORY_WEIGHTS.items()]  # fmt: skip
    return pick(rng, cats, weights)


def _choose_county(rng: np.random.Generator, profile_subs: tuple[str, ...], pref: int | None):
    _, counties = prefectures_and_counties()
    weights = []
    for c in counties:
        if pref is not None and c.prefecture != pref:
            weights.append(0.0)
            continue
        w = c.weight * (1.0 if pref is not None else PREFECTURE_WEIGHTS[c.prefecture])
        for sub in profile_subs:
            w *= AFFINITY.get((sub, c.prefecture), 1.0) * AFFINITY.get((sub, c.adcode), 1.0)
        weights.append(w)
    # Prefecture weights are per prefecture, not per county: divide by its county weight sum.
    if pref is None:
        totals: dict[int, float] = {}
        for c in counties:
            totals[c.prefecture] = totals.get(c.prefecture, 0.0) + c.weight
        weights = [w / totals[c.prefecture] for w, c in zip(weights, counties, strict=True)]
    return pick(rng, counties, weights)


def draw_units(rng: np.random.Generator) -> list[Unit]:
    """N_UNITS units of freshly drawn enterprises (events not yet drawn)."""
    pref_names, _ = prefectures_and_counties()
    profile_names = [p[0] for p in PROFILES]
    profile_weights = [p[1] for p in PROFILES]
    profile_subs = {p[0]: p[2] for p in PROFILES}
    # The first enterprises cover every profile, then every prefecture; the rest are drawn.
    plan: list[tuple[str, int | None]] = [(p, None) for p in profile_names]
    plan += [(pick(rng, profile_names, profile_weights), a) for a in sorted(pref_names)]
    names: set[str] = set()
    codes: set[str] = set()
    units: list[Unit] = []
    i = 0
    while len(units) < N_UNITS:
        if i < len(plan):
            profile, pref = plan[i]
        else:
            profile, pref = pick(rng, profile_names, profile_weights), None
        i += 1
        subs = tuple(s for s, _, _ in profile_subs[profile])
        county = _choose_county(rng, subs, pref)
        ent = draw_enterprise(rng, profile, county, names, codes)
        numbers: dict[str, int] = {}
        for sub, lo, hi in profile_subs[profile]:
            for _ in range(int(rng.integers(lo, hi + 1))):
                if len(units) >= N_UNITS:
                    break
                category = _category(rng, sub)
                equip = draw_equipment(rng, sub, _tier(rng, category))
                numbers[equip.name] = numbers.get(equip.name, 0) + 1
                number = f"{numbers[equip.name]}#{equip.name}"
                if chance(rng, 0.03):
                    number = None
                lon, lat = ent.site
                lon += float(rng.uniform(-JITTER, JITTER))
                lat += float(rng.uniform(-JITTER, JITTER))
                if ent.address_only:
                    lon = lat = None
                units.append(Unit(ent, sub, equip, number, category, lon, lat))
    return units


def write_coordinates(units: list[Unit]) -> None:
    """Set each unit's coordinates as its register writes them: GCJ-02 where the enterprise
    states GCJ02, otherwise the WGS-84 site."""
    gcj = [u for u in units if u.lon is not None and u.enterprise.crs == "GCJ02"]
    if gcj:
        xs, ys = wgs84_to_gcj02(np.array([u.lon for u in gcj]), np.array([u.lat for u in gcj]))
        for u, x, y in zip(gcj, xs.tolist(), ys.tolist(), strict=True):
            u.x, u.y = x, y
    for u in units:
        if u.lon is not None and u.x is None:
            u.x, u.y = u.lon, u.lat
