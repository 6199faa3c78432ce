"""Footprints against closed forms (DESIGN sec. 9): L x w, and routes across 180 degrees."""

from __future__ import annotations

import pytest

from simulator.geo import (
    CoverageTracker,
    GridSpec,
    evaluate_route,
    footprint,
    footprint_area_km2,
    load_territories,
    route_rules,
)
from simulator.geo.ellipsoid import geodesic_km

# Masks are built cold into a fresh cache folder for each module (see conftest.py).
pytestmark = pytest.mark.usefixtures("isolated_geo_cache")


def route_length(wp) -> float:
    return float(sum(geodesic_km(*wp[i], *wp[i + 1]) for i in range(len(wp) - 1)))


@pytest.mark.parametrize(
    ("waypoints", "swath"),
    [
        ([(55.0, 37.0), (62.0, 80.0)], 7.7),  # long oblique leg
        ([(40.0, -100.0), (50.0, -100.0)], 3.45),  # along a meridian
        ([(45.0, -100.0), (45.0, -90.0)], 50.0),  # along a parallel-ish geodesic
        ([(60.0, 100.0), (60.0, 110.0)], 25.0),
    ],
)
def test_straight_route_images_length_times_swath(waypoints, swath):
    spec = GridSpec(10.0)
    gids, bits = footprint(spec, waypoints, swath)
    expected = route_length(waypoints) * swath
    assert footprint_area_km2(spec, gids, bits) == pytest.approx(expected, rel=0.01)


def test_straight_route_inside_russia_images_length_times_swath():
    terr = load_territories(10.0)
    grid = terr.grid("RUS")
    wp = [(60.0, 60.5), (61.0, 75.0)]  # West Siberian plain, all land
    rules = route_rules(grid, None)
    route = evaluate_route(grid, wp, 7.7, 5500.0, rules)
    assert route.length_km == pytest.approx(route_length(wp), rel=1e-9)
    assert route.imaged_km2 == pytest.approx(route.length_km * 7.7, rel=0.01)
    assert route.length_over_territory_km == pytest.approx(route.length_km, rel=1e-3)


def test_route_across_180_images_the_same_as_its_mirror():
    spec = GridSpec(10.0)
    crossing = [(66.0, 175.0), (66.5, -174.0)]
    mirror = [(66.0, 95.0), (66.5, 106.0)]  # the same route 80 degrees further west
    a = footprint_area_km2(spec, *footprint(spec, crossing, 7.7))
    b = footprint_area_km2(spec, *footprint(spec, mirror, 7.7))
    assert route_length(crossing) == pytest.approx(route_length(mirror), rel=1e-9)
    assert a == pytest.approx(b, rel=0.005)
    assert a == pytest.approx(route_length(crossing) * 7.7, rel=0.01)
    gids, _ = footprint(spec, crossing, 7.7)
    _lat, lon = spec.centres(gids)
    assert (lon > 179).any() and (lon < -179).any()  # cells on both sides of the meridian


def test_route_across_180_over_chukotka_land():
    terr = load_territories(10.0)
    grid = terr.grid("RUS")
    rules = route_rules(grid, None)
    wp = [(67.3, 176.0), (67.6, -176.5)]  # inland Chukotka, both sides of 180 degrees
    route = evaluate_route(grid, wp, 7.7, 5500.0, rules)
    assert route.imaged_km2 == pytest.approx(route.length_km * 7.7, rel=0.02)


def test_union_over_flights_not_sum():
    terr = load_territories(10.0)
    grid = terr.grid("DEU")
    rules = route_rules(grid, None)
    wp = [(52.46, 9.43), (50.5, 11.0), (52.46, 9.43)]
    route = evaluate_route(grid, wp, 7.7, 1300.0, rules)
    tracker = CoverageTracker(grid)
    first = tracker.add_route(route)
    second = tracker.add_route(route)
    assert first.new_km2 == pytest.approx(route.imaged_km2)
    assert second.new_km2 == 0.0
    assert tracker.imaged_km2 == pytest.approx(route.imaged_km2)
    assert tracker.revisits.max() == 2
    assert tracker.revisited_km2 == pytest.approx(tracker.imaged_km2)
