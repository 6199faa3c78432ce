"""Replications over any :class:`concurrent.futures.Executor`.

Each replication gets its own generator from ``numpy.random.SeedSequence(seed).spawn(n)``; no
global random state. Outputs are sorted by replication, so one worker, many workers or a Dask
cluster give the same tables. With a checkpoint folder, each finished replication is written
there as it completes, and a resumed run only computes the missing ones.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import multiprocessing
import os
import pickle
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from simulator.engine import EngineConfig, run_replication
from simulator.treaty.distribution import Distribution


@dataclass(frozen=True)
class Job:
    """What a worker needs for one replication (picklable)."""

    config: EngineConfig
    # The scenario's fingerprint (see make_jobs): a worker reuses the first copy of a config it
    # unpickled, and a checkpoint is only resumed for the same scenario.
    config_key: str
    index: int
    entropy: int
    spawn_key: tuple[int, ...]
    distributions: tuple[Distribution, ...]
    sharing_policy: str
    sharing_recipients: tuple[str, ...]


@dataclass
class ReplicationOutput:
    """One replication's tidy rows."""

    replication: int
    entropy: int
    spawn_key: tuple[int, ...]
    missions: list[dict[str, Any]]
    coverage: list[dict[str, Any]]
    sharing: list[dict[str, Any]]
    events: int
    seconds: float
    cells: dict[str, list[list[int]]] | None = None  # replication 0: imaged (gid, bits) per state
    # routes.geojson's Features of the flown missions (their tracks in [lon, lat])
    features: list[dict[str, Any]] = field(default_factory=list)
    cumulative: list[dict[str, Any]] = field(default_factory=list)  # multi-year coverage rows
    config_key: str = ""  # the fingerprint of the scenario it belongs to


#: Configs a worker process has seen, by key. Every job carries its own pickled copy; reusing
#: the first keeps the registry's memo warm across the replications a worker runs, which
#: matters as much as the work itself for short replications.
_SEEN_CONFIGS: dict[str, EngineConfig] = {}
_SEEN_LIMIT = 4


def _shared_config(job: Job) -> EngineConfig:
    config = _SEEN_CONFIGS.get(job.config_key)
    if config is None:
        if len(_SEEN_CONFIGS) >= _SEEN_LIMIT:
            _SEEN_CONFIGS.pop(next(iter(_SEEN_CONFIGS)))
        config = _SEEN_CONFIGS[job.config_key] = job.config
    return config


def replicate(job: Job) -> ReplicationOutput:
    """Run one replication and reduce it to rows (module level: picklable for any executor)."""
    from simulator.measures.sharing import effective_coverage
    from simulator.outputs.routes_geojson import mission_features

    start = time.perf_counter()
    config = _shared_config(job)
    seed = np.random.SeedSequence(job.entropy, spawn_key=job.spawn_key)
    res = run_replication(config, job.index, seed, list(job.distributions))
    sharing: list[dict[str, Any]] = []
    if config.geometry:
        from simulator.geo import load_territories

        spec = load_territories(config.geo.get("resolution_km", 25.0)).spec
        area_of = lambda gid, bits: float(  # noqa: E731
            np.sum(spec.quad_area_km2(gid) * _popcount(bits)) / 64.0
        )
        registry = config.registry
        consumers = sorted(
            {s for y in config.years for s in registry.parties_during(y)}
            | set(job.sharing_recipients)
        )
        for year in config.years:
            for row in effective_coverage(
                registry,
                res.imagery.get(year, {}),
                year,
                consumers,
                job.sharing_policy,
                job.sharing_recipients,
                area_of,
                res.imaged_km2.get(year),
            ):
                sharing.append({"replication": job.index, **row})
    cumulative: list[dict[str, Any]] = []
    if config.geometry and len(config.years) > 1:
        from simulator.measures.cumulative import cumulative_rows

        territory: dict[str, float] = {}
        for row in res.coverage:
            if row["territory_km2"] == row["territory_km2"]:
                territory[row["state"]] = max(territory.get(row["state"], 0.0),
                                              float(row["territory_km2"]))
        cumulative = cumulative_rows(job.index, list(config.years), res.imagery, territory,
                                     spec.quad_area_km2, _popcount)
    rows = [m.as_row() for m in res.missions]
    cells = None
    if job.index == 0 and config.geometry:
        from simulator.geo.grid import union_bits

        pieces: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        for year_imagery in res.imagery.values():
            for (state, _), part in year_imagery.items():
                pieces.setdefault(state, []).append(part)
        cells = {}
        for state, parts in sorted(pieces.items()):
            gid, bits = union_bits(parts)
            cells[state] = [gid.tolist(), [int(b) for b in bits]]
    return ReplicationOutput(
        replication=job.index,
        entropy=job.entropy,
        spawn_key=tuple(job.spawn_key),
        missions=rows,
        coverage=res.coverage,
        sharing=sharing,
        events=res.events,
        seconds=time.perf_counter() - start,
        cells=cells,
        cumulative=cumulative,
        config_key=job.config_key,
        features=mission_features(rows, {
            m.mission_id: [[[round(lon, 6), round(lat, 6)] for lat, lon in part]
                           for part in m.track]
            for m in res.missions if m.track
        }),
    )


