"""Shared fixtures: small, fast, and built from the bundled data."""

from __future__ import annotations

import pytest

from simulator.treaty import Registry, load_registry


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The registry built from the bundled treaty data."""
    return load_registry()


@pytest.fixture(scope="module")
def isolated_geo_cache(tmp_path_factory):
    """Point the geography's mask cache at a fresh folder for one test module, so masks are
    built (and the cache code exercised) from cold."""
    mp = pytest.MonkeyPatch()
    mp.setenv("OPENSKIES_CACHE_DIR", str(tmp_path_factory.mktemp("geo-cache")))
    yield
    mp.undo()


@pytest.fixture()
def empty_cache(tmp_path, monkeypatch):
    """An empty disk cache folder for one test, with the cache in use."""
    monkeypatch.setenv("OPENSKIES_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("OPENSKIES_NO_CACHE", raising=False)
    return tmp_path
