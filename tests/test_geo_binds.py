"""The geometry rules bind in whole runs: Kaliningrad, Hawaii, Greenland and Denmark proper."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
import shapely

from simulator.api import run
from simulator.engine.georoutes import GeoRoutes
from simulator.engine.routes import Airfield
from simulator.geo import load_territories
from simulator.geo.restrictions import KALININGRAD_BBOX, region_of
from simulator.scenario.assemble import engine_config
from simulator.scenario.bundled import bundled_scenarios
from simulator.scenario.load import load_scenario

FAST = ("geometry.resolution_km=50",)


def _run(name: str):
    return run(bundled_scenarios()[name], replications=1, seed=1, overrides=FAST, figures=False)


@pytest.fixture(scope="module")
def baseline():
    return _run("baseline-2019")


@pytest.fixture(scope="module")
def no_limit():
    return _run("counterfactual/no-kaliningrad-limit")


def _parts(feature):
    g = feature["geometry"]
    return [g["coordinates"]] if g["type"] == "LineString" else g["coordinates"]


def _km_inside(parts, geometry) -> float:
    from pyproj import Geod

    geod, total = Geod(ellps="WGS84"), 0.0
    for part in parts:
        for (x1, y1), (x2, y2) in itertools.pairwise(part):
            n = max(1, int(geod.inv(x1, y1, x2, y2)[2] / 1000))
            pts = [(x1, y1), *geod.npts(x1, y1, x2, y2, n), (x2, y2)]
            xs, ys = np.array(pts).T
            seg = geod.inv(xs[:-1], ys[:-1], xs[1:], ys[1:])[2] / 1000
            inside = shapely.contains_xy(geometry, (xs[:-1] + xs[1:]) / 2, (ys[:-1] + ys[1:]) / 2)
            total += float(seg[inside].sum())
    return total


def test_kaliningrad_is_flown_and_its_limit_binds(baseline, no_limit):
    terr = load_territories(50.0)
    oblast = region_of(terr, "RUS", KALININGRAD_BBOX)
    inside = {}
    for name, res in (("baseline", baseline), ("no limit", no_limit)):
        km = [_km_inside(_parts(f), oblast) for f in res.routes["features"]
              if f["properties"]["observed"] == "BY-RU"]
        inside[name] = [k for k in km if k > 0]
        assert inside[name], f"{name}: no route over Kaliningrad"
        m = res.missions
        visits = m[m.region.eq("Kaliningrad") & m.status.isin(["completed", "curtailed"])]
        assert len(visits) and (visits.transit_km > 1500).all()
    # the observation legs alone stay under 500 km inside the oblast in the baseline (the
    # planner also counts the transit there); without the limit observers fly more of it
    assert max(inside["baseline"]) <= 500.0
    assert max(inside["no limit"]) > 500.0
    assert not baseline.missions.equals(no_limit.missions)
    assert not baseline.coverage.equals(no_limit.coverage)


def test_denmark_proper_never_gets_more_than_800_km(baseline):
    terr = load_territories(50.0)
    proper = terr.country("DNK").geometry
    danish = [f for f in baseline.routes["features"] if f["properties"]["observed"] == "DNK"]
    assert danish
    for f in danish:
        assert _km_inside(_parts(f), proper) <= 800.0 + 1.0
    m = baseline.missions[baseline.missions.observed.eq("DNK") & baseline.missions.region.eq("")]
    assert (m.max_distance_km <= 800).all()


def test_the_service_offers_separated_parts_and_weighs_interest():
    sc = load_scenario(bundled_scenarios()["baseline-2019"], FAST)
    geo = GeoRoutes(engine_config(sc))
    day = dt.date(2019, 6, 1)
    kubinka = Airfield("RUS-kubinka", 55.60833, 36.65278, 5500.0)
    sites = {"RUS-kubinka": (55.60833, 36.65278), "RUS-kaliningrad-khrabrovo": (54.89, 20.59)}
    opts = geo.options("BY-RU", ("BLR", "RUS"), [kubinka], [], sites, day)
    assert [o.region for o in opts] == ["", "Kaliningrad"]
    assert opts[1].via[0] == "RUS-kaliningrad-khrabrovo" and opts[1].mainland_after
    parties = ("BLR", "RUS", "LTU", "POL", "USA")
    w = geo.weigh("BY-RU", ("BLR", "RUS"), opts, "USA", day, parties)
    assert w[0] > 0 and w[1] > 0
    # without the oblast's weight the detour is worth less
    plain = GeoRoutes(engine_config(load_scenario(
        bundled_scenarios()["baseline-2019"], (*FAST, "geometry.areas_of_interest=[]"))))
    w0 = plain.weigh("BY-RU", ("BLR", "RUS"), opts, "USA", day, parties)
    assert w0[1] / w0[0] < w[1] / w[0]
    # Denmark: Greenland through Soendre Stroemfjord from Aalborg, under its own distance
    vaerloese = Airfield("DNK-military-airfield-vaerloese", 55.76917, 12.32611, 800.0)
    dk_sites = {"DNK-military-airfield-vaerloese": (55.76917, 12.32611),
                "DNK-aalborg": (57.093, 9.849),
                "DNK-soendre-stroemfjord-international-airport": (67.01806, -50.69417)}
    regional = [("DNK-soendre-stroemfjord-international-airport", "Greenland", 5600.0),
                ("DNK-aalborg", "Greenland", 5600.0)]
    dk = geo.options("DNK", ("DNK",), [vaerloese], regional, dk_sites, day)
    assert [(o.airfield_id, o.region, o.max_distance_km) for o in dk] == [
        ("DNK-military-airfield-vaerloese", "", 800.0), ("DNK-aalborg", "Greenland", 5600.0)]
    assert not dk[1].mainland_after
