"""Where a route may fly: clearances from foreign land and no-fly zones, and capped regions.

A route flies over the observed territory and the sea, never over another state's land. It
keeps at least 10 km from the land of every state that is not a State Party (Art. VI Sec. II
para 2: the flight path "shall not be closer than, but shall be allowed up to, ten kilometres
from the border with an adjacent State that is not a State Party"). We apply the 10 km to all
non-party land, across water too: conservative where a non-party coast faces the territory.

Clearances are measured to boundary vertices densified to <= 0.5 km and held in k-d trees of
unit vectors scaled to kilometres, so one query answers "how far to the nearest forbidden
boundary" for thousands of points at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from simulator.geo.ellipsoid import unit_vectors
from simulator.geo.grid import StateGrid
from simulator.geo.restrictions import Restriction

# Art. VI Sec. II para 2: >= 10 km from the border with a non-party.
NON_PARTY_CLEARANCE_KM = 10.0
VERTEX_SPACING_KM = 0.5  # boundary densification; adds <= 0.25 km of error
EARTH_KM = 6371.0088
FILTER_MARGIN_DEG = 3.0
REPORT_UP_TO_KM = 200.0  # closest approaches beyond this are reported as inf


@dataclass(frozen=True)
class Clearance:
    """Keep ``clearance_km`` from the boundary points in ``tree`` (scaled to km)."""

    name: str
    kind: str  # non_party, foreign_land, no_fly
    clearance_km: float
    tree: cKDTree | None


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


def _region_filter(grid: StateGrid, xyz: np.ndarray) -> np.ndarray:
    """Keep points near the grid: inside its latitude range and its occupied longitudes."""
    if len(xyz) == 0 or grid.n_cells == 0:
        return np.zeros(len(xyz), bool)
    lat = np.degrees(np.arcsin(np.clip(xyz[:, 2], -1, 1)))
    lon = np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0]))
    lo, hi = grid.lat.min() - FILTER_MARGIN_DEG, grid.lat.max() + FILTER_MARGIN_DEG
    occupied = np.zeros(360, bool)
    occupied[np.floor(grid.lon + 180).astype(int) % 360] = True
    m = int(np.ceil(FILTER_MARGIN_DEG / max(np.cos(np.radians(min(abs(hi), 89))), 0.05)))
    m = min(m, 180)
    dil = occupied.copy()
    for d in range(1, m + 1):
        dil |= np.roll(occupied, d) | np.roll(occupied, -d)
    return (lat >= lo) & (lat <= hi) & dil[np.floor(lon + 180).astype(int) % 360]


def _tree(xyz: np.ndarray) -> cKDTree | None:
    return cKDTree(xyz * EARTH_KM) if len(xyz) else None


class RouteRules:
    """Everything a route over one grid must respect, for one list of parties."""

    def __init__(self, grid: StateGrid, parties: Sequence[str] | None,
                 restrictions: Sequence[Restriction] = ()):
        terr = grid.territories
        if terr is None:
            raise ValueError("the grid must come from Territories.grid()")
        self.grid = grid
        self.restrictions = tuple(restrictions)
        observed_adm0 = terr.adm0_codes_of(grid.codes)
        party_codes = tuple(terr.party_codes) if parties is None else tuple(parties)
        party_sov = terr.sovereign_of([c for c in party_codes if c in terr.party_codes]) | \
            terr.sovereign_of([c for c in party_codes if c not in terr.party_codes
                               and c in terr.countries])
        non_party, foreign = [], []
        lat_lo = float(grid.lat.min()) - FILTER_MARGIN_DEG if grid.n_cells else 0.0
        lat_hi = float(grid.lat.max()) + FILTER_MARGIN_DEG if grid.n_cells else 0.0
        for code, country in sorted(terr.countries.items()):
            if code in observed_adm0:
                continue
            parts = [g for g in getattr(country.geometry, "geoms", [country.geometry])
                     if g.bounds[3] >= lat_lo and g.bounds[1] <= lat_hi]
            (foreign if country.sov_a3 in party_sov else non_party).extend(parts)
        # parts of an observed record outside its treaty territory (e.g. French Guiana)
        clipped = sorted({p.adm0_a3 for c in grid.codes for p in terr.parts_of(c) if p.bbox})
        for code in clipped:
            rest = shapely.difference(terr.country(code).geometry, terr.union(grid.codes))
            if not rest.is_empty and rest.area > 1e-6:
                foreign.append(rest)
        clearances = []
        for kind, geoms, clr in (("non_party", non_party, NON_PARTY_CLEARANCE_KM),
                                 ("foreign_land", foreign, 0.0)):
            pts = densify(s for g in geoms for s in _boundary_lonlat(g))
            pts = pts[_region_filter(grid, pts)]
            clearances.append(Clearance(kind, kind, clr, _tree(pts)))
        self.caps: list[Restriction] = []
        self._cap_geoms: list[BaseGeometry] = []
        for r in self.restrictions:
            if r.kind == "no_fly":
                pts = densify(_boundary_lonlat(r.geometry))
                clearances.append(Clearance(r.name, "no_fly", r.buffer_km, _tree(pts)))
            else:
                g = r.geometry
                shapely.prepare(g)
                self.caps.append(r)
                self._cap_geoms.append(g)
        self.clearances = tuple(clearances)

    def clearance_deficit(self, xyz: np.ndarray, margin_km: float) -> np.ndarray:
        """Per point: True where some clearance (+ margin) is not met."""
        bad = np.zeros(len(xyz), bool)
        if len(xyz) == 0:
            return bad
        p = xyz * EARTH_KM
        for c in self.clearances:
            if c.tree is None:
                continue
            need = c.clearance_km + margin_km
            d, _ = c.tree.query(p, k=1, distance_upper_bound=need)
            bad |= np.isfinite(d)
        return bad

    def min_clearances(self, xyz: np.ndarray) -> dict[str, float]:
        """Smallest distance (km) from the points to each clearance's boundary (inf if > 200)."""
        out = {}
        for c in self.clearances:
            if c.tree is None or len(xyz) == 0:
                out[c.name] = float("inf")
                continue
            d, _ = c.tree.query(xyz * EARTH_KM, k=1, distance_upper_bound=REPORT_UP_TO_KM)
            out[c.name] = float(np.min(d)) - VERTEX_SPACING_KM / 2
        return out

    def cap_masks(self, lat: np.ndarray, lon: np.ndarray) -> list[np.ndarray]:
        """Per capped region: which points lie inside it."""
        return [shapely.contains_xy(g, lon, lat) for g in self._cap_geoms]
