"""Exact-area grids: a global reduced lat/lon grid, polygon rasterisation, per-state grids.

The globe is cut into rows of equal latitude height; each row has its own number of columns so
cells stay close to ``resolution_km`` wide at every latitude (a "reduced" grid). A cell's area is
the closed-form area of its ellipsoidal quadrangle (:func:`quadrangle_area_km2`), exact on WGS84.

Each cell carries 64 sub-points on a rank-1 lattice (one per sub-row, columns spread by the
generator 19), each standing for 1/64 of the cell's area. A state's land inside a cell is the
64-bit word of the sub-points its polygons contain; an imaged footprint is another such word.
Unions are bitwise ORs, areas are ``popcount / 64 * cell area``. Rows wrap in longitude, so a
polygon or a footprint crossing the 180th meridian lands in the right cells on both sides.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.geo.ellipsoid import (
    gaussian_radius_km,
    prime_vertical_radius_km,
    quadrangle_area_km2,
    unit_vectors,
)

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

NSUB = 64
LATTICE_GENERATOR = 19  # best minimum distance among odd generators for 64 points
_K = np.arange(NSUB)
SUB_Y = (_K + 0.5) / NSUB  # fraction of the row height, one sub-point per sub-row
SUB_X = ((_K * LATTICE_GENERATOR) % NSUB + 0.5) / NSUB  # fraction of the column width
ALL_BITS = np.uint64(0xFFFFFFFFFFFFFFFF)
GRID_VERSION = 1
MAX_INDEX_TABLE = 8_000_000  # global ids spanned by a grid's dense lookup table (int32)


def popcount(words: np.ndarray) -> np.ndarray:
    """Number of set bits per uint64 word."""
    return np.bitwise_count(words).astype(np.int64)


@dataclass(frozen=True)
class GridSpec:
    """The global reduced grid at one resolution."""

    resolution_km: float

    @cached_property
    def nrows(self) -> int:
        meridian_km_per_deg = np.radians(1.0) * 6367.449  # mean meridian radius
        return max(1, round(180.0 / (self.resolution_km / meridian_km_per_deg)))

    @cached_property
    def dlat(self) -> float:
        return 180.0 / self.nrows

    @cached_property
    def row_lat_lo(self) -> np.ndarray:
        return -90.0 + np.arange(self.nrows) * self.dlat

    @cached_property
    def ncols(self) -> np.ndarray:
        mid = self.row_lat_lo + self.dlat / 2
        circ = 2 * np.pi * prime_vertical_radius_km(mid) * np.cos(np.radians(mid))
        return np.maximum(1, np.round(circ / self.resolution_km)).astype(np.int64)

    @cached_property
    def row_offset(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.ncols)]).astype(np.int64)

    @property
    def ncells(self) -> int:
        return int(self.row_offset[-1])

    @cached_property
    def row_radius_rad(self) -> np.ndarray:
        """Per row: the angular distance from a cell's centre to its farthest point (a corner).

        On a lat/lon quadrangle the distance from the centre grows with the longitude offset
        and, at a fixed offset, is largest at a latitude edge, so a corner is farthest.
        Padded for rounding: an upper bound for every sub-point of the row's cells.
        """
        lo = self.row_lat_lo
        mid = lo + self.dlat / 2
        half_dlon = 180.0 / self.ncols
        centre = unit_vectors(mid, np.zeros(self.nrows))
        far = np.zeros(self.nrows)
        for edge in (lo, lo + self.dlat):
            corner = unit_vectors(edge, half_dlon)
            chord = np.linalg.norm(corner - centre, axis=-1)
            far = np.maximum(far, 2 * np.arcsin(np.minimum(chord / 2, 1.0)))
        return far * (1 + 1e-9) + 1e-12

    @cached_property
    def row_quad_area_km2(self) -> np.ndarray:
        lo = self.row_lat_lo
        return quadrangle_area_km2(lo, lo + self.dlat, 360.0 / self.ncols)

    # ----------------------------------------------------------------- lookups
    def row_of(self, lat: np.ndarray) -> np.ndarray:
        r = np.floor((np.asarray(lat, float) + 90.0) / self.dlat).astype(np.int64)
        return np.clip(r, 0, self.nrows - 1)

    def rowcol(self, gid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        gid = np.asarray(gid, np.int64)
        r = np.searchsorted(self.row_offset, gid, side="right") - 1
        return r, gid - self.row_offset[r]

    def cell_of(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Global cell id of each point (longitudes wrap)."""
        r = self.row_of(lat)
        n = self.ncols[r]
        c = np.floor(((np.asarray(lon, float) + 180.0) % 360.0) / 360.0 * n).astype(np.int64)
        return self.row_offset[r] + np.minimum(c, n - 1)

    def centres(self, gid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r, c = self.rowcol(gid)
        lat = self.row_lat_lo[r] + self.dlat / 2
        lon = -180.0 + (c + 0.5) * 360.0 / self.ncols[r]
        return lat, lon

    def quad_area_km2(self, gid: np.ndarray) -> np.ndarray:
        r, _ = self.rowcol(gid)
        return self.row_quad_area_km2[r]

    def subpoints(self, gid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, 64) latitudes and longitudes of every cell's sub-points."""
        r, c = self.rowcol(gid)
        dlon = 360.0 / self.ncols[r]
        lat = self.row_lat_lo[r][:, None] + SUB_Y[None, :] * self.dlat
        lon = -180.0 + (c[:, None] + SUB_X[None, :]) * dlon[:, None]
        return lat, lon

    def corners(self, gid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, 4) corner latitudes and longitudes, counter-clockwise from south-west."""
        r, c = self.rowcol(gid)
        dlon = 360.0 / self.ncols[r]
        lo_lat = self.row_lat_lo[r]
        lo_lon = -180.0 + c * dlon
        lat = np.stack([lo_lat, lo_lat, lo_lat + self.dlat, lo_lat + self.dlat], axis=1)
        lon = np.stack([lo_lon, lo_lon + dlon, lo_lon + dlon, lo_lon], axis=1)
        return lat, lon

    def neighbourhood(self, lat: np.ndarray, lon: np.ndarray, radius_km: float) -> np.ndarray:
        """Unique global ids of cells that may lie within ``radius_km`` of the points."""
        lat = np.asarray(lat, float)
        return self.neighbourhood_pairs(lat, lon, radius_km, np.zeros(lat.shape, np.int64))[1]

    def neighbourhood_pairs(self, lat: np.ndarray, lon: np.ndarray, radius_km: float,
                            group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unique (group, global id) pairs of cells that may lie within ``radius_km`` of the
        points of each group (``group``: a non-negative integer per point), sorted."""
        lat = np.asarray(lat, float).ravel()
        lon = np.asarray(lon, float).ravel()
        group = np.asarray(group, np.int64).ravel()
        kr = int(np.ceil(radius_km / (self.dlat * 111.0))) + 1
        # every (point, row offset) at once, then every column offset within each row's reach
        r = (self.row_of(lat)[:, None] + np.arange(-kr, kr + 1)[None, :]).ravel()
        at = np.repeat(np.arange(len(lat)), 2 * kr + 1)
        ok = (r >= 0) & (r < self.nrows)
        r, at = r[ok], at[ok]
        if not len(r):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        n = self.ncols[r]
        width = 2 * np.pi * 6378.0 * np.cos(np.radians(self.row_lat_lo[r] + self.dlat / 2))
        cell_w = np.maximum(width / n, 1e-6)
        kc = np.minimum(np.ceil(radius_km / cell_w).astype(np.int64) + 1, n // 2 + 1)
        c0 = np.floor((lon[at] + 180.0) % 360.0 / 360.0 * n).astype(np.int64)
        kmax = int(kc.max())
        dc = np.arange(-kmax, kmax + 1)
        i, j = np.nonzero(np.abs(dc)[None, :] <= kc[:, None])  # (point-rows, column offsets)
        key = np.unique(group[at[i]] * self.ncells + self.row_offset[r[i]]
                        + (c0[i] + dc[j]) % n[i])
        return key // self.ncells, key % self.ncells


# ---------------------------------------------------------------- rasterising
def _rings(geom: BaseGeometry) -> list[np.ndarray]:
    polys = getattr(geom, "geoms", [geom])
    rings = []
    for p in polys:
        if p.is_empty or p.geom_type != "Polygon":
            continue
        rings.append(np.asarray(p.exterior.coords, float))
        rings.extend(np.asarray(i.coords, float) for i in p.interiors)
    return rings


def rasterise(spec: GridSpec, geom: BaseGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Sub-point bits of a lon/lat (multi)polygon: (sorted global ids, uint64 words).

    A scanline fill with the even-odd rule along each of the 64 sub-rows of every row: exact
    point-in-polygon for every sub-point, vectorised over all polygon edges.
    """
    rings = _rings(geom)
    if not rings:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    xy = [(r[:-1], r[1:]) for r in rings]
    p1 = np.concatenate([a for a, _ in xy])
    p2 = np.concatenate([b for _, b in xy])
    x1, y1, x2, y2 = p1[:, 0], p1[:, 1], p2[:, 0], p2[:, 1]
    keep = y1 != y2
    x1, y1, x2, y2 = x1[keep], y1[keep], x2[keep], y2[keep]
    r_lo = int(spec.row_of(np.min(np.minimum(y1, y2))))
    r_hi = int(spec.row_of(np.max(np.maximum(y1, y2))))
    rows = np.arange(r_lo, r_hi + 1)
    ys = (spec.row_lat_lo[rows][:, None] + SUB_Y[None, :] * spec.dlat).ravel()  # increasing
    ymin, ymax = np.minimum(y1, y2), np.maximum(y1, y2)
    j_lo = np.searchsorted(ys, ymin, side="left")
    j_hi = np.searchsorted(ys, ymax, side="left")
    counts = j_hi - j_lo
    total = int(counts.sum())
    base = spec.row_offset[r_lo]
    n_local = int(spec.row_offset[r_hi + 1] - base)
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    edge = np.repeat(np.arange(len(counts)), counts)
    start = np.repeat(np.cumsum(counts) - counts, counts)
    j = j_lo[edge] + (np.arange(total) - start)
    yj = ys[j]
    xj = x1[edge] + (yj - y1[edge]) * (x2[edge] - x1[edge]) / (y2[edge] - y1[edge])
    order = np.lexsort((xj, j))
    j, xj = j[order], xj[order]
    ja, xa, xb = j[0::2], xj[0::2], xj[1::2]  # even-odd: consecutive crossings pair up
    row = rows[ja // NSUB]
    k = ja % NSUB
    n = spec.ncols[row]
    dl = 360.0 / n
    c_start = np.clip(np.ceil((xa + 180.0) / dl - SUB_X[k]), 0, n).astype(np.int64)
    c_end = np.clip(np.ceil((xb + 180.0) / dl - SUB_X[k]), 0, n).astype(np.int64)
    ok = c_end > c_start
    off = spec.row_offset[row] - base
    s_idx, e_idx, k = (off + c_start)[ok], (off + c_end)[ok], k[ok]
    words = np.zeros(n_local, np.uint64)
    for kk in range(NSUB):
        sel = k == kk
        if not sel.any():
            continue
        diff = np.bincount(s_idx[sel], minlength=n_local + 1)
        diff -= np.bincount(e_idx[sel], minlength=n_local + 1)
        inside = np.cumsum(diff[:-1]) > 0
        words |= inside.astype(np.uint64) << np.uint64(kk)
    nz = np.flatnonzero(words)
    return nz.astype(np.int64) + base, words[nz]


# ------------------------------------------------------------------ state grid
@dataclass(eq=False)
class StateGrid:
    """The cells of one state's (or a union of states') treaty territory.

    ``cell_area_km2`` is the land area in each cell (exact quadrangle area times the share of
    sub-points on land); ``land_bits`` says which sub-points are land.
    """

    codes: tuple[str, ...]
    spec: GridSpec
    gid: np.ndarray  # sorted global cell ids
    land_bits: np.ndarray  # uint64 words
    member_bits: dict[str, np.ndarray]  # per member code, aligned with gid
    territories: Any = field(default=None, repr=False)  # the Territories it came from

    @property
    def resolution_km(self) -> float:
        return self.spec.resolution_km

    @property
    def n_cells(self) -> int:
        return len(self.gid)

    @cached_property
    def lat(self) -> np.ndarray:
        return self.spec.centres(self.gid)[0]

    @cached_property
    def lon(self) -> np.ndarray:
        return self.spec.centres(self.gid)[1]

    @cached_property
    def quad_area_km2(self) -> np.ndarray:
        return self.spec.quad_area_km2(self.gid)

    @cached_property
    def digest(self) -> str:
        """What the grid is (territory data, resolution, members, cells, land words), as a hex
        digest: the same in every process, for keys of the disk caches."""
        h = hashlib.sha256(repr((getattr(self.territories, "cache_key", None),
                                 self.spec.resolution_km, self.codes)).encode())
        h.update(np.ascontiguousarray(self.gid, np.int64).tobytes())
        h.update(np.ascontiguousarray(self.land_bits, np.uint64).tobytes())
        return h.hexdigest()

    @cached_property
    def cell_area_km2(self) -> np.ndarray:
        return self.quad_area_km2 * popcount(self.land_bits) / NSUB

    @cached_property
    def total_area_km2(self) -> float:
        return float(self.cell_area_km2.sum())

    @cached_property
    def member_area_km2(self) -> dict[str, float]:
        return {
            c: float((self.quad_area_km2 * popcount(b) / NSUB).sum())
            for c, b in sorted(self.member_bits.items())
        }

    @cached_property
    def xyz(self) -> np.ndarray:
        return unit_vectors(self.lat, self.lon)

    @cached_property
    def mean_radius_km(self) -> float:
        w = self.cell_area_km2
        return float(np.sum(gaussian_radius_km(self.lat) * w) / max(w.sum(), 1e-9))

    def area_of_bits(self, idx: np.ndarray, bits: np.ndarray) -> float:
        """Area in km² of sub-point words ``bits`` at local indices ``idx``."""
        return float(np.sum(self.quad_area_km2[idx] * popcount(bits)) / NSUB)

    def local_index(self, gids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions in ``gids`` found in this grid, their local indices)."""
        gids = np.asarray(gids, np.int64)
        pos = np.searchsorted(self.gid, gids)
        pos_c = np.minimum(pos, len(self.gid) - 1)
        found = (pos < len(self.gid)) & (self.gid[pos_c] == gids)
        return np.flatnonzero(found), pos_c[found]

    @cached_property
    def _index_table(self) -> np.ndarray | None:
        """Local index of every global id from the first to the last of the grid.

        ``n_cells`` stands for "not in the grid", and so does one extra last entry (for ids
        out of the span). A gather instead of a binary search per point; None where the
        span is too wide.
        """
        if len(self.gid) == 0 or self.gid[-1] - self.gid[0] >= MAX_INDEX_TABLE:
            return None
        table = np.full(int(self.gid[-1] - self.gid[0]) + 2, len(self.gid), np.int32)
        table[self.gid - self.gid[0]] = np.arange(len(self.gid), dtype=np.int32)
        return table

    def table_index(self, gids: np.ndarray) -> np.ndarray | None:
        """Local index of global ids, ``n_cells`` where not in the grid (None: no table)."""
        table = self._index_table
        if table is None:
            return None
        off = gids - self.gid[0]
        return table[np.where((off >= 0) & (off < len(table) - 1), off, len(table) - 1)]

    def lookup(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Local index of the cell under each point, -1 where the point is off the grid."""
        gids = self.spec.cell_of(lat, lon)
        idx = self.table_index(gids)
        if idx is not None:
            return np.where(idx < len(self.gid), idx, -1).astype(np.int64)
        pos = np.searchsorted(self.gid, gids)
        pos_c = np.minimum(pos, max(len(self.gid) - 1, 0))
        if len(self.gid) == 0:
            return np.full(gids.shape, -1, np.int64)
        return np.where(self.gid[pos_c] == gids, pos_c, -1)

    def clip(self, gids: np.ndarray, bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Restrict global (gids, bits) to this territory: (local idx, bits & land)."""
        where, idx = self.local_index(gids)
        b = np.asarray(bits, np.uint64)[where] & self.land_bits[idx]
        nz = b != 0
        return idx[nz], b[nz]

    def member_of_cells(self) -> np.ndarray:
        """Index into ``codes`` of the member holding most of each cell's land."""
        counts = np.stack([popcount(self.member_bits[c]) for c in self.codes], axis=1)
        return np.argmax(counts, axis=1)


def merge_masks(
    masks: dict[str, tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Union of per-code (gids, bits): sorted gids, OR of bits, per-code bits aligned."""
    codes = sorted(masks)
    all_g = np.unique(np.concatenate([masks[c][0] for c in codes])) if codes else np.zeros(0)
    all_g = all_g.astype(np.int64)
    union = np.zeros(len(all_g), np.uint64)
    members = {}
    for c in codes:
        g, b = masks[c]
        aligned = np.zeros(len(all_g), np.uint64)
        aligned[np.searchsorted(all_g, g)] = b
        members[c] = aligned
        union |= aligned
    return all_g, union, members


def union_bits(parts) -> tuple[np.ndarray, np.ndarray]:
    """Union of (cell ids, sub-point bits) pieces: sorted unique ids with their bits OR-ed."""
    parts = list(parts)
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    if len(parts) == 1:  # already a union when its ids are sorted and unique
        ids, bits = np.asarray(parts[0][0], np.int64), np.asarray(parts[0][1], np.uint64)
        if len(ids) < 2 or bool((ids[1:] > ids[:-1]).all()):
            return ids, bits
    ids = np.concatenate([p[0] for p in parts]).astype(np.int64)
    bits = np.concatenate([p[1] for p in parts]).astype(np.uint64)
    order = np.argsort(ids, kind="stable")
    ids, bits = ids[order], bits[order]
    uniq, start = np.unique(ids, return_index=True)
    return uniq, np.bitwise_or.reduceat(bits, start) if len(bits) else bits

