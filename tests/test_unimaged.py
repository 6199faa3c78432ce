"""The unimaged value kept current flight by flight equals a fresh computation."""

from __future__ import annotations

import numpy as np

from simulator.geo import interest_priority, load_areas_of_interest, load_territories
from simulator.geo.coverage import CoverageTracker
from simulator.geo.reach import reachable_worth
from simulator.geo.route_types import value_density
from simulator.geo.routes import plan_route
from simulator.geo.unimaged import UnimagedValue

REACHES = [((55.611, 36.650), 5500.0), ((56.0, 92.9), 3000.0), ((53.9, 27.5), 1500.0)]


def test_running_sums_match_a_fresh_sum_after_every_flight() -> None:
    grid = load_territories(50.0).grid(("BLR", "RUS"))
    priority = interest_priority(grid, load_areas_of_interest(), "USA", 2019)
    tracker = CoverageTracker(grid)
    kept = UnimagedValue(grid, tracker.bits, priority)
    west = grid.lon < 60.0  # a part of the grid (as a region's cells), and the rest of it
    rng = np.random.default_rng(4)
    for start, km in REACHES * 2:
        for where, reach in REACHES:  # asked before the flight: the sums are set up early
            kept.worth(where, reach, 37.0)
        route = plan_route(grid, start, km, 37.0, imaged=tracker, rng=rng, beam_width=2,
                           n_bearings=6, priority=priority)
        tracker.add(route.cells, route.bits)
        kept.imaged(route.cells, tracker.bits[route.cells])
        fresh = value_density(grid, tracker, priority) * grid.quad_area_km2
        assert np.array_equal(kept.value, fresh)  # cell by cell, the same digits
        for where, reach in REACHES:
            expected = reachable_worth(grid, fresh, where, reach, 37.0)
            assert np.isclose(kept.worth(where, reach, 37.0), expected, rtol=1e-9, atol=1e-6)
            for part, value in ((west, fresh * west), (~west, fresh * ~west)):
                inside = reachable_worth(grid, value, where, reach, 37.0)
                got = kept.worth(where, reach, 37.0, west, outside=part is not west)
                assert np.isclose(got, inside, rtol=1e-9, atol=1e-6)
