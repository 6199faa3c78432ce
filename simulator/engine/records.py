"""One tidy record per mission: the columns of ``missions.csv`` (DESIGN section 6)."""

from __future__ import annotations

from dataclasses import dataclass

MISSION_COLUMNS = (
    "replication",
    "mission_id",
    "year",
    "observer",
    "observed",
    "joint_with",
    "aircraft",
    "aircraft_replaced",
    "taxi",
    "airfield",
    "region",
    "eta",
    "notified_at",
    "arrived_at",
    "started_at",
    "ended_at",
    "distance_km",
    "transit_km",
    "max_distance_km",
    "status",
    "reason",
    "counted",
    "imaged_km2",
)

COVERAGE_COLUMNS = (
    "replication",
    "year",
    "state",
    "territory_km2",
    "imaged_km2",
    "imaged_fraction",
    "flights_received",
    "flights_conducted",
)

#: Every status a mission can end with, and whether it counts against quotas (Art. VIII).
STATUSES = {
    "completed": True,  # Art. III Sec. I para 8
    "curtailed": True,  # Art. VIII Sec. II para 5 (counted unless the observed Party caused it)
    "cancelled_weather": False,  # never commenced: not conducted
    "cancelled_aircraft": False,  # no aircraft or a breakdown before the flight
    "cancelled_pause": False,  # a pause window (e.g. spring 2020)
    "prohibited": False,  # Art. VIII Sec. I paras 2-3: arrival more than 24 h late
    "declined": False,  # Art. VIII Sec. I para 5: no mission-plan agreement in 8 h
    "refused": False,  # a bilateral refusal outside the treaty (Georgia-Russia from 2012)
    "suspended": False,  # no flights by or over a state, e.g. Ukraine at war from Feb 2022
    "not_flown_withdrawal": False,  # a party's withdrawal took effect before the flight
    "not_flown_nato": False,  # both NATO members on the flight's date while the practice holds
}


@dataclass
class MissionRecord:
    """The outcome of one planned mission."""

    replication: int
    mission_id: str
    year: int
    observer: str
    observed: str
    joint_with: str
    aircraft: str = ""
    aircraft_replaced: str = ""  # the airframe that broke down before a spare took over
    taxi: bool = False
    airfield: str = ""
    region: str = ""  # the separated part or exclave observed through a stop ("": mainland)
    eta: str = ""  # planned arrival at the point of entry (Art. VI Sec. I para 5)
    notified_at: str = ""
    arrived_at: str = ""
    started_at: str = ""
    ended_at: str = ""
    distance_km: float = 0.0  # flown, transit legs included
    transit_km: float = 0.0  # of which flown with sensors off (to and from a refuelling stop)
    max_distance_km: float = 0.0
    status: str = ""
    reason: str = ""  # why a mission did not end completed (empty if it did)
    counted: bool = False
    imaged_km2: float = 0.0
    overflown: tuple[str, ...] | None = None  # member states under the footprint (not a column)
    # the parts flown with sensors on, each a tuple of (lat, lon) (not a column)
    track: tuple[tuple[tuple[float, float], ...], ...] = ()

    def as_row(self) -> dict[str, object]:
        """The record as a ``missions.csv`` row (plain attribute reads: ``asdict`` deep-copies
        and costs more than the whole simulated mission)."""
        row = {c: getattr(self, c) for c in MISSION_COLUMNS}
        row["distance_km"] = round(float(self.distance_km), 1)
        row["transit_km"] = round(float(self.transit_km), 1)
        row["max_distance_km"] = round(float(self.max_distance_km), 1)
        row["imaged_km2"] = round(float(self.imaged_km2), 1)
        return row
