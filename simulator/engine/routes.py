"""How the engine gets a route for a flight and books what it imaged.

The engine talks to geometry only through :class:`RouteService`. :class:`NominalRoutes` flies
every route at a share of the maximum distance and images nothing: the engine without geometry,
for fast runs and benchmarks. The geometric service lives in ``simulator.engine.georoutes``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Airfield:
    """Where a flight commences and the maximum flight distance that applies there."""

    airfield_id: str
    lat: float
    lon: float
    max_distance_km: float


@dataclass(frozen=True)
class PlannedRoute:
    """A planned route: its length over the observed territory and, with geometry, its track."""

    distance_km: float
    waypoints: tuple[tuple[float, float], ...] = ()
    payload: object = field(default=None, compare=False, repr=False)  # the service's own data


@dataclass(frozen=True)
class FlownRoute:
    """What a flight imaged: totals in km2 (zero without geometry), and the member states its
    footprint covered (None when unknown, without geometry)."""

    imaged_km2: float
    new_km2: float
    overflown: tuple[str, ...] | None = None
    track: tuple[tuple[float, float], ...] = ()  # (lat, lon) of the part flown, sensors on


class RouteService(Protocol):
    """What the engine needs from geometry."""

    def plan(
        self,
        observed: str,
        members: tuple[str, ...],
        airfield: Airfield,
        end_airfields: tuple[tuple[float, float], ...],
        sensor: str,
        day: dt.date,
        parties: tuple[str, ...],
        rng: np.random.Generator,
    ) -> PlannedRoute:
        """Plan a route over the observed holder's territory (its member states on ``day``),
        imaged by the aircraft's ``sensor`` (a key of the sensor table), allowed to end at any
        of ``end_airfields`` (lat, lon)."""
        ...

    def fly(
        self,
        members: tuple[str, ...],
        observers: tuple[str, ...],
        route: PlannedRoute,
        fraction_flown: float,
        cloud_fraction: float,
        year: int,
        rng: np.random.Generator,
    ) -> FlownRoute:
        """Book the imagery of a flown route (or of its first ``fraction_flown``)."""
        ...

    def coverage(self, year: int, states: tuple[str, ...]) -> dict[str, tuple[float, float]]:
        """Per state: (territory km2, imaged km2) in the year; empty without geometry."""
        ...

    def imagery(self, year: int) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
        """Per (observed state, observer holder): the imaged cells (global ids, sub-point bits)
        of the year, for data-sharing measures; empty without geometry."""
        ...


class NominalRoutes:
    """No geometry: routes use a random share (70-100 %) of the maximum distance."""

    def plan(self, observed, members, airfield, end_airfields, sensor, day, parties, rng):
        share = 0.7 + 0.3 * float(rng.random())
        return PlannedRoute(distance_km=share * airfield.max_distance_km)

    def fly(self, members, observers, route, fraction_flown, cloud_fraction, year, rng):
        return FlownRoute(0.0, 0.0)

    def coverage(self, year, states):
        return {}

    def imagery(self, year):
        return {}
