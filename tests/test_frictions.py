"""The command line's rough edges: names, --debug, a byte-order mark, help, variants."""

from __future__ import annotations

import json
from pathlib import Path

from simulator.cli.main import main

FAST = ["--set", "geometry.enabled=false", "--replications", "1"]


def test_listed_names_resolve_everywhere(tmp_path: Path, capsys) -> None:
    assert main(["validate", "counterfactual/us-stays"]) == 0
    assert "counterfactual/us-stays: ok" in capsys.readouterr().out


def test_debug_works_after_the_subcommand(capsys) -> None:
    assert main(["validate", "baseline-2019", "--debug"]) == 0
    assert main(["--debug", "validate", "baseline-2019"]) == 0


def test_a_byte_order_mark_is_accepted(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf[period]\nstart = 2019\nend = 2019\n")
    assert main(["validate", str(path)]) == 0


def test_registry_help_has_no_doubled_percent(capsys) -> None:
    assert main(["registry", "--help"]) == 0  # argparse's exit is caught by main
    assert "%%" not in capsys.readouterr().out


def test_compare_a_scenario_with_its_variant(tmp_path: Path, capsys) -> None:
    out = tmp_path / "v"
    code = main(["compare", "baseline-2019", "baseline-2019", "--set-for",
                 "2:rules.nato_practice=false", "-o", str(out), *FAST])
    assert code == 0, capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["label"] for s in manifest["scenarios"]] == ["baseline-2019", "baseline-2019-2"]
    assert manifest["scenarios"][1]["overrides"][-2:] == [
        "rules.nato_practice=false", "name=baseline-2019-2"]
    assert main(["compare", "baseline-2019", "baseline-2019", "--set-for", "3:x=1",
                 "-o", str(tmp_path / "w"), *FAST]) == 2
    assert "--set-for 3:x=1" in capsys.readouterr().err


def test_extends_takes_a_bundled_name_from_any_folder(tmp_path: Path, capsys,
                                                     monkeypatch) -> None:
    from simulator.scenario.load import load_scenario

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "mine.toml"
    path.write_text('extends = "baseline-2019"\nname = "mine"\n[rules]\nnato_practice = false\n',
                    encoding="utf-8")
    sc = load_scenario(path)
    assert sc.name == "mine" and not sc.model.rules.nato_practice
    assert sc.model.rules.refusals  # the baseline's Georgia-Russia refusal is inherited
    variant = load_scenario({"extends": "counterfactual/us-stays", "name": "d"})
    assert variant.model.membership.states["USA"].stays
    assert main(["run", str(path), "-o", str(tmp_path / "o"), *FAST]) == 0
