"""What lies within reach of a point: the cells a route of a given length could visit, the value
it could image there, and the nearest of several sites.

The route service weighs an observer's airfield options with these (DESIGN section 12): the
interest-weighted value of land not yet imaged within half the route's length, scaled down to
what a route of that length sweeps with a nominal swath where the reach holds more.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from simulator.geo.ellipsoid import EARTH_MEAN_KM, unit_vectors
from simulator.geo.grid import StateGrid

_WITHIN: dict[tuple[Any, ...], np.ndarray] = {}
_WITHIN_SIZE = 512  # cached reaches and their cell areas: the same options recur all year


class Site(Protocol):
    """A place with a position and an id (an airfield)."""

    lat: float
    lon: float
    airfield_id: str


def cells_within(grid: StateGrid, where: tuple[float, float], km: float) -> np.ndarray:
    """Indices of the cells whose centre lies within ``km / 2`` of ``where`` on the sphere (a
    route of ``km`` must come back), memoised."""
    key = (grid.codes, grid.n_cells, where, round(km, 3))
    near = _WITHIN.get(key)
    if near is None:
        if len(_WITHIN) >= _WITHIN_SIZE:
            _WITHIN.pop(next(iter(_WITHIN)))
        cos_d = grid.xyz @ unit_vectors(np.array(where[0]), np.array(where[1]))
        near = _WITHIN[key] = np.flatnonzero(cos_d >= np.cos(min(km / 2 / EARTH_MEAN_KM, np.pi)))
    return near


def reachable_worth(grid: StateGrid, value: np.ndarray, where: tuple[float, float], km: float,
                    swath_km: float) -> float:
    """The value (per cell, e.g. density x area) within reach of a route of ``km`` from
    ``where``, times the share of the reach's live land such a route can sweep."""
    near = cells_within(grid, where, km)
    v = value[near]
    live = v > 0
    if not live.any():
        return 0.0
    live_km2 = float(areas_within(grid, where, km)[live].sum())
    return float(v.sum()) * swept_share(km, swath_km, live_km2)


def swept_share(km: float, swath_km: float, live_km2: float) -> float:
    """The share of ``live_km2`` of land a route of ``km`` can sweep with a ``swath_km`` swath."""
    return min(1.0, km * swath_km / max(live_km2, 1e-9))


def areas_within(grid: StateGrid, where: tuple[float, float], km: float) -> np.ndarray:
    """``grid.quad_area_km2[cells_within(grid, where, km)]``, memoised beside the reach."""
    key = ("area", grid.codes, grid.n_cells, where, round(km, 3))
    areas = _WITHIN.get(key)
    if areas is None:
        if len(_WITHIN) >= _WITHIN_SIZE:
            _WITHIN.pop(next(iter(_WITHIN)))
        areas = _WITHIN[key] = grid.quad_area_km2[cells_within(grid, where, km)]
    return areas


def nearest(sites: Sequence[Site], where: tuple[float, float]) -> Site:
    """The site closest to ``where`` (equirectangular distance; ties by id)."""
    lat, lon = where
    return min(sites, key=lambda a: (
        (a.lat - lat) ** 2 + ((a.lon - lon) * np.cos(np.radians(lat))) ** 2, a.airfield_id))
