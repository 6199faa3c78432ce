"""Missions with a refuelling stop: transit legs with sensors off to a separated part.

Every point of a party's territory is observable (Art. VI Sec. II para 2), also an exclave such
as Kaliningrad or an island group such as Hawaii that no observation route from an Open Skies
airfield can reach without crossing another state's land or running out of distance. The
mission plan may declare refuelling stops (Art. VI Sec. II para 3; Annex E para 5(B)(2) for
separated portions): the aircraft flies to the stop with its sensors covered (Art. IV para 4),
observes the part in a loop from the stop, flies back, and may spend what is left of the
distance on the mainland. Transit legs may cross States Parties (Art. VII) but no non-party.

A :class:`Stop` says where the part is observed from and which distance applies there: the
part's own (Annex A Sec. III: Greenland 5,600 km, the Faroes 250 km, the Canaries 750 km) or
the mission's (Kaliningrad inside Russia's 5,500 km, Hawaii inside the US airfield's). Caps
over the part (Kaliningrad's 500 km, Hawaii's) count every km flown inside it, transit too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point

from simulator.geo.ellipsoid import GEOD, geodesic_forward, geodesic_km, geodesic_points
from simulator.geo.grid import StateGrid
from simulator.geo.restrictions import Restriction
from simulator.geo.route_checks import check_route, evaluate_route
from simulator.geo.route_types import BudgetBasis, Route, TransitCharge, route_rules
from simulator.geo.routes import plan_route
from simulator.geo.rules import RouteRules

TRANSIT_STEP_KM = 5.0  # spacing of the non-party test along a transit leg (planning only)
DOGLEG_KM = (150.0, 300.0, 600.0, 1200.0)  # offsets tried when the direct leg is not allowed
MIN_LOOP_KM = 50.0  # a loop shorter than this is not worth the stop
NEAR_DEG = 0.5  # a stop this close to a capped region observes it under the cap


@dataclass(frozen=True)
class Stop:
    """A refuelling stop from which a separated part is observed (plain data)."""

    name: str
    lat: float
    lon: float
    max_km: float | None = None  # the part's own maximum distance; None: the mission's budget
    mainland: bool = True  # the rest of the mission's budget may be spent from the airfield


def transit_path(rules: RouteRules, a: tuple[float, float],
                 b: tuple[float, float]) -> list[tuple[float, float]] | None:
    """Waypoints a -> b over the sea and States Parties only: the direct geodesic, or one
    dogleg through a point off its middle (shortest first); None if neither is allowed."""

    def allowed(p: tuple[float, float], q: tuple[float, float]) -> bool:
        lat, lon = geodesic_points(p[0], p[1], q[0], q[1], TRANSIT_STEP_KM)
        return not rules.over_non_party(lat, lon).any()

    if allowed(a, b):
        return [a, b]
    dist = float(geodesic_km(a[0], a[1], b[0], b[1]))
    lat, lon = geodesic_points(a[0], a[1], b[0], b[1], dist / 2 + 1e-6)
    mid = (float(lat[len(lat) // 2]), float(lon[len(lon) // 2]))
    az = _azimuth(mid, b)
    vias = []
    for off in DOGLEG_KM:
        for side in (90.0, -90.0):
            vlat, vlon = geodesic_forward(np.array([mid[0]]), np.array([mid[1]]),
                                          np.array([az + side]), np.array([off]))
            v = (float(vlat[0]), float(vlon[0]))
            total = float(geodesic_km(a[0], a[1], *v) + geodesic_km(*v, b[0], b[1]))
            vias.append((total, off, side, v))
    for _, _, _, v in sorted(vias):
        if allowed(a, v) and allowed(v, b):
            return [a, v, b]
    return None


def _azimuth(p: tuple[float, float], q: tuple[float, float]) -> float:
    az, _, _ = GEOD.inv(p[1], p[0], q[1], q[0])
    return float(az)


_BUDGETS: dict[tuple, tuple[list[tuple[float, float]], float, float] | None] = {}


def stop_budget(grid: StateGrid, start: tuple[float, float], stop: Stop, max_distance_km: float,
                rules: RouteRules, budget_basis: BudgetBasis = "route",
                transit_charge: TransitCharge = "territory",
                ) -> tuple[list[tuple[float, float]], float, float] | None:
    """(Cached) the transit path out, the distance left after transit out and back, and the
    longest loop from the stop (its own distance, the pool, and caps over the part less their
    transit km); None if the stop is out of reach or leaves less than ``MIN_LOOP_KM``."""
    key = (id(rules), rules.grid.codes, start, stop, float(max_distance_km), budget_basis,
           transit_charge)
    if key in _BUDGETS:
        return _BUDGETS[key]
    if len(_BUDGETS) >= 512:
        _BUDGETS.pop(next(iter(_BUDGETS)))
    here = (float(stop.lat), float(stop.lon))
    out = transit_path(rules, start, here)
    result = None
    if out is not None:
        legs = [*out, *out[::-1][1:]]
        total, over, region_km, _, _ = check_route(grid, legs, np.inf, rules, budget_basis,
                                                   [True] * (len(legs) - 1), transit_charge)
        pool = float(max_distance_km) - (total if transit_charge == "full" else over)
        loop_km = pool if stop.max_km is None else min(float(stop.max_km), pool)
        for cap in rules.caps:  # caps over the part count the transit inside it too
            if shapely.dwithin(cap.geometry, Point(here[1], here[0]), NEAR_DEG):
                loop_km = min(loop_km, cap.max_km - region_km[cap.name])
        if loop_km >= MIN_LOOP_KM:
            result = (out, pool, loop_km)
    _BUDGETS[key] = result
    return result


def plan_with_stop(
    grid: StateGrid,
    start: tuple[float, float],
    max_distance_km: float,
    swath_km: float,
    stop: Stop,
    imaged=None,
    rng: np.random.Generator | None = None,
    parties: Sequence[str] | None = None,
    restrictions: Sequence[Restriction] = (),
    end_airfields: Sequence[tuple[float, float]] | None = None,
    priority: np.ndarray | None = None,
    *,
    sar_swath_km: float = 0.0,
    budget_basis: BudgetBasis = "route",
    transit_charge: TransitCharge = "territory",
    beam_width: int = 8,
    n_bearings: int = 16,
) -> Route | None:
    """A mission from ``start`` that observes the part around ``stop``: transit out, a loop
    from the stop, transit back, then (``stop.mainland``) a loop from ``start`` with the
    distance left. None if the stop cannot be reached or leaves no loop worth flying; the whole
    route is re-checked on geodesics (length, clearances off transit legs, caps, transit)."""
    if rng is None:
        raise ValueError("plan_with_stop needs a numpy.random.Generator (no global random state)")
    rules = route_rules(grid, parties, restrictions)
    here = (float(stop.lat), float(stop.lon))
    budget = stop_budget(grid, start, stop, max_distance_km, rules, budget_basis, transit_charge)
    if budget is None:
        return None
    out, pool, loop_km = budget
    back = out[::-1]
    kw = dict(parties=parties, restrictions=restrictions, priority=priority,
              sar_swath_km=sar_swath_km, budget_basis=budget_basis, beam_width=beam_width,
              n_bearings=n_bearings)
    loop = plan_route(grid, here, loop_km, swath_km, imaged=imaged, rng=rng, **kw)
    if loop.planner == "none":
        return None
    waypoints = [*out, *loop.waypoints[1:], *back[1:]]
    flags = [True] * (len(out) - 1) + [False] * (len(loop.waypoints) - 1) + \
        [True] * (len(back) - 1)
    if stop.mainland:
        used = loop.length_km if budget_basis == "route" else loop.length_over_territory_km
        rest = pool - used
        if rest >= MIN_LOOP_KM:
            main = plan_route(grid, start, rest, swath_km, imaged=imaged, rng=rng,
                              end_airfields=end_airfields, **kw)
            if main.planner != "none":
                waypoints += list(main.waypoints[1:])
                flags += [False] * (len(main.waypoints) - 1)
    route = evaluate_route(grid, waypoints, swath_km, max_distance_km, rules, imaged, priority,
                           sar_swath_km, budget_basis, planner="beam+stop", transit=flags,
                           transit_charge=transit_charge)
    return None if route.violations else route


__all__ = ["Stop", "plan_with_stop", "stop_budget", "transit_path"]
