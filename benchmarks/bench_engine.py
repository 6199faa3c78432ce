"""Benchmark: the SimPy engine against a bare SimPy loop, and one treaty-year's wall time.

Run: ``python benchmarks/bench_engine.py`` (or ``pytest -m bench``). Prints one table.

Engine overhead is measured on the simulation loop of one treaty-year (2019, 34 parties,
geometry off so the engine itself is measured): the seconds ``env.run()`` takes divided by the
SimPy events it processes, against a bare loop that processes the same mix of events (one
process per mission, the same numbers of timeouts, resource requests, releases and
``request | timeout`` conditions per process) and nothing else. A timeout-only loop is shown as
well, since it is the cheapest event SimPy has. Planning the year and seeding the missions
happen before the loop and are timed separately. The engine memoises the answers of the treaty
registry per period of constant membership for a configuration; the first replication in a
process fills that memo (shown on its own row), every later one finds it full.
"""

from __future__ import annotations

import collections
import statistics
import time

import numpy as np
import simpy

from simulator.engine import EngineConfig, distributions_for
from simulator.engine.world import World, make_routes

REPEAT = 21


def _prepared_world(config: EngineConfig, seed: int, dists) -> tuple[World, float]:
    """A world with its missions planned and their processes started; the setup time."""
    world = World(config, 0, np.random.SeedSequence(seed), make_routes(config))
    start = time.perf_counter()
    world.start(dists)
    return world, time.perf_counter() - start


def _engine_loop(config: EngineConfig, seed: int, dists) -> tuple[float, float, int, int]:
    """(setup s, loop s, events, missions) of one treaty-year."""
    world, setup = _prepared_world(config, seed, dists)
    before = next(world.env._eid)
    start = time.perf_counter()
    world.env.run(until=world.end)
    loop = time.perf_counter() - start
    events = next(world.env._eid) - before - 1
    return setup, loop, events, len(world.records)


def event_mix(config: EngineConfig, dists) -> collections.Counter:
    """How many events of each SimPy type one treaty-year schedules."""
    world, _ = _prepared_world(config, 0, dists)
    counts: collections.Counter = collections.Counter()
    schedule = world.env.schedule

    def counting(event, priority=1, delay=0):
        counts[type(event).__name__] += 1
        return schedule(event, priority, delay)

    world.env.schedule = counting
    world.env.run(until=world.end)
    return counts


def _bare_loop(mix: collections.Counter, processes: int, seed: int) -> tuple[float, int]:
    """A loop with the engine's event mix and no model: (loop s, events)."""
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    conditions = round(mix["Condition"] / processes)
    requests = max(round(mix["Request"] / processes), conditions)
    timeouts = round((mix["Timeout"] - mix["Condition"]) / processes)
    resources = [simpy.Resource(env, 1) for _ in range(max(processes // 4, 1))]
    starts = (rng.random(processes) * 8000.0).tolist()

    def proc(env, i, start):
        held = []
        yield env.timeout(start)
        for k in range(requests):
            res = resources[(i + k) % len(resources)]
            req = res.request()
            if k < conditions:
                got = yield req | env.timeout(48.0)
                if req not in got:
                    req.cancel()
                    continue
            else:
                yield req
            held.append((res, req))
        for _ in range(timeouts - 1):
            yield env.timeout(5.0)
        for res, req in held:
            res.release(req)

    for i, s in enumerate(starts):
        env.process(proc(env, i, s))
    before = next(env._eid)
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start, next(env._eid) - before - 1


def _timeout_loop(events: int, processes: int) -> float:
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
    plain = EngineConfig(years=(2019,), geometry=False)
    dists = distributions_for(plain)
    first = _engine_loop(plain, 99, dists)  # fills the memos every later replication shares
    mix = event_mix(plain, dists)
    # Engine and bare loops alternate, and the ratios are taken pair by pair: this machine's
    # speed drifts by tens of per cent over a minute, which would otherwise land in the ratio.
    runs, bare, timeouts = [], [], []
    for s in range(REPEAT):
        runs.append(_engine_loop(plain, s, dists))
        bare.append(_bare_loop(mix, runs[-1][3], s))
        timeouts.append(_timeout_loop(runs[-1][2], runs[-1][3]) / runs[-1][2])
    setup = statistics.median(r[0] for r in runs)
    loop = statistics.median(r[1] for r in runs)
    events = round(statistics.median(r[2] for r in runs))
    missions = runs[0][3]
    engine_us = statistics.median(r[1] / r[2] for r in runs) * 1e6
    bare_us = statistics.median(t / n for t, n in bare) * 1e6
    bare_events = round(statistics.median(n for _, n in bare))
    timeout_us = statistics.median(timeouts) * 1e6
    ratio = statistics.median(r[1] / r[2] / (t / n) for r, (t, n) in zip(runs, bare, strict=True))
    ratio_timeouts = statistics.median(r[1] / r[2] / t for r, t in zip(runs, timeouts, strict=True))

    rows: list[dict[str, object]] = []

    def add(measure: str, value: float, unit: str) -> None:
        rows.append({"measure": measure, "value": value, "unit": unit})

    add("engine: simulation loop, first replication in process", first[1] / first[2] * 1e6, "us")
    add("engine: simulation loop, per event", engine_us, "us")
    add("bare SimPy loop, same event mix, per event", bare_us, "us")
    add("engine cost per event / bare loop (same mix), median of pairs", ratio, "x")
    add("bare SimPy loop, timeouts only, per event", timeout_us, "us")
    add("engine cost per event / timeout-only loop, median of pairs", ratio_timeouts, "x")
    add("engine events per second (loop)", 1e6 / engine_us, "events/s")
    add("missions per second (loop)", missions / loop, "missions/s")
    add("one treaty-year, planning + seeding missions", setup * 1000, "ms")
    add("one treaty-year, simulation loop", loop * 1000, "ms")
    geo = EngineConfig(years=(2019,), geometry=True, geo={"resolution_km": 25.0})
    cold = _engine_loop(geo, 0, dists)
    warm = [_engine_loop(geo, s, dists) for s in (1, 2)]
    warm_s = statistics.median(w[0] + w[1] for w in warm)
    add("one treaty-year with geometry (25 km), first in process", cold[0] + cold[1], "s")
    add("one treaty-year with geometry (25 km), warm", warm_s, "s")
    add("missions per second with geometry (warm)", warm[0][3] / warm_s, "missions/s")
    print(f"{'measure':<64} {'value':>12}  unit")
    for r in rows:
        print(f"{r['measure']:<64} {r['value']:>12,.2f}  {r['unit']}")
    shown = ", ".join(f"{k} {v}" for k, v in sorted(mix.items()))
    print(f"(per treaty-year: {events} events in the engine loop, {bare_events} in the bare loop,")
    print(f" {missions} missions; engine event mix: {shown})")
    return rows


if __name__ == "__main__":
    main()
