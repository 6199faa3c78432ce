"""The planner's fast paths give the answers of the plain computations they replace.

Clearance queries pruned by runs and a coarse k-d tree, the dense cell lookup table, the
batched neighbourhood and footprint, the geodesic bounds used to skip exact distances: each is
compared with a brute-force reference.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely

from simulator.geo import (
    CoverageTracker,
    GridSpec,
    abkhazia_south_ossetia_corridor,
    footprint,
    load_territories,
    plan_route,
    route_rules,
)
from simulator.geo.ellipsoid import (
    GEOD,
    gaussian_radius_km,
    geodesic_forward,
    geodesic_km,
    geodesic_points,
    slerp,
    to_latlon,
    unit_vectors,
)
from simulator.geo.footprint import combine
from simulator.geo.leg_sampling import sample_legs
from simulator.geo.route_types import GEODESIC_PER_RAD
from simulator.geo.rules import EARTH_KM, REPORT_UP_TO_KM, VERTEX_SPACING_KM

RES_KM = 20.0
PARTIES_2022 = [
    "BEL", "BGR", "BIH", "BLR", "CAN", "CZE", "DEU", "DNK", "ESP", "EST", "FIN", "FRA", "GBR",
    "GEO", "GRC", "HRV", "HUN", "ISL", "ITA", "LTU", "LUX", "LVA", "NLD", "NOR", "POL", "PRT",
    "ROU", "SVK", "SVN", "SWE", "TUR", "UKR",
]


# Masks are built cold into a fresh cache folder for each module (see conftest.py).
pytestmark = pytest.mark.usefixtures("isolated_geo_cache")


@pytest.fixture(scope="module")
def terr():
    return load_territories(RES_KM)


def _brute_deficit(rules, xyz, margin_km):
    bad = np.zeros(len(xyz), bool)
    for c in rules.clearances:
        if c.tree is not None:
            d, _ = c.tree.query(xyz * EARTH_KM, k=1, distance_upper_bound=c.clearance_km
                                + margin_km)
            bad |= np.isfinite(d)
    return bad


def _brute_min(rules, xyz):
    out = {}
    for c in rules.clearances:
        d, _ = c.tree.query(xyz * EARTH_KM, k=1, distance_upper_bound=REPORT_UP_TO_KM)
        out[c.name] = float(np.min(d)) - VERTEX_SPACING_KM / 2
    return out


def _random_legs(start, n, max_km, seed):
    """Legs as the planner samples them: from one point along random bearings."""
    rng = np.random.default_rng(seed)
    lat2, lon2 = geodesic_forward(np.full(n, start[0]), np.full(n, start[1]),
                                  rng.uniform(0, 360, n), rng.uniform(20, max_km, n))
    a = np.repeat(unit_vectors(np.array([start[0]]), np.array([start[1]])), n, axis=0)
    return a, unit_vectors(lat2, lon2)


@pytest.mark.parametrize(
    ("codes", "start", "max_km"),
    [
        (("GEO",), (41.669, 44.955), 600.0),  # Tbilisi: non-parties and a no-fly corridor
        (("EST",), (58.307, 26.690), 400.0),  # Tartu: Russia a non-party
        (("BLR", "RUS"), (55.61, 36.65), 1800.0),  # Kubinka: mostly far from any border
    ],
)
def test_clearance_deficit_equals_querying_every_point(terr, codes, start, max_km):
    grid = terr.grid(codes)
    rules = route_rules(grid, PARTIES_2022, [abkhazia_south_ossetia_corridor(terr)])
    assert rules._coarse is not None
    a, b = _random_legs(start, 60, max_km, seed=len(codes))
    batch = sample_legs(a, b)
    for margin in (3.25, 6.5, 13.0):
        ref = _brute_deficit(rules, batch.xyz, margin)
        assert ref.any() and not ref.all()
        spacing = batch.km[batch.start]
        got = rules.clearance_deficit(batch.xyz, margin, batch.start, spacing)
        assert np.array_equal(got, ref)
        # without the path structure, and with the points in random order
        assert np.array_equal(rules.clearance_deficit(batch.xyz, margin), ref)
        perm = np.random.default_rng(1).permutation(len(ref))
        assert np.array_equal(rules.clearance_deficit(batch.xyz[perm], margin), ref[perm])


def test_min_clearances_equal_querying_every_point(terr):
    grid = terr.grid("GEO")
    rules = route_rules(grid, PARTIES_2022, [abkhazia_south_ossetia_corridor(terr)])
    rng = np.random.default_rng(3)
    for _ in range(6):
        lat = 41.0 + rng.uniform(0, 2.3, 4)
        lon = 41.0 + rng.uniform(0, 5.5, 4)
        pts = [geodesic_points(lat[i], lon[i], lat[i + 1], lon[i + 1], 1.0) for i in range(3)]
        xyz = unit_vectors(np.concatenate([p[0] for p in pts]),
                           np.concatenate([p[1] for p in pts]))
        assert rules.min_clearances(xyz) == _brute_min(rules, xyz)
    # far from everything: reported as inf, as before
    far = unit_vectors(np.linspace(60, 61, 200), np.full(200, 80.0))
    assert rules.min_clearances(far) == _brute_min(rules, far)


def test_coarse_tree_is_within_its_gap_of_every_boundary_point(terr):
    rules = route_rules(terr.grid(("BLR", "RUS")), PARTIES_2022)
    for c in rules.clearances:
        d, _ = c.coarse.query(c.tree.data, k=1)
        assert d.max() <= c.coarse_gap_km
        assert c.coarse.n < c.tree.n / 4  # much smaller: cheap first tests


def test_lookup_table_equals_binary_search(terr):
    rng = np.random.default_rng(0)
    for codes in (("USA",), ("BLR", "RUS"), ("DEU",)):
        grid = terr.grid(codes)
        lat = np.concatenate([grid.lat + rng.normal(0, 0.3, grid.n_cells),
                              rng.uniform(-90, 90, 2000)])
        lon = np.concatenate([grid.lon + rng.normal(0, 0.3, grid.n_cells),
                              rng.uniform(-180, 180, 2000)])
        gids = grid.spec.cell_of(lat, lon)
        where, idx = grid.local_index(gids)
        ref = np.full(len(gids), -1)
        ref[where] = idx
        assert grid._index_table is not None
        assert np.array_equal(grid.lookup(lat, lon), ref)


def test_neighbourhood_pairs_equal_neighbourhood_per_group():
    spec = GridSpec(10.0)
    rng = np.random.default_rng(2)
    lat = rng.uniform(-80, 80, 60)
    lon = rng.uniform(-180, 180, 60)
    group = rng.integers(0, 5, 60)
    g, gid = spec.neighbourhood_pairs(lat, lon, 18.0, group)
    for k in range(5):
        assert np.array_equal(gid[g == k], spec.neighbourhood(lat[group == k],
                                                              lon[group == k], 18.0))


def _reference_footprint(spec, waypoints, swath_km):
    """The per-leg footprint (every sub-point of every neighbouring cell tested)."""
    pts = np.asarray(waypoints, float)
    xyz = unit_vectors(pts[:, 0], pts[:, 1])
    half = swath_km / 2.0
    out_g, out_b = [], []
    for i in range(len(pts) - 1):
        a, b = xyz[i], xyz[i + 1]
        theta = float(np.arccos(np.clip(a @ b, -1.0, 1.0)))
        radius = float(gaussian_radius_km(to_latlon(slerp(a, b, np.array([0.5]))[0])[0]))
        if theta * radius < 1e-6:
            continue
        n = np.cross(a, b)
        n /= np.linalg.norm(n)
        m = np.cross(n, a)
        t = np.linspace(0.0, 1.0, max(2, int(np.ceil(theta * radius / (spec.resolution_km
                                                                          / 2))) + 1))
        cand = spec.neighbourhood(*to_latlon(slerp(a, b, t)), half + spec.resolution_km)
        p = unit_vectors(*spec.subpoints(cand))
        xt = radius * np.arcsin(np.clip(p @ n, -1.0, 1.0))
        along = np.arctan2(p @ m, p @ a)
        inside = (np.abs(xt) <= half) & (along >= 0.0) & (along <= theta)
        if i > 0:
            inside |= np.arccos(np.clip(p @ a, -1.0, 1.0)) * radius <= half
        keep = inside.any(axis=1)
        out_g.append(cand[keep])
        out_b.append(np.packbits(inside[keep], axis=1, bitorder="little").view("<u8").ravel())
    return combine(out_g, out_b)


@pytest.mark.parametrize("res", [10.0, 25.0])
@pytest.mark.parametrize(
    ("waypoints", "swath"),
    [
        ([(55.6, 36.6), (62.0, 80.0), (58.0, 60.0), (55.6, 36.6)], 7.7),
        ([(66.0, 175.0), (66.5, -174.0), (64.0, 179.5)], 7.7),  # across 180 degrees
        ([(52.4, 9.4), (50.0, 12.0), (50.0, 12.0), (48.1, 10.9), (52.4, 9.4)], 25.0),
        ([(40.0, -100.0), (50.0, -100.0)], 3.45),
        # a repeated last waypoint whose unit vector's dot product with itself rounds below 1
        ([(21.265038137683362, 54.165339456413875), (22.265038137683362, 54.165339456413875),
          (22.265038137683362, 54.165339456413875)], 7.7),
    ],
)
def test_footprint_equals_per_leg_reference(res, waypoints, swath):
    spec = GridSpec(res)
    gids, bits = footprint(spec, waypoints, swath)
    with np.errstate(invalid="ignore"):  # the reference divides by a zero pole there
        ref_g, ref_b = _reference_footprint(spec, waypoints, swath)
    assert np.array_equal(gids, ref_g)
    assert np.array_equal(bits, ref_b)


def test_geodesic_points_are_those_of_npts():
    rng = np.random.default_rng(4)
    for _ in range(50):
        lat1, lat2 = rng.uniform(-70, 70, 2)
        lon1, lon2 = rng.uniform(-180, 180, 2)
        lat, lon = geodesic_points(lat1, lon1, lat2, lon2, 50.0)
        pts = GEOD.npts(lon1, lat1, lon2, lat2, len(lat) - 2)
        ref_lon = np.array([lon1] + [p[0] for p in pts] + [lon2])
        assert np.array_equal(lat, np.array([lat1] + [p[1] for p in pts] + [lat2]))
        assert np.array_equal(lon, np.where(ref_lon >= 180.0, ref_lon - 360.0, ref_lon))


def test_geodesic_per_radian_bounds():
    rng = np.random.default_rng(5)
    lat1 = rng.uniform(-89, 89, 20000)
    lon1 = rng.uniform(-180, 180, 20000)
    lat2 = np.clip(lat1 + rng.normal(0, 10, 20000), -89.9, 89.9)
    lon2 = lon1 + rng.normal(0, 15, 20000)
    s = geodesic_km(lat1, lon1, lat2, lon2)
    sigma = np.arccos(np.clip(np.einsum("ij,ij->i", unit_vectors(lat1, lon1),
                                        unit_vectors(lat2, lon2)), -1.0, 1.0))
    assert np.all(sigma * GEODESIC_PER_RAD[0] - 1e-3 <= s)
    assert np.all(s <= sigma * GEODESIC_PER_RAD[1] + 1e-3)


def test_territory_budget_basis_plans_within_the_rules(terr):
    grid = terr.grid("DEU")
    route = plan_route(grid, (52.457, 9.427), 1300.0, 7.7, rng=np.random.default_rng(0),
                       parties=PARTIES_2022, budget_basis="territory")
    assert route.violations == ()
    assert route.planner == "beam"
    assert route.length_over_territory_km <= 1300.0
    assert route.efficiency > 0.8


def test_consecutive_routes_are_deterministic(terr):
    grid = terr.grid(("BLR", "RUS"))
    runs = []
    for _ in range(2):
        tracker = CoverageTracker(grid)
        rng = np.random.default_rng(9)
        wps = []
        for _ in range(3):
            route = plan_route(grid, (55.61, 36.65), 5500.0, 7.7, imaged=tracker, rng=rng,
                               parties=PARTIES_2022, beam_width=3, n_bearings=8)
            assert route.violations == ()
            tracker.add_route(route)
            wps.append(route.waypoints)
        runs.append(wps)
    assert runs[0] == runs[1]
    assert all(a != b for a, b in itertools.pairwise(runs[0]))


def test_territories_and_unions_skip_no_union(terr):
    """A territory of one valid part, and a union of one territory, are returned as they are:
    the same polygons as uniting them again."""
    for code in ("RUS", "USA", "FRA", "NOR", "DEU", "GEO"):
        parts = []
        for part in terr.parts_of(code):
            g = terr.country(part.adm0_a3).geometry
            if part.bbox is not None:
                g = shapely.intersection(g, shapely.box(*part.bbox))
            parts.append(g)
        united = shapely.normalize(shapely.union_all(parts))
        assert shapely.equals_exact(shapely.normalize(terr.territory(code)), united, 0.0)
        assert shapely.equals_exact(shapely.normalize(terr.union((code,))), united, 0.0)
