"""Ensembles: the same seed gives byte-identical tables on 1 worker, 2 workers and Dask;
an interrupted ensemble resumes with each replication exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pytest

from simulator.api import run
from simulator.experiments.ensemble import default_executor, make_jobs, stop_pool
from simulator.measures.tables import interval
from simulator.scenario.bundled import bundled_scenarios

SCENARIO = "baseline-2019"
FAST = ("geometry.enabled=false",)
TABLES = (
    "missions.csv",
    "coverage.csv",
    "quotas.csv",
    "access.csv",
    "sharing.csv",
    "routes.geojson",
)


def tables(result, folder: Path) -> dict[str, bytes]:
    out = result.save(folder)
    return {name: (out / name).read_bytes() for name in TABLES}


def test_seeds_come_from_one_seed_sequence() -> None:
    from simulator.scenario.assemble import engine_config
    from simulator.scenario.load import load_scenario

    config = engine_config(load_scenario(bundled_scenarios()[SCENARIO], FAST))
    jobs = make_jobs(config, 3, 42, [])
    expected = np.random.SeedSequence(42).spawn(3)
    assert [(j.entropy, j.spawn_key) for j in jobs] == [
        (e.entropy, tuple(e.spawn_key)) for e in expected
    ]


def test_interval_is_mean_and_90_percent() -> None:
    got = interval(range(101))
    assert got["mean"] == 50 and got["p05"] == 5 and got["p95"] == 95 and got["n"] == 101


def _on_dask(path, **options):
    """A run on a two-worker Dask LocalCluster."""
    from dask.distributed import Client, LocalCluster

    # Starting a LocalCluster writes MALLOC_TRIM_THRESHOLD_, OMP_NUM_THREADS, PYTHONHASHSEED...
    # into this process's environment for its workers and leaves them there; every later
    # subprocess (the notebooks' kernels) would inherit them and run ~40 % slower.
    environ = dict(os.environ)
    try:
        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            return run(path, executor=client.get_executor(), **options)
    finally:
        os.environ.clear()
        os.environ.update(environ)


def test_identical_tables_on_one_worker_two_workers_and_dask(tmp_path: Path) -> None:
    path = bundled_scenarios()[SCENARIO]
    serial = run(path, replications=4, seed=11, overrides=FAST, jobs=1, figures=False)
    pool = ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn"))
    try:
        parallel = run(path, replications=4, seed=11, overrides=FAST, executor=pool, figures=False)
    finally:
        pool.shutdown()
    dasked = _on_dask(path, replications=4, seed=11, overrides=FAST, figures=False)
    a = tables(serial, tmp_path / "serial")
    assert a == tables(parallel, tmp_path / "parallel")
    assert a == tables(dasked, tmp_path / "dask")
    assert len(set(serial.missions["replication"])) == 4
    other = run(path, replications=4, seed=12, overrides=FAST, jobs=1, figures=False)
    assert tables(other, tmp_path / "other")["missions.csv"] != a["missions.csv"]


def test_identical_tables_with_geometry_serial_parallel_and_dask(tmp_path: Path) -> None:
    path = bundled_scenarios()[SCENARIO]
    coarse = ("geometry.resolution_km=100",)
    serial = run(path, replications=2, seed=5, overrides=coarse, jobs=1, figures=False)
    parallel = run(path, replications=2, seed=5, overrides=coarse, jobs=2, figures=False)
    dasked = _on_dask(path, replications=2, seed=5, overrides=coarse, figures=False)
    expected = tables(serial, tmp_path / "s")
    assert expected == tables(parallel, tmp_path / "p") == tables(dasked, tmp_path / "d")
    assert serial.coverage["imaged_km2"].sum() > 0


def test_killed_ensemble_resumes_each_replication_once(tmp_path: Path) -> None:
    out = tmp_path / "ens"
    checkpoint = tmp_path / ".ens.checkpoint"
    cmd = [
        sys.executable,
        "-m",
        "simulator",
        "run",
        "history-2002-2024",
        "-o",
        str(out),
        "--replications",
        "12",
        "--jobs",
        "1",
        "--resume",
        "--seed",
        "3",
        "--set",
        "period.end=2010",  # nine years a replication: long enough to interrupt, quick to finish
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            done = list(checkpoint.glob("replication-*.json")) if checkpoint.exists() else []
            if len(done) >= 2 or proc.poll() is not None:
                break
            time.sleep(0.2)
        assert proc.poll() is None, "the ensemble finished before it could be interrupted"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    first = sorted(p.name for p in checkpoint.glob("replication-*.json"))
    assert 2 <= len(first) < 12
    assert not out.exists(), "no results folder may appear before the ensemble is complete"
    resumed = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    import pandas as pd

    missions = pd.read_csv(out / "missions.csv")
    assert sorted(missions["replication"].unique()) == list(range(12))
    assert not missions.duplicated(["replication", "mission_id"]).any()
    assert not checkpoint.exists()
    fresh = tmp_path / "fresh"
    again = subprocess.run(
        [*cmd[:6], str(fresh), *cmd[7:11], *cmd[12:]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert (fresh / "missions.csv").read_bytes() == (out / "missions.csv").read_bytes()


def test_a_pool_stopped_by_an_interrupt_leaves_no_thread_behind() -> None:
    """An unclean stop waits for the pool's manager thread: Python's exit hook would otherwise
    write to the thread's wake-up pipe while the thread closes it, and print a traceback."""
    pool = default_executor(2, replications=2)
    assert pool is not None
    busy = [pool.submit(time.sleep, 60) for _ in range(2)]
    manager = pool._executor_manager_thread
    started = time.monotonic()
    stop_pool(pool, clean=False)
    assert manager is not None and not manager.is_alive()
    assert all(f.done() for f in busy) and time.monotonic() - started < 30


