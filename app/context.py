"""What every page needs: the engine, the cached map data, the boundary files, the settings."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.geo import BoundaryFiles, is_gcj
from exitmap import clock, settings
from layers.map import MapData
from layers.meta import data_status


def _bounds(geometry: dict) -> list[list[float]]:
    xs, ys = [], []

    def walk(c):
        if isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for part in c:
                walk(part)

    walk(geometry["coordinates"])
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


@dataclass
class Context:
    engine: sa.Engine
    data: MapData
    geo: BoundaryFiles
    tile_url: str = ""
    marking: str = ""
    prefecture_bounds: dict[int, list] = field(default_factory=dict)
    county_names: dict[int, str] = field(default_factory=dict)

    @classmethod
    def create(cls, engine: sa.Engine) -> Context:
        tile_url = settings.get("tile_url").strip()
        gcj = bool(tile_url) and is_gcj(settings.get("tile_crs"))
        geo = BoundaryFiles(gcj=gcj)
        prefs = json.loads(geo.raw["prefectures"])
        counties = json.loads(geo.raw["counties"])
        return cls(
            engine=engine,
            data=MapData(engine),
            geo=geo,
            tile_url=tile_url,
            marking=settings.get("marking"),
            prefecture_bounds={
                int(f["properties"]["adcode"]): _bounds(f["geometry"]) for f in prefs["features"]
            },
            county_names={
                int(f["properties"]["adcode"]): f["properties"]["name"]
                for f in counties["features"]
            },
        )

    @property
    def province_bounds(self) -> list[list[float]]:
        """[[s, w], [n, e]] around all 16 prefectures."""
        boxes = self.prefecture_bounds.values()
        return [
            [min(b[0][0] for b in boxes), min(b[0][1] for b in boxes)],
            [max(b[1][0] for b in boxes), max(b[1][1] for b in boxes)],
        ]

    @property
    def gcj(self) -> bool:
        return self.geo.gcj

    def today(self) -> dt.date:
        return clock.today()

    def status(self) -> dict:
        return data_status(self.engine)
