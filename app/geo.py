"""Boundary display files served once, cached and compressed; shifted to GCJ-02 when the tiles are.

``/geo/<name>.geojson`` serves data/boundaries/<name>_display.geojson (or labels.geojson) from
memory with a strong ETag. With a GCJ-02 tile server (settings tile_crs = GCJ02) every
coordinate is shifted with exitmap.crs.wgs84_to_gcj02 once, at start-up.
"""

from __future__ import annotations

import gzip
import hashlib
import json

import numpy as np
from flask import Flask, Response, abort, request

from access.guard import rule
from exitmap.boundaries import BOUNDARIES_DIR
from exitmap.crs import wgs84_to_gcj02

FILES = {
    "prefectures": "prefectures_display.geojson",
    "counties": "counties_display.geojson",
    "outline": "yunnan_outline_display.geojson",
    "neighbours": "neighbours_display.geojson",
    "labels": "labels.geojson",
}


def is_gcj(tile_crs: str) -> bool:
    return tile_crs.strip().upper().replace("-", "") in ("GCJ02", "GCJ")


def _shift_coords(coords):
    arr = np.asarray(coords, dtype=float)
    if arr.ndim == 1:
        lon, lat = wgs84_to_gcj02(arr[0:1], arr[1:2])
        return [round(float(lon[0]), 5), round(float(lat[0]), 5)]
    if arr.ndim == 2:
        lon, lat = wgs84_to_gcj02(arr[:, 0], arr[:, 1])
        return np.round(np.column_stack([lon, lat]), 5).tolist()
    return [_shift_coords(c) for c in coords]


def shift_geojson(data: dict) -> dict:
    for feat in data["features"]:
        geom = feat["geometry"]
        geom["coordinates"] = _shift_coords(geom["coordinates"])
    return data


def shift_point(lon: float, lat: float) -> tuple[float, float]:
    x, y = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    return float(x[0]), float(y[0])


class BoundaryFiles:
    def __init__(self, gcj: bool = False):
        self.gcj = gcj
        self.raw: dict[str, bytes] = {}
        self.gz: dict[str, bytes] = {}
        self.etag: dict[str, str] = {}
        for name, file in FILES.items():
            body = (BOUNDARIES_DIR / file).read_bytes()
            if gcj:
                body = json.dumps(shift_geojson(json.loads(body)), separators=(",", ":")).encode()
            self.raw[name] = body
            self.gz[name] = gzip.compress(body, 6)
            self.etag[name] = hashlib.sha256(body).hexdigest()[:20]

    def url(self, name: str) -> str:
        return f"/geo/{name}.geojson?v={self.etag[name][:8]}"

    def register(self, server: Flask) -> None:
        @server.route("/geo/<name>.geojson")
        @rule("view")
        def geo(name: str):
            if name not in self.raw:
                abort(404)
            tag = self.etag[name]
            if request.if_none_match and tag in request.if_none_match:
                return Response(status=304)
            gzip_ok = "gzip" in request.headers.get("Accept-Encoding", "")
            body = self.gz[name] if gzip_ok else self.raw[name]
            resp = Response(body, mimetype="application/geo+json")
            if gzip_ok:
                resp.headers["Content-Encoding"] = "gzip"
            resp.headers["Vary"] = "Accept-Encoding"
            resp.set_etag(tag)
            resp.headers["Cache-Control"] = "private, max-age=86400"  # for signed-in users only
            return resp
