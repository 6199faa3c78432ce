"""Sweeps and sensitivity analyses of a scenario, from their definition to an
:class:`~simulator.outputs.experiment.Experiment` (tables, figure, report, manifest).

The model stays a function, scenario + overrides + seed -> headline measures; SALib samples and
analyses. Both experiments share the executors and checkpoints of ``run``
(:mod:`simulator.experiments.points`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.experiments.designs import (
    analyse,
    design_points,
    grid_points,
    runs_needed,
    sample,
    skipped_outputs,
)
from simulator.experiments.parameters import ExperimentError, Param, Varied
from simulator.experiments.points import PointsRun, run_points
from simulator.measures.headline import HEADLINE_IDS
from simulator.outputs.experiment import Experiment
from simulator.outputs.experiment_report import (
    indices_figure,
    sensitivity_report,
    sweep_figure,
    sweep_report,
)
from simulator.scenario.schema import Scenario
from simulator.version import __version__

# analysed when --output is not given
DEFAULT_OUTPUTS = ("flights_flown", "imaged_km2", "flights_over_RUS", "imaged_share_RUS")
SWEEP_SHOWN = ("flights_allocated", *DEFAULT_OUTPUTS)  # the sweep's report and figure


def check_outputs(outputs: Sequence[str]) -> None:
    """Refuse an output id that is not a headline measure, naming the flag."""
    for o in outputs:
        if o not in HEADLINE_IDS:
            raise ExperimentError(f"--output {o}: no such measure id; choose from "
                                  f"{', '.join(HEADLINE_IDS)} (docs/measures.md)")


def _manifest(kind: str, sc: Scenario, run: PointsRun, replications: int, seed: int,
              seeds: str, command: Sequence[str] | None) -> dict[str, Any]:
    return {
        "tool": "openskies",
        "version": __version__,
        "experiment": kind,
        "scenario": sc.name,
        "scenario_source": Path(sc.source).name if sc.source != "<dict>" else "<dict>",
        "base_overrides": list(sc.overrides),
        "replications": replications,
        "seed": seed,
        "seeds": seeds,
        "points": len(run.points),
        "point_seeds": run.points,
        "seconds": round(run.seconds, 3),
        "command": list(command) if command is not None else None,
    }


def run_sweep(
    sc: Scenario,
    varied: Sequence[Varied],
    replications: int,
    seed: int,
    executor: Executor | None = None,
    checkpoint: Path | None = None,
    progress: Callable[[], None] | None = None,
    seeds: str = "common",
    command: Sequence[str] | None = None,
) -> Experiment:
    """Every combination of the varied values, each run ``replications`` times."""
    if not varied:
        raise ExperimentError("--vary: give at least one KEY=V1,V2")
    points = grid_points(varied)
    run = run_points(sc, points, replications, seed, executor, checkpoint, progress, seeds)
    keys = [v.key for v in varied]
    manifest = _manifest("sweep", sc, run, replications, seed, seeds, command)
    manifest["varied"] = {v.key: list(v.values) for v in varied}
    shown = [o for o in SWEEP_SHOWN if o in run.runs and run.runs[o].notna().any()]
    return Experiment(
        kind="sweep", scenario=sc.name, runs=run.runs, manifest=manifest,
        report=sweep_report(manifest, run.runs, keys, shown, run.labels),
        figures={"sweep": sweep_figure(run.runs, keys, shown, run.labels)} if shown else {},
    )


def run_sensitivity(
    sc: Scenario,
    params: Sequence[Param],
    method: str,
    samples: int,
    replications: int,
    seed: int,
    outputs: Sequence[str] = (),
    versus: Scenario | None = None,
    executor: Executor | None = None,
    checkpoint: Path | None = None,
    progress: Callable[[], None] | None = None,
    seeds: str = "common",
    command: Sequence[str] | None = None,
) -> Experiment:
    """A Morris or Sobol analysis of ``outputs`` (headline measure ids) over ``params``.

    With ``versus``, every point also runs that scenario with the same overrides and seed, and
    the outputs are the differences (this scenario minus ``versus``): e.g. what a withdrawal
    cost, and which assumptions drive that cost.
    """
    check_outputs(outputs)
    matrix = sample(params, method, samples, seed)
    points = design_points(params, matrix)
    runs = []
    for label, base in (("", sc), *((("versus", versus),) if versus is not None else ())):
        sub = None if checkpoint is None else checkpoint / (label or "scenario")
        run = run_points(base, points, replications, seed, executor, sub, progress, seeds)
        runs.append(run)
    chosen = list(outputs) or list(DEFAULT_OUTPUTS)
    y = runs[0].runs.groupby("point", sort=True)[chosen].mean()
    table = runs[0].runs
    if versus is not None:
        y = y - runs[1].runs.groupby("point", sort=True)[chosen].mean()
        table = pd.concat([runs[0].runs.assign(scenario=sc.name),
                           runs[1].runs.assign(scenario=versus.name)], ignore_index=True)
        table.insert(0, "scenario", table.pop("scenario"))
    indices = analyse(params, method, matrix, y, seed)
    labels = runs[0].labels
    if versus is not None:
        labels = {k: f"{v}, {sc.name} minus {versus.name}" for k, v in labels.items()}
    manifest = _manifest("sensitivity", sc, runs[0], replications, seed, seeds, command)
    manifest.update({
        "method": method,
        "samples": samples,
        "design_points": runs_needed(method, samples, len(params)),
        "parameters": [{"key": p.key, "kind": p.kind, "low": p.low, "high": p.high,
                        "choices": list(p.choices)} for p in params],
        "outputs": chosen,
        "versus": versus.name if versus is not None else None,
        "seconds": round(sum(r.seconds for r in runs), 3),
    })
    skipped = skipped_outputs(y)
    return Experiment(
        kind="sensitivity", scenario=sc.name, runs=table, manifest=manifest, indices=indices,
        report=sensitivity_report(manifest, indices, labels, skipped),
        figures={"indices": indices_figure(indices, method, labels)} if len(indices) else {},
    )
