"""The footprints of a route's legs, one by one, kept in the disk cache.

A curtailed flight images the legs it flew whole and part of the next one
(:func:`~simulator.geo.route_checks.curtailed_footprint`). Library routes are flown again and
again, in every process of an ensemble, so the footprints of their legs are computed once per
route, grid and swath and stored; a new process reads them instead of computing them again.
An entry is keyed by everything a leg's footprint depends on (the grid, the waypoints, which
legs are transit, the swath); a damaged or foreign entry is computed again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np

from simulator.geo.cache import cache_dir, load_npz, save_npz_atomic
from simulator.geo.grid import StateGrid

LEGS_VERSION = 1  # of the stored leg footprints: bump when the footprint of a leg changes

Cells = tuple[np.ndarray, np.ndarray]  # local cells and their sub-point words


def whole_legs(grid: StateGrid, waypoints: Sequence[tuple[float, float]],
               transit: Sequence[bool], swath_km: float,
               leg: Callable[[int], Cells | None]) -> list[Cells | None]:
    """The footprints of every leg but the last (``leg(k)``; None for a transit leg), from the
    disk cache when it holds them, else computed and stored."""
    count = max(len(waypoints) - 2, 0)  # the last leg is never flown whole before another
    path = cache_dir() / "legs" / f"v{LEGS_VERSION}-{_key(grid, waypoints, transit, swath_km)}.npz"
    data = load_npz(path)
    if data is not None and "count" in data and int(data["count"]) == count:
        try:
            return [(data[f"c{k}"], data[f"b{k}"]) if f"c{k}" in data else None
                    for k in range(count)]
        except KeyError:
            pass  # damaged: compute again
    legs = [leg(k) for k in range(count)]
    arrays: dict[str, np.ndarray] = {"count": np.asarray(count)}
    for k, found in enumerate(legs):
        if found is not None:
            arrays[f"c{k}"], arrays[f"b{k}"] = found
    save_npz_atomic(path, **arrays)
    return legs


def _key(grid: StateGrid, waypoints: Sequence[tuple[float, float]], transit: Sequence[bool],
         swath_km: float) -> str:
    text = repr((grid.digest, tuple((float(a), float(b)) for a, b in waypoints),
                 tuple(bool(t) for t in transit), float(swath_km)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
