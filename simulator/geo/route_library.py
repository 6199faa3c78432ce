"""Route libraries: for one planning problem (a grid, an airfield and its distance, a swath, the
parties, the restrictions and the priorities in force), a deterministic sequence of candidate
routes, built once, cached in memory and on disk, from which each flight picks the one that adds
the most priority-weighted new area (bitset arithmetic) instead of running a beam search.

Candidate ``i`` is the planner's route (every rule and the 1 km geodesic re-check included)
against the union of candidates ``0 .. i-1`` (so the candidates tile the reachable territory),
with a generator seeded from the problem's key and ``i`` alone. A library's content therefore
never depends on who built it, when, or whether a cache was warm; and a flight that looks at the
first ``n`` candidates sees the same routes in every process.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.geo.cache import cache_dir, load_npz, save_npz_atomic
from simulator.geo.coverage import CoverageTracker
from simulator.geo.grid import NSUB, StateGrid, popcount
from simulator.geo.restrictions import Restriction
from simulator.geo.restrictions import fingerprint as restriction_fingerprint
from simulator.geo.route_types import Route
from simulator.memo import IdentityMemo

LIBRARY_VERSION = 2  # part of every key: a change to the planner or to this file bumps it
EXTRA_CANDIDATES = 4  # a flight looks at (flights already taken from the library) + this many
MAX_LIBRARIES = 512  # kept in memory per process

Planner = Callable[[CoverageTracker, np.random.Generator], Route | None]
_LIBRARIES: dict[str, RouteLibrary] = {}
_KEYS: IdentityMemo[str] = IdentityMemo(MAX_LIBRARIES)
_WEIGHTS: IdentityMemo[np.ndarray] = IdentityMemo(4096)

_SCALARS = ("length_km", "length_over_territory_km", "imaged_km2", "new_km2", "value", "swath_km",
            "sar_swath_km", "max_distance_km", "transit_km")


def library_key(grid: StateGrid, parts: Sequence[Any], restrictions: Sequence[Restriction],
                priority: np.ndarray | None) -> str:
    """A hex digest of everything a candidate depends on (memoised for the same grid,
    restriction and priority objects, which are cached and immutable)."""
    return _KEYS.get((grid, priority, *restrictions), tuple(parts),
                     lambda: _digest(grid, parts, restrictions, priority))


def _digest(grid: StateGrid, parts: Sequence[Any], restrictions: Sequence[Restriction],
            priority: np.ndarray | None) -> str:
    text = repr((LIBRARY_VERSION, grid.codes, grid.n_cells, float(grid.total_area_km2),
                 tuple(parts), tuple(restriction_fingerprint(r) for r in restrictions)))
    digest = hashlib.sha256(text.encode())
    if priority is not None:
        digest.update(np.ascontiguousarray(priority, np.float64).tobytes())
    return digest.hexdigest()


@dataclass
class RouteLibrary:
    """The candidates of one planning problem, extended on demand."""

    key: str
    grid: StateGrid
    plan: Planner
    routes: list[Route] = field(default_factory=list)
    exhausted: bool = False  # the planner found no further route (or none at all)

    def __post_init__(self) -> None:
        self._tiling = CoverageTracker(self.grid)
        for route in self.routes:
            self._tiling.add(route.cells, route.bits)

    def candidates(self, n: int) -> list[Route]:
        """The first ``n`` candidates (fewer if the planner ran out), building what is missing."""
        grown = False
        while len(self.routes) < n and not self.exhausted:
            rng = np.random.default_rng(
                np.random.SeedSequence([int(self.key[:16], 16), len(self.routes)]))
            route = self.plan(self._tiling, rng)
            if route is None or route.length_km <= 0:
                self.exhausted = True
            else:
                self.routes.append(route)
                self._tiling.add(route.cells, route.bits)
            grown = True
        if grown:
            _save(self.key, self.routes, self.exhausted)
        return self.routes[:n]


def library(key: str, grid: StateGrid, plan: Planner) -> RouteLibrary:
    """The library for ``key``: from memory, else from the disk cache, else empty."""
    lib = _LIBRARIES.get(key)
    if lib is None:
        if len(_LIBRARIES) >= MAX_LIBRARIES:
            _LIBRARIES.pop(next(iter(_LIBRARIES)))
        routes, exhausted = _load(key)
        lib = _LIBRARIES[key] = RouteLibrary(key, grid, plan, routes, exhausted)
    return lib


def gains(candidates: Sequence[Route], imaged: np.ndarray, grid: StateGrid,
          priority: np.ndarray | None) -> np.ndarray:
    """Priority-weighted km² each candidate would add to ``imaged`` (sub-point words per cell)."""
    out = np.zeros(len(candidates))
    for i, route in enumerate(candidates):
        if len(route.cells) == 0:
            continue
        new = route.bits & ~imaged[route.cells]
        out[i] = float(np.sum(_weights(route, grid, priority) * popcount(new)))
    return out


def _weights(route: Route, grid: StateGrid, priority: np.ndarray | None) -> np.ndarray:
    """Per cell of ``route``, the priority-weighted km² of one sub-point (memoised per route and
    cached, read-only priority: a candidate is weighed for every flight that looks at it)."""

    def compute() -> np.ndarray:
        weight = grid.quad_area_km2[route.cells] / NSUB
        return weight if priority is None else weight * priority[route.cells]

    if priority is not None and priority.flags.writeable:  # a one-off array: no memo
        return compute()
    return _WEIGHTS.get((route, priority), None, compute)


@dataclass(frozen=True, eq=False)
class _Stack:
    """A library's candidates end to end: their cells and words, each element's candidate, and
    where each candidate ends (so the first ``n`` candidates are a prefix)."""

    cells: np.ndarray
    bits: np.ndarray
    owner: np.ndarray
    ends: np.ndarray

    @classmethod
    def of(cls, routes: Sequence[Route]) -> _Stack:
        sizes = np.array([len(r.cells) for r in routes], np.int64)
        return cls(np.concatenate([r.cells for r in routes]).astype(np.int64),
                   np.concatenate([r.bits for r in routes]).astype(np.uint64),
                   np.repeat(np.arange(len(routes)), sizes), np.cumsum(sizes))


_STACKS: IdentityMemo[_Stack] = IdentityMemo(MAX_LIBRARIES)


def pick_from(lib: RouteLibrary, n: int, imaged: np.ndarray, grid: StateGrid,
              priority: np.ndarray | None) -> Route | None:
    """:func:`pick` among the first ``n`` candidates of ``lib``, all weighed at once over the
    library's candidates laid end to end (memoised per library size and priority)."""
    candidates = lib.candidates(n)
    if not candidates:
        return None
    stack = _STACKS.get((lib,), len(lib.routes), lambda: _Stack.of(lib.routes))
    end = int(stack.ends[len(candidates) - 1])
    cells = stack.cells[:end]

    def weights() -> np.ndarray:
        weight = grid.quad_area_km2[stack.cells] / NSUB
        return weight if priority is None else weight * priority[stack.cells]

    if priority is not None and priority.flags.writeable:  # a one-off array: no memo
        weight = weights()
    else:
        weight = _WEIGHTS.get((stack, priority), None, weights)
    new = np.bitwise_count(stack.bits[:end] & ~imaged[cells])  # uint8: the same products
    gain = np.bincount(stack.owner[:end], weights=weight[:end] * new,
                       minlength=len(candidates))
    return candidates[int(np.argmax(gain))]


