"""How the engine gets a route for a flight and books what it imaged.

The engine talks to geometry only through :class:`RouteService`. :class:`NominalRoutes` flies
every route at a share of the maximum distance and images nothing: the engine without geometry,
for fast runs and benchmarks. The geometric service lives in ``simulator.engine.georoutes``.
"""

from __future__ import annotations

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
    """What a flight imaged: totals in km2 (zero without geometry)."""

    imaged_km2: float
    new_km2: float


class RouteService(Protocol):
    """What the engine needs from geometry."""

    def plan(
        self,
        observed: str,
        members: tuple[str, ...],
        airfield: Airfield,
        sensor: str,
        year: int,
        parties: tuple[str, ...],
        rng: np.random.Generator,
    ) -> PlannedRoute:
        """Plan a route over the observed holder's territory (its member states), imaged by
        the aircraft's ``sensor`` (a key of the sensor table)."""
        ...

    def fly(
        self,
        observed: str,
        members: tuple[str, ...],
        route: PlannedRoute,
        fraction_flown: float,
        cloud_fraction: float,
        year: int,
        rng: np.random.Generator,
    ) -> FlownRoute:
        """Book the imagery of a flown route (or of its first ``fraction_flown``)."""
        ...

    def coverage(self, year: int) -> list[dict[str, object]]:
        """Per state: ``state, territory_km2, imaged_km2, imaged_fraction`` for the year."""
        ...


class NominalRoutes:
    """No geometry: routes use a random share (70-100 %) of the maximum distance."""

    def plan(self, observed, members, airfield, sensor, year, parties, rng) -> PlannedRoute:
        share = 0.7 + 0.3 * float(rng.random())
        return PlannedRoute(distance_km=share * airfield.max_distance_km)

    def fly(self, observed, members, route, fraction_flown, cloud_fraction, year, rng):
        return FlownRoute(0.0, 0.0)

    def coverage(self, year: int) -> list[dict[str, object]]:
        return []
