"""Which county contains a point: the full-resolution counties cut into grid cells, so that
most points are answered by a table lookup and the rest against a few small pieces.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import shapely

from exitmap.boundaries import load_counties

# Side of the grid cells the counties are cut into: small pieces make point-in-polygon cheap.
_GRID_STEP = 0.05


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


def point_in_county(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
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
