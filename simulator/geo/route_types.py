"""What a route is: the :class:`Route` record, the rules a planner obeys (:func:`route_rules`),
the planner's constants, and the value of imaging points (priority x land not yet imaged)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from simulator.geo.grid import NSUB, StateGrid, popcount
from simulator.geo.restrictions import Restriction
from simulator.geo.rules import RouteRules
from simulator.memo import IdentityMemo

SAMPLE_KM = 5.0  # along-track spacing of planning samples


GC_DEVIATION_KM = 0.5  # great circle vs WGS84 geodesic, legs up to ~2,500 km


CHECK_STEP_KM = 1.0  # spacing of the exact re-check along geodesics


MAX_DEPTH = 60  # legs per route at most


PATIENCE = 3  # depths without a better closed route before the search stops


# WGS84 geodesic km per radian of the great circle through the same (lat, lon) taken as
# spherical: between the smallest and largest radius of curvature, a(1 - e^2) = 6335.4 km
# and a / sqrt(1 - e^2) = 6399.6 km (the metric is bounded by them in every direction).
GEODESIC_PER_RAD = (6335.0, 6400.0)


BudgetBasis = Literal["route", "territory"]


TransitCharge = Literal["territory", "full"]


_RULES_CACHE: dict[tuple[Any, ...], RouteRules] = {}
_RULES_BY_ID: IdentityMemo[RouteRules] = IdentityMemo(256)


def route_rules(grid: StateGrid, parties: Sequence[str] | None,
                restrictions: Sequence[Restriction] = ()) -> RouteRules:
    """The (cached) rules for a grid, a list of parties and restrictions: by the identity of
    the restriction objects first (hashing a restriction hashes its geometry), then by their
    value."""
    sides = None if parties is None else tuple(sorted(parties))
    restrictions = tuple(restrictions)

    def by_value() -> RouteRules:
        key = (id(grid), grid.codes, sides, restrictions)
        if key not in _RULES_CACHE:
            if len(_RULES_CACHE) >= 256:
                _RULES_CACHE.pop(next(iter(_RULES_CACHE)))
            _RULES_CACHE[key] = RouteRules(grid, parties, restrictions)
        return _RULES_CACHE[key]

    return _RULES_BY_ID.get((grid, *restrictions), sides, by_value)


@dataclass(frozen=True, eq=False)
class Route:
    """A planned route and what it images. Plain data: tuples, floats, numpy arrays."""

    waypoints: tuple[tuple[float, float], ...]  # (lat, lon), start first, end last
    length_km: float  # geodesic length of the whole route
    length_over_territory_km: float  # the part over the observed territory's land
    cells: np.ndarray  # local indices of imaged cells in the grid
    bits: np.ndarray  # uint64 sub-point words imaged (optical or SAR), aligned with cells
    sar_bits: np.ndarray  # the SAR share of ``bits`` (zeros without SAR)
    imaged_km2: float
    new_km2: float  # imaged and not in ``imaged`` before
    value: float  # priority-weighted new km²
    swath_km: float
    sar_swath_km: float
    max_distance_km: float
    region_km: dict[str, float] = field(default_factory=dict)  # km flown in capped regions
    clearances_km: dict[str, float] = field(default_factory=dict)  # closest approach per rule
    violations: tuple[str, ...] = ()
    planner: str = "beam"
    transit: tuple[bool, ...] = ()  # per leg: flown with sensors off (empty: none)
    transit_km: float = 0.0  # geodesic length of the transit legs

    @property
    def start(self) -> tuple[float, float]:
        return self.waypoints[0]

    @property
    def end(self) -> tuple[float, float]:
        return self.waypoints[-1]

    @property
    def efficiency(self) -> float:
        """New km² per km² swept (length x swath): 1.0 images only fresh land."""
        swept = (self.length_km - self.transit_km) * max(self.swath_km, self.sar_swath_km)
        return self.new_km2 / swept if swept > 0 else 0.0


# ---------------------------------------------------------------- value field
def imaged_bits(grid: StateGrid, imaged: Any) -> np.ndarray:
    """Imaged land sub-points per cell from a tracker, bit words, a mask or counts."""
    if imaged is None:
        return np.zeros(grid.n_cells, np.uint64)
    arr = getattr(imaged, "bits", imaged)
    arr = np.asarray(arr)
    if arr.shape != (grid.n_cells,):
        raise ValueError(f"imaged must have one entry per cell ({grid.n_cells}), got {arr.shape}")
    if arr.dtype == np.uint64:
        return arr & grid.land_bits
    return np.where(arr.astype(bool), grid.land_bits, np.uint64(0))


def imaged_bits_at(grid: StateGrid, imaged: Any, cells: np.ndarray) -> np.ndarray:
    """``imaged_bits(grid, imaged)[cells]``, without the other cells."""
    if imaged is None:
        return np.zeros(len(cells), np.uint64)
    arr = np.asarray(getattr(imaged, "bits", imaged))
    if arr.shape != (grid.n_cells,):
        return imaged_bits(grid, imaged)[cells]  # raises the error
    land = grid.land_bits[cells]
    if arr.dtype == np.uint64:
        return arr[cells] & land
    return np.where(arr[cells].astype(bool), land, np.uint64(0))


def value_density(grid: StateGrid, imaged: Any, priority: np.ndarray | None) -> np.ndarray:
    """Value per km² of swath over each cell: priority x unimaged land share."""
    free = grid.land_bits & ~imaged_bits(grid, imaged)
    dens = popcount(free) / NSUB
    if priority is not None:
        pr = np.asarray(priority, float)
        if pr.shape != (grid.n_cells,):
            raise ValueError(f"priority must have one entry per cell ({grid.n_cells})")
        dens = dens * pr
    return dens
