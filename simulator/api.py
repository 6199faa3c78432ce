"""The Python API: load a scenario, run it, compare runs. Returns pandas DataFrames."""

from __future__ import annotations

import dataclasses
import os
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from simulator.engine import COVERAGE_COLUMNS, MISSION_COLUMNS, distributions_for
from simulator.experiments.ensemble import (
    ReplicationOutput,
    default_executor,
    make_jobs,
    max_jobs,
    run_jobs,
    stop_pool,
)
from simulator.measures.access import access_rows
from simulator.measures.cumulative import CUMULATIVE_COLUMNS
from simulator.measures.headline import headline_frame
from simulator.measures.pairs import pairs_frame
from simulator.measures.summary import summarize, territory_areas
from simulator.outputs.result import (
    ACCESS_COLUMNS,
    QUOTA_CSV_COLUMNS,
    SHARING_COLUMNS,
    Result,
    frame,
)
from simulator.outputs.routes_geojson import feature_collection
from simulator.scenario.assemble import engine_config
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import MAX_REPLICATIONS, Scenario
from simulator.treaty.apportion import largest_remainder
from simulator.treaty.distribution import Distribution, to_rows
from simulator.version import __version__

ScenarioLike = Scenario | str | Path | Mapping[str, Any]


def allocated_by_year(
    distributions: list[Distribution], outputs: list[ReplicationOutput], years: tuple[int, ...]
) -> dict[int, int]:
    """Flights allocated per simulated year, shared flights once. A distribution that covers
    several years (the first one, 2002-2003) is split by the years its missions were planned
    in, over all replications (by calendar days when part of it is not simulated)."""
    out: dict[int, int] = {}
    for d in distributions:
        span = range(d.year, d.last_year + 1)
        if len(span) == 1:
            out[d.year] = d.total_flights
            continue
        planned = Counter(r["year"] for o in outputs for r in o.missions if r["year"] in span)
        if all(y in years for y in span) and planned:
            weights = {y: float(planned.get(y, 0)) for y in span}
        else:  # part of the period is not simulated: split by calendar days
            weights = {y: 366.0 if y % 4 == 0 else 365.0 for y in span}
        shares = largest_remainder(d.total_flights, weights)
        out.update({y: shares[y] for y in span if y in years})
    return out


def as_scenario(scenario: ScenarioLike, overrides: tuple[str, ...] = ()) -> Scenario:
    """A :class:`Scenario` from a file, a dict or a scenario (overrides applied)."""
    if isinstance(scenario, Scenario):
        if not overrides:
            return scenario
        again = load_scenario(dict(scenario.document), overrides)
        return dataclasses.replace(again, source=scenario.source,
                                   overrides=(*scenario.overrides, *overrides))
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
    fingerprint_toml = sc.to_toml()  # the checkpoint key does not depend on the [run] counts
    user_overrides = list(sc.overrides)
    sc = _as_run(sc, reps, base_seed)
    started = time.perf_counter()
    own_pool = executor is None and reps > 1
    pool = default_executor(jobs, reps) if own_pool else executor  # workers start while we plan
    clean = False
    try:
        config = engine_config(sc)
        distributions = distributions_for(config)
        sharing = sc.model.sharing
        fingerprint = "\n".join(
            (fingerprint_toml, __version__, config.registry.tables.data_hash, str(config.geometry))
        )
        job_list = make_jobs(
            config,
            reps,
            base_seed,
            distributions,
            sharing.policy,
            sharing.recipients,
            fingerprint=fingerprint,
        )
        outputs = run_jobs(job_list, pool, checkpoint, progress)
        clean = True
    finally:
        if own_pool:
            stop_pool(pool, clean)  # an interrupt or an error stops the workers at once
    elapsed = time.perf_counter() - started
    quota_rows = to_rows(distributions)
    missions = frame([r for o in outputs for r in o.missions], MISSION_COLUMNS)
    coverage = frame([r for o in outputs for r in o.coverage], COVERAGE_COLUMNS)
    sharing_df = frame([r for o in outputs for r in o.sharing], SHARING_COLUMNS)
    quotas = frame(
        [{"replication": o.replication, **row} for o in outputs for row in quota_rows],
        QUOTA_CSV_COLUMNS,
    )
    access = frame(access_rows(config.registry, config.years, config.rules), ACCESS_COLUMNS)
    states = sorted(set(access["observed"]) | set(coverage["state"]))
    areas = territory_areas(states, sc.model.geometry.resolution_km)
    allocated = allocated_by_year(distributions, outputs, config.years)
    summary = summarize(
        sc.name,
        config.years,
        reps,
        missions,
        allocated,
        coverage,
        access,
        sharing_df,
        areas,
        sc.assumptions,
    )
    manifest = _manifest(sc, config, outputs, base_seed, elapsed, distributions)
    manifest["command"] = list(command) if command is not None else None
    manifest["overrides"] = user_overrides
    result = Result(
        name=sc.name,
        scenario_toml=sc.to_toml(),
        missions=missions,
        quotas=quotas,
        coverage=coverage,
        access=access,
        sharing=sharing_df,
        manifest=manifest,
        summary=summary,
        cells=_cells(outputs),
        routes=feature_collection(missions, [t for o in outputs for t in o.tracks]),
        pairs=pairs_frame(quotas, missions),
        cumulative=frame([r for o in outputs for r in o.cumulative], CUMULATIVE_COLUMNS),
    )
    result.headline = headline_frame(result, areas)
    if figures:
        from simulator.outputs.report import attach_report

        if on_stage is not None:
            on_stage("figures")
        attach_report(result, sc)
    return result


