"""Sweeps and sensitivity analyses: designs, seeds, tables, bad input, the command line."""

from __future__ import annotations

import pandas as pd
import pytest

import simulator
from simulator.cli.main import main
from simulator.experiments import points as points_module
from simulator.experiments.designs import check_samples, grid_points, runs_needed, sample
from simulator.experiments.parameters import ExperimentError, parse_param, parse_vary, split_values
from simulator.experiments.points import Point, run_points
from simulator.measures.headline import HEADLINE_IDS
from simulator.scenario.load import load_scenario

FAST = "geometry.enabled=false"  # the quota and mission model only: seconds, not minutes


@pytest.fixture(scope="module")
def base():
    return load_scenario("baseline-2019", [FAST])


def test_values_split_at_top_level_commas_only() -> None:
    assert split_values('1,"a,b",[1, 2]') == ["1", '"a,b"', "[1, 2]"]


def test_parameters_are_typed_from_the_scenario(base) -> None:
    share = parse_param(base, "operations.planning.use_share=0.6:1.0")
    assert (share.kind, share.bounds) == ("float", [0.6, 1.0])
    hours = parse_param(base, "operations.timeline.notice_extra_hours_max=0:96")
    assert hours.kind == "int" and hours.value(31.6) == "32"
    practice = parse_param(base, "rules.nato_practice=true|false")
    assert practice.kind == "choice" and practice.bounds == [0.0, 2.0]
    assert [practice.value(x) for x in (0.0, 0.99, 1.0, 2.0)] == ["true", "true", "false", "false"]
    rate = parse_param(base, "operations.failures.breakdown_by_aircraft.USA-OC135B=0.2:0.6")
    assert rate.kind == "float" and rate.value(0.7) == "0.6"  # clipped to the range


@pytest.mark.parametrize(
    ("flag", "text", "says"),
    [
        ("param", "operations.planning.use_sharex=0:1", "unknown key 'use_sharex'"),
        ("param", "rules.nato_practice=0:1", "is a boolean; a range needs a number key"),
        ("param", "operations.planning.use_share=1:0.5", "LOW must be less than HIGH"),
        ("param", "operations.planning.use_share=0.5:0.5", "LOW must be less than HIGH"),
        ("param", "operations.planning.use_share=a:1", "'a' is not a number"),
        ("param", "operations.planning.use_share=0.5", "expected KEY=LOW:HIGH"),
        ("param", "run.seed=1:4", "set by the experiment's --replications and --seed"),
        ("vary", "rules.nato_practice=true,maybe", "rules.nato_practice"),
        ("vary", "rules.nato_practice", "expected KEY=V1,V2"),
        ("vary", "rules.nato_practice=true,true", "listed twice"),
    ],
)
def test_bad_definitions_name_the_flag_and_the_problem(base, flag, text, says) -> None:
    parse = parse_param if flag == "param" else parse_vary
    with pytest.raises(ExperimentError) as err:
        parse(base, text)
    message = str(err.value)
    assert message.startswith(f"--{flag} {text}: ") and says in message
    assert "\n" not in message


def test_sample_counts_and_designs_are_checked() -> None:
    with pytest.raises(ExperimentError, match="--samples 1: morris needs at least 2"):
        check_samples("morris", 1, 2)
    with pytest.raises(ExperimentError, match="--samples 12: sobol needs a power of two"):
        check_samples("sobol", 12, 2)
    with pytest.raises(ExperimentError, match="--method fast: must be one of morris, sobol"):
        check_samples("fast", 8, 2)
    assert runs_needed("morris", 5, 3) == 20 and runs_needed("sobol", 8, 3) == 40


def test_designs_are_seeded(base) -> None:
    params = [parse_param(base, "operations.planning.use_share=0.6:1.0"),
              parse_param(base, "operations.timeline.notice_extra_hours_max=0:96")]
    a, b = sample(params, "morris", 4, seed=3), sample(params, "morris", 4, seed=3)
    assert a.shape == (12, 2) and (a == b).all()
    assert sample(params, "sobol", 8, seed=3).shape == (32, 2)


def test_grid_is_every_combination(base) -> None:
    pts = grid_points([parse_vary(base, "rules.nato_practice=true,false"),
                       parse_vary(base, "operations.planning.use_share=0.8,0.9,1.0")])
    assert len(pts) == 6
    assert pts[1].assignments == (("rules.nato_practice", "true"),
                                  ("operations.planning.use_share", "0.9"))
    with pytest.raises(ExperimentError, match="varied twice"):
        grid_points([parse_vary(base, "rules.nato_practice=true,false")] * 2)


def test_sweep_of_the_nato_practice(tmp_path) -> None:
    """The issue's check: 4 rows, and without the practice more flights are allocated."""
    out = tmp_path / "sweep"
    code = main(["sweep", "baseline-2019", "--vary", "rules.nato_practice=true,false",
                 "--replications", "2", "--set", FAST, "--jobs", "1", "-o", str(out)])
    assert code == 0
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 4
    assert list(runs.columns[:3]) == ["point", "replication", "rules.nato_practice"]
    assert list(runs.columns[3:]) == list(HEADLINE_IDS)
    on = runs[runs["rules.nato_practice"]].set_index("replication")["flights_allocated"]
    off = runs[~runs["rules.nato_practice"]].set_index("replication")["flights_allocated"]
    assert (off > on).all()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), runs,
                                  check_dtype=False)
    assert (out / "figures" / "sweep.png").stat().st_size > 10_000
    report = (out / "report.md").read_text()
    assert "| rules.nato_practice | flights_allocated | flights_flown |" in report


