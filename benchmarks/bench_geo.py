"""Benchmark of the geography package: planner efficiency and timings.

Run: ``python benchmarks/bench_geo.py`` (prints one table). Efficiency is newly imaged area /
(route length x swath) for a first flight; the baseline flies out and back along a random
bearing (mean of 16 bearings). Also times one maximum-length route over Russia and the masks of
every party, cold (rasterised into an empty cache) and cached (read back from disk).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.geo import load_territories, naive_route, plan_route, route_rules
from simulator.geo.territories import Territories

SWATH_KM = 7.7  # digital camera at ~3,350 m (sensors.csv: digital-3350m)
RESOLUTION_KM = 10.0
CASES = [  # state, airfield, (lat, lon), maximum flight distance (km)
    ("RUS", "Kubinka", (55.60833, 36.65278), 5500.0),
    ("USA", "Washington Dulles", (38.94333, -77.45667), 4900.0),
    ("DEU", "Wunstorf", (52.457, 9.427), 1300.0),
    ("GEO", "Tbilisi", (41.669, 44.955), 1150.0),
]
N_BASELINE = 16


@dataclass(frozen=True)
class CaseResult:
    state: str
    airfield: str
    max_km: float
    length_km: float
    new_km2: float
    efficiency: float
    naive_mean: float
    naive_best: float
    plan_s: float


def run_cases(seed: int = 2024) -> list[CaseResult]:
    """Plan a first flight per case and its baseline."""
    terr = load_territories(RESOLUTION_KM)
    out = []
    for code, name, start, max_km in CASES:
        grid = terr.grid(code)
        route_rules(grid, None)  # build the rule index outside the timing
        rng = np.random.default_rng(seed)
        t0 = time.perf_counter()
        route = plan_route(grid, start, max_km, SWATH_KM, rng=rng)
        plan_s = time.perf_counter() - t0
        bearings = np.random.default_rng(seed + 1).uniform(0.0, 360.0, N_BASELINE)
        naive = [naive_route(grid, start, max_km, SWATH_KM, float(b)).efficiency
                 for b in bearings]
        out.append(CaseResult(code, name, max_km, route.length_km, route.new_km2,
                              route.efficiency, float(np.mean(naive)), float(np.max(naive)),
                              plan_s))
    return out


def time_russia_route(seed: int = 7) -> tuple[float, float]:
    """(seconds to plan and rasterise one maximum-length route over Russia, rules build)."""
    terr = load_territories(RESOLUTION_KM)
    grid = terr.grid("RUS")
    t0 = time.perf_counter()
    route_rules(grid, ["RUS", "USA"])  # a parties list not used before: a fresh rule index
    rules_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    plan_route(grid, CASES[0][2], 5500.0, SWATH_KM, rng=np.random.default_rng(seed),
               parties=["RUS", "USA"])
    return time.perf_counter() - t0, rules_s


def time_masks() -> tuple[float, float, int, float]:
    """(cold s, cached s, number of territories, total km²) for every party's mask."""
    with tempfile.TemporaryDirectory() as tmp:
        old = os.environ.get("OPENSKIES_CACHE_DIR")
        os.environ["OPENSKIES_CACHE_DIR"] = tmp
        try:
            terr = Territories(RESOLUTION_KM)
            terr.countries  # noqa: B018 - read the shapefile outside the timing
            t0 = time.perf_counter()
            terr.build_all()
            cold = time.perf_counter() - t0
            again = Territories(RESOLUTION_KM)
            t0 = time.perf_counter()
            again.build_all()
            cached = time.perf_counter() - t0
            area = sum(again.grid(c).total_area_km2 for c in again.party_codes if c != "CSK")
        finally:
            if old is None:
                os.environ.pop("OPENSKIES_CACHE_DIR", None)
            else:
                os.environ["OPENSKIES_CACHE_DIR"] = old
    return cold, cached, len(terr.party_codes), area


def main() -> None:
    """Print the benchmark table."""
    results = run_cases()
    route_s, rules_s = time_russia_route()
    cold, cached, n, area = time_masks()
    print(f"geo benchmark: resolution {RESOLUTION_KM:g} km, swath {SWATH_KM} km, "
          f"baseline = out-and-back on {N_BASELINE} random bearings")
    head = (f"{'state':<5} {'airfield':<18} {'max km':>7} {'route km':>9} {'new km2':>9} "
            f"{'planner eff':>11} {'naive mean':>10} {'naive best':>10} {'plan s':>7}")
    print(head)
    print("-" * len(head))
    for r in results:
        print(f"{r.state:<5} {r.airfield:<18} {r.max_km:>7.0f} {r.length_km:>9.0f} "
              f"{r.new_km2:>9.0f} {r.efficiency:>11.3f} {r.naive_mean:>10.3f} "
              f"{r.naive_best:>10.3f} {r.plan_s:>7.2f}")
    print("-" * len(head))
    print(f"one 5,500 km route over Russia, plan + rasterise + re-check: {route_s:.2f} s "
          f"(rule index built once per grid and parties list: {rules_s:.2f} s)")
    print(f"masks of all {n} territories ({area / 1e6:.1f} M km²): cold {cold:.2f} s, "
          f"cached {cached:.2f} s")


if __name__ == "__main__":
    main()
