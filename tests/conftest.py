"""Shared fixtures: small, fast, and built from the bundled data."""

from __future__ import annotations

import pytest

from simulator.treaty import Registry, load_registry


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The registry built from the bundled treaty data."""
    return load_registry()
