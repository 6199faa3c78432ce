"""The command line, run as a user would run it."""

from __future__ import annotations

import json
import subprocess
import sys

from simulator.cli import main


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