def pick(candidates: Sequence[Route], imaged: np.ndarray, grid: StateGrid,
         priority: np.ndarray | None) -> Route | None:
    """The candidate that adds the most (the first among equals), or None if there is none."""
    if not candidates:
        return None
    return candidates[int(np.argmax(gains(candidates, imaged, grid, priority)))]


# ------------------------------------------------------------------ disk cache
# A library is one .npz: its candidates' cells, words and SAR words end to end, how many
# each holds, and their other fields as JSON. (Layout 1 kept three arrays per candidate, and
# reading hundreds of small arrays was most of a new worker's start; such a file is read once
# and rewritten in this layout.)
STORE_LAYOUT = 2


def _path(key: str, layout: int = STORE_LAYOUT):
    tag = "" if layout == 1 else f"s{layout}"
    return cache_dir() / "routes" / f"v{LIBRARY_VERSION}{tag}-{key[:32]}.npz"


def _save(key: str, routes: Sequence[Route], exhausted: bool) -> None:
    meta = [{"waypoints": r.waypoints, "region_km": r.region_km,
             "clearances_km": r.clearances_km, "violations": r.violations,
             "planner": r.planner, "transit": r.transit,
             **{k: getattr(r, k) for k in _SCALARS}} for r in routes]
    text = json.dumps({"key": key, "exhausted": exhausted, "routes": meta})
    save_npz_atomic(
        _path(key),
        cells=_joined([r.cells for r in routes], np.int64),
        bits=_joined([r.bits for r in routes], np.uint64),
        sar=_joined([r.sar_bits for r in routes], np.uint64),
        sizes=np.array([len(r.cells) for r in routes], np.int64),
        sar_sizes=np.array([len(r.sar_bits) for r in routes], np.int64),
        meta=np.frombuffer(text.encode(), np.uint8),
    )


