"""The SimPy world: one environment per replication, resources, records and the run loop.

Resources: one slot per observed quota holder (it accepts one observation flight at a time,
Art. VI Sec. I para 3) and one per airframe. The quota distribution is a pure function of the
scenario and is computed once, outside the replications; each replication draws its own plans,
weather, breakdowns and routes from its own random generator.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import simpy

from simulator.engine.clock import Clock
from simulator.engine.config import EngineConfig
from simulator.engine.fleets import Aircraft
from simulator.engine.missions import mission
from simulator.engine.planning import PlannedMission, plan_year
from simulator.engine.records import MissionRecord
from simulator.engine.routes import NominalRoutes, RouteService
from simulator.treaty.distribution import Distribution, distribute_years


def distributions_for(config: EngineConfig) -> list[Distribution]:
    """The scenario's quota distributions, one per year (deterministic)."""
    return distribute_years(
        config.registry,
        config.years,
        config.rules,
        config.review,
        config.request_model,
        config.request_params,
    )


@dataclass
class ReplicationResult:
    """The records of one replication."""

    replication: int
    missions: list[MissionRecord]
    plans: list[PlannedMission]
    coverage: list[dict[str, object]]
    events: int
    imagery: dict[int, dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]]


class World:
    """One replication's SimPy environment."""

    def __init__(
        self,
        config: EngineConfig,
        replication: int,
        seed: np.random.SeedSequence,
        routes: RouteService,
    ):
        self.config = config
        self.registry = config.registry
        self.fleet = config.fleet
        self.replication = replication
        self.seed = seed
        self.clock = Clock(min(config.years))
        self.env = simpy.Environment()
        self.routes = routes
        self.records: list[MissionRecord] = []
        self.events = 0
        self.aircraft = {a.aircraft_id: simpy.Resource(self.env, 1) for a in self.fleet}
        self._slots: dict[str, simpy.Resource] = {}
        self.sites = {a.airfield_id: a for a in self.registry.tables.airfields}

    def slot(self, observed: str) -> simpy.Resource:
        """The observed holder's one-flight-at-a-time resource."""
        if observed not in self._slots:
            self._slots[observed] = simpy.Resource(self.env, 1)
        return self._slots[observed]

    def breakdown_probability(self, aircraft: Aircraft) -> float:
        """A scenario's override for this type, else the aircraft's sourced rate."""
        overrides = self.config.operations.breakdown_overrides
        base_id = aircraft.aircraft_id.split("#")[0]
        return float(overrides.get(base_id, aircraft.breakdown_probability))

    def rng_for(self, *key: int) -> np.random.Generator:
        """An independent generator for one purpose of this replication (e.g. one mission)."""
        child = np.random.SeedSequence(self.seed.entropy, spawn_key=(*self.seed.spawn_key, *key))
        return np.random.default_rng(child)

    def run(self, distributions: list[Distribution]) -> ReplicationResult:
        """Plan every year, start one process per mission, and run to the end."""
        plans: list[PlannedMission] = []
        for dist in distributions:
            plans += plan_year(dist, self.clock, self.config.operations, self.rng_for(0, dist.year))
        for i, m in enumerate(plans):
            self.env.process(mission(self, m, self.rng_for(1, m.year, i)))
        end = self.clock.hours(dt.date(max(self.config.years) + 1, 1, 15))
        self.env.run(until=end)
        self.records.sort(key=lambda r: r.mission_id)
        coverage = [row for y in sorted(self.config.years) for row in self.coverage_rows(y)]
        imagery = {y: self.routes.imagery(y) for y in sorted(self.config.years)}
        return ReplicationResult(
            self.replication, self.records, plans, coverage, self.events, imagery
        )

    def coverage_rows(self, year: int) -> list[dict[str, object]]:
        """One ``coverage.csv`` row per state that was a party during the year.

        A flight over (or by) a group counts for each member state it concerns on the day it
        commenced; imaged areas come from the route service (NaN without geometry).
        """
        states = self.registry.parties_during(year)
        received: dict[str, int] = dict.fromkeys(states, 0)
        conducted: dict[str, int] = dict.fromkeys(states, 0)
        for rec in self.records:
            if rec.year != year or not rec.counted:
                continue
            day = dt.date.fromisoformat(rec.started_at[:10])
            for state in self.registry.members(rec.observed, day):
                received[state] = received.get(state, 0) + 1
            for holder in (rec.observer, *rec.joint_with.split()):
                for state in self.registry.members(holder, day):
                    conducted[state] = conducted.get(state, 0) + 1
        areas = self.routes.coverage(year, states)
        rows = []
        for state in states:
            territory, imaged = areas.get(state, (float("nan"), float("nan")))
            fraction = imaged / territory if territory and territory == territory else float("nan")
            rows.append(
                {
                    "replication": self.replication,
                    "year": year,
                    "state": state,
                    "territory_km2": round(territory, 1),
                    "imaged_km2": round(imaged, 1),
                    "imaged_fraction": round(fraction, 6),
                    "flights_received": received.get(state, 0),
                    "flights_conducted": conducted.get(state, 0),
                }
            )
        return rows


def make_routes(config: EngineConfig) -> RouteService:
    """The route service the configuration asks for."""
    if not config.geometry:
        return NominalRoutes()
    from simulator.engine.georoutes import GeoRoutes  # geometry is optional and heavier

    return GeoRoutes(config)


def run_replication(
    config: EngineConfig,
    replication: int,
    seed: np.random.SeedSequence,
    distributions: list[Distribution] | None = None,
) -> ReplicationResult:
    """Run one replication of the scenario."""
    dists = distributions if distributions is not None else distributions_for(config)
    world = World(config, replication, seed, make_routes(config))
    return world.run(dists)
