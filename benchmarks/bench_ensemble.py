"""Benchmark suite for ensembles (issue 7): one table of the costs users meet.

Run: ``python benchmarks/bench_ensemble.py [--quick]`` (or ``pytest -m bench``). Measures:
quota distributions per second; routes planned and rasterised per second; one
replication-year of baseline-2019 with geometry; the 2-worker speed-up at 20 replications; peak
memory; and the cost of 1, 5 and 20 years x 1, 10 and 50 replications (geometry off, serial),
with a least-squares slope per replication-year, plotted to ``results/benchmarks/cost.png``.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path("results/benchmarks")

# The simulator is imported inside the functions: worker processes start with "spawn" and
# re-import this script, and a script that imports the whole API at the top makes every worker
# pay for it (0.7 s each), as the command line does not.


def _time(fn, repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def distributions_per_second() -> float:
    from simulator.treaty import load_registry
    from simulator.treaty.distribution import distribute
    from simulator.treaty.quotas import QuotaRules
    from simulator.treaty.requests import requests_for_year

    reg, rules = load_registry(), QuotaRules()
    reqs = requests_for_year(reg, 2019, rules, "historical")
    distribute(reg, 2019, reqs, rules)
    return 1.0 / _time(lambda: distribute(reg, 2019, reqs, rules), 20)


def routes_per_second() -> float:
    from simulator.geo import CoverageTracker, load_territories, plan_route

    terr = load_territories(25.0)
    parties = sorted(terr.party_codes)
    cases = [(("BLR", "RUS"), (55.61, 36.65), 5500.0), (("DEU",), (52.457, 9.427), 1300.0),
             (("USA",), (38.943, -77.457), 4900.0), (("UKR",), (50.335, 30.885), 2100.0)]
    n, start = 0, time.perf_counter()
    for codes, airfield, km in cases:
        grid = terr.grid(codes)
        tracker = CoverageTracker(grid)
        rng = np.random.default_rng(1)
        for _ in range(5):
            route = plan_route(grid, airfield, km, 7.7, imaged=tracker, rng=rng,
                               parties=parties, beam_width=3, n_bearings=8)
            tracker.add_route(route)
            n += 1
    return n / (time.perf_counter() - start)


def main(quick: bool = False) -> list[dict[str, object]]:
    """Print the benchmark table; return its rows."""
    from simulator.api import run
    from simulator.scenario.bundled import bundled_scenarios

    base = bundled_scenarios()["baseline-2019"]
    history = bundled_scenarios()["history-2002-2024"]
    rows: list[dict[str, object]] = []

    def add(measure: str, value: float, unit: str) -> None:
        rows.append({"measure": measure, "value": value, "unit": unit})
        print(f"{measure:<62} {value:>12,.2f}  {unit}", flush=True)

    print(f"{'measure':<62} {'value':>12}  unit")
    add("quota distributions per second (2019, all parties)", distributions_per_second(), "1/s")
    add("routes planned and rasterised per second (25 km grid)", routes_per_second(), "1/s")
    run(base, replications=1, seed=0, jobs=1, figures=False)  # warm caches
    t = _time(lambda: run(base, replications=1, seed=1, jobs=1, figures=False))
    add("one replication-year of baseline-2019 with geometry", t, "s")

    reps = 6 if quick else 20
    geo_off = ("geometry.enabled=false",)
    t1 = _time(lambda: run(history, replications=reps, seed=2, jobs=1, overrides=geo_off,
                           figures=False))
    t2 = _time(lambda: run(history, replications=reps, seed=2, jobs=2, overrides=geo_off,
                           figures=False))
    add(f"history-2002-2024, {reps} replications, 1 worker", t1, "s")
    add(f"history-2002-2024, {reps} replications, 2 workers", t2, "s")
    add("speed-up with 2 workers", t1 / t2, "x")
    g1 = _time(lambda: run(base, replications=reps, seed=3, jobs=1, figures=False))
    g2 = _time(lambda: run(base, replications=reps, seed=3, jobs=2, figures=False))
    add(f"baseline-2019 with geometry, {reps} replications, 1 worker", g1, "s")
    add(f"baseline-2019 with geometry, {reps} replications, 2 workers", g2, "s")
    add("speed-up with 2 workers (geometry)", g1 / g2, "x")

    grid = []
    years_set = (1, 5, 20)
    reps_set = (1, 10) if quick else (1, 10, 50)
    for years in years_set:
        for n in reps_set:
            overrides = (*geo_off, "period.start=2002", f"period.end={2001 + years}")
            t = _time(lambda o=overrides, n=n: run(history, replications=n, seed=4, jobs=1,
                                                   overrides=o, figures=False))
            grid.append((years, n, t))
            add(f"cost: {years:>2} years x {n:>2} replications (no geometry)", t, "s")
    work = np.array([y * n for y, n, _ in grid], float)
    cost = np.array([t for *_, t in grid])
    slope, intercept = np.polyfit(work, cost, 1)
    r = np.corrcoef(work, cost)[0, 1]
    add("cost slope per replication-year (no geometry)", slope * 1000, "ms")
    add("fixed cost per run (intercept)", intercept, "s")
    add("linearity: correlation of cost with years x replications", r, "")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    add("peak memory, main process", peak, "MiB")
    add("peak memory, largest worker", peak_children, "MiB")
    _plot(grid, slope, intercept)
    return rows


def _plot(grid, slope: float, intercept: float) -> None:
    from matplotlib.figure import Figure

    OUT.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(6.5, 4.2))
    ax = fig.subplots()
    for years in sorted({g[0] for g in grid}):
        pts = [(y * n, t) for y, n, t in grid if y == years]
        ax.plot(*zip(*pts, strict=True), marker="o", label=f"{years} year(s)")
    xs = np.linspace(0, max(y * n for y, n, _ in grid), 50)
    ax.plot(xs, intercept + slope * xs, color="grey", linestyle="--",
            label=f"fit: {slope * 1000:.0f} ms per replication-year")
    ax.set_xlabel("work = simulated years x replications")
    ax.set_ylabel("wall time, s (1 worker, no geometry)")
    ax.set_title("How the cost of a run grows with work", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "cost.png", dpi=110)
    print(f"plot: {OUT / 'cost.png'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer replications")
    sys.exit(main(parser.parse_args().quick) and 0)