def _joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype)


def _load(key: str) -> tuple[list[Route], bool]:
    data = load_npz(_path(key))
    if data is None:
        return _migrate(key)
    try:
        meta = _meta(data, key)
        if meta is None:
            return [], False
        ends = np.cumsum(data["sizes"])
        sar_ends = np.cumsum(data["sar_sizes"])
        if len(ends) != len(meta["routes"]) or len(sar_ends) != len(ends) or (
                len(ends) and (ends[-1] != len(data["cells"]) or ends[-1] != len(data["bits"])
                               or sar_ends[-1] != len(data["sar"]))):
            return [], False
        cells = np.split(data["cells"], ends[:-1])
        bits = np.split(data["bits"], ends[:-1])
        sar = np.split(data["sar"], sar_ends[:-1])
        return [_route(m, cells[i], bits[i], sar[i]) for i, m in enumerate(meta["routes"])], \
            bool(meta["exhausted"])
    except (KeyError, ValueError, TypeError):
        return [], False  # a damaged or foreign file: rebuild


def _migrate(key: str) -> tuple[list[Route], bool]:
    """A library kept in layout 1 (three arrays per candidate), rewritten in this layout."""
    old = _path(key, layout=1)
    data = load_npz(old)
    if data is None:
        return [], False
    try:
        meta = _meta(data, key)
        if meta is None:
            return [], False
        routes = [_route(m, data[f"c{i}"], data[f"b{i}"], data[f"s{i}"])
                  for i, m in enumerate(meta["routes"])]
    except (KeyError, ValueError, TypeError):
        return [], False
    exhausted = bool(meta["exhausted"])
    _save(key, routes, exhausted)
    old.unlink(missing_ok=True)
    return routes, exhausted


def _meta(data: dict[str, np.ndarray], key: str) -> dict[str, Any] | None:
    """A stored library's JSON fields, or None if it is another key's (KeyError, ValueError:
    damaged)."""
    meta = json.loads(data["meta"].tobytes().decode())
    return meta if meta["key"] == key else None


def _route(m: dict[str, Any], cells: np.ndarray, bits: np.ndarray, sar: np.ndarray) -> Route:
    return Route(waypoints=tuple(tuple(p) for p in m["waypoints"]), cells=cells, bits=bits,
                 sar_bits=sar, region_km=m["region_km"], clearances_km=m["clearances_km"],
                 violations=tuple(m["violations"]), planner=m["planner"],
                 transit=tuple(m["transit"]), **{k: m[k] for k in _SCALARS})
