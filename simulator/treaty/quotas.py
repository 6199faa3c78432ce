"""Quota rules: who may observe whom, and how many flights a pair or a party may take.

Pure functions of the registry, dates and a :class:`QuotaRules` value. The annual distribution
(``distribution.py``) and the engine both ask these questions, so they are answered here once.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache

from simulator.treaty.dates import DateLike, parse_date
from simulator.treaty.registry import Registry

#: Modes of the per-pair 50 % rule (Art. III Sec. I para 10).
#: ``off``: not applied. ``transfers``: applied to observers that use transferred quota, which
#: para 9 ("Paragraph 10 of this Section shall apply") ties it to. ``always``: applied to every
#: pair. In both modes the cap is computed once, from the observer's total active quota
#: *entitlement* (its passive quota, para 5, adjusted by transfers) and the observed party's
#: passive quota: 21 for the US over BY-RU (history calibration F37, high confidence).
FIFTY_PERCENT_MODES = ("off", "transfers", "always")

#: The default reading. Read from entitlements, the cap holds for every pair of the treaty's own
#: first distribution (the US's 8 over BY-RU against 21), and the record describes the US
#: request for 2020 as "the per-pair maximum" (F42). (Read from the flights *distributed* each
#: year, it would be broken by the first distribution: 8 of the US's 9 against ceil(9 / 2) = 5.)
DEFAULT_FIFTY_PERCENT_MODE = "always"

#: How a shared (joint) flight is charged to its co-observers' active quotas. The treaty is silent
#: (UNCONFIRMED); we charge each co-observer one flight, and the observed party once
#: (Annex A Sec. II para 1: "one observation flight, shared with ...").
SHARED_FLIGHT_CHARGES = ("each", "lead")


@dataclass(frozen=True)
class Refusal:
    """A bilateral refusal outside the treaty, e.g. Georgia towards Russia from April 2012.

    ``observed`` refuses flights by ``observer`` from ``start`` (inclusive) to ``end``
    (exclusive, None for open-ended). With ``mutual`` the observed party also flies none over the
    observer, as Georgia flew none over Russia.
    """

    observed: str
    observer: str
    start: dt.date
    end: dt.date | None = None
    mutual: bool = True
    source: str = ""

    def in_force(self, day: dt.date) -> bool:
        """Whether the refusal applies on ``day``."""
        return self.start <= day and (self.end is None or day < self.end)

    def blocks(self, observer: str, observed: str) -> bool:
        """Whether this refusal concerns flights by ``observer`` over ``observed`` (state codes)."""
        if (observer, observed) == (self.observer, self.observed):
            return True
        return self.mutual and (observer, observed) == (self.observed, self.observer)


@dataclass(frozen=True)
class Suspension:
    """No quota flight by or over ``state`` from ``start`` (inclusive) to ``end`` (exclusive):
    practice outside the treaty, e.g. Ukraine at war from 24 Feb 2022 (history calibration
    F45: no flight by or over Ukraine found since)."""

    state: str
    start: dt.date
    end: dt.date | None = None
    source: str = ""

    def in_force(self, day: dt.date) -> bool:
        """Whether the suspension applies on ``day``."""
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Transfer:
    """A transfer of active quota in a year, by agreement with the observed party (Art. III
    Sec. I para 9). The recipient's capacity grows by ``flights`` and the donor's shrinks."""

    year: int
    donor: str
    recipient: str
    flights: int


@dataclass(frozen=True)
class QuotaRules:
    """The switches a scenario sets for the quota rules."""

    nato_practice: bool = True  # NATO members do not fly quota flights over each other
    fifty_percent_rule: str = DEFAULT_FIFTY_PERCENT_MODE
    refusals: tuple[Refusal, ...] = ()
    suspensions: tuple[Suspension, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    shared_flight_charge: str = "each"
    # ASSUMPTION (the treaty sets no number): at most three observing parties share a flight,
    # as on the recorded US-Estonian-Lithuanian flight of Feb 2020 (history calibration R01).
    max_observers_per_flight: int = 3

    def __post_init__(self) -> None:
        if self.fifty_percent_rule not in FIFTY_PERCENT_MODES:
            raise ValueError(
                f"fifty_percent_rule {self.fifty_percent_rule!r} is not one of "
                f"{FIFTY_PERCENT_MODES}"
            )
        if self.shared_flight_charge not in SHARED_FLIGHT_CHARGES:
            raise ValueError(
                f"shared_flight_charge {self.shared_flight_charge!r} is not one of "
                f"{SHARED_FLIGHT_CHARGES}"
            )


def fifty_percent_cap(observer_total_active: int, observed_total_passive: int) -> int:
    """Art. III Sec. I para 10: 50 per cent, rounded up, of the observer's total active quota or
    of the observed party's total passive quota, whichever is less."""
    return math.ceil(0.5 * min(observer_total_active, observed_total_passive))


