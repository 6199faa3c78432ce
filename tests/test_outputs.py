"""What the bundled scenarios produce: treaty facts in the outputs, golden summaries, folders.

Golden values live in ``tests/golden_summaries.json``. After a deliberate change to the model,
regenerate them with ``OPENSKIES_UPDATE_GOLDEN=1 pytest tests/test_outputs.py`` and review the
diff like any other change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from simulator.api import run
from simulator.outputs.folders import OutputError
from simulator.outputs.result import load_result
from simulator.outputs.routes_geojson import PROPERTIES as ROUTE_PROPERTIES
from simulator.outputs.routes_geojson import split_at_antimeridian
from simulator.scenario.bundled import bundled_scenarios
from simulator.treaty import load_registry

GOLDEN = Path(__file__).with_name("golden_summaries.json")
FAST = ("geometry.enabled=false",)


def fast_run(name: str, *extra: str, replications: int = 1):
    return run(
        bundled_scenarios()[name], replications=replications, overrides=FAST + extra, figures=False
    )


@pytest.fixture(scope="module")
def runs():
    names = [n for n in bundled_scenarios() if n != "history-2002-2024"]
    out = {n: fast_run(n) for n in names}
    out["history-2002-2024"] = fast_run("history-2002-2024", replications=2)
    return out


def involved(row) -> set[str]:
    return {row["observer"], row["observed"], *str(row["joint_with"] or "").split()}


def flown(missions):
    return missions[missions["status"].isin(["completed", "curtailed"])]


def test_no_flights_over_or_by_the_us_in_2021(runs) -> None:
    m = flown(runs["after-us-withdrawal-2021"].missions)
    assert len(m) > 50
    assert not any("USA" in involved(r) for _, r in m.iterrows())
    q = runs["after-us-withdrawal-2021"].quotas
    assert not ((q["observer"] == "USA") | (q["observed"] == "USA")).any()


def test_no_flights_over_or_by_russia_in_2022(runs) -> None:
    res = runs["after-russia-withdrawal-2022"]
    m = flown(res.missions)
    assert len(m) > 20
    assert not any({"BY-RU", "RUS"} & involved(r) for _, r in m.iterrows())
    assert "RUS" not in set(res.coverage["state"])
    assert "RUS" not in set(res.access["observer"]) | set(res.access["observed"])


def test_finland_and_sweden_are_not_observed_by_or_observing_nato_in_2024(runs) -> None:
    reg = load_registry()
    m = flown(runs["nato-enlarged-2024"].missions)
    for _, r in m.iterrows():
        if {"FIN", "SWE"} & involved(r):
            others = involved(r) - {"FIN", "SWE"}
            assert all(not reg.holder_is_nato(o, "2024-06-01") for o in others), r.to_dict()
    access = runs["nato-enlarged-2024"].access
    late = access[(access["date"] == access["date"].max())]
    pairs = late[(late["observer"] == "FIN") & (late["observed"] == "DEU")]
    assert (
        pairs.iloc[0]["allowed"] in (False, "False") and pairs.iloc[0]["reason"] == "nato_practice"
    )


def test_counterfactuals_change_what_they_should(runs) -> None:
    us = flown(runs["counterfactual/us-stays"].missions)
    assert any("USA" in involved(r) for _, r in us.iterrows())
    ru = flown(runs["counterfactual/russia-stays"].missions)
    assert any("BY-RU" in involved(r) for _, r in ru.iterrows())
    blr = runs["counterfactual/belarus-leaves-too"].coverage
    assert "BLR" not in set(blr["state"])
    off = runs["counterfactual/nato-practice-off"].quotas
    reg = load_registry()
    assert any(
        reg.holder_is_nato(r["observer"], "2019-06-01")
        and reg.holder_is_nato(r["observed"], "2019-06-01")
        for _, r in off.iterrows()
    )


def _headline(res) -> dict:
    out = {}
    for year, v in res.summary["per_year"].items():
        out[year] = {
            "allocated": v["quota_flights_allocated"],
            "counted_mean": round(v["flights_counted"]["mean"], 2),
            "planned_mean": round(v["missions_planned"]["mean"], 2),
        }
    return out


def test_golden_summaries(runs) -> None:
    got = {name: _headline(res) for name, res in sorted(runs.items())}
    if os.environ.get("OPENSKIES_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert got == expected


def test_results_folder_is_complete_atomic_and_guarded(tmp_path: Path, runs) -> None:
    res = runs["baseline-2019"]
    out = res.save(tmp_path / "r")
    names = {p.name for p in out.iterdir()}
    assert {
        "scenario.toml",
        "manifest.json",
        "quotas.csv",
        "missions.csv",
        "coverage.csv",
        "access.csv",
        "routes.geojson",
        "summary.json",
        "figures",
        "report.md",
    } <= names
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    back = load_result(out)
    assert list(back.missions.columns)[:3] == ["replication", "mission_id", "year"]
    assert len(back.missions) == len(res.missions)
    with pytest.raises(OutputError, match="not empty"):
        res.save(out)
    res.save(out, force=True)  # our own folder may be replaced with force
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("precious")
    with pytest.raises(OutputError, match="refusing"):
        res.save(foreign, force=True)
    assert (foreign / "notes.txt").read_text() == "precious"


@pytest.fixture(scope="module")
def geometry_run():
    return run(
        bundled_scenarios()["baseline-2019"],
        replications=1,
        seed=1,
        overrides=("geometry.resolution_km=50",),
        figures=False,
    )


def test_routes_geojson_holds_every_flown_track(geometry_run, tmp_path: Path) -> None:
    from pyproj import Geod

    out = geometry_run.save(tmp_path / "g")
    collection = json.loads((out / "routes.geojson").read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    m = geometry_run.missions
    flown = m[m["status"].isin(["completed", "curtailed"])]
    assert len(collection["features"]) == len(flown) > 50
    geod = Geod(ellps="WGS84")
    for feature in collection["features"]:
        props, geom = feature["properties"], feature["geometry"]
        assert set(props) == set(ROUTE_PROPERTIES)
        parts = [geom["coordinates"]] if geom["type"] == "LineString" else geom["coordinates"]
        length = 0.0
        for part in parts:
            assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in part)
            lons, lats = zip(*part, strict=True)
            length += geod.line_length(lons, lats) / 1000.0
        # the track is the route flown with sensors on: the distance less the transit legs
        flown = props["distance_km"] - props["transit_km"]
        assert abs(length - flown) <= 0.02 * props["distance_km"] + 5, props


def test_tracks_are_split_at_the_antimeridian() -> None:
    parts = split_at_antimeridian([[178.0, 65.0], [-178.0, 66.0], [-175.0, 66.0]])
    assert parts == [
        [[178.0, 65.0], [180.0, 65.5]],
        [[-180.0, 65.5], [-178.0, 66.0], [-175.0, 66.0]],
    ]


def test_a_group_flight_counts_for_the_members_it_overflew(geometry_run) -> None:
    # With geometry a flight over Belarus-Russia is received by the member states its footprint
    # covered, not by both; summed over states the flights received stay close to the counted.
    result = geometry_run
    coverage = result.coverage.set_index("state")
    counted = int(result.missions["counted"].astype(bool).sum())
    received = int(coverage["flights_received"].sum())
    assert counted <= received <= 1.15 * counted
    over_group = int(
        (result.missions["counted"].astype(bool) & result.missions["observed"].eq("BY-RU")).sum()
    )
    assert coverage.loc["RUS", "flights_received"] <= over_group
    assert coverage.loc["BLR", "flights_received"] < over_group / 2
    if coverage.loc["BLR", "flights_received"] == 0:
        assert coverage.loc["BLR", "imaged_km2"] == 0


def test_docs_define_every_column() -> None:
    from simulator.engine.records import COVERAGE_COLUMNS, MISSION_COLUMNS
    from simulator.measures.cumulative import CUMULATIVE_COLUMNS
    from simulator.measures.headline import HEADLINE_COLUMNS
    from simulator.measures.pairs import PAIRS_COLUMNS
    from simulator.outputs.result import ACCESS_COLUMNS, QUOTA_CSV_COLUMNS, SHARING_COLUMNS

    text = (Path(__file__).parent.parent / "docs" / "measures.md").read_text(encoding="utf-8")
    columns = {*MISSION_COLUMNS, *COVERAGE_COLUMNS, *QUOTA_CSV_COLUMNS, *ACCESS_COLUMNS,
               *SHARING_COLUMNS, *ROUTE_PROPERTIES, *HEADLINE_COLUMNS, *PAIRS_COLUMNS,
               *CUMULATIVE_COLUMNS}
    res = run(bundled_scenarios()["baseline-2019"], replications=1, seed=1, figures=False,
              overrides=("geometry.enabled=false",))
    ids = set(res.headline["measure_id"])
    assert len(ids) >= 12
    for measure_id in sorted(ids):  # a family such as imaged_share_RUS is named by its first
        family = measure_id.rsplit("_", 1)[0] + "_RUS"
        assert f"`{measure_id}`" in text or f"`{family}`" in text, measure_id
    missing = sorted(c for c in columns if f"`{c}`" not in text)
    assert not missing, f"docs/measures.md does not define {missing}"
