"""Benchmark: the wall time of a Sobol design of about 1,000 runs of baseline-2019 with geometry.

Run: ``python benchmarks/bench_sensitivity.py [--samples N] [--jobs J]``. Two parameters (the
share of quota used and the OC-135B's breakdown rate), ``N (k + 2)`` one-replication points
(``N = 256``: 1,024 runs), 25 km grid, on ``J`` workers (default 2). Prints the design size,
the wall time with the route cache warm (a first small design warms it) and the largest
index of each output.
"""

from __future__ import annotations

import argparse
import time

import simulator

PARAMS = {
    "operations.planning.use_share": (0.6, 1.0),
    "operations.failures.breakdown_by_aircraft.USA-OC135B": (0.2, 0.7),
}


def main(samples: int, jobs: int) -> None:
    options = dict(method="sobol", outputs=["flights_flown", "imaged_km2"], jobs=jobs, seed=3)
    simulator.sensitivity("baseline-2019", PARAMS, samples=8, **options)  # warm the caches
    start = time.perf_counter()
    indices = simulator.sensitivity("baseline-2019", PARAMS, samples=samples, **options)
    wall = time.perf_counter() - start
    runs = samples * (len(PARAMS) + 2)
    print(f"Sobol design of {runs} runs of baseline-2019 with geometry on {jobs} workers: "
          f"{wall:.1f} s ({wall / runs * jobs:.2f} s per run per worker)")
    print(indices.to_string(index=False, float_format=lambda v: f"{v:.3g}"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    main(args.samples, args.jobs)
