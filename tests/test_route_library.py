"""Route libraries: deterministic candidates that obey every rule, the same from memory, from
disk or rebuilt, and whole runs that give the same tables whether the cache was cold or warm."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.api import run
from simulator.geo import load_territories, plan_route
from simulator.geo import route_library as rl
from simulator.geo.coverage import CoverageTracker
from simulator.outputs.result import write_csv
from simulator.scenario.bundled import bundled_scenarios

WUNSTORF = (52.457, 9.427)


@pytest.fixture()
def cold(tmp_path, monkeypatch):
    """An empty disk cache and no library in memory."""
    monkeypatch.setenv("OPENSKIES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENSKIES_NO_CACHE", raising=False)
    rl._LIBRARIES.clear()
    yield tmp_path
    rl._LIBRARIES.clear()


def _germany():
    grid = load_territories(50.0).grid(("DEU",))

    def plan(imaged, rng):
        return plan_route(grid, WUNSTORF, 1300.0, 7.7, imaged=imaged, rng=rng,
                          beam_width=3, n_bearings=8)

    key = rl.library_key(grid, ("test", WUNSTORF, 1300.0, 7.7), (), None)
    return grid, plan, key


def _same(a, b) -> bool:
    return (a.waypoints == b.waypoints and np.array_equal(a.cells, b.cells)
            and np.array_equal(a.bits, b.bits) and a.length_km == b.length_km)


def test_candidates_obey_the_rules_and_tile_the_territory(cold) -> None:
    grid, plan, key = _germany()
    routes = rl.library(key, grid, plan).candidates(4)
    assert len(routes) == 4
    assert all(not r.violations and r.length_km <= 1300.0 for r in routes)
    union = CoverageTracker(grid)
    for r in routes:
        union.add(r.cells, r.bits)
    assert union.imaged_km2 > 0.8 * sum(r.imaged_km2 for r in routes)  # little overlap


def test_the_same_candidates_from_memory_disk_or_a_rebuild(cold, monkeypatch, tmp_path) -> None:
    grid, plan, key = _germany()
    built = rl.library(key, grid, plan).candidates(3)
    rl._LIBRARIES.clear()
    loaded = rl.library(key, grid, plan)
    assert len(loaded.routes) == 3  # read from disk, nothing planned
    extended = loaded.candidates(5)
    monkeypatch.setenv("OPENSKIES_CACHE_DIR", str(tmp_path / "other"))
    rl._LIBRARIES.clear()
    rebuilt = rl.library(key, grid, plan).candidates(5)
    assert all(_same(a, b) for a, b in zip(built, extended[:3], strict=True))
    assert all(_same(a, b) for a, b in zip(extended, rebuilt, strict=True))


def test_a_flight_picks_the_candidate_that_adds_most(cold) -> None:
    grid, plan, key = _germany()
    routes = rl.library(key, grid, plan).candidates(3)
    imaged = CoverageTracker(grid)
    imaged.add(routes[0].cells, routes[0].bits)
    gains = rl.gains(routes, imaged.bits, grid, None)
    assert gains[0] == 0 and gains[1] > 0
    assert rl.pick(routes, imaged.bits, grid, None) is routes[int(np.argmax(gains))]
    assert rl.pick([], imaged.bits, grid, None) is None


def test_a_damaged_cache_file_is_rebuilt(cold) -> None:
    grid, plan, key = _germany()
    first = rl.library(key, grid, plan).candidates(2)
    rl._path(key).write_bytes(b"not an npz")
    rl._LIBRARIES.clear()
    again = rl.library(key, grid, plan)
    assert again.routes == [] and all(
        _same(a, b) for a, b in zip(first, again.candidates(2), strict=True))


def test_a_library_in_the_old_layout_is_read_and_rewritten(cold) -> None:
    from simulator.geo.cache import save_npz_atomic

    grid, plan, key = _germany()
    built = rl.library(key, grid, plan).candidates(3)
    new = rl._path(key)
    arrays = {"meta": np.load(new)["meta"]}
    for i, r in enumerate(built):  # layout 1: three arrays per candidate
        arrays[f"c{i}"], arrays[f"b{i}"], arrays[f"s{i}"] = r.cells, r.bits, r.sar_bits
    new.unlink()
    old = rl._path(key, layout=1)
    save_npz_atomic(old, **arrays)
    rl._LIBRARIES.clear()
    loaded = rl.library(key, grid, plan).routes
    assert len(loaded) == 3 and all(_same(a, b) for a, b in zip(built, loaded, strict=True))
    assert new.exists() and not old.exists()
    rl._LIBRARIES.clear()
    assert all(_same(a, b) for a, b in zip(built, rl.library(key, grid, plan).routes,
                                           strict=True))


def test_runs_are_identical_with_a_cold_or_a_warm_cache(cold, tmp_path) -> None:
    path = bundled_scenarios()["baseline-2019"]
    coarse = ("geometry.resolution_km=100",)

    def tables(tag: str) -> dict[str, bytes]:
        res = run(path, replications=2, seed=3, overrides=coarse, jobs=1, figures=False)
        out = {}
        for name in ("missions", "coverage", "sharing"):
            target = tmp_path / f"{tag}-{name}.csv"
            write_csv(getattr(res, name), target)
            out[name] = target.read_bytes()
        return out

    cold_run = tables("cold")
    warm_memory = tables("memory")
    rl._LIBRARIES.clear()
    warm_disk = tables("disk")
    assert cold_run == warm_memory == warm_disk
    assert b"imaged" in cold_run["coverage"]