def _as_run(sc: Scenario, replications: int, seed: int) -> Scenario:
    """The scenario as it runs: ``[run]`` says the replications and seed actually used, so the
    saved ``scenario.toml`` reproduces the run."""
    extra = []
    if replications != sc.model.run.replications:
        extra.append(f"run.replications={replications}")
    if seed != sc.model.run.seed:
        extra.append(f"run.seed={seed}")
    if not extra:
        return sc
    again = load_scenario(dict(sc.document), tuple(extra))
    return dataclasses.replace(again, source=sc.source, overrides=(*sc.overrides, *extra))


def _cells(outputs: list[ReplicationOutput]) -> dict[str, tuple[Any, Any]]:
    import numpy as np

    first = next((o for o in outputs if o.replication == 0 and o.cells), None)
    if first is None:
        return {}
    return {
        s: (np.asarray(g, np.int64), np.asarray(b, np.uint64)) for s, (g, b) in first.cells.items()
    }


def _manifest(sc, config, outputs, seed, elapsed, distributions) -> dict[str, Any]:
    from simulator.geo import provenance

    return {
        "tool": "openskies",
        "version": __version__,
        "scenario": sc.name,
        "scenario_source": Path(sc.source).name if sc.source != "<dict>" else "<dict>",
        "years": list(config.years),
        "replications": len(outputs),
        "seed": seed,
        "replication_seeds": [
            {
                "replication": o.replication,
                "entropy": str(o.entropy),
                "spawn_key": list(o.spawn_key),
            }
            for o in outputs
        ],
        "data": {
            "treaty_tables_sha256": config.registry.tables.data_hash,
            "geography": provenance(sc.model.geometry.resolution_km) if config.geometry else None,
        },
        "distribution_notes": {str(d.year): list(d.notes) for d in distributions},
        "timings_seconds": {
            "total": round(elapsed, 3),
            "replications": [round(o.seconds, 3) for o in outputs],
        },
        "events": [o.events for o in outputs],
    }


def compare(
    scenarios: Mapping[str, ScenarioLike | Result], **run_options: Any
) -> dict[str, Result]:
    """Run (or take) several scenarios, keyed by label (see
    :func:`simulator.outputs.comparison_report.comparison`)."""
    out: dict[str, Result] = {}
    for label, sc in scenarios.items():
        out[label] = sc if isinstance(sc, Result) else run(sc, **run_options)
    return out
