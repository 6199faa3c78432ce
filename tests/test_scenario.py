"""Scenario files: validation errors name the file, the key path and the problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from simulator.scenario.bundled import bundled_scenarios
from simulator.scenario.load import apply_overrides, load_scenario
from simulator.scenario.schema import ScenarioError

GOOD = """\
# A small valid scenario.
[period]
start = 2019
end = 2019
"""


def validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", "validate", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_bundled_scenario_is_valid_and_says_what_it_answers() -> None:
    found = bundled_scenarios()
    assert {
        "baseline-2019",
        "after-us-withdrawal-2021",
        "after-russia-withdrawal-2022",
        "nato-enlarged-2024",
        "history-2002-2024",
        "counterfactual/nato-practice-off",
        "counterfactual/us-stays",
        "counterfactual/russia-stays",
        "counterfactual/belarus-leaves-too",
        "counterfactual/no-kaliningrad-limit",
        "counterfactual/allies-share-with-us",
    } <= set(found)
    for name, path in found.items():
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# ") and first.endswith("?"), name
        load_scenario(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[period\nstart = 2019", "invalid TOML"),
        (
            "[period]\nstart = 2019\nend = 2019\n[run]\nsede = 3\n",
            "run.sede: unknown key 'sede'; did you mean 'seed'?",
        ),
        (
            "[period]\nstart = 2019\nend = 2019\n[membership.states.RUSS]\nstays = true\n",
            "membership.states.RUSS: unknown state code 'RUSS'; did you mean 'RUS'?",
        ),
        (
            "[period]\nstart = 'last year'\nend = 2019\n",
            "period.start: Input should be a valid integer",
        ),
        (
            "[period]\nstart = 2019\nend = 2019\n[run]\nreplications = -3\n",
            "run.replications: Input should be greater than or equal to 1",
        ),
        (
            "[period]\nstart = 2020\nend = 2019\n",
            "period: Value error, end (2019) is before start (2020)",
        ),
        ("extends = 'missing.toml'\n[period]\nstart = 2019\nend = 2019\n", "file not found"),
        ("[run]\nseed = 1\n", "period: required key is missing"),
        (
            "[period]\nstart = 2019\nend = 2019\n[[requests.table]]\nobserver = 'USA'\n"
            "observed = 'RUS'\nflights = -1\n",
            "requests.table.0.flights",
        ),
        (
            "[period]\nstart = 2019\nend = 2019\n[operations.weather]\nhold_probability = 3\n",
            "operations.weather.hold_probability: expected 12 numbers",
        ),
    ],
    ids=[
        "bad-toml",
        "unknown-key",
        "unknown-state",
        "wrong-type",
        "negative-count",
        "end-before-start",
        "missing-extends",
        "missing-period",
        "negative-request",
        "bad-op",
    ],
)
def test_validate_reports_file_key_and_problem(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, "bad.toml", text)
    result = validate(path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert expected in result.stderr, result.stderr
    assert str(path) in result.stderr or "missing.toml" in result.stderr


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path, "bad.toml", "[period]\nstart = 2020\nend = 2019\n[run]\nseed = -1\nx = 1\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert len(info.value.problems) == 3
    assert all(p.startswith(str(path)) for p in info.value.problems)


def test_validate_ok_and_bad_together(tmp_path: Path) -> None:
    good = write(tmp_path, "good.toml", GOOD)
    bad = write(tmp_path, "bad.toml", "[period]\nstart = 2019\n")
    result = validate(good, bad)
    assert result.returncode == 2
    assert "good.toml: ok" in result.stdout
    assert "period.end: required key is missing" in result.stderr


def test_extends_merges_and_cycles_are_caught(tmp_path: Path) -> None:
    write(tmp_path, "base.toml", GOOD + "[run]\nseed = 5\nreplications = 3\n")
    child = write(tmp_path, "child.toml", "extends = 'base.toml'\n[run]\nreplications = 7\n")
    sc = load_scenario(child)
    assert (sc.model.run.seed, sc.model.run.replications) == (5, 7)
    write(tmp_path, "a.toml", "extends = 'b.toml'\n")
    write(tmp_path, "b.toml", "extends = 'a.toml'\n")
    with pytest.raises(ScenarioError, match="cyclic extends"):
        load_scenario(tmp_path / "a.toml")


def test_set_overrides_read_toml_values(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", GOOD)
    sc = load_scenario(path, ["rules.nato_practice=false", "run.replications=3", "name=x y"])
    assert sc.model.rules.nato_practice is False
    assert sc.model.run.replications == 3
    assert sc.name == "x y"
    doc = apply_overrides({"a": {"b": 1}}, ["a.c=[1, 2]"])
    assert doc == {"a": {"b": 1, "c": [1, 2]}}
    with pytest.raises(ScenarioError, match="unknown key 'nato'"):
        load_scenario(path, ["rules.nato=false"])


def test_directory_and_binary_junk_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)
    junk = tmp_path / "junk.toml"
    junk.write_bytes(b"\xff\xfe\x00\x01binary")
    with pytest.raises(ScenarioError, match="not a text file"):
        load_scenario(junk)


def test_resolved_scenario_round_trips_through_toml(tmp_path: Path) -> None:
    sc = load_scenario(bundled_scenarios()["counterfactual/allies-share-with-us"])
    again = write(tmp_path, "again.toml", sc.to_toml())
    assert load_scenario(again).model == sc.model


def test_assumptions_are_listed() -> None:
    sc = load_scenario(bundled_scenarios()["baseline-2019"])
    text = "\n".join(sc.assumptions)
    assert "passive quota of SWE = 7" in text
    assert "entry into force of SWE" in text
    overridden = load_scenario(
        bundled_scenarios()["baseline-2019"], ["membership.passive_quotas.SWE=5"]
    )
    assert "passive quota of SWE" not in "\n".join(overridden.assumptions)


def test_areas_of_interest_are_validated_and_replace_the_table(tmp_path: Path) -> None:
    base = "[period]\nstart = 2019\nend = 2019\n"
    bad = (base + '[[geometry.areas_of_interest]]\nid = "k"\nobserved = "RUX"\n'
           "bbox = [[23.5, 54.0, 19.0, 55.6]]\nweight = -1\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, "aoi.toml", bad))
    text = "\n".join(info.value.problems)
    assert "geometry.areas_of_interest.0" in text
    assert "weight" in text and "bbox" in text
    good = (base + '[[geometry.areas_of_interest]]\nid = "k"\nobserved = "RUX"\n'
            "bbox = [[19.0, 54.0, 23.5, 55.6]]\nweight = 3\n")
    with pytest.raises(ScenarioError, match="unknown state code 'RUX'"):
        load_scenario(write(tmp_path, "aoi2.toml", good))
    sc = load_scenario(write(tmp_path, "aoi3.toml", good.replace("RUX", "RUS")))
    assert [a.id for a in sc.model.geometry.areas_of_interest] == ["k"]
    cleared = load_scenario(write(tmp_path, "aoi4.toml", base), ("geometry.areas_of_interest=[]",))
    assert cleared.model.geometry.areas_of_interest == []
    assert any("areas of interest: 0 set by the scenario" in a for a in cleared.assumptions)
    bundled = load_scenario(write(tmp_path, "aoi5.toml", base))
    prefix = "Geometry: area of interest Kaliningrad oblast"
    assert any(a.startswith(prefix) for a in bundled.assumptions)
