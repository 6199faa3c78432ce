"""Geography of the Treaty on Open Skies: territories, exact-area grids, regions and areas of
interest, the route planner (route types, leg sampling, beam search, the geodesic re-check,
transit legs), sensors and coverage.

Imports nothing of the package but ``simulator.errors``: it knows nothing of quotas or SimPy,
and the engine calls it with plain data::

    terr = load_territories(resolution_km=10)
    grid = terr.grid(("BLR", "RUS"))
    route = plan_route(grid, start=(55.61, 36.65), max_distance_km=5500, swath_km=7.7,
                       imaged=tracker, rng=rng, parties=[...], restrictions=[...])
    tracker = CoverageTracker(grid); tracker.add_route(route, optical_fraction=0.7, rng=rng)
"""

import importlib
from typing import Any

# ``footprint`` is both a submodule and a function: import the function now, or importing the
# submodule anywhere would leave the package attribute pointing at the module.
from simulator.geo.footprint import footprint as footprint
from simulator.geo.footprint import footprint_area_km2 as footprint_area_km2

# Names are imported on first use (PEP 562): reading territory areas for a run without
# geometry should not pay for the route planner's k-d trees (scipy) at start-up.
_WHERE = {
    "CoverageTracker": "coverage",
    "FlightCoverage": "coverage",
    "UnionsByKey": "coverage",
    "GridSpec": "grid",
    "StateGrid": "grid",
    "Restriction": "restrictions",
    "abkhazia_south_ossetia_corridor": "restrictions",
    "border_corridor": "restrictions",
    "hawaii_cap": "restrictions",
    "kaliningrad_sublimit": "restrictions",
    "region_of": "restrictions",
    "AreaOfInterest": "regions",
    "Region": "regions",
    "area_of_interest": "regions",
    "interest_priority": "regions",
    "load_areas_of_interest": "regions",
    "load_regions": "regions",
    "region_cells": "regions",
    "Stop": "transit",
    "plan_with_stop": "transit",
    "transit_path": "transit",
    "Route": "route_types",
    "check_route": "route_checks",
    "evaluate_route": "route_checks",
    "naive_route": "routes",
    "plan_route": "routes",
    "route_rules": "route_types",
    "DEFAULT_SENSOR_ID": "sensors",
    "MAX_OPTICAL_SWATH_KM": "sensors",
    "MAX_SAR_SWATH_KM": "sensors",
    "SensorSpec": "sensors",
    "load_sensors": "sensors",
    "sensor": "sensors",
    "DEFAULT_RESOLUTION_KM": "territories",
    "Territories": "territories",
    "load_territories": "territories",
    "provenance": "territories",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'simulator.geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"simulator.geo.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


__all__ = sorted([*_WHERE, "footprint", "footprint_area_km2"])
