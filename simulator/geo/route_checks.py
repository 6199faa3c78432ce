"""The exact re-check of a route on WGS84 geodesics every 1 km (length, clearances, capped
regions; transit legs flagged) and its footprint: the parts flown with sensors on."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from pyproj import Geod

from simulator.geo.ellipsoid import (
    geodesic_km,
    geodesic_points,
    to_latlon,
    unit_vectors,
)
from simulator.geo.footprint import footprint
from simulator.geo.grid import NSUB, StateGrid, popcount, union_bits
from simulator.geo.leg_store import whole_legs
from simulator.geo.route_types import (
    CHECK_STEP_KM,
    BudgetBasis,
    Route,
    TransitCharge,
    imaged_bits_at,
)
from simulator.geo.rules import RouteRules
from simulator.memo import IdentityMemo

_GEOD = Geod(ellps="WGS84")


# ----------------------------------------------------------------- checking
def check_route(grid: StateGrid, waypoints: Sequence[tuple[float, float]],
                max_distance_km: float, rules: RouteRules,
                basis: BudgetBasis = "route", transit: Sequence[bool] = (),
                transit_charge: TransitCharge = "territory",
                ) -> tuple[float, float, dict[str, float], dict[str, float], tuple[str, ...]]:
    """Re-check a route on WGS84 geodesics sampled every 1 km.

    ``transit`` flags the legs flown with sensors off (Art. VII; Art. IV para 4): they may
    cross a State Party's land but no non-party's, keep no clearances and count in capped
    regions. ``transit_charge="territory"`` (default) charges only their km over the observed
    territory against the maximum distance: Art. II para 11 measures it "over the territory
    of the observed State Party", and a sensors-off leg over the sea or a transit state is no
    observation (an INTERPRETATION: the treaty is silent on transit inside a mission);
    ``"full"`` charges every km.
    Returns (length, length over territory, km per capped region, clearances, violations).
    """
    lats, lons, legs = [], [], []
    for k, ((la1, lo1), (la2, lo2)) in enumerate(itertools.pairwise(waypoints)):
        la, lo = geodesic_points(la1, lo1, la2, lo2, CHECK_STEP_KM)
        lats.append(la)
        lons.append(lo)
        legs.append(np.full(len(la), k))
    if not lats:
        return 0.0, 0.0, {r.name: 0.0 for r in rules.caps}, {}, ()
    lat = np.concatenate(lats)
    lon = np.concatenate(lons)
    leg = np.concatenate(legs)
    flags = np.zeros(len(waypoints) - 1, bool)
    flags[: len(transit)] = np.asarray(transit, bool)[: len(flags)]
    on_transit = flags[leg]
    same_leg = leg[:-1] == leg[1:]
    seg = geodesic_km(lat[:-1], lon[:-1], lat[1:], lon[1:]) * same_leg
    seg_transit = on_transit[:-1] & same_leg
    xyz = unit_vectors(lat, lon)
    mlat, mlon = to_latlon(xyz[:-1] + xyz[1:])  # segment midpoints
    territory = grid.territories.union(grid.codes)
    over = shapely.contains_xy(territory, mlon, mlat)
    length = float(seg.sum())
    over_km = float(seg[over].sum())
    region_km = {r.name: float(seg[m].sum())
                 for r, m in zip(rules.caps, rules.cap_masks(mlat, mlon), strict=True)}
    clear = rules.min_clearances(xyz[~on_transit]) if (~on_transit).any() else {}
    viol = []
    observing = seg[~seg_transit]
    charged = (float(observing.sum()) if basis == "route"
               else float(seg[over & ~seg_transit].sum()))
    charged += float(seg[seg_transit].sum()) if transit_charge == "full" \
        else float(seg[over & seg_transit].sum())
    if charged > max_distance_km + 1e-6:
        # Art. II para 11 / Annex A Sec. III: the maximum flight distance
        viol.append(f"{basis} length {charged:.1f} km > maximum {max_distance_km:.1f} km")
    tol = CHECK_STEP_KM / 2
    for c in rules.clearances:
        need = c.clearance_km + tol if c.kind != "foreign_land" else tol
        if clear.get(c.name, np.inf) < need:
            viol.append(f"{c.name}: closest approach {clear[c.name]:.2f} km < {need:.2f} km")
    if on_transit.any():
        # Art. VII para 1: transit over the territory of States Parties; none over a non-party
        bad = rules.over_non_party(lat[on_transit], lon[on_transit])
        if bad.any():
            viol.append(f"transit leg over non-party land ({int(bad.sum())} km)")
    for r in rules.caps:
        if region_km[r.name] > r.max_km + 1e-6:
            viol.append(f"{r.name}: {region_km[r.name]:.1f} km > cap {r.max_km:.1f} km")
    return length, over_km, region_km, clear, tuple(viol)


def evaluate_route(grid: StateGrid, waypoints: Sequence[tuple[float, float]], swath_km: float,
                   max_distance_km: float, rules: RouteRules, imaged: Any = None,
                   priority: np.ndarray | None = None, sar_swath_km: float = 0.0,
                   basis: BudgetBasis = "route", planner: str = "given",
                   transit: Sequence[bool] = (),
                   transit_charge: TransitCharge = "territory") -> Route:
    """Rasterise and re-check any route: imaged, new and valued area, and rule violations.

    Legs flagged in ``transit`` are flown with sensors off: they image nothing."""
    wp = tuple((float(a), float(b)) for a, b in waypoints)
    flags = tuple(bool(t) for t in transit)[: max(len(wp) - 1, 0)]
    flags = flags + (False,) * (max(len(wp) - 1, 0) - len(flags)) if any(flags) else ()
    length, over_km, region_km, clear, viol = check_route(grid, wp, max_distance_km, rules,
                                                          basis, flags, transit_charge)
    cells, bits, sar, transit_km = route_footprint(grid, wp, swath_km, sar_swath_km, flags)
    before = imaged_bits_at(grid, imaged, cells)
    new = bits & ~before
    area = grid.quad_area_km2[cells] / NSUB
    new_area = area * popcount(new)
    pr = np.ones(len(cells)) if priority is None else np.asarray(priority, float)[cells]
    return Route(
        waypoints=wp, length_km=length, length_over_territory_km=over_km,
        cells=cells, bits=bits, sar_bits=sar,
        imaged_km2=float(np.sum(area * popcount(bits))), new_km2=float(new_area.sum()),
        value=float(np.sum(new_area * pr)), swath_km=float(swath_km),
        sar_swath_km=float(sar_swath_km), max_distance_km=float(max_distance_km),
        region_km=region_km, clearances_km=clear, violations=viol, planner=planner,
        transit=flags, transit_km=transit_km,
    )


def route_footprint(grid: StateGrid, waypoints: Sequence[tuple[float, float]], swath_km: float,
                    sar_swath_km: float = 0.0, transit: Sequence[bool] = ()
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """What a route images, without re-checking its rules (a part of a checked route, such as
    a curtailed flight's): local cells, sub-point words (optical or SAR), the SAR share, and
    the km of its transit legs (``transit`` flags one entry per leg)."""
    wp = [(float(a), float(b)) for a, b in waypoints]
    flags = tuple(bool(t) for t in transit)
    parts = observation_parts(wp, flags)
    cells, bits = _footprint_parts(grid, parts, swath_km)
    sar_part = _footprint_parts(grid, parts, sar_swath_km) if sar_swath_km > 0 else None
    return (*_with_sar(cells, bits, sar_part), _transit_km(wp, flags))


def curtailed_footprint(grid: StateGrid, route: Route, flown: Sequence[tuple[float, float]]
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """:func:`route_footprint` of the first part of ``route``: ``flown`` is its waypoints up
    to a point on the last leg flown. The legs flown whole reuse their footprints (memoised per
    route and grid, and kept on disk: :mod:`simulator.geo.leg_store`); only the last, partial
    leg is computed."""
    wp = [(float(a), float(b)) for a, b in flown]
    flags = tuple(bool(t) for t in route.transit[: len(wp) - 1])
    last = len(wp) - 2  # the leg flown in part

    def legs(swath_km: float) -> tuple[np.ndarray, np.ndarray]:
        known = _LEG_FOOTPRINTS.get((route, grid), swath_km, lambda: whole_legs(
            grid, route.waypoints, route.transit, swath_km,
            lambda k: _leg_footprint(grid, route.waypoints, swath_km, route.transit, k)))
        pieces = [found for found in known[:last] if found is not None]
        if last >= 0 and not _is_transit(flags, last):
            join = last > 0 and not _is_transit(flags, last - 1)
            pieces.append(grid.clip(*footprint(grid.spec, wp[last:], swath_km,
                                               join_first=join)))
        return union_bits(pieces) if pieces else _empty()

    cells, bits = legs(route.swath_km) if route.swath_km > 0 else _empty()
    sar_part = legs(route.sar_swath_km) if route.sar_swath_km > 0 else None
    return (*_with_sar(cells, bits, sar_part), _transit_km(wp, flags))


# per route, grid and swath: the footprints of the legs a curtailed flight may fly whole
_LEG_FOOTPRINTS: IdentityMemo[list[tuple[np.ndarray, np.ndarray] | None]] = IdentityMemo(4096)


def _leg_footprint(grid: StateGrid, waypoints: Sequence[tuple[float, float]], swath_km: float,
                   transit: Sequence[bool], k: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The local (cells, bits) leg ``k`` images: its strip, and its round join where it
    continues the leg before with sensors on (None for a transit leg)."""
    if _is_transit(transit, k):
        return None
    join = k > 0 and not _is_transit(transit, k - 1)
    leg = [(float(a), float(b)) for a, b in waypoints[k:k + 2]]
    return grid.clip(*footprint(grid.spec, leg, swath_km, join_first=join))


def _is_transit(flags: Sequence[bool], leg: int) -> bool:
    return leg < len(flags) and bool(flags[leg])


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(0, np.int64), np.zeros(0, np.uint64)


def _with_sar(cells: np.ndarray, bits: np.ndarray,
              sar_part: tuple[np.ndarray, np.ndarray] | None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The optical footprint merged with the SAR one: cells, all words, the SAR share."""
    if sar_part is None:
        return cells, bits, np.zeros(len(cells), np.uint64)
    c_sar, s_bits = sar_part
    allc = np.union1d(cells, c_sar)
    merged = np.zeros(len(allc), np.uint64)
    merged[np.searchsorted(allc, cells)] |= bits
    sar = np.zeros(len(allc), np.uint64)
    sar[np.searchsorted(allc, c_sar)] = s_bits
    return allc, merged | sar, sar


def _transit_km(wp: Sequence[tuple[float, float]], flags: Sequence[bool]) -> float:
    return sum(float(geodesic_km(a[0], a[1], b[0], b[1]))
               for (a, b), t in zip(itertools.pairwise(wp), flags, strict=False) if t)


def observation_parts(waypoints: Sequence[tuple[float, float]],
                      transit: Sequence[bool] = ()) -> list[list[tuple[float, float]]]:
    """The runs of consecutive legs flown with sensors on, as waypoint lists."""
    wp = list(waypoints)
    if not any(transit):
        return [wp] if len(wp) >= 2 else []
    parts: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for k in range(len(wp) - 1):
        if k < len(transit) and transit[k]:
            if len(current) >= 2:
                parts.append(current)
            current = []
            continue
        if not current:
            current = [wp[k]]
        current.append(wp[k + 1])
    if len(current) >= 2:
        parts.append(current)
    return parts


def _footprint_parts(grid: StateGrid, parts: Sequence[Sequence[tuple[float, float]]],
                     swath_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Local (cells, bits) imaged by the parts of a route (their union)."""
    if swath_km <= 0 or not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    pieces = [grid.clip(*footprint(grid.spec, p, swath_km)) for p in parts]
    return pieces[0] if len(pieces) == 1 else union_bits(pieces)


def truncate(waypoints, fraction: float) -> list[tuple[float, float]]:
    """The first ``fraction`` of a route (by geodesic length), for a curtailed flight."""
    if fraction >= 1.0 or len(waypoints) < 2:
        return list(waypoints)
    if fraction <= 0.0:
        return [waypoints[0], waypoints[0]]
    legs = [
        _GEOD.inv(a[1], a[0], b[1], b[0]) for a, b in itertools.pairwise(waypoints)
    ]
    total = sum(leg[2] for leg in legs)
    left = max(fraction, 0.0) * total
    out = [waypoints[0]]
    for (az, _, dist), b in zip(legs, waypoints[1:], strict=True):
        if left >= dist:
            out.append(b)
            left -= dist
            continue
        lon, lat, _ = _GEOD.fwd(out[-1][1], out[-1][0], az, left)
        out.append((lat, lon))
        break
    if len(out) == 1:
        out.append(waypoints[0])
    return out
