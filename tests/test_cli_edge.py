"""The command line on hostile input: each edge case exits 2 with a one-line cause and a hint;
exit 1 is kept for genuine bugs, whose traceback ``--debug`` shows."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli.main import main
from simulator.outputs import folders
from simulator.outputs import result as result_module

FAST = ["--set", "geometry.enabled=false", "--replications", "1"]
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def one_line_error(stderr: str) -> str:
    """The single ``openskies: error: ...`` line of a bad-input exit."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("openskies: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def cli_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


# ------------------------------------------------------------------ scenario
def test_missing_file(tmp_path: Path) -> None:
    result = run_cli("run", str(tmp_path / "missing.toml"))
    assert result.returncode == 2
    line = one_line_error(result.stderr)
    assert line == f"openskies: error: {tmp_path / 'missing.toml'}: file not found: " + str(
        tmp_path / "missing.toml"
    )


def test_directory_instead_of_a_file(tmp_path: Path) -> None:
    result = run_cli("run", str(tmp_path))
    assert result.returncode == 2
    assert one_line_error(result.stderr) == (
        f"openskies: error: {tmp_path}: is a directory, not a scenario file"
    )


@pytest.mark.skipif(AS_ROOT, reason="root reads a chmod 000 file; see the in-process test")
def test_unreadable_file_subprocess(tmp_path: Path) -> None:
    path = tmp_path / "secret.toml"
    path.write_text("[period]\nstart = 2019\nend = 2019\n", encoding="utf-8")
    path.chmod(0)
    try:
        result = run_cli("validate", str(path))
    finally:
        path.chmod(0o644)
    assert result.returncode == 2
    assert "cannot read: Permission denied" in result.stderr


def test_unreadable_file(tmp_path: Path, capsys, monkeypatch) -> None:
    """chmod 000 does not stop root, so the refusal is simulated where the file is opened."""
    path = tmp_path / "secret.toml"
    path.write_text("[period]\nstart = 2019\nend = 2019\n", encoding="utf-8")
    real_open = Path.open

    def refuse(self: Path, *args, **kwargs):
        if self == path:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    code, err = cli_in_process(capsys, "run", str(path))
    assert code == 2
    assert one_line_error(err) == (
        f"openskies: error: {path}: cannot read: Permission denied; check that the file "
        "exists and that you may read it"
    )


def test_unknown_set_key_suggests_the_right_one() -> None:
    result = run_cli("run", "baseline-2019", "--set", "rules.natopractice=false")
    assert result.returncode == 2
    line = one_line_error(result.stderr)
    assert line.endswith(
        "baseline-2019.toml: rules.natopractice: unknown key 'natopractice'; did you mean "
        "'nato_practice'? (valid keys: deadlock_years, fifty_percent_rule, "
        "max_observers_per_flight, nato_practice, no_agreement, refusals, shared_flight_charge, "
            "suspensions, transfers)"
    )


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--jobs", "0"], "openskies: error: --jobs 0: must be between 1 and"),
        (["--replications", "-1"], "openskies: error: --replications -1: must be between 1"),
        (["--seed", "-5"], "openskies: error: --seed -5: must be between 0 and 2**63 - 1"),
    ],
)
def test_bad_run_options(tmp_path: Path, option: list[str], message: str) -> None:
    result = run_cli("run", "baseline-2019", "-o", str(tmp_path / "out"), *option)
    assert result.returncode == 2
    assert one_line_error(result.stderr).startswith(message)
    assert not (tmp_path / "out").exists()


