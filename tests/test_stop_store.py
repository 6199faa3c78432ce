"""Stop budgets in the disk cache: the numbers stop_budget gives, read back without building
the clearance rules, and computed again when an entry is damaged."""

from __future__ import annotations

import pytest

from simulator.geo import Stop, kaliningrad_sublimit, load_territories, route_rules
from simulator.geo import stop_store as ss
from simulator.geo.transit import stop_budget

KUBINKA = (55.60833, 36.65278)
KHRABROVO = Stop("RUS-kaliningrad-khrabrovo", 54.89, 20.59)
PARTIES = ("BLR", "EST", "LTU", "LVA", "POL", "RUS", "UKR")


@pytest.fixture()
def cache(empty_cache):
    ss._KNOWN.clear()  # budgets this process has seen
    yield empty_cache
    ss._KNOWN.clear()


def _no_rules(*_args, **_kwargs):
    raise AssertionError("the budget should have come from the cache")


def test_a_stored_budget_is_the_computed_one_and_needs_no_rules(cache, monkeypatch) -> None:
    terr = load_territories(25.0)
    grid = terr.grid(("RUS",))
    caps = (kaliningrad_sublimit(terr),)
    full = stop_budget(grid, KUBINKA, KHRABROVO, 5500.0, route_rules(grid, PARTIES, caps))
    assert full is not None
    first = ss.loop_budget(grid, PARTIES, caps, KUBINKA, KHRABROVO, 5500.0)
    assert first == (full[1], full[2]) and first[1] <= 500.0  # Kaliningrad's sub-limit
    assert len(list((cache / "stops").iterdir())) == 1
    ss._KNOWN.clear()
    monkeypatch.setattr(ss, "route_rules", _no_rules)
    assert ss.loop_budget(grid, PARTIES, caps, KUBINKA, KHRABROVO, 5500.0) == first
    # another distance is another problem
    with pytest.raises(AssertionError, match="from the cache"):
        ss.loop_budget(grid, PARTIES, caps, KUBINKA, KHRABROVO, 5000.0)


def test_out_of_reach_is_stored_and_a_damaged_entry_recomputed(cache) -> None:
    grid = load_territories(25.0).grid(("RUS",))
    def far():  # 1,050 km each way, all of it charged
        return ss.loop_budget(grid, PARTIES, (), KUBINKA, KHRABROVO, 1500.0,
                              transit_charge="full")

    assert far() is None
    (entry,) = (cache / "stops").iterdir()
    ss._KNOWN.clear()
    assert far() is None
    entry.write_bytes(b"{not json")
    ss._KNOWN.clear()
    assert far() is None
    assert entry.read_bytes().startswith(b'{"key"')
