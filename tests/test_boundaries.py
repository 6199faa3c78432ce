"""Boundary trees: the same clearances built, read from the disk cache or rebuilt from a
damaged entry, shared by lists of parties with the same neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.geo import boundaries as bd
from simulator.geo import load_territories


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENSKIES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENSKIES_NO_CACHE", raising=False)
    return tmp_path / "cache" / "boundaries"


def _same(a: bd.Boundaries, b: bd.Boundaries) -> bool:
    if len(a.clearances) != len(b.clearances) or a.coarse_gap_km != b.coarse_gap_km:
        return False
    for x, y in zip(a.clearances, b.clearances, strict=True):
        if (x.name, x.kind, x.clearance_km, x.coarse_gap_km) != \
                (y.name, y.kind, y.clearance_km, y.coarse_gap_km):
            return False
        if (x.tree is None) != (y.tree is None):
            return False
        if x.tree is not None and not np.array_equal(x.tree.data, y.tree.data):
            return False
    return np.array_equal(a.coarse.data, b.coarse.data)


def test_built_cached_and_rebuilt_boundaries_are_identical(cache, monkeypatch) -> None:
    terr = load_territories(100.0)
    grid = terr.grid(("GEO",))
    parties = sorted(terr.party_codes)
    built = bd.boundaries(grid, parties, ())
    files = sorted(cache.glob("*.pkl"))
    assert files, "the clearances were not written to the cache"
    assert {c.kind for c in built.clearances} == {"non_party", "foreign_land"}
    assert built.clearances[0].clearance_km == bd.NON_PARTY_CLEARANCE_KM

    def fail(*_a, **_k):
        raise AssertionError("built again although the cache holds it")

    with monkeypatch.context() as m:
        m.setattr(bd, "_clearance", fail)
        read = bd.boundaries(grid, parties, ())
    assert _same(built, read)

    for f in files:
        f.write_bytes(b"not a pickle")
    assert _same(built, bd.boundaries(grid, parties, ()))
    # a list of parties that differs only far from the grid shares the cached trees
    far = [p for p in parties if p not in ("USA", "CAN")]
    before = len(list(cache.glob("*.pkl")))
    assert _same(built, bd.boundaries(grid, far, ()))
    assert len(list(cache.glob("*.pkl"))) == before


def test_without_a_cache_nothing_is_written(cache, monkeypatch) -> None:
    monkeypatch.setenv("OPENSKIES_NO_CACHE", "1")
    grid = load_territories(100.0).grid(("GEO",))
    bd.boundaries(grid, None, ())
    assert not cache.exists() or not list(cache.glob("*.pkl"))
