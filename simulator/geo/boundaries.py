"""The boundaries a route keeps clear of, as k-d trees of densified boundary points.

Per grid, list of parties and no-fly zones: the land of every non-party (10 km, Art. VI Sec.
II para 2), foreign land of parties (0 km) and each no-fly zone (its buffer). Boundaries are
densified to <= 0.5 km and held as unit vectors scaled to kilometres, with a coarse tree of
every ``THIN``-th point (see :func:`_thin`). Building them takes seconds (densifying every
neighbour's coast, k-d trees of a million points), so they are kept in the disk cache, keyed
by everything they are built from; a damaged or foreign entry is rebuilt.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from simulator.geo.cache import cache_dir, load_bytes, save_bytes_atomic
from simulator.geo.ellipsoid import unit_vectors
from simulator.geo.grid import StateGrid
from simulator.geo.restrictions import Restriction

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

BOUNDARIES_VERSION = 1  # of the cached boundary trees (bump if anything below changes)

# Art. VI Sec. II para 2: >= 10 km from the border with a non-party.
NON_PARTY_CLEARANCE_KM = 10.0
VERTEX_SPACING_KM = 0.5  # boundary densification; adds <= 0.25 km of error
EARTH_KM = 6371.0088
FILTER_MARGIN_DEG = 3.0
THIN = 8  # every THIN-th boundary point goes into the coarse tree
JUMP_KM = 2.0  # boundary points farther apart than this are not on one ring
ROUND_KM = 1e-6  # covers rounding in computed distances (coordinates are ~6,371 km)


@dataclass(frozen=True)
class Clearance:
    """Keep ``clearance_km`` from the boundary points in ``tree`` (scaled to km)."""

    name: str
    kind: str  # non_party, foreign_land, no_fly
    clearance_km: float
    tree: cKDTree | None
    coarse: cKDTree | None = None  # every THIN-th point of ``tree`` (see _thin)
    coarse_gap_km: float = 0.0  # no point of ``tree`` is farther from ``coarse``


def _boundary_lonlat(geom: BaseGeometry) -> list[np.ndarray]:
    """Coordinate sequences of polygon rings and lines."""
    out: list[np.ndarray] = []
    for g in getattr(geom, "geoms", [geom]):
        if g.is_empty:
            continue
        if g.geom_type == "Polygon":
            out.append(np.asarray(g.exterior.coords, float))
            out.extend(np.asarray(r.coords, float) for r in g.interiors)
        elif g.geom_type in ("LineString", "LinearRing") or g.geom_type == "Point":
            out.append(np.asarray(g.coords, float))
        elif hasattr(g, "geoms"):
            out.extend(_boundary_lonlat(g))
    return out


def densify(seqs: Iterable[np.ndarray], spacing_km: float = VERTEX_SPACING_KM) -> np.ndarray:
    """(n, 3) unit vectors of the sequences' vertices, densified to <= ``spacing_km``."""
    chunks = []
    for xy in seqs:
        if len(xy) == 0:
            continue
        v = unit_vectors(xy[:, 1], xy[:, 0])
        if len(v) == 1:
            chunks.append(v)
            continue
        seg = np.linalg.norm(v[1:] - v[:-1], axis=1) * EARTH_KM
        k = np.maximum(1, np.ceil(seg / spacing_km).astype(np.int64))
        idx = np.repeat(np.arange(len(seg)), k)
        frac = (np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)) / np.repeat(k, k)
        lon0, lat0 = xy[idx, 0], xy[idx, 1]
        dlon = xy[idx + 1, 0] - lon0
        dlon = np.where(dlon > 180, dlon - 360, np.where(dlon < -180, dlon + 360, dlon))
        lat = lat0 + frac * (xy[idx + 1, 1] - lat0)
        lon = lon0 + frac * dlon
        chunks.append(unit_vectors(lat, lon))
        chunks.append(v[-1:])
    return np.concatenate(chunks) if chunks else np.zeros((0, 3))


_PART_POINTS: dict[tuple[str, int, tuple[float, ...]], np.ndarray] = {}


def _part_points(code: str, index: int, geometry: BaseGeometry) -> np.ndarray:
    """Densified boundary points of one part of a country, computed once per process: every
    rule index (one per observed holder and list of parties) needs the same neighbours."""
    key = (code, index, geometry.bounds)
    points = _PART_POINTS.get(key)
    if points is None:
        points = _PART_POINTS[key] = densify(_boundary_lonlat(geometry))
    return points


