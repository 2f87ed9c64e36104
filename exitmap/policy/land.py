"""盘活土地资源 rules (data/policy/land.toml): the years a site converted to encouraged services
keeps its original use and land right, and when its window counts as near its end."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from exitmap.policy.rules import POLICY_DIR, _Entry, _read

FILE = "land.toml"


@dataclass(frozen=True)
class LandRules:
    window_years: int
    near_days: int
    source: str
    version: str


def load_land(directory: Path | str = POLICY_DIR) -> LandRules:
    data, version = _read(Path(directory), FILE)
    entry = _Entry(FILE, "conversion", data.get("conversion") or {})
    years, near = entry.get("window_years", int), entry.get("near_days", int)
    if not 0 < years <= 50 or not 0 < near <= 3650:
        raise entry.fail(f"window_years（{years}）或 near_days（{near}）超出合理范围")
    return LandRules(years, near, entry.source(), version)


@functools.cache
def default_land() -> LandRules:
    return load_land(POLICY_DIR)
