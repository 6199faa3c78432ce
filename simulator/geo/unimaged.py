"""The value of what is not yet imaged, kept current flight by flight: per cell, the
priority-weighted unimaged land (km²) of one coverage tracker, and the value within reach of
each airfield an observer weighs, updated from the cells each flight imaged instead of being
recomputed over the whole grid for every mission (DESIGN section 15).

Each cell's value is computed exactly as :func:`~simulator.geo.route_types.value_density` times
the cell's area; the sums within reach are updated by differences, all reaches at once (one
column per reach), so they may differ from a fresh sum in the last digits (they are
deterministic all the same).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from simulator.geo.grid import NSUB, StateGrid, popcount
from simulator.geo.reach import areas_within, cells_within, swept_share
from simulator.geo.route_types import value_density
from simulator.memo import IdentityMemo

_FIRST_COLUMNS = 8  # reaches a grid's table holds before it grows (it doubles)


class _ReachTable:
    """The reaches asked of one grid, one column each (1 at the cells within it): shared by
    every value over the grid, in every replication, so a reach is laid out once."""

    def __init__(self, grid: StateGrid):
        self.grid = grid
        self.column: dict[Hashable, int] = {}
        self.parts: list[np.ndarray] = []  # the masks reaches are limited to, kept alive
        self.inside = np.zeros((grid.n_cells, 0))  # 0 or 1 (floats: the sums are a matmul)

    def add(self, key: Hashable, where: tuple[float, float], km: float,
            part: np.ndarray | None, outside: bool) -> int:
        found = self.column.get(key)
        if found is not None:
            return found
        near = cells_within(self.grid, where, km)
        if part is not None:
            self.parts.append(part)
            near = near[part[near] != outside]
        r = len(self.column)
        if r == self.inside.shape[1]:
            grown = np.zeros((self.grid.n_cells, max(_FIRST_COLUMNS, 2 * r)))
            grown[:, :r] = self.inside
            self.inside = grown
        self.inside[near, r] = 1.0
        self.column[key] = r
        return r


_TABLES: IdentityMemo[_ReachTable] = IdentityMemo(64)
_FIRST_VALUES: IdentityMemo[np.ndarray] = IdentityMemo(256)
_FIRST_SUMS: IdentityMemo[np.ndarray] = IdentityMemo(256)  # per grid and priority, by reach


class UnimagedValue:
    """Priority-weighted unimaged land per cell of a tracker's grid, and sums within reaches."""

    def __init__(self, grid: StateGrid, bits: np.ndarray, priority: np.ndarray | None):
        self.grid, self.priority = grid, priority
        self._first = not bits.any()  # nothing imaged yet: the same in every replication
        if self._first:
            self.value = _FIRST_VALUES.get((grid, priority), None, lambda: value_density(
                grid, bits, priority) * grid.quad_area_km2).copy()
        else:
            self.value = value_density(grid, bits, priority) * grid.quad_area_km2
        self._table = _TABLES.get((grid,), None, lambda: _ReachTable(grid))
        self._column: dict[Hashable, int] = {}  # reach key -> position in the sums below
        self._columns: list[int] = []  # the table's column of each reach asked here
        self._where: slice | np.ndarray = slice(0, 0)  # the same, as an index
        self._sums = np.zeros((3, 0))  # per reach: value within it, area of its cells that
        # still hold value, how many such cells

    def imaged(self, cells: np.ndarray, bits_after: np.ndarray, *,
               area: np.ndarray | None = None, free: np.ndarray | None = None) -> None:
        """Cells a flight imaged, with the tracker's sub-point words there after the flight.
        ``area`` (the cells' areas) and ``free`` (their unimaged land share) may be passed
        when the caller has them (several priorities over one tracker share them)."""
        if len(cells) == 0:
            return
        self._first = False
        g = self.grid
        if area is None:
            area = g.quad_area_km2[cells]
        dens = popcount(g.land_bits[cells] & ~bits_after) / NSUB if free is None else free
        if self.priority is not None:
            dens = dens * self.priority[cells]
        new = dens * area
        if self._columns:
            old = self.value[cells]
            inside = self._table.inside[cells][:, self._where]
            alive = (new > 0).astype(np.float64) - (old > 0)
            self._sums += np.stack([new - old, area * alive, alive]) @ inside
        self.value[cells] = new

    def worth(self, where: tuple[float, float], km: float, swath_km: float,
              part: np.ndarray | None = None, outside: bool = False) -> float:
        """:func:`~simulator.geo.reach.reachable_worth` of this value, from running sums;
        with ``part`` (a cached bool mask per cell), of the value inside it only (outside it,
        with ``outside``)."""
        key = (where, round(km, 3), None if part is None else id(part), outside)
        r = self._column.get(key)
        if r is None:
            r = self._add_reach(key, where, km, part, outside)
        sums = self._sums
        if sums.item(2, r) <= 0:  # no cell within reach holds value any more
            return 0.0
        return max(sums.item(0, r), 0.0) * swept_share(km, swath_km, sums.item(1, r))

    def _add_reach(self, key: Hashable, where: tuple[float, float], km: float,
                   part: np.ndarray | None, outside: bool) -> int:
        column = self._table.add(key, where, km, part, outside)

        def sums_now() -> np.ndarray:
            return self._reach_sums(where, km, part, outside)

        if self._first:  # the value every replication starts from: so are its sums
            sums = _FIRST_SUMS.get((self.grid, self.priority), (key, km), sums_now)
        else:
            sums = sums_now()
        self._sums = np.concatenate([self._sums, sums], axis=1)
        self._columns.append(column)
        first = self._columns[0]
        contiguous = self._columns == list(range(first, first + len(self._columns)))
        self._where = slice(first, first + len(self._columns)) if contiguous \
            else np.asarray(self._columns, np.int64)  # a slice where it can: a cheaper copy
        r = self._column[key] = len(self._columns) - 1
        return r

    def _reach_sums(self, where: tuple[float, float], km: float, part: np.ndarray | None,
                    outside: bool) -> np.ndarray:
        """(3, 1): the value within a reach, the area of its cells that hold value, their count."""
        near = cells_within(self.grid, where, km)
        areas = areas_within(self.grid, where, km)
        if part is not None:
            sel = part[near] != outside
            near, areas = near[sel], areas[sel]
        v = self.value[near]
        live = v > 0
        return np.array([[float(v.sum())], [float(areas[live].sum())], [float(live.sum())]])
