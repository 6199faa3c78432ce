"""The Python API: load a scenario, run it, compare runs, sweep and analyse its sensitivity.
Returns pandas DataFrames."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.experiments.analyses import check_outputs, run_sensitivity, run_sweep
from simulator.experiments.designs import check_samples, grid_size, runs_needed
from simulator.experiments.ensemble import (
    ReplicationOutput,
    default_executor,
    max_jobs,
    run_jobs,
    stop_pool,
)
from simulator.experiments.parameters import params_from, parse_vary, toml_text
from simulator.experiments.prepared_run import assemble_result, prepare_run
from simulator.outputs.experiment import Experiment
from simulator.outputs.result import Result
from simulator.scenario.load import load_scenario, with_overrides
from simulator.scenario.schema import MAX_REPLICATIONS, Scenario

ScenarioLike = Scenario | str | Path | Mapping[str, Any]


def as_scenario(scenario: ScenarioLike, overrides: tuple[str, ...] = ()) -> Scenario:
    """A :class:`Scenario` from a file, a dict or a scenario (overrides applied)."""
    if isinstance(scenario, Scenario):
        return with_overrides(scenario, overrides)
    return load_scenario(scenario, overrides)


def check_run_arguments(replications: int | None = None, seed: int | None = None,
                        jobs: int | None = None) -> None:
    """Refuse run arguments out of range, with a ValueError naming the argument (the same
    limits as a scenario file's ``[run]`` table and the command line)."""
    def whole(name: str, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name}={value!r}: must be a whole number")

    if replications is not None:
        whole("replications", replications)
        if not 1 <= replications <= MAX_REPLICATIONS:
            raise ValueError(f"replications={replications}: must be between 1 and "
                             f"{MAX_REPLICATIONS:,}")
    if seed is not None:
        whole("seed", seed)
        if not 0 <= seed < 2**63:
            raise ValueError(f"seed={seed}: must be between 0 and 2**63 - 1")
    if jobs is not None:
        whole("jobs", jobs)
        if not 1 <= jobs <= max_jobs():
            raise ValueError(f"jobs={jobs}: must be between 1 and {max_jobs()} "
                             f"({max_jobs() // (os.cpu_count() or 1)} per core)")


def run(
    scenario: ScenarioLike,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    jobs: int | None = None,
    overrides: tuple[str, ...] = (),
    checkpoint: Path | None = None,
    progress: Callable[[ReplicationOutput], None] | None = None,
    figures: bool = True,
    command: Sequence[str] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> Result:
    """Run a scenario and return its :class:`~simulator.outputs.folders.Result`.

    ``replications`` and ``seed`` default to the scenario's ``[run]`` table. ``executor`` is
    any :class:`concurrent.futures.Executor` (e.g. a Dask ``Client.get_executor()``); without
    one, several replications use a process pool of ``jobs`` workers (default: all cores).
    ``command`` is the command line to record in the manifest and the report; ``on_stage``
    is told when the figures and report are being made (``"figures"``).
    """
    check_run_arguments(replications, seed, jobs)
    sc = as_scenario(scenario, overrides)
    reps = replications if replications is not None else sc.model.run.replications
    base_seed = seed if seed is not None else sc.model.run.seed
    started = time.perf_counter()
    own_pool = executor is None and reps > 1
    pool = default_executor(jobs, reps) if own_pool else executor  # workers start while we plan
    clean = False
    try:
        prepared = prepare_run(sc, reps, base_seed)
        outputs = run_jobs(prepared.jobs, pool, checkpoint, progress)
        clean = True
    finally:
        if own_pool:
            stop_pool(pool, clean)  # an interrupt or an error stops the workers at once
    elapsed = time.perf_counter() - started
    result, _ = assemble_result(prepared, outputs, elapsed,
                                list(command) if command is not None else None)
    if figures:
        from simulator.outputs.report import attach_report

        if on_stage is not None:
            on_stage("figures")
        attach_report(result, prepared.scenario)
    return result


def compare(
    scenarios: Mapping[str, ScenarioLike | Result], **run_options: Any
) -> dict[str, Result]:
    """Run (or take) several scenarios, keyed by label (see
    :func:`simulator.outputs.comparison_report.comparison`)."""
    out: dict[str, Result] = {}
    for label, sc in scenarios.items():
        out[label] = sc if isinstance(sc, Result) else run(sc, **run_options)
    return out


def _experiment(executor: Executor | None, jobs: int | None, n: int,
                body: Callable[[Executor | None], Experiment],
                output: str | os.PathLike[str] | None, force: bool) -> Experiment:
    """Run ``body`` on the caller's executor or on a process pool of our own for ``n`` jobs
    (stopped at once after an error), then write the folder if ``output`` is given."""
    own = executor is None
    pool = default_executor(jobs, n) if own else executor
    clean = False
    try:
        experiment = body(pool)
        clean = True
    finally:
        if own:
            stop_pool(pool, clean)
    if output is not None:
        experiment.save(output, force=force)
    return experiment


def sweep(
    scenario: ScenarioLike,
    vary: Mapping[str, Sequence[Any]],
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    jobs: int | None = None,
    overrides: tuple[str, ...] = (),
    checkpoint: Path | None = None,
    seeds: str = "common",
    output: str | os.PathLike[str] | None = None,
    force: bool = False,
) -> pd.DataFrame:
    """Run ``scenario`` at every combination of ``vary`` (key -> values, Python or TOML text)
    and return ``runs``: one row per point and replication, the varied keys, then every
    headline measure id. ``output`` also writes the experiment's folder (as ``openskies
    sweep``)."""
    check_run_arguments(replications, seed, jobs)
    sc = as_scenario(scenario, overrides)
    varied = [parse_vary(sc, f"{k}={','.join(toml_text(v) for v in values)}")
              for k, values in vary.items()]
    reps = replications or sc.model.run.replications
    base_seed = sc.model.run.seed if seed is None else seed
    return _experiment(
        executor, jobs, grid_size(varied) * reps,
        lambda pool: run_sweep(sc, varied, reps, base_seed, pool, checkpoint, seeds=seeds),
        output, force).runs


def sensitivity(
    scenario: ScenarioLike,
    params: Mapping[str, tuple[float, float] | Sequence[Any]],
    method: str = "morris",
    samples: int = 10,
    outputs: Sequence[str] = (),
    versus: ScenarioLike | None = None,
    replications: int = 1,
    seed: int | None = None,
    executor: Executor | None = None,
    jobs: int | None = None,
    overrides: tuple[str, ...] = (),
    checkpoint: Path | None = None,
    seeds: str = "common",
    output: str | os.PathLike[str] | None = None,
    force: bool = False,
) -> pd.DataFrame:
    """A Morris or Sobol analysis (SALib) of headline measures ``outputs`` over ``params``
    (key -> ``(low, high)`` for a number key, or a list of values); returns ``indices``: one
    row per output and parameter with the method's indices and confidence intervals (the runs,
    figure and report: :func:`simulator.experiments.analyses.run_sensitivity`). With
    ``versus`` the outputs are ``scenario`` minus ``versus`` at every point. ``output`` also
    writes the folder (``runs.csv``, figure, report) as ``openskies sensitivity``."""
    check_run_arguments(replications, seed, jobs)
    sc = as_scenario(scenario, overrides)
    parsed = params_from(sc, params)
    check_samples(method, samples, len(parsed))
    check_outputs(outputs)
    other = as_scenario(versus, overrides) if versus is not None else None
    base_seed = sc.model.run.seed if seed is None else seed
    n = runs_needed(method, samples, len(parsed)) * replications * (2 if other else 1)
    return _experiment(
        executor, jobs, n,
        lambda pool: run_sensitivity(sc, parsed, method, samples, replications, base_seed,
                                     outputs, other, pool, checkpoint, seeds=seeds),
        output, force).indices
