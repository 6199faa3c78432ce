"""Treaty invariants shared by the engine tests and the invariants-at-scale tests.

Two layers of checks:

* :func:`check_invariants` works on one engine replication (``run_replication``) and needs its
  plans (the ETA of every mission at the point of entry);
* :func:`check_tables` works on what a user gets from :func:`simulator.api.run`: the
  ``missions``, ``quotas`` and ``coverage`` DataFrames of one run, checked against the treaty
  registry and rules of the scenario.

:func:`random_scenario` draws a scenario dict (years, membership, rule switches, requests,
operations) from a seeded :class:`numpy.random.Generator`; there is no global random state.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable
from functools import cache
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from simulator.engine import STATUSES, EngineConfig
from simulator.engine.clock import Clock
from simulator.engine.fleets import load_fleet
from simulator.engine.planning import MAX_PER_QUARTER
from simulator.geo.sensors import sensor
from simulator.treaty.dates import FIRST_PERIOD_END, TREATY_ENTRY_INTO_FORCE
from simulator.treaty.quotas import (
    QuotaRules,
    accept_limit,
    access,
    fifty_percent_applies,
    fifty_percent_cap,
    holders_in_year,
    observer_capacity,
)

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)  # times are written to the minute


def parse(ts: str) -> dt.datetime:
    """A ``YYYY-MM-DDTHH:MM`` time of the missions table."""
    return dt.datetime.fromisoformat(ts)


# ------------------------------------------------------------- engine level
def check_invariants(config: EngineConfig, result, distributions) -> None:
    """Every treaty invariant the engine must keep, on one replication's records."""
    reg, rules = config.registry, config.rules
    clock = Clock(min(config.years))
    eta = {p.mission_id: p.eta for p in result.plans}
    assert len(eta) == len(result.missions)
    # <= 16 planned per observed holder per quarter (Annex H para 2)
    per_quarter = Counter((p.year, p.quarter, p.observed) for p in result.plans)
    assert max(per_quarter.values(), default=0) <= MAX_PER_QUARTER
    # planned 96 h windows never overlap over one observed holder (Art. VI Sec. I para 3)
    by_target: dict[str, list[float]] = {}
    for p in result.plans:
        by_target.setdefault(p.observed, []).append(p.eta)
    for times in by_target.values():
        times.sort()
        assert all(b - a >= 96.0 for a, b in pairwise(times))
    flown_intervals: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    counted: Counter = Counter()
    period_of = {y: d.year for d in distributions for y in range(d.year, d.last_year + 1)}
    for m in result.missions:
        assert m.status in STATUSES
        assert m.counted == STATUSES[m.status] or (m.status == "curtailed" and m.taxi)
        planned_eta = clock.datetime(eta[m.mission_id])
        if m.notified_at:
            # Art. VI Sec. I para 5: >= 72 h notice
            notice = planned_eta - parse(m.notified_at)
            assert notice >= dt.timedelta(hours=72) - MINUTE
        if m.arrived_at and m.status != "prohibited":
            # Art. VIII Sec. I para 2: arriving more than 24 h after the ETA, the flight may
            # be prohibited; every flight that went ahead arrived within 24 h of it
            assert parse(m.arrived_at) - planned_eta <= 24 * HOUR + MINUTE
        if m.status in ("completed", "curtailed"):
            start, end = parse(m.started_at), parse(m.ended_at)
            # Art. VI Sec. I para 9: ETA to the end of the flight <= 96 h
            assert end - planned_eta <= dt.timedelta(hours=96, minutes=1)
            assert m.distance_km <= m.max_distance_km + 1e-6  # Annex A Sec. III
            day = start.date()
            observer_holders = (m.observer, *m.joint_with.split())
            observers = [s for o in observer_holders for s in reg.members(o, day)]
            targets = reg.members(m.observed, day)
            assert observers and targets  # nobody flies after leaving
            for a in observers:
                for b in targets:
                    assert reg.is_party(a, day) and reg.is_party(b, day)
                    if rules.nato_practice:
                        assert not (reg.is_nato_member(a, day) and reg.is_nato_member(b, day))
            flown_intervals.setdefault(m.observed, []).append((parse(m.arrived_at), end))
        if m.counted:  # keyed by the distribution's period (the first one spans 2002-2003)
            period = period_of[m.year]
            counted[(period, (m.observer, *m.joint_with.split()), m.observed)] += 1
    for intervals in flown_intervals.values():
        intervals.sort()
        assert all(b[0] >= a[1] for a, b in pairwise(intervals))
    granted = {
        (d.year, g.observers, g.observed): g.flights for d in distributions for g in d.grants
    }
    for key, n in counted.items():
        assert n <= granted[key], key


