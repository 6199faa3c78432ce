"""The registry's answers as frozen records (a passive quota, a resolved distance, a snapshot of
a date), and the per-instance memo its queries share."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from simulator.treaty.tables import Group


@dataclass(frozen=True)
class PassiveQuota:
    """The passive quota of a quota holder in a calendar year."""

    holder: str
    year: int
    quota: int  # Annex A Sec. I (or the assumption standing in for an OSCC decision)
    accept_limit: int  # flights it is obliged to accept that year (75 % rule through 2005)
    status: str  # treaty, official statement, assumption, scenario
    source: str
    reasoning: str = ""

    @property
    def phase_in(self) -> bool:
        """True when the 75 % rule of Annex A Sec. II caps ``accept_limit``."""
        return self.accept_limit < self.quota


@dataclass(frozen=True)
class ResolvedDistance:
    """The maximum flight distance in force for one airfield (and region) on a date."""

    airfield_id: str
    airfield: str
    region: str | None
    distance_km: float
    basis: str  # annex_a_1992, reported, assumption
    year_seen: int | None
    back_dated: bool  # True when the only value known was seen after the date asked about
    source: str


@dataclass(frozen=True)
class Anomaly:
    """A known inconsistency of the printed treaty text, reported rather than raised."""

    code: str
    message: str
    reference: str


@dataclass(frozen=True)
class HolderSnapshot:
    """One quota holder as it stands on a date."""

    holder: str
    name: str
    members: tuple[str, ...]
    nato: bool
    passive_quota: PassiveQuota
    airfields: tuple[ResolvedDistance, ...]


@dataclass(frozen=True)
class TreatySnapshot:
    """Everything the registry knows about one date."""

    date: dt.date
    states_parties: tuple[str, ...]
    signatories: tuple[str, ...]
    nato_members: tuple[str, ...]
    groups: tuple[Group, ...]
    holders: tuple[HolderSnapshot, ...]
    data_hash: str


def memo(method):
    """Cache a query per registry instance: registries are immutable, and the engine asks the
    same questions (who is a party on this day?) thousands of times a run."""
    name = method.__name__

    @functools.wraps(method)
    def wrapper(self, *args):
        key = (name, *args)
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = method(self, *args)
            return value
        except TypeError:  # an unhashable argument: let the method validate it
            return method(self, *args)

    return wrapper