def test_the_same_command_gives_the_same_tables_serial_or_parallel(tmp_path) -> None:
    args = ["sensitivity", "baseline-2019", "--param", "operations.planning.use_share=0.6:1.0",
            "--param", "rules.nato_practice=true|false", "--method", "morris",
            "--samples", "3", "--set", FAST]
    assert main([*args, "--jobs", "1", "-o", str(tmp_path / "a")]) == 0
    assert main([*args, "--jobs", "2", "-o", str(tmp_path / "b")]) == 0
    for name in ("runs.csv", "indices.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    indices = pd.read_csv(tmp_path / "a" / "indices.csv")
    assert list(indices.columns) == ["output", "parameter", "method", "mu_star",
                                     "mu_star_conf", "sigma"]
    flown = indices[indices["output"] == "flights_flown"].set_index("parameter")
    assert flown.loc["operations.planning.use_share", "mu_star"] > 10  # fewer flights used
    assert "What drives what" in (tmp_path / "a" / "report.md").read_text()


def test_sobol_with_a_versus_scenario(tmp_path) -> None:
    indices = simulator.sensitivity(
        "baseline-2019", {"operations.planning.use_share": (0.6, 1.0)}, method="sobol",
        samples=8, outputs=["flights_flown"], versus="after-russia-withdrawal-2022",
        overrides=(FAST,), jobs=2, output=tmp_path / "sobol")
    assert list(indices.columns) == ["output", "parameter", "method", "S1", "S1_conf", "ST",
                                     "ST_conf"]
    assert indices.loc[0, "S1"] > 0.5  # one parameter: it explains most of the variance
    runs = pd.read_csv(tmp_path / "sobol" / "runs.csv")
    assert set(runs["scenario"]) == {"baseline-2019", "after-russia-withdrawal-2022"}
    assert len(runs) == 2 * 8 * 3
    assert "minus after-russia-withdrawal-2022" in (tmp_path / "sobol" / "report.md").read_text()


def test_a_resumed_experiment_reuses_finished_points(base, tmp_path, monkeypatch) -> None:
    pts = [Point(0, (("operations.planning.use_share", "0.7"),)),
           Point(1, (("operations.planning.use_share", "0.9"),))]
    first = run_points(base, pts, 2, 5, checkpoint=tmp_path / "ck")
    assert len(list((tmp_path / "ck").glob("point-*/replication-*.json"))) == 4

    def refuse(job):
        raise AssertionError("a finished replication was run again")

    monkeypatch.setattr(points_module, "replicate", refuse)
    again = run_points(base, pts, 2, 5, checkpoint=tmp_path / "ck")
    pd.testing.assert_frame_equal(first.runs, again.runs)


def test_independent_seeds_differ_per_point(base) -> None:
    pts = [Point(i, (("operations.planning.use_share", "0.8"),)) for i in range(2)]
    common = run_points(base, pts, 1, 5)
    independent = run_points(base, pts, 1, 5, seeds="independent")
    assert common.points[0]["seed"] == common.points[1]["seed"] == 5
    assert len({p["seed"] for p in independent.points}) == 2
    assert common.runs.loc[0, "flights_flown"] == common.runs.loc[1, "flights_flown"]


def test_api_sweep_returns_runs() -> None:
    runs = simulator.sweep("baseline-2019", {"operations.planning.use_share": [0.5, 1.0]},
                           replications=1, overrides=(FAST,), jobs=1)
    assert list(runs["operations.planning.use_share"]) == [0.5, 1.0]
    assert runs.loc[0, "flights_flown"] < runs.loc[1, "flights_flown"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["sweep", "baseline-2019", "--vary", "nope.key=1,2"], "--vary nope.key=1,2: nope"),
        (["sweep", "baseline-2019"], "--vary: give at least one"),
        (["sensitivity", "baseline-2019", "--param", "rules.nato_practice=0:1"], "is a boolean"),
        (["sensitivity", "baseline-2019", "--param", "operations.planning.use_share=0.9:0.1"],
         "LOW must be less than HIGH"),
        (["sensitivity", "baseline-2019", "--param", "operations.planning.use_share=0.5:1",
          "--samples", "1"], "--samples 1: morris needs at least 2"),
        (["sensitivity", "baseline-2019", "--param", "operations.planning.use_share=0.5:1",
          "--output", "flights_flow"], "--output flights_flow: no such measure id"),
        (["sensitivity", "baseline-2019", "--param", "operations.planning.use_share=0.5:1",
          "--method", "fast"], "--method fast: must be one of"),
    ],
)
def test_bad_experiment_input_exits_2_with_one_line(args, says, capsys, tmp_path) -> None:
    assert main([*args, "-o", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "x").exists()
