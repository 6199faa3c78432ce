"""The SimPy world: one environment per replication, resources, records and the run loop.

Resources: one slot per observed quota holder (it accepts one observation flight at a time,
Art. VI Sec. I para 3) and one per airframe. The quota distribution is a pure function of the
scenario and is computed once, outside the replications; each replication draws its own plans,
weather, breakdowns and routes from its own random generator.
"""

from __future__ import annotations

import bisect
import datetime as dt
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from simulator.engine.clock import clock_for
from simulator.engine.config import EngineConfig
from simulator.engine.fleets import Aircraft, candidate_aircraft, taxi_aircraft
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
    imagery: dict[int, Mapping[tuple[str, str], tuple[np.ndarray, np.ndarray]]]
    # per year and state: km² imaged by all flights (unrounded; the coverage rows round it)
    imaged_km2: dict[int, dict[str, float]] = field(default_factory=dict)


@dataclass
class ConfigMemo:
    """Answers the missions ask again and again, memoised per period in which neither
    membership, a refusal, the fleet, an airfield nor the calendar year changes. They are pure
    functions of the configuration, so every replication of it in a process shares them."""

    change_dates: tuple[dt.date, ...]
    period_of: dict[dt.date, int] = field(default_factory=dict)
    answers: dict[tuple, Any] = field(default_factory=dict)


_MEMOS: dict[int, tuple[weakref.ref, ConfigMemo]] = {}


