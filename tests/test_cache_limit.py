"""The disk cache is kept under its size limit by deleting the entries used least recently,
and what it deletes is rebuilt when it is needed again."""

from __future__ import annotations

import os

import numpy as np
import pytest

from simulator.geo import cache


@pytest.fixture()
def root(empty_cache):
    cache._written.clear()  # this process's running size of each cache folder
    yield empty_cache
    cache._written.clear()


def _entry(root, name: str, kb: int, age_s: float):
    path = root / "legs" / name
    cache.save_bytes_atomic(path, b"x" * (kb * 1000))
    when = path.stat().st_mtime - age_s
    os.utime(path, (when, when))
    return path


def test_the_least_recently_used_entries_go_first(root, monkeypatch) -> None:
    monkeypatch.setenv("OPENSKIES_CACHE_MAX_MB", "1")
    old, mid, new = (_entry(root, n, 300, a) for n, a in (("a", 300), ("b", 200), ("c", 100)))
    assert cache.load_bytes(old) is not None  # reading it makes it the most recent
    newest = root / "routes" / "d.npz"
    cache.save_npz_atomic(newest, x=np.zeros(40_000))  # 320 kB: 1.22 MB in all, over 1 MB
    assert old.exists() and newest.exists()
    assert not mid.exists()  # the least recently used goes first ...
    assert not new.exists()  # ... until the cache is under 0.75 MB
    assert cache.prune(root, cache.max_bytes()) < 0.75e6


def test_under_the_limit_nothing_is_deleted_and_a_bad_limit_is_the_default(root, monkeypatch):
    monkeypatch.setenv("OPENSKIES_CACHE_MAX_MB", "not a number")
    assert cache.max_bytes() == cache.DEFAULT_MAX_MB * 1e6
    paths = [_entry(root, n, 10, a) for n, a in (("a", 30), ("b", 20))]
    assert all(p.exists() for p in paths)
    assert cache.prune(root, 15_000) < 15_000 and paths[1].exists() and not paths[0].exists()
