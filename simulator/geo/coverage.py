"""Coverage accounting: what flights imaged, as a union over flights, per cell of a grid.

The tracker keeps one 64-bit word per cell (which sub-points were imaged: a union is a bitwise
OR, never a sum) and a count of the flights that imaged each cell (revisits).

Cloud (``optical_fraction`` = the clear share of the sky, 1 - cloud fraction) spoils the optical
part of a footprint; SAR bits are kept. Two documented modes:

* with ``rng``: each imaged cell is clear with probability ``optical_fraction`` (one Bernoulli
  draw per cell, in cell order, from the Generator passed in); a clouded cell keeps only its SAR
  sub-points;
* without ``rng``: expected-value mode, deterministic: in every cell only the first
  ``round(64 x optical_fraction)`` sub-points of a fixed scrambled order are kept, so exactly
  that share of the optical footprint counts. Repeated flights then see the same clear
  sub-points, which under-states what revisits add; use an rng in simulations.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from simulator.geo.grid import NSUB, StateGrid, popcount, union_bits

# A fixed scrambled order of the 64 sub-points, for the deterministic cloud mode.
_ORDER = np.random.default_rng(20020101).permutation(NSUB)


def _prefix_mask(count: int) -> np.uint64:
    mask = 0
    for k in _ORDER[:count]:
        mask |= 1 << int(k)
    return np.uint64(mask)


@dataclass(frozen=True)
class FlightCoverage:
    """What one flight added: imaged km² (after cloud) and newly imaged km²."""

    imaged_km2: float
    new_km2: float
    cells: int


class CoverageTracker:
    """Imaged sub-points and revisit counts over one grid (a state or a union of states)."""

    def __init__(self, grid: StateGrid):
        self.grid = grid
        self.bits = np.zeros(grid.n_cells, np.uint64)
        self.counts = np.zeros(grid.n_cells, np.uint32)
        self.flights = 0

    # ----------------------------------------------------------------- update
    def add(self, cells: np.ndarray, bits: np.ndarray | None = None, *,
            optical_fraction: float = 1.0, rng: np.random.Generator | None = None,
            sar_bits: np.ndarray | None = None) -> FlightCoverage:
        """Record one flight's footprint (local cell indices, sub-point words)."""
        cells = np.asarray(cells, np.int64)
        if bits is None:
            bits = self.grid.land_bits[cells]
        bits = np.asarray(bits, np.uint64) & self.grid.land_bits[cells]
        sar = np.zeros(len(cells), np.uint64) if sar_bits is None else \
            np.asarray(sar_bits, np.uint64) & bits
        if not 0.0 <= optical_fraction <= 1.0:
            raise ValueError("optical_fraction must be within [0, 1]")
        if optical_fraction < 1.0:
            optical = bits & ~sar
            if rng is not None:
                clear = rng.random(len(cells)) < optical_fraction
                optical = np.where(clear, optical, np.uint64(0))
            else:
                optical = optical & _prefix_mask(round(NSUB * optical_fraction))
            bits = optical | sar
        keep = bits != 0
        cells, bits = cells[keep], bits[keep]
        new = bits & ~self.bits[cells]
        q = self.grid.quad_area_km2[cells] / NSUB
        self.bits[cells] |= bits
        self.counts[cells] += 1
        self.flights += 1
        return FlightCoverage(float(np.sum(q * popcount(bits))),
                              float(np.sum(q * popcount(new))), len(cells))

    def record(self, cells: np.ndarray, land_bits: np.ndarray,
               prior: np.ndarray | None = None) -> np.ndarray:
        """Record one flight's land sub-point words at distinct local ``cells`` (already
        clipped to land and to cloud; ``prior`` is ``self.bits[cells]`` if the caller has it).
        The same as :meth:`add` without its totals; returns the words there after the flight."""
        if prior is None:
            prior = self.bits[cells]
        after = prior | land_bits
        self.bits[cells] = after
        self.counts[cells[land_bits != 0]] += 1
        self.flights += 1
        return after

    def add_route(self, route, *, optical_fraction: float = 1.0,
                  rng: np.random.Generator | None = None) -> FlightCoverage:
        """Record a :class:`Route` (its optical and SAR footprints)."""
        return self.add(route.cells, route.bits, optical_fraction=optical_fraction, rng=rng,
                        sar_bits=route.sar_bits)

    def reset(self) -> None:
        """Forget everything (e.g. at the start of a new period)."""
        self.bits[:] = 0
        self.counts[:] = 0
        self.flights = 0

    def copy(self) -> CoverageTracker:
        """An independent copy."""
        other = CoverageTracker(self.grid)
        other.bits = self.bits.copy()
        other.counts = self.counts.copy()
        other.flights = self.flights
        return other

    # ---------------------------------------------------------------- queries
    @property
    def imaged_mask(self) -> np.ndarray:
        """Cells with any imaged sub-point."""
        return self.bits != 0

    @property
    def imaged_km2(self) -> float:
        """Area imaged at least once."""
        return self.grid.area_of_bits(np.arange(self.grid.n_cells), self.bits)

    @property
    def territory_km2(self) -> float:
        return self.grid.total_area_km2

    @property
    def fraction(self) -> float:
        """Imaged share of the territory."""
        total = self.grid.total_area_km2
        return self.imaged_km2 / total if total > 0 else 0.0

    @property
    def revisits(self) -> np.ndarray:
        """Per cell: how many recorded flights imaged it."""
        return self.counts

    def area_imaged_at_least(self, k: int) -> float:
        """km² of imaged land in cells imaged by at least ``k`` flights."""
        sel = self.counts >= k
        return self.grid.area_of_bits(np.flatnonzero(sel), self.bits[sel])

    @property
    def revisited_km2(self) -> float:
        """km² of imaged land in cells imaged by two or more flights."""
        return self.area_imaged_at_least(2)

    def by_member(self) -> dict[str, dict[str, float]]:
        """Per member state of the grid: territory km², imaged km² and fraction."""
        out = {}
        idx = np.arange(self.grid.n_cells)
        for code in self.grid.codes:
            land = self.grid.member_bits[code]
            terr = self.grid.area_of_bits(idx, land)
            img = self.grid.area_of_bits(idx, self.bits & land)
            out[code] = {"territory_km2": terr, "imaged_km2": img,
                         "imaged_fraction": img / terr if terr > 0 else 0.0}
        return out

    def summary(self) -> dict[str, float]:
        """Plain numbers for a results row."""
        return {
            "territory_km2": self.territory_km2,
            "imaged_km2": self.imaged_km2,
            "imaged_fraction": self.fraction,
            "revisited_km2": self.revisited_km2,
            "flights": float(self.flights),
        }


Cells = tuple[np.ndarray, np.ndarray]  # (global ids, sub-point words)


class UnionsByKey(Mapping[Hashable, Cells]):
    """Imaged cells booked piece by piece under keys (e.g. observed state and observer),
    read as each key's union (:func:`~simulator.geo.grid.union_bits`), computed when a key is
    first read: most keys of a year are never read. A piece may hold cells with no sub-point
    imaged (a flight's whole footprint); they are dropped then. Keys iterate in sorted order."""

    def __init__(self, pieces: Mapping[Hashable, list[Cells]]):
        self._pieces = dict(pieces)
        self._keys = sorted(self._pieces)
        self._unions: dict[Hashable, Cells] = {}

    def __getitem__(self, key: Hashable) -> Cells:
        found = self._unions.get(key)
        if found is None:
            found = self._unions[key] = union_bits([_nonzero(*p) for p in self._pieces[key]])
        return found

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _nonzero(gid: np.ndarray, bits: np.ndarray) -> Cells:
    keep = bits != 0
    return gid[keep], bits[keep]  # copies: a booked ``gid`` may be a memoised footprint's