def config_memo(config: EngineConfig) -> ConfigMemo:
    """The memo shared by every world of this configuration object (kept while it lives)."""
    found = _MEMOS.get(id(config))
    if found is not None and found[0]() is config:
        return found[1]
    key = id(config)
    memo = ConfigMemo(_change_dates(config))
    _MEMOS[key] = (weakref.ref(config, lambda _: _MEMOS.pop(key, None)), memo)
    return memo


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
        self.clock = clock_for(min(config.years))
        self.env = simpy.Environment()
        self.routes = routes
        self.records: list[MissionRecord] = []
        self.events = 0
        self.imaged_km2: dict[int, dict[str, float]] = {}
        self.aircraft = {a.aircraft_id: simpy.Resource(self.env, 1) for a in self.fleet}
        self._slots: dict[str, simpy.Resource] = {}
        self.sites = {a.airfield_id: a for a in self.registry.tables.airfields}
        self.memo = config_memo(config)

    def slot(self, observed: str) -> simpy.Resource:
        """The observed holder's one-flight-at-a-time resource."""
        if observed not in self._slots:
            self._slots[observed] = simpy.Resource(self.env, 1)
        return self._slots[observed]

    def breakdown_probability(self, aircraft: Aircraft) -> float:
        """A scenario's override for this type, else the aircraft's sourced rate, else (a row
        of the aircraft table without one) ``operations.failures.default_breakdown_probability``."""
        key = ("breakdown", aircraft.aircraft_id)
        rate = self.memo.answers.get(key)
        if rate is None:
            ops = self.config.operations
            base_id = aircraft.aircraft_id.split("#")[0]
            sourced = aircraft.breakdown_probability
            rate = self.memo.answers[key] = float(ops.breakdown_overrides.get(
                base_id, ops.default_breakdown if sourced is None else sourced))
        return rate

    def period(self, day: dt.date) -> int:
        """The index of the period of constant membership, refusals and fleet holding ``day``."""
        index = self.memo.period_of.get(day)
        if index is None:
            index = self.memo.period_of[day] = bisect.bisect_right(self.memo.change_dates, day)
        return index

    def per_period(
        self, query: Callable[..., Any], *args: Any, day: dt.date, name: str | None = None
    ) -> Any:
        """``query(*args, day)`` memoised per period under ``name`` (default: its own)."""
        key = (name or query.__name__, *args, self.period(day))
        try:
            return self.memo.answers[key]
        except KeyError:
            value = self.memo.answers[key] = query(*args, day)
            return value

    def candidate_aircraft(self, observer: str, observed: str, day: dt.date) -> list[Aircraft]:
        """The aircraft ``observer`` may fly over ``observed`` on ``day`` (Art. VI Sec. I
        para 2), memoised."""
        return self.per_period(self._candidates, observer, observed, day=day)

    def taxi_aircraft(self, observed: str, day: dt.date) -> list[Aircraft]:
        """The aircraft ``observed`` could provide as a taxi (Art. VI Sec. I para 1),
        memoised."""
        return self.per_period(self._taxis, observed, day=day)

    def _candidates(self, observer: str, observed: str, day: dt.date) -> list[Aircraft]:
        return candidate_aircraft(
            observer, observed, day, self.registry, self.fleet, self.config.lending
        )[0]

    def _taxis(self, observed: str, day: dt.date) -> list[Aircraft]:
        return taxi_aircraft(observed, day, self.registry, self.fleet)

    def rng_for(self, *key: int) -> np.random.Generator:
        """An independent generator for one purpose of this replication (e.g. one mission)."""
        child = np.random.SeedSequence(self.seed.entropy, spawn_key=(*self.seed.spawn_key, *key))
        return np.random.default_rng(child)

    def start(self, distributions: list[Distribution]) -> list[PlannedMission]:
        """Plan every year and start one process per mission; return the plans."""
        plans: list[PlannedMission] = []
        years = set(self.config.years)
        for dist in distributions:
            rng = self.rng_for(0, dist.year)
            first = self._earliest(dist) if dist.last_year > dist.year else None
            planned = plan_year(dist, self.clock, self.config.operations, rng, first)
            plans += [m for m in planned if m.year in years]  # a period may reach past the run
        for i, m in enumerate(plans):
            self.env.process(mission(self, m, self.rng_for(1, m.year, i)))
        return plans

    def _earliest(self, dist: Distribution) -> dict[tuple[tuple[str, ...], str], dt.date]:
        """For a distribution over several years, each grant's first day on which all its
        holders are parties (Sweden's 2003 accession quota is flown from 10 Feb 2003)."""
        out = {}
        reg = self.registry
        for g in dist.grants:
            starts = []
            for holder in (*g.observers, g.observed):
                if holder in reg.state_codes and reg.state(holder).entry_into_force:
                    starts.append(reg.state(holder).entry_into_force)
            if starts and max(starts).year >= dist.year:
                out[g.observers, g.observed] = max(starts)
        return out

    @property
    def end(self) -> float:
        """Simulation hours at which a run stops (15 January after the last year)."""
        return self.clock.hours(dt.date(max(self.config.years) + 1, 1, 15))

    def run(self, distributions: list[Distribution]) -> ReplicationResult:
        """Plan every year, start one process per mission, and run to the end."""
        plans = self.start(distributions)
        self.env.run(until=self.end)
        self.records.sort(key=lambda r: r.mission_id)
        coverage = [row for y in sorted(self.config.years) for row in self.coverage_rows(y)]
        imagery = {y: self.routes.imagery(y) for y in sorted(self.config.years)}
        return ReplicationResult(
            self.replication, self.records, plans, coverage, self.events, imagery,
            self.imaged_km2,
        )

    def coverage_rows(self, year: int) -> list[dict[str, object]]:
        """One ``coverage.csv`` row per state that was a party during the year.

        A flight over a group counts for each member state its footprint covered (with geometry;
        without it, for every member), a flight by a group for each member; so summed over states
        ``flights_received`` can exceed the counted flights by the group flights that covered
        two members. Imaged areas come from the route service (NaN without geometry); they are
        also kept unrounded in ``self.imaged_km2`` for the data-sharing measure.
        """
        states = self.registry.parties_during(year)
        received: dict[str, int] = dict.fromkeys(states, 0)
        conducted: dict[str, int] = dict.fromkeys(states, 0)
        for rec in self.records:
            if rec.year != year or not rec.counted:
                continue
            day = dt.date.fromisoformat(rec.started_at[:10])
            targets = self.registry.members(rec.observed, day)
            if rec.overflown is not None and len(targets) > 1:
                # a group's flight counts for the members its footprint covered
                targets = tuple(s for s in targets if s in rec.overflown)
            for state in targets:
                received[state] = received.get(state, 0) + 1
            for holder in (rec.observer, *rec.joint_with.split()):
                for state in self.registry.members(holder, day):
                    conducted[state] = conducted.get(state, 0) + 1
        areas = self.routes.coverage(year, states)
        self.imaged_km2[year] = {state: imaged for state, (_, imaged) in areas.items()}
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


def _change_dates(config: EngineConfig) -> tuple[dt.date, ...]:
    """Dates on which membership, a bilateral refusal, an airframe's service, an airfield's
    designation or the calendar year (maximum flight distances are resolved per year) can
    change: every answer the world memoises per period is constant between two of them."""
    dates = set(config.registry.membership_change_dates)
    dates.update(a.valid_from for a in config.registry.tables.airfields if a.valid_from)
    first, last = min(config.years), max(config.years)
    dates.update(dt.date(y, 1, 1) for y in range(first - 1, last + 3))
    for rule in (*config.rules.refusals, *config.rules.suspensions):
        dates.update(d for d in (rule.start, rule.end) if d is not None)
    for aircraft in config.fleet:
        dates.update(d for d in (aircraft.in_service_from, aircraft.in_service_to) if d is not None)
        dates.update(d for window in aircraft.outages for d in window if d is not None)
    return tuple(sorted(dates))


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
