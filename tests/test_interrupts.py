"""Interrupted and concurrent runs, in real subprocesses with real signals.

SIGINT and SIGTERM during a run or an ensemble (``--jobs 1`` and ``--jobs 2``) leave either
nothing or a clearly named checkpoint (never a results folder that looks complete) and exit
130 or 143 with a one-line message saying how to resume; ``--resume`` then completes the run.
Two runs on one results folder: the second is refused while the first holds its lock, and a
killed run's lock does not block the next one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

# the 2015-2019 history without geometry: a few tenths of a second per replication
SCENARIO = [
    "history-2002-2024",
    "--set",
    "geometry.enabled=false",
    "--set",
    "period.start=2015",
    "--set",
    "period.end=2019",
    "--seed",
    "3",
]
REPS = 8


def command(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "simulator", "run", *SCENARIO, "-o", str(out), *extra]


def start(cmd: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(proc: subprocess.Popen[str], ready, timeout: float = 120) -> None:
    """Poll until ``ready()``; fail if the process ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        assert proc.poll() is None, f"ended before it could be interrupted: {proc.stderr.read()}"
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the run to get going")


def finish(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, err


def checkpoints(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("replication-*.json")) if folder.exists() else []


def leftovers(parent: Path, name: str) -> list[str]:
    """Temporary folders and lock files a run may have left next to ``name``."""
    return sorted(
        p.name
        for p in parent.iterdir()
        if p.name.startswith(f".{name}.") and "checkpoint" not in p.name
    )


def assert_complete(out: Path, reps: int) -> None:
    assert (out / "manifest.json").exists() and (out / "summary.json").exists()
    missions = pd.read_csv(out / "missions.csv")
    assert sorted(missions["replication"].unique()) == list(range(reps))
    assert not missions.duplicated(["replication", "mission_id"]).any()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_a_run_leaves_nothing(tmp_path: Path, sig: signal.Signals) -> None:
    """Without --resume: no results folder, no temporary folder, no lock; how to go on."""
    out = tmp_path / "res"
    proc = start(command(out, "--replications", "2", "--jobs", "1"))
    wait_for(proc, (tmp_path / ".res.lock").exists)  # the run holds its folder: it is going
    time.sleep(0.5)
    proc.send_signal(sig)
    code, err = finish(proc)
    assert code == 128 + sig, err
    assert err.strip() == (
        f"openskies: interrupted by {sig.name}; nothing was written to {out}; run the same "
        "command again (add --resume to keep finished replications if it is interrupted)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []


LONG = pytest.mark.long  # the whole matrix of resumes runs with -m long


@pytest.mark.parametrize(
    ("sig", "jobs"),
    [
        pytest.param(signal.SIGTERM, 2, id="SIGTERM-jobs2"),
        pytest.param(signal.SIGINT, 1, id="SIGINT-jobs1", marks=LONG),
        pytest.param(signal.SIGTERM, 1, id="SIGTERM-jobs1", marks=LONG),
        pytest.param(signal.SIGINT, 2, id="SIGINT-jobs2", marks=LONG),
    ],
)
def test_signal_during_an_ensemble_then_resume(
    tmp_path: Path, sig: signal.Signals, jobs: int
) -> None:
    out = tmp_path / "ens"
    checkpoint = tmp_path / ".ens.checkpoint"
    cmd = command(out, "--replications", str(REPS), "--jobs", str(jobs), "--resume")
    proc = start(cmd)
    wait_for(proc, lambda: len(checkpoints(checkpoint)) >= 1)
    proc.send_signal(sig)
    code, err = finish(proc)
    assert code == 128 + sig, err
    assert err.strip() == (
        f"openskies: interrupted by {sig.name}; finished replications are kept in {checkpoint}; "
        "run the same command with --resume to continue"
    )
    kept = checkpoints(checkpoint)
    assert 1 <= len(kept) <= REPS
    assert not out.exists(), "an interrupted run must not leave a results folder"
    assert leftovers(tmp_path, "ens") == []
    assert not list(tmp_path.glob("**/*.partial"))

    resumed = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert_complete(out, REPS)
    assert not checkpoint.exists()
    assert leftovers(tmp_path, "ens") == []


@pytest.mark.parametrize(
    ("sig", "jobs"),
    [(signal.SIGINT, 1), (signal.SIGTERM, 1), (signal.SIGINT, 2)],
    ids=["SIGINT-jobs1", "SIGTERM-jobs1", "SIGINT-jobs2"],
)
def test_signal_during_an_ensemble_keeps_a_checkpoint(
    tmp_path: Path, sig: signal.Signals, jobs: int
) -> None:
    """The other combinations: the state left behind (their resumes run with -m long)."""
    out = tmp_path / "ens"
    checkpoint = tmp_path / ".ens.checkpoint"
    proc = start(command(out, "--replications", str(REPS), "--jobs", str(jobs), "--resume"))
    wait_for(proc, lambda: len(checkpoints(checkpoint)) >= 1)
    proc.send_signal(sig)
    code, err = finish(proc)
    assert code == 128 + sig, err
    assert "--resume to continue" in err and len(err.strip().splitlines()) == 1
    assert 1 <= len(checkpoints(checkpoint)) <= REPS
    assert not out.exists()
    assert leftovers(tmp_path, "ens") == []


def workers_of(pid: int) -> list[int]:
    """The multiprocessing workers that ``pid`` started and that are running Python (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            started = parent == pid and b"spawn_main" in (stat.parent / "cmdline").read_bytes()
        except OSError:  # it ended meanwhile
            continue
        if started:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads children from /proc")
def test_ctrl_c_at_a_terminal_while_workers_start_prints_one_line(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches the whole process group; a worker still starting up (before
    it can ignore SIGINT) must not print a traceback of its own."""
    out = tmp_path / "ens"
    proc = subprocess.Popen(
        command(out, "--replications", str(REPS), "--jobs", "2"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    wait_for(proc, lambda: len(workers_of(proc.pid)) >= 1, timeout=60)
    os.killpg(proc.pid, signal.SIGINT)
    code, err = finish(proc)
    assert code == 130, err
    assert err.strip().startswith("openskies: interrupted by SIGINT"), err
    assert len(err.strip().splitlines()) == 1, err
    assert not out.exists() and leftovers(tmp_path, "ens") == []


def test_second_run_on_the_same_folder_is_refused_and_a_killed_runs_lock_does_not_block(
    tmp_path: Path,
) -> None:
    out = tmp_path / "ens"
    checkpoint = tmp_path / ".ens.checkpoint"
    cmd = command(out, "--replications", str(REPS), "--jobs", "1", "--resume")
    first = start(cmd)
    try:
        wait_for(first, lambda: len(checkpoints(checkpoint)) >= 1)
        second = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
        assert second.returncode == 2, second.stderr
        assert second.stderr.strip() == (
            f"openskies: error: {out}: another openskies run is writing this folder (it holds "
            ".ens.lock); wait for it to finish or choose another folder with -o"
        )
        assert first.poll() is None, "the refused run must not disturb the first one"
        os.kill(first.pid, signal.SIGKILL)  # no clean-up at all: the OS drops the lock
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert not out.exists()
    third = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=240)
    assert third.returncode == 0, third.stderr
    assert_complete(out, REPS)
    assert leftovers(tmp_path, "ens") == []
