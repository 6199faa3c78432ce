"""The value of what is not yet imaged, kept current flight by flight: per cell, the
priority-weighted unimaged land (km²) of one coverage tracker, and the value within reach of
each airfield an observer weighs, updated from the cells each flight imaged instead of being
recomputed over the whole grid for every mission (DESIGN section 15).

Each cell's value is computed exactly as :func:`~simulator.geo.route_types.value_density` times
the cell's area; the sums within reach are updated by differences, so they may differ from a
fresh sum in the last digits (they are deterministic all the same).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.geo.grid import NSUB, StateGrid, popcount
from simulator.geo.reach import areas_within, cells_within, swept_share
from simulator.geo.route_types import value_density


@dataclass
class _Reach:
    inside: np.ndarray  # bool per cell: within reach
    worth: float  # value within reach
    live_km2: float  # area of the cells within reach that still hold value
    live: int  # how many such cells


class UnimagedValue:
    """Priority-weighted unimaged land per cell of a tracker's grid, and sums within reaches."""

    def __init__(self, grid: StateGrid, bits: np.ndarray, priority: np.ndarray | None):
        self.grid, self.priority = grid, priority
        self.value = value_density(grid, bits, priority) * grid.quad_area_km2
        self._reaches: dict[tuple[tuple[float, float], float], _Reach] = {}

    def imaged(self, cells: np.ndarray, bits_after: np.ndarray) -> None:
        """Cells a flight imaged, with the tracker's sub-point words there after the flight."""
        if len(cells) == 0:
            return
        g = self.grid
        area = g.quad_area_km2[cells]
        dens = popcount(g.land_bits[cells] & ~bits_after) / NSUB
        if self.priority is not None:
            dens = dens * self.priority[cells]
        new = dens * area
        old = self.value[cells]
        for r in self._reaches.values():
            m = r.inside[cells]
            if not m.any():
                continue
            was, now = old[m] > 0, new[m] > 0
            r.worth += float((new[m] - old[m]).sum())
            r.live_km2 += float(area[m][now].sum()) - float(area[m][was].sum())
            r.live += int(now.sum()) - int(was.sum())
        self.value[cells] = new

    def worth(self, where: tuple[float, float], km: float, swath_km: float) -> float:
        """:func:`~simulator.geo.reach.reachable_worth` of this value, from running sums."""
        key = (where, round(km, 3))
        r = self._reaches.get(key)
        if r is None:
            near = cells_within(self.grid, where, km)
            inside = np.zeros(self.grid.n_cells, bool)
            inside[near] = True
            v = self.value[near]
            live = v > 0
            live_km2 = float(areas_within(self.grid, where, km)[live].sum())
            r = self._reaches[key] = _Reach(inside, float(v.sum()), live_km2, int(live.sum()))
        if r.live <= 0:
            return 0.0
        return max(r.worth, 0.0) * swept_share(km, swath_km, r.live_km2)
