"""From a validated :class:`~simulator.scenario.schema.Scenario` to the engine's frozen inputs."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from simulator.engine.config import EngineConfig
from simulator.engine.fleets import Aircraft, load_fleet
from simulator.engine.operations import load_operations
from simulator.scenario.schema import Scenario
from simulator.treaty import load_registry
from simulator.treaty.distribution import ReviewOutcome
from simulator.treaty.quotas import QuotaRules, Refusal, Suspension, Transfer
from simulator.treaty.registry import Registry


def scenario_registry(scenario: Scenario) -> Registry:
    """The bundled registry with the scenario's membership changes."""
    m = scenario.model.membership
    states: dict[str, dict[str, Any]] = {}
    for code, change in m.states.items():
        fields = change.model_dump(exclude_unset=True)
        stays = fields.pop("stays", False)
        if stays:
            fields["withdrawal_effective"] = None
        states[code] = fields
    groups: dict[str, dict[str, Any]] = {}
    for gid, change in m.groups.items():
        fields = change.model_dump(exclude_unset=True)
        if fields.pop("persists", False):
            fields["end"] = None
        groups[gid] = fields
    return load_registry().with_overrides(states, groups, dict(m.passive_quotas))


def fleet_with_outages(scenario: Scenario) -> tuple[Aircraft, ...]:
    """The bundled fleet with the scenario's outages (e.g. the fleet after Russia's
    withdrawal, history calibration F45) added to the airframes of each type."""
    outages: dict[str, list[tuple[dt.date, dt.date | None]]] = {}
    for o in scenario.model.fleet.outages:
        outages.setdefault(o.aircraft, []).append((o.start, o.end))
    return tuple(
        replace(a, outages=(*a.outages, *outages[a.base_id])) if a.base_id in outages else a
        for a in load_fleet()
    )


def engine_config(scenario: Scenario) -> EngineConfig:
    """The engine configuration a scenario describes."""
    model = scenario.model
    rules = QuotaRules(
        nato_practice=model.rules.nato_practice,
        fifty_percent_rule=model.rules.fifty_percent_rule,
        shared_flight_charge=model.rules.shared_flight_charge,
        refusals=tuple(
            Refusal(r.observed, r.observer, r.start, r.end, r.mutual, r.source)
            for r in model.rules.refusals
        ),
        suspensions=tuple(
            Suspension(sp.state, sp.start, sp.end, sp.source) for sp in model.rules.suspensions
        ),
        transfers=tuple(
            Transfer(t.year, t.donor, t.recipient, t.flights) for t in model.rules.transfers
        ),
        max_observers_per_flight=model.rules.max_observers_per_flight,
    )
    review = ReviewOutcome(
        deadlock_years=frozenset(model.rules.deadlock_years),
        no_agreement={int(y): frozenset(c) for y, c in model.rules.no_agreement.items()},
    )
    params: dict[str, Any] = {
        "utilisation": model.requests.utilisation,
        "demand_shares": dict(model.requests.demand_shares),
        "joint": dict(model.requests.joint),
        "interest": [row.model_dump() for row in model.requests.interest],
    }
    if model.requests.model == "explicit":
        params["table"] = [
            {**row.model_dump(), "shared_with": tuple(row.shared_with)}
            for row in model.requests.table
        ]
    return EngineConfig(
        years=scenario.years,
        registry=scenario_registry(scenario),
        rules=rules,
        review=review,
        request_model=model.requests.model,
        request_params=params,
        operations=load_operations(model.operations),
        fleet=fleet_with_outages(scenario),
        geometry=model.geometry.enabled,
        geo={
            "resolution_km": model.geometry.resolution_km,
            "restrictions": tuple(r.model_dump() for r in model.restrictions),
            "sharing": model.sharing.model_dump(),
            "areas_of_interest": None if model.geometry.areas_of_interest is None else tuple(
                a.model_dump() for a in model.geometry.areas_of_interest),
            "transit_charge": model.geometry.transit_charge,
            "planner": model.geometry.planner,
        },
    )


def active(restriction: dict[str, Any], day: dt.date) -> bool:
    """Whether a restriction spec is in force on ``day``."""
    start, end = restriction.get("start"), restriction.get("end")
    return (start is None or start <= day) and (end is None or day < end)


def request_warnings(scenario: Scenario) -> list[str]:
    """Rows of the explicit request table that the rules will drop or cut, each as
    ``requests.table.N: ...`` (the run goes ahead; the distribution notes say what happened)."""
    model = scenario.model
    if not model.requests.table:
        return []
    reg = scenario_registry(scenario)
    out = []
    for i, row in enumerate(model.requests.table):
        where = f"requests.table.{i}"
        for year in [row.year] if row.year is not None else list(scenario.years):
            day = dt.date(year, 7, 1)
            missing = [h for h in (row.observer, row.observed, *row.shared_with)
                       if not reg.members(h, day)]
            if missing:
                out.append(f"{where}: {', '.join(missing)} not a party in {year}: dropped")
                continue
            if model.rules.nato_practice and reg.holder_is_nato(row.observer, day) and \
                    reg.holder_is_nato(row.observed, day):
                out.append(f"{where}: {row.observer} and {row.observed} are both NATO members "
                           f"in {year} and rules.nato_practice holds: dropped")
                continue
            quota = reg.passive_quota(row.observed, year).accept_limit
            if row.flights > quota:
                out.append(f"{where}: {row.flights} flights over {row.observed} in {year} is "
                           f"more than its passive quota ({quota}): cut")
    return out