# -------------------------------------------------------------- the output
def test_output_folder_exists_and_is_refused_before_running(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = run_cli("run", "baseline-2019", "-o", str(out), *FAST)
    assert result.returncode == 2
    assert one_line_error(result.stderr) == (
        f"openskies: error: {out}: folder exists and is not empty; choose another with -o or "
        "pass --force to replace a results folder written by openskies"
    )
    forced = run_cli("run", "baseline-2019", "-o", str(out), "--force", *FAST)
    assert forced.returncode == 2
    assert "not a results folder written by openskies" in one_line_error(forced.stderr)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no lock or partial left


def test_output_is_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("x", encoding="utf-8")
    result = run_cli("run", "baseline-2019", "-o", str(out), *FAST)
    assert result.returncode == 2
    assert one_line_error(result.stderr) == (
        f"openskies: error: {out}: exists and is not a folder; choose another results "
        "folder with -o"
    )


def test_output_folder_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = run_cli("run", "baseline-2019", "-o", str(blocker / "out"), *FAST)
    assert result.returncode == 2
    assert one_line_error(result.stderr) == (
        f"openskies: error: {blocker}: exists and is not a folder; choose another folder with -o"
    )


def test_output_folder_not_writable(tmp_path: Path, capsys, monkeypatch) -> None:
    """Simulated (chmod does not stop root): the lock file cannot be created."""
    real_open = os.open

    def refuse(path, flags, *args, **kwargs):
        if str(path).endswith(".out.lock"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(folders.os, "open", refuse)
    code, err = cli_in_process(capsys, "run", "baseline-2019", "-o", str(tmp_path / "out"), *FAST)
    assert code == 2
    assert one_line_error(err) == (
        f"openskies: error: {tmp_path}: cannot write here: Permission denied; "
        "choose another folder with -o"
    )


@pytest.mark.skipif(AS_ROOT, reason="root writes into a read-only folder; see the test above")
def test_output_folder_not_writable_subprocess(tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        result = run_cli("run", "baseline-2019", "-o", str(parent / "out"), *FAST)
    finally:
        parent.chmod(0o755)
    assert result.returncode == 2
    assert "cannot write here: Permission denied" in one_line_error(result.stderr)


def test_disk_full_while_writing(tmp_path: Path, capsys, monkeypatch) -> None:
    """The writer fails half-way with ENOSPC: exit 2, nothing under the final name, no
    temporary folder left, a previous results folder untouched."""
    out = tmp_path / "out"
    out.mkdir()
    (out / folders.MARKER).write_text("written by openskies\n", encoding="utf-8")
    (out / "missions.csv").write_text("the previous run\n", encoding="utf-8")
    before = (out / "missions.csv").read_bytes()
    calls = []

    def full(df, path: Path) -> None:
        calls.append(path.name)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        df.to_csv(path, index=False)

    monkeypatch.setattr(result_module, "write_csv", full)
    code, err = cli_in_process(
        capsys, "run", "baseline-2019", "-o", str(out), "--force", "--seed", "9", *FAST
    )
    assert code == 2
    assert one_line_error(err) == (
        f"openskies: error: {out}: could not write results: No space left on device; nothing "
        "was changed there (free some space and run again)"
    )
    assert (out / "missions.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_disk_full_while_checkpointing(tmp_path: Path, capsys, monkeypatch) -> None:
    from simulator.experiments import ensemble

    def full(folder: Path, out) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "replication.json"))

    monkeypatch.setattr(ensemble, "save_checkpoint", full)
    out = tmp_path / "out"
    code, err = cli_in_process(capsys, "run", "baseline-2019", "-o", str(out), "--resume", *FAST)
    assert code == 2
    line = one_line_error(err)
    assert "No space left on device; free some space" in line
    assert not out.exists()


# ------------------------------------------------------------------- bugs
def test_a_bug_exits_1_and_debug_shows_the_traceback(tmp_path: Path, capsys, monkeypatch) -> None:
    import simulator.api

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(simulator.api, "run", broken)
    args = ["run", "baseline-2019", "-o", str(tmp_path / "out"), *FAST]
    code, err = cli_in_process(capsys, *args)
    assert code == 1
    assert err.strip() == (
        "openskies: unexpected error (RuntimeError: boom); rerun with --debug for the "
        "traceback and please report it"
    )
    code, err = cli_in_process(capsys, "--debug", *args)
    assert code == 1
    assert "Traceback (most recent call last)" in err and "RuntimeError: boom" in err
    assert not (tmp_path / "out").exists()
