"""A curtailed flight's footprint, built from its route's whole legs and the partial last one,
is exactly what the route footprint of the flown part gives (transit legs and SAR included)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from simulator.geo import load_territories, plan_route
from simulator.geo.coverage import CoverageTracker
from simulator.geo.route_checks import curtailed_footprint, route_footprint, truncate


def _routes():
    out = []
    for codes, start, km in ((("DEU",), (52.457, 9.427), 1300.0),
                             (("BLR", "RUS"), (55.611, 36.650), 5500.0)):
        grid = load_territories(50.0).grid(codes)
        tracker = CoverageTracker(grid)
        for seed in range(2):
            route = plan_route(grid, start, km, 37.0, imaged=tracker,
                               rng=np.random.default_rng(seed), beam_width=2, n_bearings=6)
            tracker.add(route.cells, route.bits)
            out.append((grid, route))
    return out


@pytest.mark.parametrize("variant", ["plain", "transit", "sar"])
def test_curtailed_footprint_equals_the_footprint_of_the_flown_part(variant) -> None:
    rng = np.random.default_rng(3)
    for grid, route in _routes():
        legs = len(route.waypoints) - 1
        if variant == "transit":  # every third leg flown with sensors off
            route = dataclasses.replace(route, transit=tuple(k % 3 == 1 for k in range(legs)))
        elif variant == "sar":
            route = dataclasses.replace(route, sar_swath_km=20.0)
        for fraction in [*rng.random(6), 0.0, 1e-9, 0.999999, 1.0]:
            flown = truncate(route.waypoints, float(fraction))
            flags = tuple(route.transit[: len(flown) - 1])
            expected = route_footprint(grid, flown, route.swath_km, route.sar_swath_km, flags)
            got = curtailed_footprint(grid, route, flown)
            for a, b in zip(expected[:3], got[:3], strict=True):
                assert np.array_equal(a, b)
            assert got[3] == expected[3]


def test_record_is_add_without_totals() -> None:
    grid, route = _routes()[0]
    a, b = CoverageTracker(grid), CoverageTracker(grid)
    for _ in range(2):
        a.add(route.cells, route.bits)
        after = b.record(route.cells, route.bits & grid.land_bits[route.cells])
        assert np.array_equal(after, a.bits[route.cells])
    assert np.array_equal(a.bits, b.bits) and np.array_equal(a.counts, b.counts)
    assert a.flights == b.flights == 2


def test_whole_legs_read_back_from_the_disk_cache_are_the_computed_ones(tmp_path, monkeypatch):
    from simulator.geo import route_checks

    monkeypatch.setenv("OPENSKIES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENSKIES_NO_CACHE", raising=False)
    grid, route = _routes()[2]  # over Belarus and Russia
    flown = truncate(route.waypoints, 0.8)
    route_checks._LEG_FOOTPRINTS.clear()
    computed = curtailed_footprint(grid, route, flown)
    stored = sorted((tmp_path / "cache" / "legs").glob("*.npz"))
    assert len(stored) == 1

    def fail(*_a, **_k):
        raise AssertionError("a leg was computed although the cache holds it")

    route_checks._LEG_FOOTPRINTS.clear()  # as in a new process
    with monkeypatch.context() as m:
        m.setattr(route_checks, "_leg_footprint", fail)
        read = curtailed_footprint(grid, route, flown)
    stored[0].write_bytes(b"damaged")
    route_checks._LEG_FOOTPRINTS.clear()
    again = curtailed_footprint(grid, route, flown)
    for a, b, c in zip(computed[:3], read[:3], again[:3], strict=True):
        assert np.array_equal(a, b) and np.array_equal(a, c)
