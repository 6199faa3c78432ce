"""Route planning: a beam search over bearings and leg lengths (an orienteering heuristic).

A route starts at an Open Skies airfield of the observed state, flies straight legs between
waypoints (Art. VI Sec. II para 4(F)) and ends at that airfield or another one given in
``end_airfields``. Its length may not exceed the airfield's maximum flight distance (Art. II
para 11; Annex A Sec. III). It never comes closer than 10 km to a non-party's land (Art. VI
Sec. II para 2), never crosses another state's land, and obeys scenario restrictions (no-fly
zones, distance caps over regions), which are applied while planning and re-checked on the
result.

The heuristic (documented so results can be explained):

1. The value of imaging a point is its priority times the share of its cell's land not yet
   imaged (by earlier flights: ``imaged``), per km² of swath.
2. Beam search. A state is an open route (waypoints so far). Each state is expanded by one
   straight leg for ``n_bearings`` bearings (rotated by a random offset per depth drawn from the
   ``rng`` passed in) times a geometric series of leg lengths. Along a bearing the longest leg
   is a great circle and the shorter ones are its prefixes, so a bearing is sampled once. A leg
   is sampled every 5 km on its centre line, checked against the rules there, and, up to the
   longest prefix that passes, on three (or more, for wide swaths) lines across the swath; its
   value is the sum of the samples' values, minus samples already inside this route's earlier
   legs. Legs breaking a rule are dropped, and so are states that cannot fly straight back to
   an end airfield within budget. All states' legs of a depth are evaluated in one batch, and
   so are the returns of the children of a depth.
3. States are ranked by the value of the route closed now plus the budget left times an
   achievable value per km (the mean value density within reach): spending budget only pays when
   it images at least average value. The best ``beam_width`` states survive (ties by index).
4. The best closed route seen at any depth wins; the search stops when three depths in a row
   found nothing better (or after 60 legs).
5. The winner is rasterised exactly (sub-point bits) and re-checked on WGS84 geodesics: length,
   clearances, capped regions. A violation triggers a re-plan with doubled margins.

Deterministic for a given ``numpy.random.Generator`` state: no global random state, stable sorts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from simulator.geo.beam_search import Planner
from simulator.geo.ellipsoid import (
    geodesic_forward,
    unit_vectors,
)
from simulator.geo.grid import StateGrid
from simulator.geo.restrictions import Restriction
from simulator.geo.route_checks import evaluate_route
from simulator.geo.route_types import (
    GC_DEVIATION_KM,
    SAMPLE_KM,
    BudgetBasis,
    Route,
    route_rules,
    value_density,
)
from simulator.geo.rules import VERTEX_SPACING_KM


# ------------------------------------------------------------------- public
def plan_route(
    grid: StateGrid,
    start: tuple[float, float],
    max_distance_km: float,
    swath_km: float,
    imaged: Any = None,
    rng: np.random.Generator | None = None,
    parties: Sequence[str] | None = None,
    restrictions: Sequence[Restriction] = (),
    end_airfields: Sequence[tuple[float, float]] | None = None,
    priority: np.ndarray | None = None,
    *,
    sar_swath_km: float = 0.0,
    budget_basis: BudgetBasis = "route",
    beam_width: int = 8,
    n_bearings: int = 16,
) -> Route:
    """Plan one observation flight maximising newly imaged, priority-weighted area.

    ``start`` and ``end_airfields`` are (lat, lon) of Open Skies airfields of the observed state;
    the route may end at the start or any end airfield. ``imaged`` is what earlier flights
    imaged (a :class:`CoverageTracker`, its ``bits``, a boolean mask or counts per cell).
    ``parties`` lists the States Parties (codes of ``territories.csv``) on the flight's date;
    None treats every state of the table as a party. ``budget_basis="route"`` (default,
    conservative) charges the whole route against ``max_distance_km``; ``"territory"`` charges
    only the part over the territory's land (Art. II para 11 read literally; Natural Earth has
    no territorial waters).
    """
    if rng is None:
        raise ValueError("plan_route needs a numpy.random.Generator (no global random state)")
    if max_distance_km <= 0 or swath_km <= 0:
        raise ValueError("max_distance_km and swath_km must be positive")
    rules = route_rules(grid, parties, restrictions)
    ends = [tuple(map(float, start))]
    for e in end_airfields or ():
        e = (float(e[0]), float(e[1]))
        if e not in ends:
            ends.append(e)
    density = value_density(grid, imaged, priority)
    plan_swath = max(swath_km, sar_swath_km)
    route = None
    for attempt in range(3):
        planner = Planner(grid, ends[0], max_distance_km, plan_swath, density, rules,
                           ends, budget_basis, float(2**attempt), rng, beam_width, n_bearings)
        wp = planner.run()
        route = evaluate_route(grid, wp, swath_km, max_distance_km, rules, imaged, priority,
                               sar_swath_km, budget_basis, planner="beam")
        if not route.violations:
            return route
    # Could not satisfy the re-check: stay on the ground rather than break a rule.
    return evaluate_route(grid, [ends[0], ends[0]], swath_km, max_distance_km, rules, imaged,
                          priority, sar_swath_km, budget_basis, planner="none")


def naive_route(
    grid: StateGrid,
    start: tuple[float, float],
    max_distance_km: float,
    swath_km: float,
    bearing_deg: float,
    imaged: Any = None,
    parties: Sequence[str] | None = None,
    restrictions: Sequence[Restriction] = (),
) -> Route:
    """Baseline: out along one bearing as far as the rules allow (<= half the budget) and back."""
    rules = route_rules(grid, parties, restrictions)
    budget = max_distance_km * 0.998 - 1.0
    dists = np.arange(SAMPLE_KM, budget / 2 + 1e-9, SAMPLE_KM)
    lat, lon = geodesic_forward(np.full(len(dists), start[0]), np.full(len(dists), start[1]),
                                np.full(len(dists), bearing_deg), dists)
    margin = SAMPLE_KM / 2 + VERTEX_SPACING_KM / 2 + GC_DEVIATION_KM
    bad = rules.clearance_deficit(unit_vectors(lat, lon), margin)
    if rules.caps:
        for r, inside in zip(rules.caps, rules.cap_masks(lat, lon), strict=True):
            bad |= np.cumsum(inside * SAMPLE_KM) * 2 > r.max_km * 0.99 - SAMPLE_KM
    n = int(np.argmax(bad)) if bad.any() else len(dists)
    if n == 0:
        wp = [start, start]
    else:
        far = (float(lat[n - 1]), float(lon[n - 1]))
        wp = [start, far, start]
    return evaluate_route(grid, wp, swath_km, max_distance_km, rules, imaged, None, 0.0,
                          "route", planner="naive")


__all__ = ["naive_route", "plan_route"]
