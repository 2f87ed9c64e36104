"""Every setting the product reads, in one place.

Each is read from the environment (``EXITMAP_<NAME>``, except ``DATABASE_URL``) so that the
same code runs on a laptop, in CI and in the container.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from exitmap import ROOT


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        "DATABASE_URL",
        "",
        "PostgreSQL/PostGIS URL. Empty: use the project-local cluster (see pg_*).",
    ),
    Setting("pg_data", "EXITMAP_PG_DATA", str(ROOT / ".pgdata"), "Folder of the local cluster."),
    Setting("pg_port", "EXITMAP_PG_PORT", "5433", "Port of the local cluster (socket only)."),
    Setting("pg_database", "EXITMAP_PG_DATABASE", "exitmap", "Database name in the local cluster."),
    Setting("pg_bin", "EXITMAP_PG_BIN", "/usr/lib/postgresql/15/bin", "PostgreSQL binaries."),
    Setting(
        "tile_url",
        "EXITMAP_TILE_URL",
        "",
        "Optional base-map tile URL template (intranet or 天地图); empty: no tiles.",
    ),
    Setting(
        "tile_crs",
        "EXITMAP_TILE_CRS",
        "WGS84",
        "Coordinate system of the tiles: WGS84/CGCS2000 or GCJ02 (Amap-style tiles).",
    ),
    Setting("today", "EXITMAP_TODAY", "", "Pretend today is this date (YYYY-MM-DD)."),
    Setting("marking", "EXITMAP_MARKING", "内部资料", "Marking printed on maps and exports."),
)


def get(name: str) -> str:
    for s in SETTINGS:
        if s.name == name:
            return os.environ.get(s.env, s.default)
    raise KeyError(name)


def pg_data() -> Path:
    return Path(get("pg_data"))
