"""The treaty's tables, read from the CSV files in ``data/`` into frozen records.

Every record keeps the source it was taken from. Nothing here knows about dates
beyond parsing them; the questions "who is what on a date" live in ``registry.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from simulator.treaty.dates import optional_date

DATA_FILES = (
    "states.csv",
    "groups.csv",
    "passive_quotas.csv",
    "airfields.csv",
    "max_flight_distances.csv",
    "first_distribution.csv",
)

#: Statuses of a passive quota, from best to weakest evidence.
QUOTA_STATUSES = ("treaty", "official statement", "assumption")


@dataclass(frozen=True)
class State:
    """A State Party, a signatory that never ratified, or a dissolved state named in the treaty."""

    iso3: str
    name: str
    kind: str  # "state_party", "signatory" or "historical"
    group: str | None  # the group named in the data (BY-RU, BENELUX); dates are in groups.csv
    entry_into_force: dt.date | None
    entry_into_force_status: str  # "confirmed" or "assumption"
    withdrawal_effective: dt.date | None  # first day on which it is no longer a party
    nato_member_since: dt.date | None
    source: str
    notes: str = ""


@dataclass(frozen=True)
class Group:
    """A group of States Parties that holds quotas together (Art. III Sec. II; Art. XIV)."""

    id: str
    name: str
    kind: str  # "common_quota" (Art. III Sec. II para 3) or "single_party" (Benelux, Art. XIV)
    treaty_basis: str
    members: tuple[str, ...]
    start: dt.date
    end: dt.date | None  # first day on which the group no longer exists
    source: str
    notes: str = ""


@dataclass(frozen=True)
class PassiveQuotaRow:
    """The passive quota of one quota holder, with how well it is known."""

    party: str
    quota: int
    status: str  # one of QUOTA_STATUSES
    valid_from: dt.date | None
    valid_to: dt.date | None
    source: str
    reasoning: str = ""


@dataclass(frozen=True)
class Airfield:
    """A site of Annex E Appendix 1 (or a later or assumed designation)."""

    airfield_id: str
    state: str
    name: str
    point_of_entry: bool
    open_skies_airfield: bool
    refuelling: bool
    calibration_target: bool
    entry_exit_fix: bool
    lat: float | None
    lon: float | None
    coord_quality: str  # printed, corrected, approximate, unparsed
    designation: str  # annex_e_1992, reported, assumption
    valid_from: dt.date | None  # None: designated from the start (or date unknown)
    source: str
    note: str = ""


@dataclass(frozen=True)
class MaxFlightDistance:
    """A maximum flight distance (Annex A Sec. III) or a later reported or assumed value."""

    party: str
    airfield_id: str | None  # None: applies to all of the party's Open Skies airfields
    region: str | None  # a separated portion, e.g. "Greenland"; None for the main territory
    label: str
    distance_km: float
    basis: str  # annex_a_1992, reported, assumption
    year_seen: int | None
    source: str
    note: str = ""


@dataclass(frozen=True)
class FirstDistributionRow:
    """One observer -> observed line of the first distribution (Annex A Sec. II para 1)."""

    observer: str
    observed: str
    flights: int
    shared_with: str | None
    shared_flight_id: str | None
    source: str


@dataclass(frozen=True)
class TreatyTables:
    """All tables, as loaded."""

    states: tuple[State, ...]
    groups: tuple[Group, ...]
    passive_quotas: tuple[PassiveQuotaRow, ...]
    airfields: tuple[Airfield, ...]
    max_flight_distances: tuple[MaxFlightDistance, ...]
    first_distribution: tuple[FirstDistributionRow, ...]
    data_hash: str


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(text.splitlines()))


def _bool(text: str) -> bool:
    return text.strip().lower() == "true"


def _float(text: str) -> float | None:
    return float(text) if text else None


def _str(text: str) -> str | None:
    return text or None


def data_dir() -> Path:
    """The folder holding the bundled CSV files."""
    return Path(str(resources.files("simulator.treaty") / "data"))


def load_tables(folder: Path | None = None) -> TreatyTables:
    """Read every table from ``folder`` (default: the bundled data)."""
    folder = folder or data_dir()
    texts = {name: (folder / name).read_text(encoding="utf-8") for name in DATA_FILES}
    digest = hashlib.sha256()
    for name in DATA_FILES:
        digest.update(name.encode() + b"\0" + texts[name].encode())

    states = tuple(
        State(
            iso3=r["iso3"],
            name=r["name"],
            kind=r["kind"],
            group=_str(r["group"]),
            entry_into_force=optional_date(r["entry_into_force"]),
            entry_into_force_status=r["entry_into_force_status"],
            withdrawal_effective=optional_date(r["withdrawal_effective"]),
            nato_member_since=optional_date(r["nato_member_since"]),
            source=r["source"],
            notes=r["notes"],
        )
        for r in _rows(texts["states.csv"])
    )
    groups = tuple(
        Group(
            id=r["id"],
            name=r["name"],
            kind=r["kind"],
            treaty_basis=r["treaty_basis"],
            members=tuple(sorted(r["members"].split())),
            start=optional_date(r["start"]),
            end=optional_date(r["end"]),
            source=r["source"],
            notes=r["notes"],
        )
        for r in _rows(texts["groups.csv"])
    )
    quotas = tuple(
        PassiveQuotaRow(
            party=r["party"],
            quota=int(r["quota"]),
            status=r["status"],
            valid_from=optional_date(r["valid_from"]),
            valid_to=optional_date(r["valid_to"]),
            source=r["source"],
            reasoning=r["reasoning"],
        )
        for r in _rows(texts["passive_quotas.csv"])
    )
    airfields = tuple(
        Airfield(
            airfield_id=r["airfield_id"],
            state=r["state"],
            name=r["name"],
            point_of_entry=_bool(r["point_of_entry"]),
            open_skies_airfield=_bool(r["open_skies_airfield"]),
            refuelling=_bool(r["refuelling"]),
            calibration_target=_bool(r["calibration_target"]),
            entry_exit_fix=_bool(r["entry_exit_fix"]),
            lat=_float(r["lat"]),
            lon=_float(r["lon"]),
            coord_quality=r["coord_quality"],
            designation=r["designation"],
            valid_from=optional_date(r["valid_from"]),
            source=r["source"],
            note=r["note"],
        )
        for r in _rows(texts["airfields.csv"])
    )
    distances = tuple(
        MaxFlightDistance(
            party=r["party"],
            airfield_id=_str(r["airfield_id"]),
            region=_str(r["region"]),
            label=r["label"],
            distance_km=float(r["distance_km"]),
            basis=r["basis"],
            year_seen=int(r["year_seen"]) if r["year_seen"] else None,
            source=r["source"],
            note=r["note"],
        )
        for r in _rows(texts["max_flight_distances.csv"])
    )
    first = tuple(
        FirstDistributionRow(
            observer=r["observer"],
            observed=r["observed"],
            flights=int(r["flights"]),
            shared_with=_str(r["shared_with"]),
            shared_flight_id=_str(r["shared_flight_id"]),
            source=r["source"],
        )
        for r in _rows(texts["first_distribution.csv"])
    )
    return TreatyTables(states, groups, quotas, airfields, distances, first, digest.hexdigest())