@pytest.mark.parametrize("name", ["baseline-2019"])
def test_manifest_records_every_replication_seed(name: str) -> None:
    res = run(
        bundled_scenarios()[name], replications=3, seed=9, overrides=FAST, jobs=1, figures=False
    )
    seeds = res.manifest["replication_seeds"]
    assert [s["replication"] for s in seeds] == [0, 1, 2]
    assert len({(s["entropy"], tuple(s["spawn_key"])) for s in seeds}) == 3


def test_checkpoints_are_resumed_only_for_the_same_scenario(tmp_path: Path) -> None:
    """--resume after changing the scenario (here a --set value) with the same seed must not
    reuse the old replications; the same scenario in a fresh process must."""
    path = bundled_scenarios()[SCENARIO]
    first = run(
        path, replications=2, seed=5, overrides=FAST, jobs=1, figures=False, checkpoint=tmp_path
    )
    again = run(
        path, replications=2, seed=5, overrides=FAST, jobs=1, figures=False, checkpoint=tmp_path
    )
    assert again.missions.equals(first.missions)
    changed = run(
        path,
        replications=2,
        seed=5,
        overrides=(*FAST, "rules.nato_practice=false"),
        jobs=1,
        figures=False,
        checkpoint=tmp_path,
    )
    assert not changed.missions.equals(first.missions)
    assert (changed.missions["status"] != "not_flown_nato").all()
    code = (
        "import sys, json; from simulator.api import run; from simulator.scenario.bundled import "
        "bundled_scenarios; from pathlib import Path; calls = [];"
        f"run(bundled_scenarios()[{SCENARIO!r}], replications=2, seed=5, overrides={FAST!r}, "
        "jobs=1, figures=False, checkpoint=Path(sys.argv[1]), "
        "progress=lambda o: calls.append(o.seconds)); print(json.dumps(calls))"
    )
    other = tmp_path.parent / "fresh"
    run(path, replications=2, seed=5, overrides=FAST, jobs=1, figures=False, checkpoint=other)
    out = subprocess.run(
        [sys.executable, "-c", code, str(other)], capture_output=True, text=True, check=True
    )
    reported = [float(x) for x in out.stdout.strip().splitlines()[-1].strip("[]").split(",")]
    saved = sorted(o.seconds for o in first_outputs(other))
    assert sorted(reported) == saved  # loaded from the checkpoints, not recomputed


def first_outputs(folder: Path):
    from simulator.experiments.ensemble import read_checkpoint

    for path in sorted(folder.glob("replication-*.json")):
        yield read_checkpoint(path)
