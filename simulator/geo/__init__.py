"""Geography of the Treaty on Open Skies: territories, exact-area grids, routes, coverage.

Knows nothing of quotas or SimPy; the engine calls it with plain data::

    terr = load_territories(resolution_km=10)
    grid = terr.grid(("BLR", "RUS"))
    route = plan_route(grid, start=(55.61, 36.65), max_distance_km=5500, swath_km=7.7,
                       imaged=tracker, rng=rng, parties=[...], restrictions=[...])
    tracker = CoverageTracker(grid); tracker.add_route(route, optical_fraction=0.7, rng=rng)
"""

from simulator.geo.coverage import CoverageTracker, FlightCoverage
from simulator.geo.footprint import footprint, footprint_area_km2
from simulator.geo.grid import GridSpec, StateGrid
from simulator.geo.restrictions import (
    Restriction,
    abkhazia_south_ossetia_corridor,
    border_corridor,
    hawaii_cap,
    kaliningrad_sublimit,
    region_of,
)
from simulator.geo.routes import (
    Route,
    check_route,
    evaluate_route,
    naive_route,
    plan_route,
    route_rules,
)
from simulator.geo.sensors import (
    DEFAULT_SENSOR_ID,
    MAX_OPTICAL_SWATH_KM,
    MAX_SAR_SWATH_KM,
    SensorSpec,
    load_sensors,
    sensor,
)
from simulator.geo.territories import (
    DEFAULT_RESOLUTION_KM,
    Territories,
    load_territories,
    provenance,
)

__all__ = [
    "DEFAULT_RESOLUTION_KM",
    "DEFAULT_SENSOR_ID",
    "MAX_OPTICAL_SWATH_KM",
    "MAX_SAR_SWATH_KM",
    "CoverageTracker",
    "FlightCoverage",
    "GridSpec",
    "Restriction",
    "Route",
    "SensorSpec",
    "StateGrid",
    "Territories",
    "abkhazia_south_ossetia_corridor",
    "border_corridor",
    "check_route",
    "evaluate_route",
    "footprint",
    "footprint_area_km2",
    "hawaii_cap",
    "kaliningrad_sublimit",
    "load_sensors",
    "load_territories",
    "naive_route",
    "plan_route",
    "provenance",
    "region_of",
    "route_rules",
    "sensor",
]
