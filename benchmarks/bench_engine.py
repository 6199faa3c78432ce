"""Benchmark: the SimPy engine against a bare SimPy loop, and one treaty-year's wall time.

Run: ``python benchmarks/bench_engine.py`` (or ``pytest -m bench``). Prints one table:
simulated events per second of the engine (geometry off, so the engine itself is measured)
against a bare SimPy loop scheduling the same number of events; missions per second; and the
wall time of one treaty-year (2019, 34 parties) with and without geometry.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import simpy

from simulator.engine import EngineConfig, distributions_for
from simulator.engine.world import World, make_routes


def _engine_run(config: EngineConfig, seed: int, dists) -> tuple[float, int, int]:
    world = World(config, 0, np.random.SeedSequence(seed), make_routes(config))
    start = time.perf_counter()
    result = world.run(dists)
    elapsed = time.perf_counter() - start
    events = next(world.env._eid)  # every event SimPy scheduled in this run
    return elapsed, events, len(result.missions)


def _bare_loop(events: int, processes: int) -> float:
    env = simpy.Environment()
    per = max(events // processes, 1)

    def proc(env):
        for _ in range(per):
            yield env.timeout(1.0)

    for _ in range(processes):
        env.process(proc(env))
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start


def main() -> list[dict[str, object]]:
    """Print the engine benchmark table; return its rows."""
    rows = []
    plain = EngineConfig(years=(2019,), geometry=False)
    dists = distributions_for(plain)
    runs = [_engine_run(plain, s, dists) for s in range(7)]
    t_engine = statistics.median(r[0] for r in runs)
    events = runs[0][1]
    missions = runs[0][2]
    t_bare = statistics.median(_bare_loop(events, missions) for _ in range(7))
    rows.append({"measure": "engine events per second (2019, no geometry)",
                 "value": events / t_engine, "unit": "events/s"})
    rows.append({"measure": "bare SimPy loop, same number of events",
                 "value": events / t_bare, "unit": "events/s"})
    rows.append({"measure": "engine cost per event / bare SimPy", "value": t_engine / t_bare,
                 "unit": "x"})
    rows.append({"measure": "missions per second (no geometry)", "value": missions / t_engine,
                 "unit": "missions/s"})
    rows.append({"measure": "one treaty-year, no geometry", "value": t_engine, "unit": "s"})
    geo = EngineConfig(years=(2019,), geometry=True, geo={"resolution_km": 25.0})
    cold = _engine_run(geo, 0, dists)
    warm = [_engine_run(geo, s, dists) for s in (1, 2)]
    rows.append({"measure": "one treaty-year with geometry (25 km), first in process",
                 "value": cold[0], "unit": "s"})
    rows.append({"measure": "one treaty-year with geometry (25 km), warm",
                 "value": statistics.median(w[0] for w in warm), "unit": "s"})
    rows.append({"measure": "missions per second with geometry (warm)",
                 "value": warm[0][2] / statistics.median(w[0] for w in warm),
                 "unit": "missions/s"})
    print(f"{'measure':<58} {'value':>12}  unit")
    for r in rows:
        print(f"{r['measure']:<58} {r['value']:>12,.2f}  {r['unit']}")
    print(f"({events} SimPy events and {missions} missions per treaty-year)")
    return rows


if __name__ == "__main__":
    main()
