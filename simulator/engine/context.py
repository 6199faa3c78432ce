"""What one mission process needs from its replication's world: the small interface through
which :mod:`simulator.engine.missions` and :mod:`simulator.engine.world` talk.

``World`` satisfies it; missions never import the world itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol

import simpy

from simulator.engine.clock import Clock
from simulator.engine.config import EngineConfig
from simulator.engine.fleets import Aircraft
from simulator.engine.records import MissionRecord
from simulator.engine.routes import RouteService
from simulator.treaty.registry import Registry
from simulator.treaty.tables import Airfield as AirfieldRow


class MissionContext(Protocol):
    """A replication's shared state, as the mission processes see it."""

    env: simpy.Environment
    config: EngineConfig
    registry: Registry
    clock: Clock
    routes: RouteService
    replication: int
    records: list[MissionRecord]  # finished missions are appended here
    events: int  # a count of mission steps, for the run's statistics
    aircraft: dict[str, simpy.Resource]  # one resource per airframe, by aircraft_id
    sites: dict[str, AirfieldRow]  # the registry's airfields by airfield_id

    def slot(self, observed: str) -> simpy.Resource:
        """The observed holder's one-flight-at-a-time resource."""
        ...

    def breakdown_probability(self, aircraft: Aircraft) -> float:
        """The breakdown rate that applies to ``aircraft``."""
        ...

    def per_period(
        self, query: Callable[..., Any], *args: Any, day: dt.date, name: str | None = None
    ) -> Any:
        """``query(*args, day)``, memoised per period of constant membership."""
        ...

    def candidate_aircraft(self, observer: str, observed: str, day: dt.date) -> list[Aircraft]:
        """The aircraft ``observer`` may fly over ``observed`` on ``day``."""
        ...

    def taxi_aircraft(self, observed: str, day: dt.date) -> list[Aircraft]:
        """The aircraft ``observed`` could provide as a taxi."""
        ...
