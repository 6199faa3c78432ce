"""Observation aircraft: who owns them, who may use or hire them, and how they perform.

Art. VI Sec. I para 1: the observing Party provides the aircraft unless the observed Party
exercises its right to provide one (the "taxi" option). Art. VI Sec. I para 2: a Party may use an
aircraft designated by another Party (hire, shared pods such as the C-130 SAMSON pod). Who lends
to whom is data (``data/aircraft_lending.csv``), each row with its source or flagged assumption.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources

from simulator.treaty.dates import optional_date
from simulator.treaty.demand import holder_class
from simulator.treaty.registry import Registry

#: ASSUMPTION: an aircraft cannot reach a point of entry whose ferry is longer than two
#: unrefuelled legs (one en-route stop). So the An-30B (2,630 km) cannot reach North America
#: from Kubinka, as Russia complained of too few refuelling stops (history calibration R11).
MAX_FERRY_LEGS = 2


@dataclass(frozen=True)
class Aircraft:
    """One airframe (units of a type are expanded to ids ``TYPE#1``, ``TYPE#2``...)."""

    aircraft_id: str
    owner: str  # state code whose membership decides availability
    users: tuple[str, ...]  # quota holders that fly it as their own
    type: str
    in_service_from: dt.date
    in_service_to: dt.date | None  # first day out of service
    cruise_kmh: float
    range_km: float
    sensor: str
    breakdown_probability: float | None  # None: no sourced rate (the scenario's default)
    home: tuple[float, float]
    outages: tuple[tuple[dt.date, dt.date | None], ...] = ()  # a scenario's [start, end)

    @property
    def base_id(self) -> str:
        """The type's row id in ``aircraft.csv`` (without the ``#unit`` suffix)."""
        return self.aircraft_id.split("#")[0]

    def in_service(self, day: dt.date) -> bool:
        """Whether the airframe is in service (and not in an outage) on ``day``."""
        ends = self.in_service_to
        if not (self.in_service_from <= day and (ends is None or day < ends)):
            return False
        return not any(a <= day and (b is None or day < b) for a, b in self.outages)


@dataclass(frozen=True)
class Lending:
    """``aircraft_id`` (a type row) may be hired by ``borrower`` (a code or NATO/PARTNER)."""

    aircraft_id: str
    borrower: str
    first_year: int
    last_year: int | None
    source: str


@cache
def aircraft_rows() -> tuple[dict[str, str], ...]:
    """The rows of ``data/aircraft.csv`` as read (one per aircraft type, with sources)."""
    return tuple(_csv("aircraft.csv"))


def load_fleet() -> tuple[Aircraft, ...]:
    """The bundled fleet (``data/aircraft.csv``), one record per airframe."""
    fleet = []
    for row in _csv("aircraft.csv"):
        for unit in range(1, int(row["units"]) + 1):
            fleet.append(
                Aircraft(
                    aircraft_id=f"{row['aircraft_id']}#{unit}",
                    owner=row["owner"],
                    users=tuple(row["users"].split()),
                    type=row["type"],
                    in_service_from=optional_date(row["in_service_from"]),
                    in_service_to=optional_date(row["in_service_to"]),
                    cruise_kmh=float(row["cruise_kmh"]),
                    range_km=float(row["range_km"]),
                    sensor=row["sensor"],
                    breakdown_probability=(float(row["breakdown_probability"])
                                           if row["breakdown_probability"].strip() else None),
                    home=(float(row["home_lat"]), float(row["home_lon"])),
                )
            )
    return tuple(sorted(fleet, key=lambda a: a.aircraft_id))


@cache
def load_lending() -> tuple[Lending, ...]:
    """Who may hire which aircraft (``data/aircraft_lending.csv``)."""
    return tuple(
        Lending(
            r["aircraft_id"],
            r["borrower"],
            int(r["first_year"] or 0),
            int(r["last_year"]) if r["last_year"] else None,
            r["source"],
        )
        for r in _csv("aircraft_lending.csv")
    )


def _csv(name: str) -> list[dict[str, str]]:
    text = (resources.files("simulator.engine") / "data" / name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def usable(aircraft: Aircraft, day: dt.date, registry: Registry) -> bool:
    """In service and its owner a State Party on ``day``."""
    return aircraft.in_service(day) and registry.is_party(aircraft.owner, day)


def may_hire(
    aircraft: Aircraft,
    observer: str,
    day: dt.date,
    registry: Registry,
    lending: tuple[Lending, ...],
) -> bool:
    """Whether a row of the lending table lets ``observer`` hire ``aircraft`` on ``day``."""
    names = {observer, holder_class(registry, observer, day.year)}
    return any(
        row.aircraft_id == aircraft.base_id
        and row.borrower in names
        and row.first_year <= day.year <= (row.last_year or 9999)
        for row in lending
    )


def candidate_aircraft(
    observer: str,
    observed: str,
    day: dt.date,
    registry: Registry,
    fleet: tuple[Aircraft, ...],
    lending: tuple[Lending, ...] | None = None,
) -> tuple[list[Aircraft], str]:
    """The aircraft ``observer`` (a quota holder) may fly over ``observed``: its own (or its
    pod's) aircraft first, then those it may hire (never one of the observed holder's, which
    would be the taxi option). Returns ``(aircraft, how)``, ``how`` being ``own``, ``hired``
    (no own aircraft usable) or ``none``."""
    lending = load_lending() if lending is None else lending
    observed_states = set(registry.members(observed, day)) | {observed}
    own = [a for a in fleet if observer in a.users and usable(a, day, registry)]
    hire = [
        a
        for a in fleet
        if a not in own
        and usable(a, day, registry)
        and a.owner not in observed_states
        and observed not in a.users
        and may_hire(a, observer, day, registry, lending)
    ]
    how = "own" if own else ("hired" if hire else "none")
    return own + hire, how


def taxi_aircraft(
    observed: str, day: dt.date, registry: Registry, fleet: tuple[Aircraft, ...]
) -> list[Aircraft]:
    """Aircraft the observed holder could provide as a taxi (Art. VI Sec. I para 1)."""
    return [a for a in fleet if observed in a.users and usable(a, day, registry)]


def reaches(aircraft: Aircraft, ferry_km: float) -> bool:
    """Whether the aircraft can ferry to the point of entry in at most ``MAX_FERRY_LEGS``
    unrefuelled legs."""
    return ferry_km <= MAX_FERRY_LEGS * aircraft.range_km