def _popcount(words: np.ndarray) -> np.ndarray:
    from simulator.geo.grid import popcount

    return popcount(words)


def make_jobs(
    config: EngineConfig,
    replications: int,
    seed: int,
    distributions: Iterable[Distribution],
    sharing_policy: str = "treaty",
    sharing_recipients: Iterable[str] = (),
    fingerprint: str | None = None,
) -> list[Job]:
    """One job per replication, seeded from ``SeedSequence(seed).spawn(replications)``.

    ``fingerprint`` identifies the scenario across processes (the API passes a hash of the
    scenario's TOML, the tool version and the treaty data), so ``--resume`` never reuses a
    replication of a different scenario with the same seed. Without one, the jobs' contents are
    hashed: enough to share a config within a process, but not stable across processes.
    """
    dists = tuple(distributions)
    children = np.random.SeedSequence(seed).spawn(replications)
    sharing = (sharing_policy, tuple(sorted(sharing_recipients)))
    scenario = fingerprint.encode() if fingerprint is not None else pickle.dumps((config, dists))
    config_key = hashlib.sha256(scenario + repr(sharing).encode()).hexdigest()
    return [
        Job(
            config,
            config_key,
            i,
            int(child.entropy),
            tuple(child.spawn_key),
            dists,
            sharing_policy,
            tuple(sorted(sharing_recipients)),
        )
        for i, child in enumerate(children)
    ]


MAX_JOBS_PER_CORE = 4  # more workers than this per core only add start-up and memory


def max_jobs() -> int:
    """The most worker processes a run may ask for on this machine."""
    return MAX_JOBS_PER_CORE * (os.cpu_count() or 1)


def default_executor(jobs: int | None, replications: int | None = None) -> Executor | None:
    """A process pool that starts workers fresh ("spawn", no reliance on fork); None for 1.

    At most ``replications`` workers (no idle ones) and :func:`max_jobs`. The workers are
    started at once, each importing the engine, so their start-up overlaps with the caller
    building the scenario and its quota distributions.
    """
    workers = min(jobs or os.cpu_count() or 1, max_jobs())
    if replications is not None:
        workers = min(workers, max(replications, 1))
    if workers <= 1:
        return None
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_quiet_worker)
    with _sigint_held():  # each submit starts one worker, until there are ``workers``
        for _ in range(workers):
            pool.submit(_warm_up)
    return pool


def _quiet_worker() -> None:
    """Workers leave Ctrl-C to the main process, which stops them: a terminal's SIGINT reaches
    the whole process group, and idle workers would each print a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold SIGINT back while workers start. They inherit the signal mask, so a Ctrl-C that
    reaches the process group cannot break a worker's start-up (before :func:`_quiet_worker`
    runs) into a traceback; this process gets the signal as soon as the workers are started."""
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def stop_pool(pool: Executor | None, clean: bool) -> None:
    """Shut a process pool down; after a failure or an interrupt, stop its workers at once."""
    if pool is None:
        return
    if clean:
        pool.shutdown()
        return
    workers = list((getattr(pool, "_processes", None) or {}).values())  # gone after shutdown
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in workers:
        with contextlib.suppress(Exception):
            proc.join(timeout=5)
    # Wait for the pool's manager thread to close its wake-up pipe: Python 3.11's exit hook
    # otherwise writes to that pipe while the thread closes it and prints an OSError traceback.
    if manager is not None:
        with contextlib.suppress(Exception):
            manager.join(timeout=5)


