"""docs/scenarios.md is generated from the schema and current; its examples are valid; ``extends``
by a bundled name works from outside the repository, for files and for dicts."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from simulator.engine.operations import merge
from simulator.scenario.examples import EXAMPLES
from simulator.scenario.load import load_scenario
from simulator.scenario.reference import _model_of, scenario_reference, tables
from simulator.scenario.schema import ScenarioError, ScenarioModel

DOCS = Path(__file__).resolve().parents[1] / "docs" / "scenarios.md"


def test_the_reference_in_the_repository_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == scenario_reference(), (
        "docs/scenarios.md is stale: run python -m simulator.scenario.reference docs/scenarios.md"
    )


def every_model(model: type[BaseModel] = ScenarioModel) -> list[type[BaseModel]]:
    return [model, *(inner for _, _, inner in tables(model))]


def test_every_key_is_described_and_listed() -> None:
    text = scenario_reference()
    for model in every_model():
        for key, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{key} has no description"
            assert f"| `{key}` |" in text, f"{model.__name__}.{key} is missing from the reference"


def test_every_table_has_an_example() -> None:
    paths = {path for path, _, _ in tables(ScenarioModel)}
    # shown in the examples of [membership] and [[fleet.outages]]
    paths -= {"membership.states", "membership.groups", "fleet"}
    assert paths <= set(EXAMPLES), sorted(paths - set(EXAMPLES))
    assert {"", "operations", "requests.table"} <= set(EXAMPLES)


@pytest.mark.parametrize("path", sorted(EXAMPLES))
def test_every_example_is_a_valid_scenario(path: str) -> None:
    doc = merge({"extends": "baseline-2019"}, tomllib.loads(EXAMPLES[path]))
    sc = load_scenario(doc)
    fragment = tomllib.loads(EXAMPLES[path])
    for key, value in fragment.items():
        if key not in ("extends", "name", "description"):
            assert key in sc.document, key
        if isinstance(value, dict) and key != "operations":
            for inner, item in value.items():
                assert sc.document[key][inner] == item, f"{key}.{inner}"


def test_the_explicit_request_table_drives_the_requests() -> None:
    from simulator.scenario.assemble import engine_config
    from simulator.treaty.requests import requests_for_year

    fragment = tomllib.loads(EXAMPLES["requests.table"])
    sc = load_scenario(merge({"extends": "baseline-2019"}, fragment))
    config = engine_config(sc)
    asked = requests_for_year(config.registry, 2019, config.rules, config.request_model,
                              config.request_params)
    assert {(r.observer, r.observed, r.flights) for r in asked} == {
        ("USA", "BY-RU", 8), ("DEU", "BY-RU", 2)}


def test_arrays_of_tables_replace_and_tables_merge() -> None:
    base = load_scenario("baseline-2019")
    one = load_scenario({"extends": "baseline-2019", "restrictions": [
        {"name": "only", "kind": "no_fly", "state": "UKR", "bbox": [30, 46, 31, 47]}]})
    assert len(base.model.restrictions) == 3 and [r.name for r in one.model.restrictions] == [
        "only"]
    merged = load_scenario({"extends": "baseline-2019", "rules": {"nato_practice": False}})
    assert merged.model.rules.refusals == base.model.rules.refusals  # the table merged


def test_a_dict_that_extends_keeps_the_bases_rules() -> None:
    sc = load_scenario({"extends": "baseline-2019", "name": "fragile",
                        "operations": {"failures": {"default_breakdown_probability": 0.12}}})
    assert sc.model.rules.refusals and len(sc.model.restrictions) == 3
    assert sc.model.period.start == 2019


def test_a_bad_extends_in_a_dict_names_the_problem() -> None:
    with pytest.raises(ScenarioError, match="extends"):
        load_scenario({"extends": 3, "period": {"start": 2019, "end": 2019}})
    with pytest.raises(ScenarioError, match="no-such-scenario"):
        load_scenario({"extends": "no-such-scenario"})


def test_a_scenario_outside_the_repository_extends_a_bundled_name(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(
        'extends = "baseline-2019"\nname = "mine"\n[rules]\nnato_practice = false\n',
        encoding="utf-8")
    env = {**os.environ, "OPENSKIES_NO_CACHE": "1"}
    cli = [sys.executable, "-m", "simulator"]
    checked = subprocess.run([*cli, "validate", "mine.toml"], cwd=tmp_path, env=env,
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "mine.toml: ok (mine, 2019-2019)" in checked.stdout
    ran = subprocess.run([*cli, "run", "mine.toml", "--replications", "1", "--set",
                          "geometry.enabled=false", "-o", "out"], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "out" / "missions.csv").stat().st_size > 0
    saved = tomllib.loads((tmp_path / "out" / "scenario.toml").read_text(encoding="utf-8"))
    assert saved["rules"]["nato_practice"] is False and "refusals" in saved["rules"]


def test_model_of_reads_each_kind_of_table() -> None:
    fields = ScenarioModel.model_fields
    assert _model_of(fields["rules"].annotation)[1] == ""
    assert _model_of(fields["restrictions"].annotation)[1] == "[]"
    membership = _model_of(fields["membership"].annotation)[0]
    assert _model_of(membership.model_fields["states"].annotation)[1] == "{}"