def _region_filter(grid: StateGrid, xyz: np.ndarray) -> np.ndarray:
    """Keep points near the grid: inside its latitude range and its occupied longitudes."""
    if len(xyz) == 0 or grid.n_cells == 0:
        return np.zeros(len(xyz), bool)
    lat = np.degrees(np.arcsin(np.clip(xyz[:, 2], -1, 1)))
    lon = np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0]))
    lo, hi = grid.lat.min() - FILTER_MARGIN_DEG, grid.lat.max() + FILTER_MARGIN_DEG
    return (lat >= lo) & (lat <= hi) & _near_longitudes(grid)[np.floor(lon + 180).astype(int) % 360]


def _near_longitudes(grid: StateGrid) -> np.ndarray:
    """Per whole degree of longitude (from -180): whether it is within the margin of a cell."""
    hi = grid.lat.max() + FILTER_MARGIN_DEG
    occupied = np.zeros(360, bool)
    occupied[np.floor(grid.lon + 180).astype(int) % 360] = True
    m = int(np.ceil(FILTER_MARGIN_DEG / max(np.cos(np.radians(min(abs(hi), 89))), 0.05)))
    m = min(m, 180)
    dil = occupied.copy()
    for d in range(1, m + 1):
        dil |= np.roll(occupied, d) | np.roll(occupied, -d)
    return dil


def _may_be_near(bounds: tuple[float, float, float, float], near: np.ndarray) -> bool:
    """Whether a part with these lon/lat bounds can have a point :func:`_region_filter` keeps
    (its densified points lie within its longitudes; a degree either side covers rounding)."""
    first, last = int(np.floor(bounds[0] + 180)) - 1, int(np.floor(bounds[2] + 180)) + 1
    return last - first >= 359 or bool(near[np.arange(first, last + 1) % 360].any())


def _kdtree(points: np.ndarray) -> cKDTree:
    """A k-d tree (scipy is imported here, on first use: a run whose boundaries and budgets
    are all in the disk cache does not load it)."""
    from scipy.spatial import cKDTree

    return cKDTree(points)


def _tree(xyz: np.ndarray) -> cKDTree | None:
    return _kdtree(xyz * EARTH_KM) if len(xyz) else None


def _clearance(name: str, kind: str, clearance_km: float, xyz: np.ndarray) -> Clearance:
    """A clearance rule with its k-d tree of boundary points and the coarse tree."""
    tree = _tree(xyz)
    if tree is None:
        return Clearance(name, kind, clearance_km, None)
    thin, gap = _thin(tree.data)
    return Clearance(name, kind, clearance_km, tree, _kdtree(thin), gap)


def _thin(p: np.ndarray, step: int = THIN) -> tuple[np.ndarray, float]:
    """Every ``step``-th point of ``p`` (and both ends of every jump) and a gap (km).

    No point of ``p`` is farther than the gap from a kept one: each point's distance is
    bounded by the chain of consecutive points to the nearest kept one before or after it,
    which holds whatever the order of ``p``.
    """
    n = len(p)
    if n <= 2:
        return p, 0.0
    d = np.linalg.norm(np.diff(p, axis=0), axis=1)
    keep = np.zeros(n, bool)
    keep[::step] = True
    keep[-1] = True
    jump = np.flatnonzero(d > JUMP_KM)
    keep[jump] = True
    keep[jump + 1] = True
    cum = np.concatenate([[0.0], np.cumsum(d)])
    kept = np.flatnonzero(keep)
    k = np.searchsorted(kept, np.arange(n), side="right") - 1  # kept[k] <= i < kept[k + 1]
    before = cum - cum[kept[k]]
    after = cum[kept[np.minimum(k + 1, len(kept) - 1)]] - cum
    gap = np.where(keep, 0.0, np.minimum(before, after))
    return p[keep], float(gap.max()) * (1 + 1e-9) + ROUND_KM


@dataclass(frozen=True)
class Boundaries:
    """The clearance rules of one grid and list of parties, and all rules' coarse points."""

    clearances: tuple[Clearance, ...]
    coarse: cKDTree | None  # every rule's coarse points: a first test of path runs
    coarse_gap_km: float