# -------------------------------------------------------------- table level
def _observers(row: Any, column: str) -> frozenset[str]:
    other = row[column] if isinstance(row[column], str) else ""
    return frozenset((row["observer"], *other.split()))


def _charged(observers: tuple[str, ...], rules: QuotaRules) -> tuple[str, ...]:
    # a shared flight is charged to each co-observer, or to its lead only (UNCONFIRMED)
    return observers if rules.shared_flight_charge == "each" else observers[:1]


def quota_grants(quotas: pd.DataFrame, year: int) -> dict[tuple[frozenset[str], str], int]:
    """The year's grants in ``quotas.csv``: (observers, observed) -> flights. A shared flight
    has one row per co-observer, each naming the others in ``shared_with``."""
    rows = quotas[quotas["year"] == year]
    total: Counter = Counter()
    for r in rows.to_dict("records"):
        total[(_observers(r, "shared_with"), r["observed"])] += int(r["flights"])
    return {k: n // len(k[0]) for k, n in total.items()}


def check_quota_table(config: EngineConfig, quotas: pd.DataFrame, years: Iterable[int]) -> None:
    """``quotas.csv`` of one replication against the quota rules of Art. III and Annex A."""
    reg, rules = config.registry, config.rules
    for label, span in periods(config, years):
        year = span[-1]  # a period's distribution is checked on its last year
        holders = set(holders_in_year(reg, year))
        for r in quotas[quotas["year"] == label].to_dict("records"):
            # Art. XV, Art. XVII: quotas only by and over holders taking part that year
            assert r["observer"] in holders and r["observed"] in holders, (year, r)
            assert r["observer"] != r["observed"] and r["flights"] > 0, r
        if label in config.review.deadlock_years:
            # Art. X para 2: no consensus, no distribution, no quota flights (the 2018 switch)
            assert not (quotas["year"] == label).any()
        grants = quota_grants(quotas, label)
        received: Counter = Counter()
        charged: Counter = Counter()  # flights charged to each observer's total active quota
        pair: Counter = Counter()  # ... and to its individual active quota over one target
        each = rules.shared_flight_charge == "each"
        for (obs, target), n in grants.items():
            received[target] += n  # a shared flight counts once for the observed party
            # "lead": only the lead of a shared flight is charged, and quotas.csv does not say
            # which observer leads, so only unshared flights are certainly charged
            for o in obs if each or len(obs) == 1 else ():
                charged[o] += n
                pair[(o, target)] += n
        for target, n in received.items():
            # Art. II para 9; Annex A Sec. II paras 1-2 (75 % through 2005)
            assert n <= accept_limit(reg, target, year), (year, target, n)
        for observer, n in charged.items():
            # Art. III Sec. I para 5 (total active <= total passive), para 9 (transfers)
            assert n <= observer_capacity(reg, observer, year, rules), (year, observer, n)
        for (observer, target), n in pair.items():
            # Art. III Sec. I para 10 in the scenario's reading of its scope: 50 % rounded up
            # of the observer's total active quota or the observed's passive quota
            passive = reg.passive_quota(target, year).quota
            if rules.fifty_percent_rule == "always":
                if target in config.review.no_agreement.get(year, ()):
                    continue  # Art. III Sec. I para 7: last agreed rows carried over, not re-cut
                total = observer_capacity(reg, observer, year, rules)  # the entitlement (F37)
            elif fifty_percent_applies(observer, year, rules):
                total = observer_capacity(reg, observer, year, rules)
            else:
                continue
            assert n <= fifty_percent_cap(total, passive), (year, observer, target, n)


def _intervals_disjoint(intervals: list[tuple[dt.datetime, dt.datetime, str]]) -> None:
    intervals.sort()
    for a, b in pairwise(intervals):
        assert b[0] >= a[1], (a, b)


@cache
def _sensor_of(aircraft_id: str) -> str:
    """The sensor id an airframe carries (``data/aircraft.csv``)."""
    return {a.aircraft_id: a.sensor for a in load_fleet()}[aircraft_id]


@cache
def aircraft_owner(aircraft_id: str) -> str:
    """The state whose membership decides whether the airframe may fly."""
    return {a.aircraft_id: a.owner for a in load_fleet()}[aircraft_id]


def periods(config: EngineConfig, years: Iterable[int]) -> list[tuple[int, tuple[int, ...]]]:
    """(label, years) of each distribution period: the historical model grants the first
    distribution once for 2002-2003 (Annex A Sec. II para 1), labelled 2002."""
    out: dict[int, list[int]] = {}
    for y in sorted(years):
        first = config.request_model == "historical" and (
            TREATY_ENTRY_INTO_FORCE.year <= y <= FIRST_PERIOD_END.year
        )
        label = TREATY_ENTRY_INTO_FORCE.year if first else y
        out.setdefault(label, []).append(y)
    spans = {label: tuple(ys) for label, ys in out.items()}
    if TREATY_ENTRY_INTO_FORCE.year in spans and config.request_model == "historical":
        spans[TREATY_ENTRY_INTO_FORCE.year] = tuple(
            range(TREATY_ENTRY_INTO_FORCE.year, FIRST_PERIOD_END.year + 1)
        )
    return sorted(spans.items())


def check_missions_table(
    config: EngineConfig, missions: pd.DataFrame, quotas: pd.DataFrame, years: Iterable[int]
) -> Counter:
    """``missions.csv`` of one replication: timeline, membership, access, one flight at a time,
    distances, and every mission accounted for in ``quotas.csv``. Returns status counts."""
    reg, rules, ops = config.registry, config.rules, config.operations
    statuses: Counter = Counter()
    over_state: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = {}
    by_aircraft: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = {}
    for year, span in periods(config, years):
        grants = quota_grants(quotas, year)
        planned: Counter = Counter()
        counted: Counter = Counter()
        received: Counter = Counter()
        charged: Counter = Counter()
        rows = missions[missions["year"].isin(span)].to_dict("records")
        if year in config.review.deadlock_years:
            assert not rows  # Art. X para 2: no distribution, no quota flights
        for m in rows:
            statuses[m["status"]] += 1
            obs = _observers(m, "joint_with")
            key = (obs, m["observed"])
            # Art. III Sec. I para 8: every mission flies a flight of the year's distribution
            assert key in grants, (year, m["mission_id"], key)
            planned[key] += 1
            assert m["status"] in STATUSES, m
            # Art. VIII: what counts; a curtailment the observed Party's taxi caused is the
            # observing Party's call (Art. VIII Sec. II para 5), assumed not counted
            taxi_curtailed = m["status"] == "curtailed" and bool(m["taxi"])
            assert bool(m["counted"]) == (STATUSES[m["status"]] and not taxi_curtailed), m
            flown = m["status"] in ("completed", "curtailed")
            assert flown == bool(_text(m["started_at"])), m
            if _text(m["arrived_at"]):
                arrived = parse(m["arrived_at"])
                # Art. VI Sec. I para 5: notice >= 72 h before the ETA, and no one arrives
                # before the ETA they notified
                assert arrived - parse(m["notified_at"]) >= 72 * HOUR - MINUTE, m
            if not flown:
                assert m["distance_km"] == 0 and m["imaged_km2"] == 0, m
                continue
            start, end = parse(m["started_at"]), parse(m["ended_at"])
            # Art. VI Sec. II paras 1 and 4(E): the mission plan is submitted after arrival and
            # the flight commences no earlier than 24 h after it
            assert start - arrived >= 24 * HOUR - MINUTE, m
            assert end >= start, m
            # Art. VI Sec. I para 9: ETA (<= arrival) to the end of the flight <= 96 h
            assert end - arrived <= 96 * HOUR + MINUTE, m
            # Annex A Sec. III, Art. II para 11: within the airfield's maximum flight distance
            assert m["max_distance_km"] > 0
            assert m["distance_km"] > 0, m  # a flight that commenced flew a route (Art. II 5)
            assert m["distance_km"] <= m["max_distance_km"] + 0.1, m
            # Art. XV, Art. XVII: no flight by or over a state that is not a party that day;
            # NATO practice; bilateral refusals; no flight within a quota holder
            day = start.date()
            observers = [s for o in sorted(obs) for s in reg.members(o, day)]
            targets = reg.members(m["observed"], day)
            assert observers and targets, m
            assert all(reg.members(o, day) for o in obs), m
            for a in observers:
                for b in targets:
                    ok, reason = access(reg, a, b, day, rules)
                    assert ok, (reason, a, b, m)
            # the aircraft's owner is a party (Art. II para 4, Art. XV) on the ETA, which lies
            # within the 24 h before arrival; on the flight day itself it may have left (a known
            # gap: test_invariants.py::test_no_flight_in_an_aircraft_of_a_state_that_has_left)
            owner = aircraft_owner(m["aircraft"])
            assert any(
                reg.is_party(owner, d) for d in (arrived.date(), (arrived - 24 * HOUR).date())
            )
            # and the airframe flies one mission at a time
            by_aircraft.setdefault(m["aircraft"], []).append((arrived, end, m["mission_id"]))
            # Art. VI Sec. I para 3: one observation flight at a time over a State Party
            for b in targets:
                over_state.setdefault(b, []).append((arrived, end, m["mission_id"]))
            if m["counted"]:
                counted[key] += 1
                received[m["observed"]] += 1  # a shared flight counts once (Annex A Sec. II)
                for o in obs if rules.shared_flight_charge == "each" or len(obs) == 1 else ():
                    charged[o] += 1
        share = ops.use_share_phase_in if year <= 2005 else ops.use_share
        for key, n in planned.items():
            # Annex H para 5: granted flights may go unused, never more planned than granted
            whole = share >= 1.0 and set(span) <= set(years)
            assert n == grants[key] if whole else n <= grants[key], (year, key, n)
            assert counted[key] <= grants[key]
        if share >= 1.0 and set(span) <= set(years):
            assert set(planned) == set(grants), year  # every granted flight was planned
        for target, n in received.items():
            assert n <= accept_limit(reg, target, year)  # Art. II para 9 (counted flights)
        for observer, n in charged.items():
            assert n <= observer_capacity(reg, observer, year, rules)  # Art. III Sec. I para 5
    for intervals in (*over_state.values(), *by_aircraft.values()):
        _intervals_disjoint(intervals)
    return statuses


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def footprint_bound_km2(distance_km: float, swath_km: float, resolution_km: float) -> float:
    """The most a route of ``distance_km`` can image with a swath of ``swath_km``.

    The footprint is the union of strips of width w along straight legs and discs of radius
    w / 2 at the turns (``geo/footprint.py``): inside the w / 2-neighbourhood of the route, whose
    area is at most L w + pi (w / 2)^2 for any path of length L. Areas are counted on 64
    sub-points per grid cell, each standing for 1/64 of its cell: a sub-point inside the
    footprint may stand for land up to about one sub-point spacing (the cell size / 8) outside
    it, so the strip widens by that much on each side. Distances are on a local sphere within
    0.1 % of WGS84; the tables round to 0.1 km and 0.1 km2.
    """
    w = swath_km * 1.001 + 2.0 * resolution_km / 8.0
    return (distance_km + 0.05) * w + math.pi * (w / 2.0) ** 2 + 0.1


def check_coverage_table(
    config: EngineConfig, missions: pd.DataFrame, coverage: pd.DataFrame, years: Iterable[int]
) -> int:
    """``coverage.csv`` of one replication: parties only, flights received and conducted as the
    counted missions say, and with geometry the bounds on imaged areas. Returns the number of
    flights whose footprint bound was checked."""
    reg = config.registry
    resolution = float(config.geo.get("resolution_km", 25.0))
    checked = 0
    for year in years:
        cov = coverage[coverage["year"] == year]
        # coverage.csv has one row per state that was a party during the year (Art. XV, XVII)
        assert sorted(cov["state"]) == list(reg.parties_during(year)), year
        my = missions[(missions["year"] == year)].to_dict("records")
        received: Counter = Counter()
        conducted: Counter = Counter()
        imaged_over: Counter = Counter()  # per state: sum of its flights' imaged km2
        for m in my:
            if not _text(m["started_at"]):
                continue
            day = parse(m["started_at"]).date()
            targets = reg.members(m["observed"], day)
            for s in targets:
                imaged_over[s] += m["imaged_km2"] + 0.1
            if m["counted"]:
                for s in targets:
                    received[s] += 1
                for o in _observers(m, "joint_with"):
                    for s in reg.members(o, day):
                        conducted[s] += 1
            if config.geometry:
                w = sensor(_sensor_of(m["aircraft"])).swath_km
                # imaged km2 <= route length x footprint width (see footprint_bound_km2)
                bound = footprint_bound_km2(m["distance_km"], w, resolution)
                assert m["imaged_km2"] <= bound, (m, bound)
                checked += 1
        for r in cov.to_dict("records"):
            # Art. III Sec. I para 8: counted flights, per member state of a group
            assert r["flights_received"] == received[r["state"]], r
            assert r["flights_conducted"] == conducted[r["state"]], r
            if not config.geometry:
                assert math.isnan(r["imaged_km2"]) or r["imaged_km2"] == 0, r
                continue
            # Art. II para 8: the territory; 0 <= imaged <= territory; a union over flights
            # images no more than its flights together
            assert r["territory_km2"] > 0, r
            assert 0.0 <= r["imaged_fraction"] <= 1.0, r
            assert 0.0 <= r["imaged_km2"] <= r["territory_km2"] + 0.1, r
            assert r["imaged_km2"] <= imaged_over[r["state"]] + 0.1, r
    return checked


def check_tables(config: EngineConfig, result) -> Counter:
    """Every table-level invariant on a :class:`~simulator.outputs.folders.Result` of one or more
    replications. Returns status counts (and ``footprints``: flights bound-checked)."""
    years = config.years
    totals: Counter = Counter()
    reps = set(result.quotas["replication"]) | set(result.missions["replication"])
    for rep in sorted(reps | set(result.coverage["replication"])):
        quotas = result.quotas[result.quotas["replication"] == rep]
        missions = result.missions[result.missions["replication"] == rep]
        coverage = result.coverage[result.coverage["replication"] == rep]
        check_quota_table(config, quotas, years)
        totals += check_missions_table(config, missions, quotas, years)
        totals["footprints"] += check_coverage_table(config, missions, coverage, years)
    return totals


# ------------------------------------------------------- random scenarios
PARTIES = [
    "BEL",
    "BGR",
    "BIH",
    "BLR",
    "CAN",
    "CZE",
    "DEU",
    "DNK",
    "ESP",
    "EST",
    "FIN",
    "FRA",
    "GBR",
    "GEO",
    "GRC",
    "HRV",
    "HUN",
    "ISL",
    "ITA",
    "LTU",
    "LUX",
    "LVA",
    "NLD",
    "NOR",
    "POL",
    "PRT",
    "ROU",
    "RUS",
    "SVK",
    "SVN",
    "SWE",
    "TUR",
    "UKR",
    "USA",
]
HOLDERS = sorted({*PARTIES, "BENELUX", "BY-RU"} - {"BEL", "LUX", "NLD", "RUS"})
RESTRICTIONS = (  # the disputed practice of the 2010s, as in scenarios/_treaty.toml
    {
        "name": "Kaliningrad",
        "kind": "distance_cap",
        "state": "RUS",
        "region": "kaliningrad",
        "max_km": 500,
    },
    {"name": "Hawaii", "kind": "distance_cap", "state": "USA", "region": "hawaii", "max_km": 828},
    {
        "name": "Corridor",
        "kind": "no_fly",
        "state": "RUS",
        "region": "abkhazia_south_ossetia_border",
        "buffer_km": 10,
    },
)


def _date(rng: np.random.Generator, first: int, last: int) -> str:
    """A random day from 1 Jan ``first`` to 31 Dec ``last``, ISO format."""
    lo, hi = dt.date(first, 1, 1).toordinal(), dt.date(last, 12, 31).toordinal()
    return dt.date.fromordinal(int(rng.integers(lo, hi + 1))).isoformat()


def _pick(rng: np.random.Generator, options: list[str], k: int) -> list[str]:
    return sorted(str(x) for x in rng.choice(options, size=min(k, len(options)), replace=False))


def _pause(rng: np.random.Generator, start: int, end: int) -> list[str]:
    first = dt.date.fromisoformat(_date(rng, start, end))
    last = first + dt.timedelta(days=int(rng.integers(1, 120)))
    return [first.isoformat(), last.isoformat(), "random pause"]


def _entry_into_force(code: str) -> dt.date | None:
    from simulator.treaty import load_registry

    return load_registry().state(code).entry_into_force


def _donor_quota(holder: str, year: int, quotas: dict[str, int]) -> int:
    if holder in quotas:
        return quotas[holder]
    from simulator.errors import OpenSkiesError
    from simulator.treaty import load_registry

    try:
        return load_registry().passive_quota(holder, year).quota
    except OpenSkiesError:
        return 0


def random_scenario(
    rng: np.random.Generator,
    geometry: bool = False,
    resolution_km: float = 25.0,
    max_years: int = 3,
    small: bool = False,
) -> dict[str, Any]:
    """A random scenario document: years 2002-2030, membership changes (late entries,
    withdrawals before or during the period, NATO accessions, the BY-RU group ending early or
    never), rule switches (NATO practice, 50 % rule modes, shared-flight charge, deadlock and
    no-agreement years, refusals, transfers), a request model and operations parameters within
    the treaty's timeline. ``small`` keeps the flights few (an explicit table), for geometry."""
    start = int(rng.integers(2002, 2031))
    end = min(start + int(rng.integers(0, max_years)), 2030)
    years = list(range(start, end + 1))
    states: dict[str, dict[str, Any]] = {}
    for code in _pick(rng, PARTIES, int(rng.integers(0, 4))):
        kind = rng.choice(["withdraw", "join_late", "nato", "stays"])
        if kind == "withdraw":  # Art. XV: effective before, during or after the period
            day = _date(rng, start - 2, end + 1)
            entry = _entry_into_force(code)
            if entry is not None and dt.date.fromisoformat(day) <= entry:
                day = (entry + dt.timedelta(days=1)).isoformat()  # never before it joined
            states[code] = {"withdrawal_effective": day}
        elif kind == "join_late":  # Art. XVII para 6: a late entry into force
            states[code] = {"entry_into_force": _date(rng, 2002, end)}
        elif kind == "nato":
            states[code] = {"nato_member_since": _date(rng, start - 1, end)}
        else:
            states[code] = {"stays": True}
    membership: dict[str, Any] = {"states": states}
    quotas: dict[str, int] = {}
    if rng.random() < 0.3:
        quotas = {h: int(rng.integers(0, 21)) for h in _pick(rng, HOLDERS, int(rng.integers(1, 3)))}
    if rng.random() < 0.3:
        if rng.random() < 0.5:
            membership["groups"] = {"BY-RU": {"persists": True}}
        else:
            membership["groups"] = {"BY-RU": {"end": _date(rng, start, end)}}
            # Russia alone then holds quotas; the data has no passive quota for it (a scenario
            # ending the group early must give one, or the run stops with a clear error)
            quotas["RUS"] = int(rng.integers(10, 43))
    if "RUS" in states and "RUS" not in quotas:
        # Russia staying past the group's end (18 Dec 2021) or leaving later holds quotas alone
        quotas["RUS"] = int(rng.integers(10, 43))
    if quotas:
        membership["passive_quotas"] = quotas
    rules: dict[str, Any] = {
        "nato_practice": bool(rng.random() < 0.7),
        "fifty_percent_rule": str(rng.choice(["off", "transfers", "always"])),
        "shared_flight_charge": str(rng.choice(["each", "lead"])),
    }
    if rng.random() < 0.1:
        rules["deadlock_years"] = [int(rng.choice(years))]
    if rng.random() < 0.2:
        rules["no_agreement"] = {str(rng.choice(years)): _pick(rng, HOLDERS, 2)}
    if rng.random() < 0.5:
        a, b = _pick(rng, PARTIES, 2)
        rules["refusals"] = [
            {
                "observed": a,
                "observer": b,
                "start": _date(rng, start - 1, end),
                "mutual": bool(rng.random() < 0.5),
            }
        ]
    if rng.random() < 0.4:
        drawn = [
            {
                "year": int(rng.choice(years)),
                "donor": d,
                "recipient": r,
                "flights": int(rng.integers(1, 4)),
            }
            for d, r in [_pick(rng, HOLDERS, 2) for _ in range(int(rng.integers(1, 3)))]
        ]
        # a transfer moves active quota: at most the donor's whole quota (validated)
        for t in drawn:
            t["flights"] = min(t["flights"], _donor_quota(t["donor"], t["year"], quotas))
        rules["transfers"] = [t for t in drawn if t["flights"] >= 1]
    model = "explicit" if small else str(rng.choice(["historical", "interest", "explicit"]))
    requests: dict[str, Any] = {"model": model}
    if model == "interest":
        requests["utilisation"] = float(rng.uniform(0.2, 1.0))
    elif model == "historical":
        requests["demand_shares"] = {"*": float(rng.uniform(0.2, 1.0))}
    if model == "explicit":
        rows = []
        for _ in range(int(rng.integers(2, 6 if small else 30))):
            obs, tgt, other = (str(x) for x in rng.choice(HOLDERS, size=3, replace=False))
            row: dict[str, Any] = {
                "observer": obs,
                "observed": tgt,
                "flights": int(rng.integers(1, 3 if small else 6)),
            }
            if rng.random() < 0.15:
                row["shared_with"] = [other]
            if rng.random() < 0.3:
                row["year"] = int(rng.choice(years))
            rows.append(row)
        requests["table"] = rows
    operations = {
        "timeline": {  # within Art. VI: notice >= 72 h, commencement >= 24 h after the plan
            "notice_extra_hours_max": float(rng.uniform(0, 96)),
            "transfer_hours_max": float(rng.uniform(0, 5)),
            "commencement_after_plan_hours_min": float(rng.uniform(24, 36)),
            "refuelling_stop_hours": float(rng.uniform(1, 4)),
        },
        "planning": {
            "use_share": float(rng.choice([1.0, rng.uniform(0.3, 1.0)])),
            "use_share_phase_in": float(rng.choice([1.0, rng.uniform(0.3, 1.0)])),
        },
        "season": {"monthly_weights": [float(x) for x in rng.uniform(0.05, 1.0, 12)]},
        "weather": {
            "hold_probability": [float(x) for x in rng.uniform(0, 0.6, 12)],
            "cloud_fraction": [float(x) for x in rng.uniform(0, 0.8, 12)],
        },
        "failures": {
            "default_breakdown_probability": float(rng.uniform(0, 0.2)),
            "curtailment_probability": float(rng.choice([0.03, 0.3])),
            "late_arrival_probability": float(rng.uniform(0, 0.1)),
            "mission_plan_decline_probability": float(rng.uniform(0, 0.1)),
        },
        "taxi": {"probability": float(rng.choice([0.0, 0.05, 0.5, 1.0]))},
        "pauses": {"windows": [] if rng.random() < 0.7 else [_pause(rng, start, end)]},
    }
    doc: dict[str, Any] = {
        "name": "random",
        "period": {"start": start, "end": end},
        "run": {"seed": int(rng.integers(0, 2**31)), "replications": 1},
        "membership": membership,
        "rules": rules,
        "requests": requests,
        "operations": operations,
        "geometry": {"enabled": geometry, "resolution_km": resolution_km},
        "sharing": {"policy": str(rng.choice(["none", "treaty", "allies"]))},
    }
    if geometry:
        doc["restrictions"] = [r for r in RESTRICTIONS if rng.random() < 0.5]
    return doc
