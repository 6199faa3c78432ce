"""One scenario's ensemble from start to finish, without the command line: the scenario as it
runs, its replication jobs, and the :class:`~simulator.outputs.result.Result` assembled from the
jobs' outputs (tables, summary, manifest, headline measures).

``simulator.api.run`` and the experiments (sweeps, sensitivity analyses) share these steps, so a
point of an experiment is exactly a run of its scenario with the point's overrides.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.engine import COVERAGE_COLUMNS, MISSION_COLUMNS, EngineConfig, distributions_for
from simulator.experiments.ensemble import Job, ReplicationOutput, make_jobs
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
from simulator.scenario.load import with_overrides
from simulator.scenario.schema import Scenario
from simulator.treaty.apportion import largest_remainder
from simulator.treaty.distribution import Distribution, to_rows
from simulator.version import __version__


@dataclass(frozen=True)
class PreparedRun:
    """A scenario ready to run: its engine config, quota distributions and one job per
    replication (seeded from ``SeedSequence(seed).spawn(replications)``)."""

    scenario: Scenario
    config: EngineConfig
    distributions: list[Distribution]
    jobs: list[Job]
    seed: int
    user_overrides: tuple[str, ...]


def prepare_run(sc: Scenario, replications: int, seed: int,
                distributions_memo: dict[str, list[Distribution]] | None = None) -> PreparedRun:
    """The jobs of ``replications`` replications of ``sc`` from ``seed``. The checkpoint key of
    the jobs (their fingerprint) does not depend on the ``[run]`` counts. Variants of one
    scenario (an experiment's points) may share ``distributions_memo``: the quota distributions
    are computed once for every set of the inputs they depend on."""
    fingerprint_toml = sc.to_toml()
    user_overrides = tuple(sc.overrides)
    sc = as_run(sc, replications, seed)
    config = engine_config(sc)
    if distributions_memo is None:
        distributions = distributions_for(config)
    else:
        # the quota distributions depend on these and on the review and the request model
        key = inputs_digest(sc, config, config.review, config.request_model,
                            config.request_params)
        if key not in distributions_memo:
            distributions_memo[key] = distributions_for(config)
        distributions = distributions_memo[key]
    fingerprint = "\n".join(
        (fingerprint_toml, __version__, config.registry.tables.data_hash, str(config.geometry))
    )
    jobs = make_jobs(config, replications, seed, distributions, sc.model.sharing.policy,
                     sc.model.sharing.recipients, fingerprint=fingerprint)
    return PreparedRun(sc, config, distributions, jobs, seed, user_overrides)


def inputs_digest(sc: Scenario, config: EngineConfig, *more: Any) -> str:
    """A digest of the membership the registry is built from, the years and the rules (what the
    access table depends on), with ``more`` inputs: variants of a scenario with the same digest
    share what was computed from them."""
    parts = (sc.model.membership.model_dump(mode="json"), config.years, config.rules, *more)
    return hashlib.sha256(pickle.dumps(parts)).hexdigest()


def assemble_result(prepared: PreparedRun, outputs: list[ReplicationOutput], elapsed: float,
                    command: list[str] | None = None) -> tuple[Result, dict[str, float]]:
    """The Result of a finished ensemble (no figures yet), and the territory areas (km²) its
    measures used."""
    sc, config, distributions = prepared.scenario, prepared.config, prepared.distributions
    reps = len(prepared.jobs)
    quota_rows = to_rows(distributions)
    missions = frame([r for o in outputs for r in o.missions], MISSION_COLUMNS)
    coverage = frame([r for o in outputs for r in o.coverage], COVERAGE_COLUMNS)
    sharing_df = frame([r for o in outputs for r in o.sharing], SHARING_COLUMNS)
    quotas = replicated(frame(quota_rows, QUOTA_CSV_COLUMNS[1:]),
                        [o.replication for o in outputs])
    access = frame(access_rows(config.registry, config.years, config.rules), ACCESS_COLUMNS)
    states = sorted(set(access["observed"]) | set(coverage["state"]))
    areas = territory_areas(states, sc.model.geometry.resolution_km)
    allocated = allocated_by_year(distributions, outputs, config.years)
    summary = summarize(sc.name, config.years, reps, missions, allocated, coverage, access,
                        sharing_df, areas, sc.assumptions)
    manifest = _manifest(sc, config, outputs, prepared.seed, elapsed, distributions)
    manifest["command"] = list(command) if command is not None else None
    manifest["overrides"] = list(prepared.user_overrides)
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
        routes=feature_collection(o.features for o in outputs),
        pairs=pairs_frame(quotas, missions),
        cumulative=frame([r for o in outputs for r in o.cumulative], CUMULATIVE_COLUMNS),
    )
    result.headline = headline_frame(result, areas)
    return result, areas


def replicated(table: pd.DataFrame, replications: list[int]) -> pd.DataFrame:
    """``table`` once per replication, after a ``replication`` column (the quotas are the
    same in every replication)."""
    out = table.iloc[np.tile(np.arange(len(table)), len(replications))].reset_index(drop=True)
    out.insert(0, "replication", np.repeat(np.asarray(replications, np.int64), len(table)))
    return out


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


def as_run(sc: Scenario, replications: int, seed: int) -> Scenario:
    """The scenario as it runs: ``[run]`` says the replications and seed actually used, so the
    saved ``scenario.toml`` reproduces the run."""
    extra = []
    if replications != sc.model.run.replications:
        extra.append(f"run.replications={replications}")
    if seed != sc.model.run.seed:
        extra.append(f"run.seed={seed}")
    return with_overrides(sc, extra)


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
