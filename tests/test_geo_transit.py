"""Exclaves, islands and separated parts: transit legs, refuelling stops, caps, regional
distances and areas of interest, each checked against a brute-force measurement."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely

from simulator.geo import (
    Stop,
    hawaii_cap,
    interest_priority,
    kaliningrad_sublimit,
    load_areas_of_interest,
    load_territories,
    plan_with_stop,
    route_rules,
    transit_path,
)
from simulator.geo.ellipsoid import geodesic_km, geodesic_points
from simulator.geo.regions import area_of_interest, in_boxes, parse_boxes
from simulator.geo.restrictions import HAWAII_BBOX, KALININGRAD_BBOX, region_of
from simulator.geo.route_checks import check_route, evaluate_route, observation_parts

RES_KM = 25.0
SWATH_KM = 7.7
KUBINKA = (55.60833, 36.65278)  # a real Open Skies airfield, 1,050 km from the oblast
KHRABROVO = Stop("RUS-kaliningrad-khrabrovo", 54.89, 20.59)
TRAVIS = (38.26333, -121.93)
HONOLULU = Stop("USA-honolulu-international", 21.31833, -157.92333)
AALBORG = (57.093, 9.849)
SFJ = Stop("DNK-soendre-stroemfjord-international-airport", 67.01806, -50.69417,
           mainland=False)

pytestmark = pytest.mark.usefixtures("isolated_geo_cache")


@pytest.fixture(scope="module")
def terr():
    return load_territories(RES_KM)


def km_inside(waypoints, geometry, legs=None) -> float:
    """Brute force: km of the legs (all, or those indexed) inside a geometry, on 0.5 km
    geodesic samples."""
    total = 0.0
    for k, (a, b) in enumerate(itertools.pairwise(waypoints)):
        if legs is not None and k not in legs:
            continue
        lat, lon = geodesic_points(a[0], a[1], b[0], b[1], 0.5)
        seg = geodesic_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
        mid_lat, mid_lon = (lat[:-1] + lat[1:]) / 2, (lon[:-1] + lon[1:]) / 2
        total += float(seg[shapely.contains_xy(geometry, mid_lon, mid_lat)].sum())
    return total


def transit_legs(route) -> set[int]:
    return {k for k, t in enumerate(route.transit) if t}


def test_kaliningrad_is_reached_from_kubinka_and_capped(terr):
    grid = terr.grid(("BLR", "RUS"))
    cap = kaliningrad_sublimit(terr)
    route = plan_with_stop(grid, KUBINKA, 5500.0, SWATH_KM, KHRABROVO,
                           rng=np.random.default_rng(3), restrictions=[cap],
                           beam_width=3, n_bearings=8)
    assert route is not None and route.violations == ()
    assert route.waypoints[0] == KUBINKA  # starts at the Open Skies airfield, not in the oblast
    oblast = region_of(terr, "RUS", KALININGRAD_BBOX)
    inside = km_inside(route.waypoints, oblast)
    assert 100.0 < inside <= 500.0 + 1.0  # observed, and the 500 km counts transit too
    assert abs(inside - route.region_km[cap.name]) < 5.0
    # it imaged the oblast, and only from legs flown with sensors on
    cells = grid.lookup(*np.array([(55.0, 20.8), (54.7, 21.5)]).T)
    assert np.isin(cells, route.cells).any()
    parts = observation_parts(route.waypoints, route.transit)
    assert len(parts) >= 2  # the oblast's loop and the mainland's
    again = evaluate_route(grid, route.waypoints, SWATH_KM, 5500.0,
                           route_rules(grid, None, [cap]))  # every leg imaging
    assert again.imaged_km2 > route.imaged_km2
    # the route charged: observation legs in full, transit legs over Russia-Belarus only
    territory = terr.union(grid.codes)
    charged = sum(float(geodesic_km(*a, *b)) for k, (a, b) in
                  enumerate(itertools.pairwise(route.waypoints)) if not route.transit[k])
    charged += km_inside(route.waypoints, territory, transit_legs(route))
    assert charged <= 5500.0 + 2.0
    assert route.transit_km > 1800.0  # there and back, about 1,050 km each way


def test_the_cap_binds_only_where_it_is_set(terr):
    grid = terr.grid(("BLR", "RUS"))
    oblast = region_of(terr, "RUS", KALININGRAD_BBOX)
    free = plan_with_stop(grid, KUBINKA, 5500.0, SWATH_KM, KHRABROVO,
                          rng=np.random.default_rng(3), beam_width=3, n_bearings=8)
    capped = plan_with_stop(grid, KUBINKA, 5500.0, SWATH_KM, KHRABROVO,
                            rng=np.random.default_rng(3),
                            restrictions=[kaliningrad_sublimit(terr, 350.0)],
                            beam_width=3, n_bearings=8)
    assert km_inside(capped.waypoints, oblast) <= 350.0 + 1.0
    assert km_inside(free.waypoints, oblast) > 350.0
    # a cap the transit alone uses up leaves no loop: the stop is not worth it
    assert plan_with_stop(grid, KUBINKA, 5500.0, SWATH_KM, KHRABROVO,
                          rng=np.random.default_rng(3),
                          restrictions=[kaliningrad_sublimit(terr, 100.0)]) is None


def test_transit_avoids_non_party_land(terr):
    grid = terr.grid(("RUS",))
    # Belarus and Lithuania not parties: no straight way from Kubinka across them
    rules = route_rules(grid, ["RUS", "POL", "DEU", "SWE", "FIN", "EST", "LVA", "DNK"])
    path = transit_path(rules, KUBINKA, (KHRABROVO.lat, KHRABROVO.lon))
    assert path is None or len(path) == 3
    if path is not None:
        non_party = shapely.union_all([terr.country(c).geometry for c in ("BLR", "LTU")])
        assert km_inside(path, non_party) == 0.0
    everyone = route_rules(grid, None)
    assert transit_path(everyone, KUBINKA, (KHRABROVO.lat, KHRABROVO.lon)) == [
        KUBINKA, (KHRABROVO.lat, KHRABROVO.lon)]
    # a transit leg over a non-party is a violation on the re-check
    leg = [KUBINKA, (KHRABROVO.lat, KHRABROVO.lon)]
    *_, viol = check_route(grid, leg, 5500.0, rules, transit=[True])
    assert any("non-party" in v for v in viol)


def test_hawaii_is_reached_from_travis_and_capped(terr):
    grid = terr.grid(("USA",))
    cap = hawaii_cap(terr, 300.0)
    route = plan_with_stop(grid, TRAVIS, 4250.0, SWATH_KM, HONOLULU,
                           rng=np.random.default_rng(0), restrictions=[cap],
                           beam_width=3, n_bearings=8)
    assert route is not None and route.violations == ()
    islands = region_of(terr, "USA", HAWAII_BBOX)
    assert 0.0 < km_inside(route.waypoints, islands) <= 300.0 + 1.0
    hawaii_cells = in_boxes(grid.lat, grid.lon, (HAWAII_BBOX,))
    assert np.isin(np.flatnonzero(hawaii_cells), route.cells).any()
    # 3,900 km of Pacific each way: only possible because transit over the sea is not charged
    assert route.transit_km > 7000.0
    rules = route_rules(grid, None, [cap])
    *_, strict = check_route(grid, route.waypoints, 4250.0, rules, transit=route.transit,
                             transit_charge="full")
    assert any("maximum" in v for v in strict)


def test_greenland_is_observed_from_its_stop_only(terr):
    grid = terr.grid(("DNK",))  # Denmark with the Faroes and Greenland
    route = plan_with_stop(grid, AALBORG, 5600.0, SWATH_KM, SFJ,
                           rng=np.random.default_rng(0), beam_width=3, n_bearings=8)
    assert route is not None and route.violations == ()
    greenland = parse_boxes("-75.0;59.0;-10.0;84.0")
    assert in_boxes(grid.lat[route.cells], grid.lon[route.cells], greenland).all()
    assert route.transit[0] and route.transit[-1]  # out and back with sensors off
    assert route.waypoints[0] == AALBORG and route.waypoints[-1] == AALBORG


def test_areas_of_interest_weigh_their_cells(terr):
    grid = terr.grid(("BLR", "RUS"))
    areas = load_areas_of_interest()
    pr = interest_priority(grid, areas, "USA", 2019)
    kal = in_boxes(grid.lat, grid.lon, parse_boxes("19.0;54.0;23.5;55.6")) & (
        grid.member_bits["RUS"] != 0)
    assert np.all(pr[kal] == 4.0)
    belarus_only = (grid.member_bits["RUS"] == 0) & (grid.member_bits["BLR"] != 0)
    assert np.all(pr[belarus_only] == 1.0)  # the border-area box does not reach into Belarus
    # year limits: the Ukraine border area counts from 2014
    border = in_boxes(grid.lat, grid.lon, parse_boxes("30.5;45.0;41.0;53.5")) & (
        grid.member_bits["RUS"] != 0) & ~in_boxes(grid.lat, grid.lon,
                                                    parse_boxes("35.0;54.2;40.2;56.9"))
    assert np.all(interest_priority(grid, areas, "USA", 2010)[border] == 1.0)
    assert np.all(pr[border] == 2.0)
    # observer-specific rows: Hawaii weighs for Russia only
    us = terr.grid(("USA",))
    assert interest_priority(us, areas, "DEU", 2019) is None
    hawaii = in_boxes(us.lat, us.lon, (HAWAII_BBOX,))
    assert np.all(interest_priority(us, areas, "RUS", 2019)[hawaii] == 3.0)
    # a scenario's own table replaces the bundled one
    own = (area_of_interest({"id": "x", "observed": "RUS", "bbox": "19.0;54.0;23.5;55.6",
                             "weight": 10}),)
    assert np.all(interest_priority(grid, own, "FRA", 2019)[kal] == 10.0)
    assert interest_priority(grid, (), "FRA", 2019) is None


def test_bad_boxes_are_refused():
    with pytest.raises(ValueError, match="out of order"):
        parse_boxes("23.5;54.0;19.0;55.6")
    with pytest.raises(ValueError, match="lon_min;lat_min"):
        parse_boxes("1;2;3")
