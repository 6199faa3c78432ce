"""The command line, run as a user would run it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from simulator.cli.main import main


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args], capture_output=True, text=True, check=False
    )


def test_registry_prints_the_treaty_on_a_date() -> None:
    result = run_cli("registry", "--date", "2019-06-01")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "States Parties (34)" in out
    assert "Group BY-RU: BLR RUS" in out
    assert "Kubinka" in out and "5,500 km" in out
    assert "Assumed passive quotas" in out
    assert "5 flights over POL" in out


def test_registry_json_is_machine_readable(capsys) -> None:
    assert main(["registry", "--date", "2022-06-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["date"] == "2022-06-01"
    assert len(data["states_parties"]) == 32
    holders = {h["holder"]: h for h in data["holders"]}
    assert "BY-RU" not in holders and holders["BLR"]["passive_quota"]["status"] == "assumption"


def test_bad_date_exits_2_with_a_one_line_message() -> None:
    result = run_cli("registry", "--date", "2019-13-01")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "'2019-13-01'" in lines[0] and "YYYY-MM-DD" in lines[0]
    assert "Traceback" not in result.stderr


def test_no_command_prints_help_and_exits_2() -> None:
    result = run_cli()
    assert result.returncode == 2
    assert "registry" in result.stderr


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "registry" in result.stdout


# ------------------------------------------------------------ run / compare
FAST = ["--set", "geometry.enabled=false", "--replications", "1"]


def test_list_shows_bundled_scenarios_with_their_question() -> None:
    result = run_cli("list")
    assert result.returncode == 0
    assert "baseline-2019" in result.stdout and "?" in result.stdout
    assert "counterfactual/us-stays" in result.stdout


def test_run_writes_a_results_folder(tmp_path) -> None:
    out = tmp_path / "res"
    result = run_cli("run", "baseline-2019", "-o", str(out), *FAST)
    assert result.returncode == 0, result.stderr
    assert (out / "report.md").exists() and (out / "missions.csv").exists()
    assert "report:" in result.stdout
    again = run_cli("run", "baseline-2019", "-o", str(out), *FAST)
    assert again.returncode == 2
    assert "not empty" in again.stderr and "--force" in again.stderr


def test_compare_writes_one_report_with_each_scenario_inside(tmp_path) -> None:
    out = tmp_path / "cmp"
    result = run_cli(
        "compare", "baseline-2019", "after-russia-withdrawal-2022", "-o", str(out), *FAST
    )
    assert result.returncode == 0, result.stderr
    report = (out / "report.md").read_text()
    assert report.startswith("# Comparison of 2 scenarios")
    assert "## What changed" in report and "RUS left" in report
    assert (out / "manifest.json").exists() and (out / "headline.csv").exists()
    assert "baseline-2019" in report and "after-russia-withdrawal-2022" in report
    assert (out / "baseline-2019" / "missions.csv").exists()
    assert (out / "figures" / "headline_measures.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "no-such-scenario"], "no such file or bundled scenario"),
        (["run", "missing.toml"], "file not found"),
        (["run", "baseline-2019", "--replications", "-1"], "--replications -1: must be between 1"),
        (["run", "baseline-2019", "--jobs", "0"], "--jobs 0: must be between 1 and"),
        (
            ["run", "baseline-2019", "--set", "rules.natopractice=false"],
            "did you mean 'nato_practice'",
        ),
        (["run", "baseline-2019", "--set", "novalue"], "expected KEY=VALUE"),
        (["compare", "baseline-2019"], "at least two scenarios"),
    ],
)
def test_bad_input_exits_2_with_a_cause(args, message) -> None:
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
