"""Where a route may fly: clearances from foreign land and no-fly zones, and capped regions.

A route flies over the observed territory and the sea, never over another state's land. It
keeps at least 10 km from the land of every state that is not a State Party (Art. VI Sec. II
para 2: the flight path "shall not be closer than, but shall be allowed up to, ten kilometres
from the border with an adjacent State that is not a State Party"). We apply the 10 km to all
non-party land, across water too: conservative where a non-party coast faces the territory.

Clearances are measured to boundary vertices densified to <= 0.5 km and held in k-d trees of
unit vectors scaled to kilometres (:mod:`simulator.geo.boundaries`, built once and kept on
disk), so one query answers "how far to the nearest forbidden boundary" for thousands of
points at once.

Points along a path come in runs of nearby points, so the queries are pruned exactly: a run of
``CHUNK`` consecutive points is a ball around its middle point whose radius is the farthest
member's distance; by the triangle inequality no member is within ``d`` of a boundary when the
middle point is farther than ``d`` plus the radius. Only members of runs near a boundary are
queried one by one, and the answers are those of querying every point. Runs are first tested
against one coarse tree of every ``THIN``-th boundary point of all rules, whose distances are
short by at most its measured gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from simulator.geo.boundaries import (  # noqa: F401 - the clearances' constants, re-exported
    EARTH_KM,
    NON_PARTY_CLEARANCE_KM,
    ROUND_KM,
    VERTEX_SPACING_KM,
    boundaries,
    sides,
)
from simulator.geo.grid import StateGrid
from simulator.geo.restrictions import Restriction

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

REPORT_UP_TO_KM = 200.0  # closest approaches beyond this are reported as inf
CHUNK = 16  # consecutive points pruned together (see the module docstring)
FEW_RUNS = 8  # fewer runs near a boundary are queried point by point at once
RUN_MAX_KM = 100.0  # wider runs are not worth pruning


_Runs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _runs(p: np.ndarray, path_starts: np.ndarray | None = None,
          spacing_km: np.ndarray | None = None, size: int = CHUNK) -> _Runs:
    """Runs of up to ``size`` consecutive points of one path: (first, end, middle, radius).

    ``path_starts`` are the indices where a new path begins (runs never straddle two). The
    middle point is a member of its run; the radius (km) bounds every member's distance from
    it: measured, or, given ``spacing_km`` (per path: points on a great circle this far
    apart), the arc to the farthest member, which no chord exceeds. Padded for rounding.
    """
    n = len(p)
    seg = np.asarray([0] if path_starts is None else path_starts, np.int64)
    if len(seg) == 0 or seg[0] != 0 or np.any(np.diff(seg) <= 0) or seg[-1] >= n:
        seg = np.unique(np.concatenate([[0], seg]))
        seg = seg[(seg >= 0) & (seg < n)]
        spacing_km = None  # paths no longer match the spacings given
    seg_len = np.diff(np.append(seg, n))
    nrun = -(-seg_len // size)
    first = np.repeat(seg, nrun) + (
        np.arange(nrun.sum()) - np.repeat(np.cumsum(nrun) - nrun, nrun)) * size
    end = np.minimum(first + size, np.repeat(seg + seg_len, nrun))
    mid = (first + end - 1) // 2
    if spacing_km is not None:
        reach = np.maximum(mid - first, end - 1 - mid)
        radius = reach * np.repeat(np.asarray(spacing_km, float), nrun)
    else:
        run_of = np.repeat(np.arange(len(first)), end - first)
        dist = np.linalg.norm(p - p[mid][run_of], axis=1)
        radius = np.maximum.reduceat(dist, first)
    return first, end, mid, radius * (1 + 1e-9) + ROUND_KM


def _members(runs: _Runs, which: np.ndarray) -> np.ndarray:
    """Indices of the points of runs ``which``."""
    first, end = runs[0][which], runs[1][which]
    size = end - first
    return np.repeat(first - np.cumsum(size) + size, size) + np.arange(size.sum())


def _near_runs(tree: cKDTree, p: np.ndarray, runs: _Runs, active: np.ndarray,
               bound_km: float, slack_km: float = 0.0) -> np.ndarray:
    """Of the runs ``active``, those that may have a member within ``bound_km`` of a boundary.

    ``tree`` holds the boundary points, or a subset within ``slack_km`` of every one of them
    (a coarse tree and its gap). A run whose middle point is farther than ``bound_km`` +
    ``slack_km`` + its radius from every point of ``tree`` has no member within ``bound_km``
    of a boundary point (triangle inequality, Euclidean chord distances). Runs wider than
    ``RUN_MAX_KM`` are kept without a query.
    """
    if len(active) == 0:
        return active
    _, _, mid, radius = runs
    r = radius[active]
    narrow = np.flatnonzero(r <= RUN_MAX_KM)
    near = np.ones(len(active), bool)
    if len(narrow):
        reach = bound_km + slack_km + r[narrow]
        d, _ = tree.query(p[mid[active[narrow]]], k=1, distance_upper_bound=float(reach.max()))
        near[narrow] = d <= reach
    return active[near]


class RouteRules:
    """Everything a route over one grid must respect, for one list of parties."""

    def __init__(self, grid: StateGrid, parties: Sequence[str] | None,
                 restrictions: Sequence[Restriction] = ()):
        terr = grid.territories
        if terr is None:
            raise ValueError("the grid must come from Territories.grid()")
        self.grid = grid
        self.restrictions = tuple(restrictions)
        observed_adm0, party_sov = sides(grid, parties)
        self._non_party_geoms: list[BaseGeometry] = [  # for transit legs (Art. VII)
            country.geometry for code, country in sorted(terr.countries.items())
            if code not in observed_adm0 and country.sov_a3 not in party_sov]
        found = boundaries(grid, parties, [r for r in self.restrictions if r.kind == "no_fly"])
        self.clearances = found.clearances
        self._coarse, self._coarse_gap_km = found.coarse, found.coarse_gap_km
        self.caps: list[Restriction] = []
        self._cap_geoms: list[BaseGeometry] = []
        for r in self.restrictions:
            if r.kind != "no_fly":
                g = r.geometry
                shapely.prepare(g)
                self.caps.append(r)
                self._cap_geoms.append(g)
        self._non_party_tree: shapely.STRtree | None = None

    def clearance_deficit(self, xyz: np.ndarray, margin_km: float,
                          path_starts: np.ndarray | None = None,
                          spacing_km: np.ndarray | None = None) -> np.ndarray:
        """Per point: True where some clearance (+ margin) is not met.

        Art. VI Sec. II para 2 (10 km from non-party land), foreign land and no-fly zones.
        Equal to querying every point; points in path order (new paths beginning at
        ``path_starts``; optionally evenly spaced on great circles, ``spacing_km`` per path)
        are pruned by runs.
        """
        bad = np.zeros(len(xyz), bool)
        if len(xyz) == 0:
            return bad
        p = xyz * EARTH_KM
        runs = _runs(p, path_starts, spacing_km) if len(p) >= 2 * CHUNK else None
        active = None
        if runs is not None and self._coarse is not None:
            need_max = max(c.clearance_km for c in self.clearances if c.tree is not None)
            active = _near_runs(self._coarse, p, runs, np.arange(len(runs[0])),
                                need_max + margin_km, self._coarse_gap_km)
        for c in self.clearances:
            if c.tree is None:
                continue
            need = c.clearance_km + margin_km
            if active is None:
                todo = np.arange(len(p))
            elif len(active) < FEW_RUNS:  # cheaper to query their points than to prune
                todo = _members(runs, active)
            else:
                todo = _members(runs, _near_runs(c.tree, p, runs, active, need))
            if len(todo):
                d, _ = c.tree.query(p[todo], k=1, distance_upper_bound=need)
                bad[todo[np.isfinite(d)]] = True
        return bad

    def min_clearances(self, xyz: np.ndarray) -> dict[str, float]:
        """Smallest distance (km) from the points to each clearance's boundary (inf if > 200).

        Equal to querying every point; points given in path order are pruned by runs: the
        run middles' distances to the coarse tree bound the minimum from above, and only runs
        whose lower bound (that distance - the coarse gap - the radius) is below it are
        queried point by point.
        """
        out = {}
        p = xyz * EARTH_KM
        runs = _runs(p) if len(p) >= 2 * CHUNK else None
        for c in self.clearances:
            if c.tree is None or len(xyz) == 0:
                out[c.name] = float("inf")
                continue
            bound = REPORT_UP_TO_KM
            todo = np.arange(len(p))
            if runs is not None:
                _, _, mid, radius = runs
                lower = np.full(len(mid), -np.inf)  # of the members' distances
                narrow = np.flatnonzero(radius <= RUN_MAX_KM)  # wide runs: every point
                if len(narrow):
                    tree, gap = (c.coarse, c.coarse_gap_km) if c.coarse is not None \
                        else (c.tree, 0.0)
                    # d is a middle's distance to some boundary point (so the minimum is
                    # no larger) and exceeds its distance to the nearest by at most gap
                    d, _ = tree.query(p[mid[narrow]], k=1, distance_upper_bound=bound + gap
                                      + float(radius[narrow].max()))
                    if float(d.min()) < bound:
                        bound = float(np.nextafter(d.min(), np.inf))
                    lower[narrow] = d - gap - radius[narrow]
                todo = _members(runs, np.flatnonzero(lower < bound))
            d, _ = c.tree.query(p[todo], k=1, distance_upper_bound=bound)
            dmin = float(np.min(d)) if len(d) else float("inf")
            out[c.name] = dmin - VERTEX_SPACING_KM / 2
        return out

    def over_non_party(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Per point: True over the land of a state that is not a State Party."""
        lat, lon = np.asarray(lat, float), np.asarray(lon, float)
        out = np.zeros(len(lat), bool)
        if not self._non_party_geoms or not len(lat):
            return out
        if self._non_party_tree is None:
            self._non_party_tree = shapely.STRtree(self._non_party_geoms)
        pts = shapely.points(lon, lat)
        hit, _ = self._non_party_tree.query(pts, predicate="intersects")
        out[np.unique(hit)] = True
        return out

    def cap_masks(self, lat: np.ndarray, lon: np.ndarray) -> list[np.ndarray]:
        """Per capped region: which points lie inside it."""
        return [shapely.contains_xy(g, lon, lat) for g in self._cap_geoms]
