"""Observation aircraft: who owns them, who may use or hire them, and how they perform.

Art. VI Sec. I para 1: the observing Party provides the aircraft unless the observed Party
exercises its right to provide one (the "taxi" option). Art. VI Sec. I para 2: a Party may use an
aircraft designated by another Party (hire, shared pods such as the C-130 SAMSON pod).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources

from simulator.treaty.dates import optional_date
from simulator.treaty.registry import Registry


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
    lend: str  # "none", "nato_partners" (any holder but BY-RU / BLR) or "any"
    breakdown_probability: float
    home: tuple[float, float]

    def in_service(self, day: dt.date) -> bool:
        """Whether the airframe is in service on ``day``."""
        ends = self.in_service_to
        return self.in_service_from <= day and (ends is None or day < ends)


@cache
def load_fleet() -> tuple[Aircraft, ...]:
    """The bundled fleet (``data/aircraft.csv``), one record per airframe."""
    text = (resources.files("simulator.engine") / "data" / "aircraft.csv").read_text("utf-8")
    fleet = []
    for row in csv.DictReader(text.splitlines()):
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
                    lend=row["lend"],
                    breakdown_probability=float(row["breakdown_probability"]),
                    home=(float(row["home_lat"]), float(row["home_lon"])),
                )
            )
    return tuple(sorted(fleet, key=lambda a: a.aircraft_id))


def usable(aircraft: Aircraft, day: dt.date, registry: Registry) -> bool:
    """In service and its owner a State Party on ``day``."""
    return aircraft.in_service(day) and registry.is_party(aircraft.owner, day)


def candidate_aircraft(
    observer: str, observed: str, day: dt.date, registry: Registry, fleet: tuple[Aircraft, ...]
) -> tuple[list[Aircraft], str]:
    """The aircraft ``observer`` (a quota holder) may fly over ``observed``, best first.

    Its own (or its pod's) aircraft if it has any in service; otherwise aircraft it may hire,
    never one owned by the observed holder. Returns ``(aircraft, how)`` with ``how`` one of
    ``own``, ``hired`` or ``none``.
    """
    observed_states = set(registry.members(observed, day)) | {observed}
    own = [a for a in fleet if observer in a.users and usable(a, day, registry)]
    if own:
        return own, "own"
    hostile = {"BY-RU", "BLR", "RUS"}
    hire = [
        a
        for a in fleet
        if usable(a, day, registry)
        and a.owner not in observed_states
        and observed not in a.users
        and (a.lend == "any" or (a.lend == "nato_partners" and observer not in hostile))
    ]
    return hire, ("hired" if hire else "none")


def taxi_aircraft(
    observed: str, day: dt.date, registry: Registry, fleet: tuple[Aircraft, ...]
) -> list[Aircraft]:
    """Aircraft the observed holder could provide as a taxi (Art. VI Sec. I para 1)."""
    return [a for a in fleet if observed in a.users and usable(a, day, registry)]
