"""What every page needs: the engine, the cached map data, the boundary files, the settings."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import flask
import polars as pl
import sqlalchemy as sa

from access.guard import current_scope
from app.geo import BoundaryFiles, is_gcj
from exitmap import clock, settings
from exitmap.scope import EVERYTHING, Scope
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
    # The owner's engine, for the one write the app role may not make itself: loading an
    # accepted register through etl's loader (submissions.review.accept).
    owner: sa.Engine | None = None

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

    def scope(self) -> Scope:
        """The scope of the request being served (the guard's); outside a request (scripts
        that build pages directly) the whole province."""
        scope = current_scope()
        if scope is not None:
            return scope
        if flask.has_request_context():
            # The guard lets no request through without a caller: never fall back to all.
            raise PermissionError("a request without a caller")
        return EVERYTHING

    def ranking_table(
        self, on: dt.date, known_on: dt.date | None = None, **filters
    ) -> pl.DataFrame:
        """The standing table the ranking and the province map draw: the caller's own, or —
        for a caller limited to some prefectures, when the province publishes its ranking
        (EXITMAP_PUBLISH_RANKING) — every prefecture's published sums, as known on
        ``known_on`` in a view as known then."""
        scope = self.scope()
        if scope.all_prefectures or not settings.flag("publish_ranking"):
            return self.data.table(on, scope, known_on=known_on, **filters)
        return self.data.published_table(on, scope, known_on=known_on, **filters)

    def now(self) -> dt.datetime:
        """The wall clock (for who-took-what stamps: never the pretend date)."""
        return dt.datetime.now().astimezone()

    def today(self) -> dt.date:
        return clock.today()

    def status(self) -> dict:
        return data_status(self.engine)
