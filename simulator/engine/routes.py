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
    """Where a flight commences and the maximum flight distance that applies there.

    ``region`` names a separated part or variant (Annex A Sec. III) or an exclave the mission
    observes; ``via`` is the refuelling stop (airfield id, lat, lon) it is reached through with
    sensors off (Art. VI Sec. II para 3), ``mainland_after`` whether the distance left is then
    spent from the airfield, and ``otherwise_km`` the distance that applies instead when the
    route misses the region (the "including" variants)."""

    airfield_id: str
    lat: float
    lon: float
    max_distance_km: float
    region: str = ""
    via: tuple[str, float, float] | None = None
    mainland_after: bool = False
    otherwise_km: float | None = None


@dataclass(frozen=True)
class PlannedRoute:
    """A planned route: its length over the observed territory and, with geometry, its track."""

    distance_km: float
    waypoints: tuple[tuple[float, float], ...] = ()
    region: str | None = None  # the region the route observes, if the service decides it
    payload: object = field(default=None, compare=False, repr=False)  # the service's own data


@dataclass(frozen=True)
class FlownRoute:
    """What a flight imaged: totals in km2 (zero without geometry), and the member states its
    footprint covered (None when unknown, without geometry)."""

    imaged_km2: float
    new_km2: float
    overflown: tuple[str, ...] | None = None
    # the parts flown with sensors on, each a tuple of (lat, lon)
    track: tuple[tuple[tuple[float, float], ...], ...] = ()
    transit_km: float = 0.0  # flown with sensors off (to and from a refuelling stop)


class RouteService(Protocol):
    """What the engine needs from geometry."""

    def options(
        self,
        observed: str,
        members: tuple[str, ...],
        mainland: list[Airfield],
        regional: list[tuple[str, str, float]],
        sites: dict[str, tuple[float, float]],
        day: dt.date,
    ) -> list[Airfield]:
        """The mission's choices: ``mainland`` airfields, and those the service can plan over
        separated parts: ``regional`` are (airfield id, region, km) rows of Annex A Sec. III,
        ``sites`` the (lat, lon) of the holder's airfields (refuelling stops included)."""
        ...

    def weigh(
        self,
        observed: str,
        members: tuple[str, ...],
        options: list[Airfield],
        observer: str,
        day: dt.date,
        parties: tuple[str, ...] = (),
    ) -> list[float]:
        """How much the observer wants each option (the draw is proportional to it)."""
        ...

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
        observer: str = "",
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
    """No geometry: routes use a random share (70-100 %) of the maximum distance, from the
    mainland airfields, drawn in proportion to their distance."""

    def options(self, observed, members, mainland, regional, sites, day):
        return list(mainland)

    def weigh(self, observed, members, options, observer, day, parties=()):
        return [o.max_distance_km for o in options]

    def plan(self, observed, members, airfield, end_airfields, sensor, day, parties, rng,
             observer=""):
        share = 0.7 + 0.3 * float(rng.random())
        return PlannedRoute(distance_km=share * airfield.max_distance_km)

    def fly(self, members, observers, route, fraction_flown, cloud_fraction, year, rng):
        return FlownRoute(0.0, 0.0)

    def coverage(self, year, states):
        return {}

    def imagery(self, year):
        return {}
