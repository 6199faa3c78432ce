"""Route planning: rules hold on every planned route (property-style over seeds and states)."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.geo import (
    Restriction,
    abkhazia_south_ossetia_corridor,
    hawaii_cap,
    kaliningrad_sublimit,
    load_territories,
    naive_route,
    plan_route,
)
from simulator.geo.ellipsoid import geodesic_km
from simulator.geo.rules import NON_PARTY_CLEARANCE_KM

RES_KM = 20.0  # rules do not depend on the grid; a coarse grid keeps the tests fast
SWATH_KM = 7.7
# Parties after both withdrawals (Russia and the US are not): 32 States Parties.
PARTIES_2022 = [
    "BEL", "BGR", "BIH", "BLR", "CAN", "CZE", "DEU", "DNK", "ESP", "EST", "FIN", "FRA", "GBR",
    "GEO", "GRC", "HRV", "HUN", "ISL", "ITA", "LTU", "LUX", "LVA", "NLD", "NOR", "POL", "PRT",
    "ROU", "SVK", "SVN", "SWE", "TUR", "UKR",
]
CASES = [  # state, airfield, maximum flight distance
    ("GEO", (41.669, 44.955), 1150.0),  # Tbilisi; Russia, Armenia, Azerbaijan non-parties
    ("EST", (58.307, 26.690), 800.0),  # Tartu; Russia a non-party
    ("FIN", (60.317, 24.963), 1400.0),  # Helsinki-Vantaa
    ("DEU", (52.457, 9.427), 1300.0),  # Wunstorf; Austria and Switzerland non-parties
]


# Masks are built cold into a fresh cache folder for each module (see conftest.py).
pytestmark = pytest.mark.usefixtures("isolated_geo_cache")


@pytest.fixture(scope="module")
def terr():
    return load_territories(RES_KM)


def assert_route_ok(route, max_km):
    assert route.violations == ()
    assert route.planner == "beam"
    assert route.length_km <= max_km
    assert route.length_over_territory_km <= route.length_km + 1e-6
    # Art. VI Sec. II para 2: never closer than 10 km to a non-party's border
    assert route.clearances_km.get("non_party", np.inf) >= NON_PARTY_CLEARANCE_KM
    assert route.clearances_km.get("foreign_land", np.inf) > 0
    assert route.new_km2 > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("code", "start", "max_km"), CASES)
def test_planned_routes_respect_the_rules(terr, code, start, max_km, seed):
    grid = terr.grid(code)
    route = plan_route(grid, start, max_km, SWATH_KM, rng=np.random.default_rng(seed),
                       parties=PARTIES_2022)
    assert_route_ok(route, max_km)
    assert route.waypoints[0] == start and route.waypoints[-1] == start


@pytest.mark.parametrize("seed", [0, 1])
def test_kaliningrad_sublimit_holds(terr, seed):
    grid = terr.grid("RUS")
    cap = kaliningrad_sublimit(terr)
    start = (54.89, 20.59)  # inside the oblast, so the planner is tempted to stay
    route = plan_route(grid, start, 5500.0, SWATH_KM, rng=np.random.default_rng(seed),
                       restrictions=[cap])
    assert_route_ok(route, 5500.0)
    assert 0 < route.region_km[cap.name] <= 500.0


def test_hawaii_cap_holds(terr):
    grid = terr.grid("USA")
    cap = hawaii_cap(terr)
    assert cap.max_km == pytest.approx(828.0)
    route = plan_route(grid, (21.318, -157.923), 4900.0, SWATH_KM,
                       rng=np.random.default_rng(5), restrictions=[cap])
    assert_route_ok(route, 4900.0)
    assert route.region_km[cap.name] <= cap.max_km


def test_no_fly_corridor_and_polygon(terr):
    grid = terr.grid("RUS")
    corridor = abkhazia_south_ossetia_corridor(terr)
    box = Restriction.no_fly("test box", [(44.0, 40.0), (44.0, 41.0), (45.5, 41.0),
                                           (45.5, 40.0)])
    priority = np.ones(grid.n_cells)
    near = (grid.lon > 39) & (grid.lon < 46) & (grid.lat > 42) & (grid.lat < 45.6)
    priority[near] = 30.0  # pull the route towards the Caucasus
    route = plan_route(grid, (45.03, 39.17), 1500.0, SWATH_KM, rng=np.random.default_rng(1),
                       restrictions=[corridor, box], priority=priority)
    assert_route_ok(route, 1500.0)
    assert route.clearances_km[corridor.name] >= 10.0
    assert route.clearances_km["test box"] > 0


def test_route_may_end_at_another_airfield(terr):
    grid = terr.grid("DEU")
    wunstorf, landsberg = (52.457, 9.427), (48.074, 10.912)
    route = plan_route(grid, wunstorf, 1300.0, SWATH_KM, rng=np.random.default_rng(3),
                       end_airfields=[landsberg])
    assert_route_ok(route, 1300.0)
    assert route.waypoints[-1] in (wunstorf, landsberg)


def test_deterministic_for_a_given_generator(terr):
    grid = terr.grid("GEO")
    a = plan_route(grid, (41.669, 44.955), 1150.0, SWATH_KM, rng=np.random.default_rng(42))
    b = plan_route(grid, (41.669, 44.955), 1150.0, SWATH_KM, rng=np.random.default_rng(42))
    assert a.waypoints == b.waypoints
    assert np.array_equal(a.cells, b.cells) and np.array_equal(a.bits, b.bits)
    with pytest.raises(ValueError, match="Generator"):
        plan_route(grid, (41.669, 44.955), 1150.0, SWATH_KM)


def test_later_flights_avoid_what_was_imaged(terr):
    from simulator.geo import CoverageTracker

    grid = terr.grid("DEU")
    tracker = CoverageTracker(grid)
    rng = np.random.default_rng(7)
    for _ in range(3):
        route = plan_route(grid, (52.457, 9.427), 1300.0, SWATH_KM, imaged=tracker, rng=rng)
        assert route.new_km2 >= 0.75 * route.imaged_km2
        tracker.add_route(route)
    assert tracker.imaged_km2 > 2.2 * route.length_km * SWATH_KM


def test_planner_beats_out_and_back(terr):
    grid = terr.grid("DEU")
    start = (52.457, 9.427)
    plan = plan_route(grid, start, 1300.0, SWATH_KM, rng=np.random.default_rng(0))
    naive = naive_route(grid, start, 1300.0, SWATH_KM, bearing_deg=150.0)
    assert naive.violations == ()
    assert plan.efficiency > 0.8 > 0.55 > naive.efficiency
    assert naive.length_km == pytest.approx(
        2 * geodesic_km(*start, *naive.waypoints[1]), rel=1e-9)
