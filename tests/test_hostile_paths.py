"""Hostile paths: the tool touches only files and folders it created (issue: nothing outside
the tool's own files is touched), and run arguments have the same limits everywhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulator.api import run
from simulator.cli.main import main
from simulator.scenario.bundled import bundled_scenarios

FAST = ["--set", "geometry.enabled=false", "--replications", "1"]


def cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    err = capsys.readouterr().err.strip()
    return code, err


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("openskies: error: "), err
    return lines[0]


def scenario(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "s.toml"
    base = bundled_scenarios()["baseline-2019"]
    path.write_text(f'extends = "{base}"\nname = {name!r}\n'.replace("'", '"'), encoding="utf-8")
    return path


def test_a_lock_that_is_a_symlink_is_refused(tmp_path: Path, capsys) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (tmp_path / ".out.lock").symlink_to(victim)
    code, err = cli(capsys, "run", "baseline-2019", "-o", str(tmp_path / "out"), *FAST)
    assert code == 2 and "symbolic link" in one_line(err)
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["../../escape", "/tmp/abs", "", ".", "..", ".hidden", "a/b"])
def test_scenario_names_are_names_not_paths(tmp_path: Path, capsys, name: str) -> None:
    work = tmp_path / "w"
    work.mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    old = Path.cwd()
    os.chdir(work)
    try:
        code, err = cli(capsys, "run", str(scenario(tmp_path, name)), *FAST)
    finally:
        os.chdir(old)
    assert code == 2 and "name" in one_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "s.toml"])
    assert not any(work.iterdir())


def test_folders_that_look_like_temporary_ones_are_left_alone(tmp_path: Path, capsys) -> None:
    mine = tmp_path / ".o2.mine.partial"
    old = tmp_path / ".o2.old"
    for folder in (mine, old):
        folder.mkdir()
        (folder / "notes.txt").write_text("precious", encoding="utf-8")
    target = tmp_path / "o2"
    for _ in range(2):  # a first run, then a replacement with --force
        code, _ = cli(capsys, "run", "baseline-2019", "-o", str(target), "--force", *FAST)
        assert code == 0
    for folder in (mine, old):
        assert (folder / "notes.txt").read_text(encoding="utf-8") == "precious"
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [".o2.mine.partial", ".o2.old", "o2"]  # nothing of ours left behind


@pytest.mark.parametrize("intruder", ["notes.txt", "nested"])
def test_force_replaces_only_what_the_tool_wrote(tmp_path: Path, capsys, intruder: str) -> None:
    target = tmp_path / "out"
    assert cli(capsys, "run", "baseline-2019", "-o", str(target), *FAST)[0] == 0
    if intruder == "nested":  # another results folder moved inside
        assert cli(capsys, "run", "baseline-2019", "-o", str(target / "nested"), *FAST)[0] == 0
    else:
        (target / intruder).write_text("precious", encoding="utf-8")
    code, err = cli(capsys, "run", "baseline-2019", "-o", str(target), "--force", *FAST)
    assert code == 2
    assert intruder in one_line(err) and "did not write" in err
    assert (target / intruder).exists()


def test_compare_refuses_two_scenarios_with_one_name(tmp_path: Path, capsys) -> None:
    other = tmp_path / "copy.toml"
    other.write_text(f'extends = "{bundled_scenarios()["baseline-2019"]}"\n'
                     'name = "baseline-2019"\n', encoding="utf-8")
    code, err = cli(capsys, "compare", "baseline-2019", str(other), "-o", str(tmp_path / "c"),
                    *FAST)
    assert code == 2 and "both named 'baseline-2019'" in one_line(err)
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(("flag", "value", "text"), [
    ("--replications", "1000000000", "between 1 and 10,000"),
    ("--replications", "0", "between 1 and 10,000"),
    ("--jobs", "1000", "per core"),
    ("--jobs", "0", "between 1 and"),
    ("--seed", str(2**64), "2**63 - 1"),
    ("--seed", "-1", "2**63 - 1"),
])
def test_run_arguments_have_limits(tmp_path: Path, capsys, flag, value, text) -> None:
    args = ["run", "baseline-2019", "-o", str(tmp_path / "o"), "--set",
            "geometry.enabled=false", flag, value]
    code, err = cli(capsys, *args)
    assert code == 2
    line = one_line(err)
    assert line.startswith(f"openskies: error: {flag} {value}: ") and text in line
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("kwargs", "text"), [
    ({"replications": 0}, "replications=0"),
    ({"jobs": -3}, "jobs=-3"),
    ({"seed": 2**63}, "seed="),
    ({"replications": 1.5}, "whole number"),
])
def test_the_api_checks_its_arguments(kwargs, text) -> None:
    with pytest.raises(ValueError, match=text.replace("*", r"\*")):
        run(bundled_scenarios()["baseline-2019"], figures=False, **kwargs)


@pytest.mark.parametrize("where", [".", "..", "/"])
def test_the_current_folder_or_the_root_is_not_a_results_folder(tmp_path: Path, capsys,
                                                                 where: str) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    (work / "keep.txt").write_text("precious", encoding="utf-8")
    old = Path.cwd()
    os.chdir(work)
    try:
        code, err = cli(capsys, "run", "baseline-2019", "-o", where, *FAST)
        assert Path.cwd() == work.resolve()  # the folder we stand in is still there
    finally:
        os.chdir(old)
    assert code == 2 and ("current folder" in one_line(err) or "root folder" in err)
    assert (work / "keep.txt").read_text(encoding="utf-8") == "precious"


def test_an_output_path_through_a_symlink_loop(tmp_path: Path, capsys) -> None:
    (tmp_path / "l1").symlink_to(tmp_path / "l2")
    (tmp_path / "l2").symlink_to(tmp_path / "l1")
    code, err = cli(capsys, "run", "baseline-2019", "-o", str(tmp_path / "l1" / "x"), *FAST)
    assert code == 2 and "not a usable folder name" in one_line(err)


def test_a_broken_pipe_ends_quietly(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(f"{sys.executable} -m simulator list | head -1", shell=True,
                          capture_output=True, text=True, check=False)
    assert proc.stderr == "" and len(proc.stdout.splitlines()) == 1


def test_an_unusable_cache_folder_is_detected_and_skipped(tmp_path: Path, monkeypatch) -> None:
    import numpy as np

    from simulator.geo import cache

    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("OPENSKIES_CACHE_DIR", str(blocker / "cache"))
    # set (empty: the cache is on) so that monkeypatch restores the variable's absence at the
    # end, although disable_cache() below writes os.environ directly
    monkeypatch.setenv("OPENSKIES_NO_CACHE", "")
    problem = cache.cache_problem()
    assert problem is not None and str(blocker / "cache") in problem
    cache.save_npz_atomic(blocker / "cache" / "x.npz", a=np.zeros(1))  # skipped, no error
    monkeypatch.setenv("OPENSKIES_CACHE_DIR", str(tmp_path / "ok"))
    assert cache.cache_problem() is None
    cache.disable_cache()  # what the command line does after its one-line warning
    cache.save_npz_atomic(tmp_path / "ok" / "x.npz", a=np.zeros(1))
    assert cache.load_npz(tmp_path / "ok" / "x.npz") is None
    assert not (tmp_path / "ok" / "x.npz").exists()
    monkeypatch.delenv("OPENSKIES_NO_CACHE")
    assert blocker.read_text(encoding="utf-8") == ""


@pytest.mark.parametrize("damage", ["{}", "[]", "bytes", "folder", "null", '{"replication": 0}'])
def test_damaged_checkpoints_are_recomputed_or_named(tmp_path: Path, capsys,
                                                     damage: str) -> None:
    target = tmp_path / "out"
    folder = tmp_path / ".out.checkpoint"
    folder.mkdir()
    entry = folder / "replication-00000.json"
    if damage == "folder":
        entry.mkdir()
    elif damage == "bytes":
        entry.write_bytes(bytes(range(256)))
    else:
        entry.write_text(damage, encoding="utf-8")
    code, err = cli(capsys, "run", "baseline-2019", "-o", str(target), "--resume", *FAST)
    if damage == "folder":
        assert code == 2 and "is a folder, not a saved replication" in one_line(err)
    else:
        assert code == 0, err
        assert (target / "missions.csv").exists()


def test_a_checkpoint_that_is_a_file_is_named(tmp_path: Path, capsys) -> None:
    (tmp_path / ".out.checkpoint").write_text("mine", encoding="utf-8")
    code, err = cli(capsys, "run", "baseline-2019", "-o", str(tmp_path / "out"), "--resume",
                    *FAST)
    assert code == 2 and "not a folder" in one_line(err)
    assert (tmp_path / ".out.checkpoint").read_text(encoding="utf-8") == "mine"


NONSENSE = {
    "[membership.states.FIN]\nwithdrawal_effective = 2000-01-01\n": "is not after its entry",
    "[[rules.transfers]]\nyear = 2019\ndonor = \"DEU\"\nrecipient = \"DEU\"\nflights = 1\n":
        "donor and recipient are both DEU",
    "[[rules.transfers]]\nyear = 2019\ndonor = \"FRA\"\nrecipient = \"DEU\"\nflights = 999999\n":
        "more than FRA's whole quota",
    "[[rules.refusals]]\nobserved = \"GEO\"\nobserver = \"GEO\"\nstart = 2019-01-01\n":
        "cannot refuse itself",
}


@pytest.mark.parametrize(("text", "message"), list(NONSENSE.items()))
def test_validate_refuses_nonsense(tmp_path: Path, capsys, text: str, message: str) -> None:
    path = tmp_path / "n.toml"
    path.write_text(f'extends = "{bundled_scenarios()["baseline-2019"]}"\n{text}',
                    encoding="utf-8")
    code, err = cli(capsys, "validate", str(path))
    assert code == 2 and message in err and "Traceback" not in err


def test_validate_warns_about_requests_the_rules_will_cut(tmp_path: Path, capsys) -> None:
    path = tmp_path / "w.toml"
    path.write_text(
        f'extends = "{bundled_scenarios()["baseline-2019"]}"\n[requests]\nmodel = "explicit"\n'
        '[[requests.table]]\nobserver = "DEU"\nobserved = "FRA"\nflights = 2\n'
        '[[requests.table]]\nobserver = "DEU"\nobserved = "BY-RU"\nflights = 50\n',
        encoding="utf-8")
    code, err = cli(capsys, "validate", str(path))
    assert code == 0
    assert "requests.table.0: DEU and FRA are both NATO members" in err
    assert "requests.table.1: 50 flights over BY-RU in 2019 is more than its passive" in err
    res = run(path, replications=1, figures=True, overrides=("geometry.enabled=false",))
    assert "dropped 2 DEU->FRA: nato_practice" in res.report


def test_validate_history_says_not_simulated(tmp_path: Path, capsys) -> None:
    code = main(["validate-history", "baseline-2019", "--replications", "1", "--set",
                 "geometry.enabled=false", "-o", str(tmp_path / "v")])
    out = capsys.readouterr().out
    assert code == 0 and "F04  not simulated" in out and "FAILS" not in out.split(
        "F04")[1].splitlines()[0]
    assert "not simulated (outside the run's years)" in (tmp_path / "v" / "report.md").read_text()