def _warm_up() -> None:
    """Import what every replication needs (run in each new worker)."""
    import simulator.engine.world  # noqa: F401


def run_jobs(
    jobs: list[Job],
    executor: Executor | None = None,
    checkpoint: Path | None = None,
    on_done: Callable[[ReplicationOutput], None] | None = None,
) -> list[ReplicationOutput]:
    """Run the jobs (inline when ``executor`` is None); return outputs sorted by replication."""
    done: dict[int, ReplicationOutput] = {}
    if checkpoint is not None:
        check_checkpoint_folder(checkpoint, [j.index for j in jobs])
        for job in jobs:
            saved = load_checkpoint(checkpoint, job)
            if saved is not None:
                done[job.index] = saved
                if on_done:
                    on_done(saved)
    todo = [j for j in jobs if j.index not in done]

    def finish(out: ReplicationOutput) -> None:
        done[out.replication] = out
        if checkpoint is not None:
            save_checkpoint(checkpoint, out)
        if on_done:
            on_done(out)

    if executor is None:
        for job in todo:
            finish(replicate(job))
    else:
        size = batch_size(len(todo), executor)
        futures = [executor.submit(replicate_batch, todo[i:i + size])
                   for i in range(0, len(todo), size)]
        with _outputs_kept_out_of_collections() as keep:
            for future in as_completed(futures):
                for out in future.result():
                    finish(out)
                keep()
    return [done[i] for i in sorted(done)]


@contextlib.contextmanager
def _outputs_kept_out_of_collections():
    """Yield a function that moves what has arrived so far out of the cyclic garbage
    collector's generations (``gc.freeze``) until the last output is in. Outputs are plain,
    acyclic rows freed by reference counting, but each batch adds thousands of objects, and
    the collections they trigger rescan them all: 2.7 s of the parent's CPU per 1,000
    replications of baseline-2019, on the cores the workers need."""
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


MAX_BATCH = 16  # replications per task: a task's scenario is pickled once, not per replication
BATCHES_PER_WORKER = 4  # enough tasks per worker that they all finish at about the same time


def batch_size(jobs: int, executor: Executor) -> int:
    """Replications per task for ``jobs`` replications on ``executor``: a few tasks per worker
    (a process pool's size, else the cores), at most :data:`MAX_BATCH`."""
    workers = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
    return max(1, min(MAX_BATCH, -(-jobs // (workers * BATCHES_PER_WORKER))))


def replicate_batch(jobs: list[Job]) -> list[ReplicationOutput]:
    """:func:`replicate` for several jobs in one task (module level: picklable)."""
    return [replicate(job) for job in jobs]


def check_checkpoint_folder(folder: Path, indices: list[int]) -> None:
    """Create the checkpoint folder; refuse, naming it, a file in its place or a folder where a
    replication's file belongs (damaged files are only recomputed)."""
    from simulator.outputs.folders import OutputError

    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: the checkpoint of --resume is not a folder; remove it or "
                          "run without --resume")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{folder}: cannot keep a checkpoint here: {err.strerror or err}") \
            from None
    for index in indices:
        path = _checkpoint_path(folder, index)
        if path.is_dir():
            raise OutputError(f"{path}: is a folder, not a saved replication; remove it or run "
                              "without --resume")


def _checkpoint_path(folder: Path, index: int) -> Path:
    return folder / f"replication-{index:05d}.json"


def save_checkpoint(folder: Path, out: ReplicationOutput) -> None:
    """Write one replication atomically (temporary file, then rename)."""
    path = _checkpoint_path(folder, out.replication)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(out)), encoding="utf-8")
    os.replace(tmp, path)


def read_checkpoint(path: Path) -> ReplicationOutput | None:
    """One saved replication, or None if the file is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            return None
        data["spawn_key"] = tuple(data.get("spawn_key", ()))
        out = ReplicationOutput(**data)
        if not isinstance(out.missions, list) or not isinstance(out.replication, int):
            return None
        return out
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # missing, damaged or from another version: recomputed


def load_checkpoint(folder: Path, job: Job) -> ReplicationOutput | None:
    """A saved replication for this job, if one exists with the same seed and scenario."""
    out = read_checkpoint(_checkpoint_path(folder, job.index))
    if out is None or (out.entropy, out.spawn_key) != (job.entropy, job.spawn_key):
        return None
    if out.config_key != job.config_key:
        return None  # the same seed, but another scenario (or a changed one): recompute
    return out
