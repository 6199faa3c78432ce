"""The headline measures move where the scenario moves them, and every run says how it ran."""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import pytest

from simulator.api import run
from simulator.cli.main import main
from simulator.measures.headline import access_weighted_share
from simulator.measures.pairs import pairs_frame
from simulator.outputs.comparison_folder import write_comparison
from simulator.scenario.bundled import bundled_scenarios

GEO = ("geometry.resolution_km=100",)  # coarse: the measures, not the routes, are tested


def _run(name: str, *overrides: str, geometry: bool = True):
    extra = GEO if geometry else ("geometry.enabled=false",)
    return run(bundled_scenarios()[name], replications=1, seed=1, figures=False,
               overrides=(*extra, *overrides))


def _measure(res, measure_id: str) -> float:
    row = res.headline[res.headline["measure_id"] == measure_id]
    return float(row["mean"].iloc[0])


@pytest.fixture(scope="module")
def y2021():
    return {"treaty": _run("after-us-withdrawal-2021"),
            "allies": _run("counterfactual/allies-share-with-us")}


def test_access_moves_with_the_withdrawals():
    values = {n: _measure(_run(n, geometry=False), "access_weighted_share")
              for n in ("baseline-2019", "after-us-withdrawal-2021",
                        "after-russia-withdrawal-2022")}
    # the US (observable by few under the NATO practice) leaving raises it; Russia (by almost
    # all) leaving lowers it
    assert values["after-us-withdrawal-2021"] > values["baseline-2019"]
    assert values["after-russia-withdrawal-2022"] < values["baseline-2019"] - 0.1


def test_access_weighted_share_closed_form():
    import pandas as pd

    # three parties A (area 1), B (area 3), C (area 0): B observable by A and C, A by nobody
    rows = [("A", "B", True), ("A", "C", True), ("B", "A", False), ("B", "C", True),
            ("C", "A", False), ("C", "B", True)]
    access = pd.DataFrame([{"date": "2019-01-01", "observer": a, "observed": b, "allowed": ok,
                            "reason": ""} for a, b, ok in rows])
    share = access_weighted_share(access, {"A": 1.0, "B": 3.0, "C": 0.0}, None)
    assert share == pytest.approx((1.0 * 0 + 3.0 * 1.0 + 0.0) / 4.0)


def test_headline_measures_and_the_satellite_yardstick():
    res = _run("baseline-2019")
    ids = list(res.headline["measure_id"])
    assert len(ids) >= 12 and len(ids) == len(set(ids))
    assert _measure(res, "satellite_equivalent_days") > 0
    assert _measure(res, "imaged_km2") == pytest.approx(
        _measure(res, "satellite_equivalent_days") * 680_000)
    after = _run("after-russia-withdrawal-2022", geometry=False)
    assert math.isnan(_measure(after, "imaged_share_RUS"))  # no subject: n/a, not 0
    assert math.isnan(_measure(after, "shared_km2_USA_of_RUS"))


def test_sharing_with_the_us_after_it_left(y2021):
    assert _measure(y2021["treaty"], "shared_km2_USA_of_RUS") == 0
    assert _measure(y2021["allies"], "shared_km2_USA_of_RUS") > 0


def test_pairs_count_each_observer_of_a_flight():
    res = _run("baseline-2019", geometry=False)
    pairs = res.pairs
    counted = res.missions[res.missions["counted"].astype(bool)]
    joint = counted["joint_with"].fillna("").str.split().str.len().sum()
    assert pairs["flights_flown"].sum() == len(counted) + joint
    assert pairs["flights_allocated"].sum() == res.quotas["flights"].sum()
    again = pairs_frame(res.quotas, res.missions.assign(joint_with=float("nan")))
    assert again["flights_flown"].sum() == len(counted)  # a CSV read back: empty is NaN


def test_overrides_and_the_command_are_recorded(tmp_path: Path, capsys):
    out = tmp_path / "r"
    code = main(["run", "baseline-2019", "--replications", "1", "--seed", "5", "--set",
                 "rules.nato_practice=false", "--set", "geometry.enabled=false", "-o", str(out)])
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["overrides"] == ["rules.nato_practice=false", "geometry.enabled=false"]
    assert manifest["command"][:2] == ["openskies", "run"]
    saved = tomllib.loads((out / "scenario.toml").read_text())
    assert saved["run"] == {**saved["run"], "replications": 1, "seed": 5}
    assert saved["rules"]["nato_practice"] is False
    report = (out / "report.md").read_text()
    assert "`rules.nato_practice=false`" in report and "1 replication, seed 5" in report
    assert (out / "headline.csv").exists() and (out / "pairs.csv").exists()


def test_a_comparison_folder_has_its_manifest_and_headline(tmp_path: Path):
    a = _run("baseline-2019", geometry=False)
    b = _run("after-russia-withdrawal-2022", geometry=False)
    out = write_comparison({"2019": a, "2022": b}, tmp_path / "c", command=["openskies", "x"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["label"] for s in manifest["scenarios"]] == ["2019", "2022"]
    assert all(s["replications"] == 1 and s["seed"] == 1 for s in manifest["scenarios"])
    import pandas as pd

    table = pd.read_csv(out / "headline.csv", dtype={"scenario": str})
    assert set(table["scenario"]) == {"2019", "2022"}
    assert table.groupby("scenario")["measure_id"].nunique().min() >= 12
    report = (out / "report.md").read_text()
    assert "1 replications (seed 1)" in report and "n/a" in report
    assert "RUS left" in report


def test_a_comparison_reuses_the_maps_its_runs_drew(y2021, tmp_path: Path):
    """A run's imaged-cells map and the first run's timeline are the comparison's too: drawn
    and rendered once, and the same PNG in both folders."""
    from simulator.outputs.comparison_report import comparison
    from simulator.outputs.maps import imaged_cells_map
    from simulator.outputs.report import attach_report
    from simulator.scenario.load import load_scenario

    for name, res in (("after-us-withdrawal-2021", y2021["treaty"]),
                      ("counterfactual/allies-share-with-us", y2021["allies"])):
        attach_report(res, load_scenario(name, GEO))
    results = {"treaty": y2021["treaty"], "allies": y2021["allies"]}
    _, figures, _ = comparison(results)
    for label, res in results.items():
        assert figures[f"map_imaged_cells_{label}"] is res.figures["map_imaged_cells"]
    assert figures["mission_timeline"] is y2021["treaty"].figures["mission_timeline"]
    out = write_comparison(results, tmp_path / "c")
    for label in results:
        assert (out / "figures" / f"map_imaged_cells_{label}.png").read_bytes() == \
            (out / label / "figures" / "map_imaged_cells.png").read_bytes()
    # the run's map is the one the comparison would have drawn
    import io

    fresh, kept = io.BytesIO(), io.BytesIO()
    for fig, buffer in ((imaged_cells_map(y2021["allies"]), fresh),
                        (y2021["allies"].figures["map_imaged_cells"], kept)):
        fig.savefig(buffer, format="png", dpi=40, metadata={"Software": None})
    assert fresh.getvalue() == kept.getvalue()