def sides(grid: StateGrid, parties: Sequence[str] | None) -> tuple[set[str], set[str]]:
    """The Natural Earth codes of the observed territory and the sovereigns of the parties."""
    terr = grid.territories
    observed_adm0 = terr.adm0_codes_of(grid.codes)
    party_codes = tuple(terr.party_codes) if parties is None else tuple(parties)
    party_sov = terr.sovereign_of([c for c in party_codes if c in terr.party_codes]) | \
        terr.sovereign_of([c for c in party_codes if c not in terr.party_codes
                           and c in terr.countries])
    return observed_adm0, party_sov


def boundaries(grid: StateGrid, parties: Sequence[str] | None,
               no_fly: Sequence[Restriction]) -> Boundaries:
    """The :class:`Boundaries` of ``grid`` for ``parties`` and the ``no_fly`` zones. Each
    clearance comes from the disk cache when it holds it (keyed by the boundary parts it is
    built from, so lists of parties with the same neighbours share one), else is built."""
    terr = grid.territories
    observed_adm0, party_sov = sides(grid, parties)
    non_party: list[tuple[str, int, BaseGeometry]] = []  # the parts near the grid, by side
    foreign: list[tuple[str, int, BaseGeometry]] = []
    lat_lo = float(grid.lat.min()) - FILTER_MARGIN_DEG if grid.n_cells else 0.0
    lat_hi = float(grid.lat.max()) + FILTER_MARGIN_DEG if grid.n_cells else 0.0
    near = _near_longitudes(grid) if grid.n_cells else np.zeros(360, bool)
    for code, country in sorted(terr.countries.items()):
        if code in observed_adm0:
            continue
        side = foreign if country.sov_a3 in party_sov else non_party
        for i, g in enumerate(getattr(country.geometry, "geoms", [country.geometry])):
            b = g.bounds
            if b[3] >= lat_lo and b[1] <= lat_hi and _may_be_near(b, near):
                side.append((code, i, g))
    # parts of an observed record outside its treaty territory (e.g. French Guiana)
    clipped = sorted({p.adm0_a3 for c in grid.codes for p in terr.parts_of(c) if p.bbox})
    where = grid.digest

    def foreign_points() -> np.ndarray:
        chunks = [_part_points(code, i, g) for code, i, g in foreign]
        for code in clipped:
            rest = shapely.difference(terr.country(code).geometry, terr.union(grid.codes))
            if not rest.is_empty and rest.area > 1e-6:
                chunks.append(densify(_boundary_lonlat(rest)))
        return _near(grid, chunks)

    clearances = [
        _cached(("non_party", where, [p[:2] for p in non_party]),
                lambda: _clearance("non_party", "non_party", NON_PARTY_CLEARANCE_KM, _near(
                    grid, [_part_points(code, i, g) for code, i, g in non_party]))),
        _cached(("foreign_land", where, [p[:2] for p in foreign], clipped),
                lambda: _clearance("foreign_land", "foreign_land", 0.0, foreign_points())),
    ]
    for r in no_fly:
        clearances.append(_cached(
            ("no_fly", r.name, r.buffer_km, shapely.to_wkb(r.geometry)),
            lambda r=r: _clearance(r.name, "no_fly", r.buffer_km,
                                   densify(_boundary_lonlat(r.geometry)))))
    coarse = [c for c in clearances if c.coarse is not None]
    tree = _kdtree(np.concatenate([c.coarse.data for c in coarse])) if coarse else None
    return Boundaries(tuple(clearances), tree,
                      max((c.coarse_gap_km for c in coarse), default=0.0))


def _near(grid: StateGrid, chunks: list[np.ndarray]) -> np.ndarray:
    pts = np.concatenate(chunks) if chunks else np.zeros((0, 3))
    return pts[_region_filter(grid, pts)]


def _cached(inputs: tuple, build: Callable[[], Clearance]) -> Clearance:
    """A clearance from the disk cache under a digest of ``inputs``, else built and stored."""
    digest = hashlib.sha256(repr((inputs, NON_PARTY_CLEARANCE_KM, VERTEX_SPACING_KM,
                                  FILTER_MARGIN_DEG, THIN, JUMP_KM)).encode())
    path = cache_dir() / "boundaries" / f"v{BOUNDARIES_VERSION}-{digest.hexdigest()[:32]}.pkl"
    blob = load_bytes(path)
    if blob is not None:
        try:
            found = pickle.loads(blob)  # written below into the user's own cache folder
            if isinstance(found, Clearance):
                return found
        except Exception:  # damaged or foreign: build again
            pass
    built = build()
    save_bytes_atomic(path, pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL))
    return built
