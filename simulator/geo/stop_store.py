"""The budgets of missions through a refuelling stop, kept in the disk cache.

Weighing an airfield option through a stop needs the distance its transit legs leave
(:func:`~simulator.geo.transit.stop_budget`), which takes the clearance rules: k-d trees of
every boundary, the costliest thing a new worker would otherwise build or read when its route
libraries are already on disk. So the two numbers weighing uses are stored per problem (the
grid, the parties, the restrictions, the airfield, the stop, the distance and the budget
rules) and computed, with the rules, only when they are missing or unreadable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from simulator.geo.boundaries import BOUNDARIES_VERSION
from simulator.geo.cache import cache_dir, load_bytes, save_bytes_atomic
from simulator.geo.grid import StateGrid
from simulator.geo.restrictions import Restriction, fingerprint
from simulator.geo.route_types import BudgetBasis, TransitCharge, route_rules
from simulator.geo.transit import DOGLEG_KM, MIN_LOOP_KM, TRANSIT_STEP_KM, Stop, stop_budget
from simulator.memo import IdentityMemo

STOPS_VERSION = 1  # of the stored budgets: bump when stop_budget or its rules change

Budget = tuple[float, float] | None  # (distance left after transit, the loop's) or out of reach
_KNOWN: dict[str, Budget] = {}
_KEYS: IdentityMemo[str] = IdentityMemo(1024)  # per grid and restriction objects (cached)


def loop_budget(grid: StateGrid, parties: Sequence[str] | None,
                restrictions: Sequence[Restriction], start: tuple[float, float], stop: Stop,
                max_distance_km: float, budget_basis: BudgetBasis = "route",
                transit_charge: TransitCharge = "territory") -> Budget:
    """:func:`~simulator.geo.transit.stop_budget`'s pool and loop distance (None: the stop is
    out of reach or leaves no loop), from memory, else the disk cache, else computed."""
    values = (None if parties is None else tuple(parties), tuple(start), stop,
              float(max_distance_km), budget_basis, transit_charge)
    key = _KEYS.get((grid, *restrictions), values, lambda: _key(
        grid, parties, restrictions, start, stop, max_distance_km, budget_basis, transit_charge))
    if key in _KNOWN:
        return _KNOWN[key]
    path = cache_dir() / "stops" / f"v{STOPS_VERSION}-{key[:32]}.json"
    found = _read(load_bytes(path), key)
    if found is False:
        rules = route_rules(grid, parties, restrictions)
        full = stop_budget(grid, start, stop, max_distance_km, rules, budget_basis,
                           transit_charge)
        found = None if full is None else (float(full[1]), float(full[2]))
        text = {"key": key, "budget": None if found is None else list(found)}
        save_bytes_atomic(path, json.dumps(text).encode())
    if len(_KNOWN) >= 1024:
        _KNOWN.pop(next(iter(_KNOWN)))
    _KNOWN[key] = found
    return found


def _read(data: bytes | None, key: str) -> Budget | bool:
    """The stored budget, or False if there is none (missing, damaged or another key's)."""
    if data is None:
        return False
    try:
        text = json.loads(data.decode())
        if text["key"] != key:
            return False
        budget = text["budget"]
        return None if budget is None else (float(budget[0]), float(budget[1]))
    except (ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
        return False


def _key(grid: StateGrid, parties: Sequence[str] | None, restrictions: Sequence[Restriction],
         start: tuple[float, float], stop: Stop, max_distance_km: float, budget_basis: str,
         transit_charge: str) -> str:
    text = repr((STOPS_VERSION, BOUNDARIES_VERSION, grid.digest,
                 None if parties is None else tuple(sorted(parties)),
                 tuple(fingerprint(r) for r in restrictions),
                 (float(start[0]), float(start[1])), stop, float(max_distance_km),
                 budget_basis, transit_charge, DOGLEG_KM, TRANSIT_STEP_KM, MIN_LOOP_KM))
    return hashlib.sha256(text.encode()).hexdigest()


__all__ = ["loop_budget"]
