"""Benchmark: what geometry costs a replication-year, and what the route library buys.

Run: ``python benchmarks/bench_geometry_cost.py [--big N]`` (or ``pytest -m bench``). Prints:

1. the warm cost of one replication-year of baseline-2019 without geometry, with geometry from
   the route library (``geometry.planner = "library"``, the default) and with a beam search per
   flight (``"search"``, the planner before the library), serial, in one process, as medians of
   alternating runs, and their ratios; then the same for replications run once each, as in an
   ensemble (no search);
2. the one-off build: the first replication-year in a fresh process with an empty route cache
   (cold) and with the cache that run left (cached);
3. planner efficiency over a year, imaged km² / (route km flown with sensors on x swath), for
   Russia, the US, Germany, Georgia and every observed state together, search beside library
   (the same replications): with each flight's imagery summed, and with the year's union;
4. the wall time of N replication-years (default 1,000) on 2 workers, route cache warm, with
   geometry and, beside it, without.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

from simulator.engine import distributions_for, run_replication
from simulator.geo import sensor
from simulator.scenario.assemble import engine_config
from simulator.scenario.load import load_scenario

SCENARIO = "baseline-2019"
STATES = ("RUS", "USA", "DEU", "GEO")
HOLDER = {"RUS": ("BY-RU", ("BLR", "RUS")), "USA": ("USA", ("USA",)), "DEU": ("DEU", ("DEU",)),
          "GEO": ("GEO", ("GEO",))}  # Russia is observed as the Belarus-Russia group in 2019
PAIRS = 7
FRESH_PAIRS = 41
EFFICIENCY_REPS = 6


def _config(*overrides: str):
    cfg = engine_config(load_scenario(SCENARIO, list(overrides)))
    return cfg, distributions_for(cfg)


def _year(cfg, dists, rep: int) -> float:
    start = time.perf_counter()
    run_replication(cfg, rep, np.random.SeedSequence([11, rep]), dists)
    return time.perf_counter() - start


def costs() -> dict[str, float]:
    """Median warm seconds per replication-year for each variant, alternating runs."""
    variants = {
        "no geometry": _config("geometry.enabled=false"),
        "library": _config('geometry.planner="library"'),
        "search": _config('geometry.planner="search"'),
    }
    for cfg, dists in variants.values():  # warm-up: masks, rule indexes, libraries
        for rep in range(12 if cfg.geo.get("planner") == "library" else 1):
            _year(cfg, dists, rep)
    times: dict[str, list[float]] = {k: [] for k in variants}
    for i in range(PAIRS):
        for name, (cfg, dists) in variants.items():
            times[name].append(_year(cfg, dists, 100 + i % 3))
    return {k: statistics.median(v) for k, v in times.items()}


def fresh_costs(pairs: int = FRESH_PAIRS) -> dict[str, float]:
    """As :func:`costs`, each run a replication not run before in this process (the memos of
    a long run's later replications: routes and legs seen before, reaches laid out), without
    the search planner."""
    variants = {"no geometry": _config("geometry.enabled=false"),
                "library": _config('geometry.planner="library"')}
    for cfg, dists in variants.values():
        for rep in range(40):
            _year(cfg, dists, 1000 + rep)
    times: dict[str, list[float]] = {k: [] for k in variants}
    for i in range(pairs):
        for name, (cfg, dists) in variants.items():
            times[name].append(_year(cfg, dists, 2000 + i))
    return {k: statistics.median(v) for k, v in times.items()}


def efficiency(planner: str) -> dict[str, tuple[float, float]]:
    """Per state (and ``"all"``: every observed state together), over a year and a few
    replications: (the km² the flights imaged, each flight's own imagery summed, / the km
    they flew with sensors on x swath; the same with the year's union of imagery instead,
    so that what one flight images again of another's counts once)."""
    cfg, dists = _config(f'geometry.planner="{planner}"')
    swath = {a.aircraft_id.split("#")[0]: sensor(a.sensor).swath_km for a in cfg.fleet}
    missions, coverage = [], []
    for rep in range(EFFICIENCY_REPS):
        res = run_replication(cfg, rep, np.random.SeedSequence([23, rep]), dists)
        missions.append(pd.DataFrame([m.as_row() for m in res.missions]))
        coverage.append(pd.DataFrame(res.coverage))
    flown = pd.concat(missions)
    flown = flown[flown.imaged_km2 > 0]
    flown = flown.assign(swept=(flown.distance_km - flown.transit_km)
                         * flown.aircraft.str.split("#").str[0].map(swath).fillna(0.0))
    union = pd.concat(coverage)
    out = {}
    for state in (*STATES, "all"):
        if state == "all":
            mine, members = flown, union.state.unique()
        else:
            holder, members = HOLDER[state]
            mine = flown[flown.observed == holder]
        swept = float(mine.swept.sum())
        year = float(union.loc[union.state.isin(members), "imaged_km2"].sum())
        out[state] = (float(mine.imaged_km2.sum()) / swept, year / swept) if swept else (
            float("nan"), float("nan"))
    return out


def first_year_in_fresh_process(cache: str) -> float:
    code = ("import time, numpy as np; from simulator.scenario.load import load_scenario; "
            "from simulator.scenario.assemble import engine_config; "
            "from simulator.engine import distributions_for, run_replication; "
            f"cfg = engine_config(load_scenario({SCENARIO!r})); d = distributions_for(cfg); "
            "t = time.perf_counter(); run_replication(cfg, 0, np.random.SeedSequence(1), d); "
            "print(time.perf_counter() - t)")
    env = {**os.environ, "OPENSKIES_CACHE_DIR": cache}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.split()[-1])


def builds() -> tuple[float, float]:
    """The first replication-year in a fresh process: route cache empty, then filled. (Masks
    come from the shared mask cache in both: only the route libraries differ.)"""
    with tempfile.TemporaryDirectory() as cache:
        first_year_in_fresh_process(cache)  # masks for this cache (not timed as a build)
        shutil.rmtree(os.path.join(cache, "routes"), ignore_errors=True)
        cold = first_year_in_fresh_process(cache)
        cached = first_year_in_fresh_process(cache)
    return cold, cached


def big(n: int, *overrides: str) -> float:
    from simulator.api import run

    start = time.perf_counter()
    run(SCENARIO, replications=n, seed=5, jobs=2, figures=False, overrides=overrides)
    return time.perf_counter() - start


def main(n_big: int = 1000) -> None:
    c = costs()
    print("Warm cost of one replication-year of baseline-2019, serial, median of "
          f"{PAIRS} alternating runs")
    print("| variant | seconds | x no geometry |")
    print("|---|---|---|")
    for name, sec in c.items():
        print(f"| {name} | {sec:.3f} | {sec / c['no geometry']:.1f} |")
    fresh = fresh_costs()
    print(f"\nFresh replication-years (each run once, after 40 others), median of {FRESH_PAIRS} "
          f"alternating runs: no geometry {fresh['no geometry']:.3f} s, library "
          f"{fresh['library']:.3f} s ({fresh['library'] / fresh['no geometry']:.1f}x)")
    cold, cached = builds()
    print(f"\nFirst replication-year in a fresh process: route cache empty {cold:.1f} s, "
          f"cached {cached:.2f} s")
    before, after = efficiency("search"), efficiency("library")
    print(f"\nPlanner efficiency over a year ({EFFICIENCY_REPS} replications): imaged km² / "
          "(sensors-on km x swath), cloud included; per flight (each flight's imagery summed) "
          "and as the year's union (imagery one flight repeats of another's counted once)")
    print("| state | per flight: search (before) | library (after) | change "
          "| union: search | library | change |")
    print("|---|---|---|---|---|---|---|")
    for s in (*STATES, "all"):
        (b1, b2), (a1, a2) = before[s], after[s]
        print(f"| {s} | {b1:.3f} | {a1:.3f} | {a1 / b1 - 1:+.1%} | {b2:.3f} | {a2:.3f} "
              f"| {a2 / b2 - 1:+.1%} |")
    if n_big:
        big(20)  # the disk cache is warm after this (each run starts its own workers)
        wall = big(n_big)
        flat = big(n_big, "geometry.enabled=false")
        print(f"\n{n_big} replication-years on 2 workers (one run each, figures off): with "
              f"geometry {wall:.1f} s, without {flat:.1f} s ({wall / flat:.1f}x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=1000, metavar="N")
    main(parser.parse_args().big)
