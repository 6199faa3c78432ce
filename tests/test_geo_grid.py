"""Territories and exact-area grids (DESIGN sec. 9: Russia's area within 0.5 % of the geodesic)."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry.polygon import orient

from simulator.geo import GridSpec, load_territories, provenance
from simulator.geo.cache import cache_dir
from simulator.geo.ellipsoid import quadrangle_area_km2
from simulator.geo.territories import Territories

WGS84_SURFACE_KM2 = 510_065_621.724


# Masks are built cold into a fresh cache folder for each module (see conftest.py).
pytestmark = pytest.mark.usefixtures("isolated_geo_cache")


@pytest.fixture(scope="module")
def terr():
    return load_territories(10.0)


def geodesic_area_km2(geom) -> float:
    geod = Geod(ellps="WGS84")
    parts = getattr(geom, "geoms", [geom])
    return sum(abs(geod.geometry_area_perimeter(orient(p))[0]) for p in parts) / 1e6


def test_quadrangles_tile_the_ellipsoid():
    spec = GridSpec(10.0)
    total = float(np.sum(spec.row_quad_area_km2 * spec.ncols))
    assert total == pytest.approx(WGS84_SURFACE_KM2, rel=1e-9)
    # a 1 x 1 degree quadrangle at the equator: 12,308.8 km² on WGS84
    assert quadrangle_area_km2(0.0, 1.0, 1.0) == pytest.approx(12308.78, rel=1e-4)


def test_cells_stay_near_the_resolution():
    spec = GridSpec(10.0)
    side = np.sqrt(spec.row_quad_area_km2)
    mid = np.abs(spec.row_lat_lo + spec.dlat / 2) < 85
    assert np.all((side[mid] > 9.0) & (side[mid] < 11.0))


@pytest.mark.parametrize("code", ["RUS", "DEU", "GEO"])
def test_area_matches_geodesic_area_of_polygons(terr, code):
    grid = terr.grid(code)
    exact = geodesic_area_km2(terr.territory(code))
    assert grid.total_area_km2 == pytest.approx(exact, rel=0.005)


def test_russia_crosses_the_antimeridian(terr):
    grid = terr.grid("RUS")
    assert (grid.lon < -170).any() and (grid.lon > 170).any()
    # Chukotka east of 180 degrees: Cape Dezhnev area
    assert grid.lookup(np.array([66.0]), np.array([-170.5]))[0] >= 0


def test_territory_decisions(terr):
    dnk = terr.grid("DNK")
    assert dnk.member_area_km2["DNK"] > 2_000_000  # Greenland included
    assert dnk.lookup(np.array([62.0]), np.array([-6.9]))[0] >= 0  # Faroes
    fra = terr.grid("FRA")
    assert fra.lat.min() > 41.0 and fra.lon.min() > -6  # no French Guiana, Reunion...
    nor = terr.grid("NOR")
    assert nor.lat.max() > 78.5 and nor.lat.min() > 57  # Svalbard in, Bouvet out
    ukr, rus, geo = terr.grid("UKR"), terr.grid("RUS"), terr.grid("GEO")
    crimea = (np.array([44.95]), np.array([34.10]))
    assert ukr.lookup(*crimea)[0] >= 0 and rus.lookup(*crimea)[0] < 0
    assert geo.lookup(np.array([43.0]), np.array([41.0]))[0] >= 0  # Abkhazia (Sukhumi)
    assert terr.grid("FIN").lookup(np.array([60.2]), np.array([19.95]))[0] >= 0  # Aland
    usa = terr.grid("USA")
    assert usa.lookup(np.array([19.6]), np.array([-155.5]))[0] >= 0  # Hawaii


def test_union_grid_and_members(terr):
    group = terr.grid(("RUS", "BLR"))
    assert group.codes == ("BLR", "RUS")
    blr, rus = terr.grid("BLR"), terr.grid("RUS")
    assert group.total_area_km2 == pytest.approx(blr.total_area_km2 + rus.total_area_km2,
                                                 rel=1e-3)
    assert set(group.member_area_km2) == {"BLR", "RUS"}


def test_masks_are_cached_on_disk(terr):
    terr.grid("LUX")
    files = list((cache_dir() / "masks").rglob("LUX.npz"))
    assert len(files) == 1
    assert not list(files[0].parent.glob("*.tmp"))
    fresh = Territories(10.0)  # a new instance reads the file instead of rasterising
    g1, b1 = fresh.mask("LUX")
    g2, b2 = terr.mask("LUX")
    assert np.array_equal(g1, g2) and np.array_equal(b1, b2)


def test_unknown_code_is_reported(terr):
    with pytest.raises(KeyError, match="unknown territory code"):
        terr.grid("XXX")


def test_provenance_records_edition_and_point_of_view():
    meta = provenance(10.0)
    assert meta["natural_earth_version"] == "5.1.1"
    assert meta["point_of_view"].startswith("DEU")
    assert any("Crimea" in n for n in meta["point_of_view_notes"])
    assert any("Abkhazia" in n for n in meta["point_of_view_notes"])
    assert meta["key_field"] == "ADM0_A3"
    assert len(meta["file_sha256"]) == 64