# ---------------------------------------------------------------------- access
def access(
    registry: Registry, observer: str, observed: str, on: DateLike, rules: QuotaRules
) -> tuple[bool, str]:
    """Whether State Party ``observer`` may fly a quota flight over ``observed`` on a date.

    Returns ``(allowed, reason)``; the reason is ``allowed``, ``not_a_party``,
    ``same_quota_holder``, ``nato_practice``, ``refusal`` or ``suspended``.
    """
    day = parse_date(on)
    if not (registry.is_party(observer, day) and registry.is_party(observed, day)):
        return False, "not_a_party"  # Art. XV: a withdrawn party neither observes nor is observed
    if registry.quota_holder(observer, day) == registry.quota_holder(observed, day):
        return False, "same_quota_holder"  # a group's members do not observe each other
    if (
        rules.nato_practice
        and registry.is_nato_member(observer, day)
        and registry.is_nato_member(observed, day)
    ):
        return False, "nato_practice"  # practice, not treaty text: allies do not overfly allies
    if any(r.in_force(day) and r.blocks(observer, observed) for r in rules.refusals):
        return False, "refusal"
    if any(s.in_force(day) and s.state in (observer, observed) for s in rules.suspensions):
        return False, "suspended"
    return True, "allowed"


# ------------------------------------------------------------ year-level rules
@lru_cache(maxsize=4096)
def holders_in_year(registry: Registry, year: int) -> tuple[str, ...]:
    """The quota holders that take part in the distribution for ``year``.

    Those in place on 1 January (the OSCC agrees each year's distribution the autumn before,
    Art. III Sec. I para 7), plus states whose accession takes effect during the year, whose
    quotas are distributed on accession (Annex A Sec. II para 4). A holder that appears only
    because a group ended during the year (Belarus on 18 Dec 2021) joins the next year.
    """
    first = dt.date(year, 1, 1)
    holders = set(registry.quota_holders(first))
    for code in registry.state_codes:
        eif = registry.state(code).entry_into_force
        if eif is not None and eif.year == year and registry.is_party(code, eif):
            holders.add(registry.quota_holder(code, eif))
    return tuple(sorted(holders))


@lru_cache(maxsize=1024)
def _days_of_year_to_check(
    registry: Registry, year: int, rules: QuotaRules | None = None
) -> tuple[dt.date, ...]:
    """1 Jan, 31 Dec and every date inside the year on which membership, a group, NATO
    membership, a refusal or a suspension changes."""
    days = {dt.date(year, 1, 1), dt.date(year, 12, 31)}
    days.update(d for d in registry.membership_change_dates if d.year == year)
    for rule in (*rules.refusals, *rules.suspensions) if rules else ():
        days.update(d for d in (rule.start, rule.end) if d is not None and d.year == year)
    return tuple(sorted(days))


@lru_cache(maxsize=1 << 16)
def holder_pair_access(
    registry: Registry, observer: str, observed: str, year: int, rules: QuotaRules
) -> tuple[bool, str]:
    """Whether the distribution for ``year`` may give ``observer`` flights over ``observed``.

    Cached: registries and rules are immutable. The pair is excluded when, on some day of the
    year on which both holders are parties, their
    member states could not fly: the OSCC knows of accessions to NATO and of refusals when it
    distributes quotas, so it does not allocate flights that could not be flown. Flights are
    checked again on their own dates by the engine.
    """
    if observer == observed:
        return False, "same_quota_holder"
    blocked_reason = None
    both_parties_some_day = False
    for day in _days_of_year_to_check(registry, year, rules):
        obs_states = registry.members(observer, day)
        tgt_states = registry.members(observed, day)
        if not obs_states or not tgt_states:
            continue
        both_parties_some_day = True
        for a in obs_states:
            for b in tgt_states:
                ok, reason = access(registry, a, b, day, rules)
                if not ok and reason in ("nato_practice", "refusal", "suspended"):
                    blocked_reason = blocked_reason or reason
    if not both_parties_some_day:
        return False, "not_a_party"
    if blocked_reason:
        return False, blocked_reason
    return True, "allowed"


def observer_capacity(registry: Registry, holder: str, year: int, rules: QuotaRules) -> int:
    """The most flights ``holder`` may conduct in ``year``: its total active quota may not exceed
    its total passive quota (Art. III Sec. I para 5), adjusted by transfers (para 9)."""
    capacity = registry.passive_quota(holder, year).quota
    for t in rules.transfers:
        if t.year == year:
            capacity += t.flights if t.recipient == holder else 0
            capacity -= t.flights if t.donor == holder else 0
    return max(capacity, 0)


def accept_limit(registry: Registry, holder: str, year: int) -> int:
    """The most flights ``holder`` is obliged to accept in ``year``: its passive quota
    (Art. II para 9), 75 % of it through 2005 (Annex A Sec. II paras 1-2)."""
    return registry.passive_quota(holder, year).accept_limit


def fifty_percent_applies(observer: str, year: int, rules: QuotaRules) -> bool:
    """Whether the 50 % rule binds ``observer``'s flights in ``year`` under the rules' mode."""
    if rules.fifty_percent_rule == "always":
        return True
    if rules.fifty_percent_rule == "transfers":
        return any(t.year == year and t.recipient == observer for t in rules.transfers)
    return False
