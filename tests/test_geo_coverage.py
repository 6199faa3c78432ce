"""Coverage tracker, cloud model, sensors and the map helper."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.geo import (
    CoverageTracker,
    SensorSpec,
    evaluate_route,
    load_sensors,
    load_territories,
    plan_route,
    route_rules,
    sensor,
)
from simulator.geo.sensors import at_altitude, swath_from_altitude

# Masks are built cold into a fresh cache folder for each module (see conftest.py).
pytestmark = pytest.mark.usefixtures("isolated_geo_cache")


@pytest.fixture(scope="module")
def deu():
    return load_territories(10.0).grid("DEU")


@pytest.fixture(scope="module")
def route(deu):
    wp = [(52.46, 9.43), (50.5, 11.0), (51.0, 13.5), (52.46, 9.43)]
    return evaluate_route(deu, wp, 37.06, 1300.0, route_rules(deu, None), sar_swath_km=25.0)


def test_tracker_totals(deu, route):
    tracker = CoverageTracker(deu)
    added = tracker.add_route(route)
    assert added.imaged_km2 == pytest.approx(route.imaged_km2)
    assert tracker.fraction == pytest.approx(route.imaged_km2 / deu.total_area_km2)
    summary = tracker.summary()
    assert summary["flights"] == 1 and summary["revisited_km2"] == 0
    assert set(summary) >= {"territory_km2", "imaged_km2", "imaged_fraction"}


def test_cloud_deterministic_fraction_and_sar(deu, route):
    clear = CoverageTracker(deu).add_route(route).imaged_km2
    sar_only = CoverageTracker(deu).add_route(route, optical_fraction=0.0).imaged_km2
    assert sar_only == pytest.approx(
        deu.area_of_bits(route.cells, route.sar_bits), rel=1e-9)
    assert 0 < sar_only < clear
    half = CoverageTracker(deu).add_route(route, optical_fraction=0.5).imaged_km2
    assert sar_only < half < clear


def test_cloud_bernoulli_is_reproducible(deu):
    r = evaluate_route(deu, [(52.46, 9.43), (49.0, 9.0)], 7.7, 1300.0, route_rules(deu, None))
    a = CoverageTracker(deu).add_route(r, optical_fraction=0.3, rng=np.random.default_rng(1))
    b = CoverageTracker(deu).add_route(r, optical_fraction=0.3, rng=np.random.default_rng(1))
    assert a == b
    assert a.imaged_km2 == pytest.approx(0.3 * r.imaged_km2, rel=0.35)


def test_by_member_of_a_group():
    grid = load_territories(20.0).grid(("BEL", "LUX", "NLD"))
    tracker = CoverageTracker(grid)
    r = plan_route(grid, (50.902, 4.486), 945.0, 7.7, rng=np.random.default_rng(0))
    tracker.add_route(r)
    members = tracker.by_member()
    assert set(members) == {"BEL", "LUX", "NLD"}
    assert sum(m["territory_km2"] for m in members.values()) == pytest.approx(
        grid.total_area_km2, rel=1e-3)
    assert sum(m["imaged_km2"] for m in members.values()) == pytest.approx(
        tracker.imaged_km2, rel=1e-3)


def test_sensor_table_and_treaty_limits():
    table = load_sensors()
    assert sensor().swath_km == pytest.approx(7.7)  # the 3,350 m anchor
    assert table["treaty-optical-max"].swath_km == 100.0  # Art. IV para 2: 50 km each side
    assert table["treaty-sar-max"].swath_km == 25.0
    assert not table["tu214on-sar"].cloud_sensitive
    anchor = table["digital-3350m"]
    assert swath_from_altitude(3350, anchor.half_angle_deg) == pytest.approx(7.7, rel=1e-3)
    assert at_altitude(anchor, 3500).swath_km == pytest.approx(table["a319oh-3500m"].swath_km,
                                                               rel=1e-2)
    with pytest.raises(ValueError, match=r"Art\. IV"):
        SensorSpec("too-wide", "optical", 120.0)
    with pytest.raises(ValueError, match=r"Art\. IV"):
        SensorSpec("sar-wide", "sar", 30.0)
    with pytest.raises(KeyError, match="known"):
        sensor("nope")


def test_map_png(tmp_path, deu, route):
    from simulator.outputs.coverage_maps import plot_coverage

    tracker = CoverageTracker(deu)
    tracker.add_route(route)
    out = tmp_path / "deu.png"
    fig = plot_coverage(deu, tracker, [route], path=out)
    assert out.stat().st_size > 10_000
    import matplotlib.pyplot as plt

    plt.close(fig)
