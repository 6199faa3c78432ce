"""Many variants of one scenario, run as one ensemble: the engine behind sweeps and sensitivity
analyses (DESIGN section 14).

A *point* is the scenario with a few overrides (``KEY=VALUE`` texts, as ``--set`` takes them).
Every replication of every point is one job for the same executor as ``run`` (a process pool or
Dask), so a thousand one-replication points keep every worker busy. With a checkpoint folder, each
finished replication is kept in ``point-NNNNN/`` and a resumed experiment computes only the rest.

Seeds: with ``seeds="common"`` (the default) every point runs from the same base seed, so
replication *r* of every point draws the same random streams (common random numbers: differences
between points are the parameters' effect, not noise); with ``"independent"`` point *i* runs from
a seed drawn from ``SeedSequence([seed, i])``. Every point's seed is in the manifest.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.engine import COVERAGE_COLUMNS, MISSION_COLUMNS
from simulator.experiments.ensemble import (
    ReplicationOutput,
    check_checkpoint_folder,
    load_checkpoint,
    replicate,
    save_checkpoint,
)
from simulator.experiments.prepared_run import (
    PreparedRun,
    allocated_by_year,
    inputs_digest,
    prepare_run,
)
from simulator.measures.access import access_rows
from simulator.measures.per_replication import headline_by_replication
from simulator.measures.summary import territory_areas
from simulator.measures.tables import PlainTables
from simulator.outputs.result import ACCESS_COLUMNS, SHARING_COLUMNS, frame
from simulator.scenario.load import parse_override, with_overrides
from simulator.scenario.schema import Scenario

SEED_MODES = ("common", "independent")


@dataclass(frozen=True)
class Point:
    """One variant of the scenario: its number and its ``(key, TOML value)`` assignments."""

    index: int
    assignments: tuple[tuple[str, str], ...]

    @property
    def overrides(self) -> tuple[str, ...]:
        return tuple(f"{k}={v}" for k, v in self.assignments)


def point_seed(seed: int, index: int, mode: str) -> int:
    """The base seed of point ``index`` (see the module docstring)."""
    if mode == "common":
        return seed
    return int(np.random.SeedSequence([seed, index]).generate_state(1, np.uint64)[0] >> 1)


@dataclass
class PointsRun:
    """What an experiment's runs produced: one row per point and replication, and a record of
    every point (its overrides and seed) for the manifest."""

    runs: pd.DataFrame
    points: list[dict[str, Any]]
    seconds: float
    labels: dict[str, str]  # measure id -> what it measures


def _measure(prepared: PreparedRun, outputs: list[ReplicationOutput],
             access_memo: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The headline measures of each replication of one point (the tables they need only).
    Points with the same membership, years and rules share one access table."""
    config, sc = prepared.config, prepared.scenario
    coverage = frame([r for o in outputs for r in o.coverage], COVERAGE_COLUMNS)
    key = inputs_digest(sc, config)
    if key not in access_memo:
        access_memo[key] = frame(access_rows(config.registry, config.years, config.rules),
                                 ACCESS_COLUMNS)
    access = access_memo[key]
    states = sorted(set(access["observed"]) | set(coverage["state"]))
    allocated = allocated_by_year(prepared.distributions, outputs, config.years)
    tables = PlainTables(
        name=sc.name,
        missions=frame([r for o in outputs for r in o.missions], MISSION_COLUMNS),
        coverage=coverage,
        access=access,
        sharing=frame([r for o in outputs for r in o.sharing], SHARING_COLUMNS),
        summary={"years": list(config.years), "per_year": {
            str(y): {"quota_flights_allocated": int(allocated.get(y, 0))} for y in config.years}},
        replications=len(outputs),
    )
    return headline_by_replication(tables, territory_areas(states, sc.model.geometry.resolution_km))


def run_points(
    base: Scenario,
    points: Sequence[Point],
    replications: int,
    seed: int,
    executor: Executor | None = None,
    checkpoint: Path | None = None,
    progress: Callable[[], None] | None = None,
    seeds: str = "common",
) -> PointsRun:
    """Run every replication of every point; rows sorted by point, then replication."""
    if seeds not in SEED_MODES:
        raise ValueError(f"seeds={seeds!r}: must be one of {', '.join(SEED_MODES)}")
    started = time.perf_counter()
    memo: dict[str, Any] = {}  # quota distributions shared by points with the same inputs
    access_memo: dict[str, pd.DataFrame] = {}
    prepared = {p.index: prepare_run(with_overrides(base, p.overrides), replications,
                                     point_seed(seed, p.index, seeds), memo) for p in points}
    done: dict[int, dict[int, ReplicationOutput]] = {p.index: {} for p in points}
    measured: dict[int, pd.DataFrame] = {}

    def folder(index: int) -> Path | None:
        return None if checkpoint is None else checkpoint / f"point-{index:05d}"

    def finish(index: int, out: ReplicationOutput, saved: bool = False) -> None:
        done[index][out.replication] = out
        where = folder(index)
        if where is not None and not saved:
            save_checkpoint(where, out)
        if progress is not None:
            progress()
        if len(done[index]) == replications:  # reduce the point to its rows at once
            outs = [done[index][r] for r in sorted(done[index])]
            measured[index] = _measure(prepared[index], outs, access_memo)
            done[index] = {}

    todo = []
    for p in points:
        where = folder(p.index)
        if where is not None:
            check_checkpoint_folder(where, [j.index for j in prepared[p.index].jobs])
        for job in prepared[p.index].jobs:
            saved = load_checkpoint(where, job) if where is not None else None
            if saved is not None:
                finish(p.index, saved, saved=True)
            else:
                todo.append((p.index, job))
    if executor is None:
        for index, job in todo:
            finish(index, replicate(job))
    else:
        futures = {executor.submit(replicate, job): index for index, job in todo}
        for future in as_completed(futures):
            finish(futures[future], future.result())
    frames, labels = [], {}
    for p in points:
        labels.update(measured[p.index].attrs.get("labels", {}))
        rows = measured[p.index].copy()
        rows.attrs = {}
        rows.insert(0, "point", p.index)
        for pos, (key, value) in enumerate(p.assignments, start=2):
            rows.insert(pos, key, parse_override(f"{key}={value}")[1])  # typed as --set reads it
        frames.append(rows)
    runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    records = [
        {"point": p.index, "overrides": list(p.overrides),
         "seed": prepared[p.index].seed, "replications": replications}
        for p in points
    ]
    return PointsRun(runs, records, time.perf_counter() - started, labels)
