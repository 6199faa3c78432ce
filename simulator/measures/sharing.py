"""Measure 4 of DESIGN section 5, effective coverage with data sharing: the area of each observed
state whose imagery a consumer state can obtain under a policy:

* ``none``: only flights it took part in;
* ``treaty``: a State Party can obtain copies of the data of every observation flight
  (Art. IX Sec. IV para 1), so it gets all flights' imagery while it is a party;
* ``allies``: as ``treaty``, and the listed non-parties (e.g. the US after it left) also
  receive the imagery of flights by NATO members, Russia's stated reason for leaving.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from simulator.memo import IdentityMemo
from simulator.treaty.registry import Registry

Imagery = Mapping[tuple[str, str], tuple[np.ndarray, np.ndarray]]
AreaOf = Callable[[np.ndarray, np.ndarray], float]

# Every replication of a scenario asks the same question of the same registry.
_SOURCES: IdentityMemo[list[tuple[str, ...]]] = IdentityMemo(256)
_HOLDERS: IdentityMemo[frozenset[str]] = IdentityMemo(4096)


def _holder_states(registry: Registry, holder: str, year: int) -> frozenset[str]:
    """The states a holder (a state or a group) stood for during ``year`` (memoised: every
    replication and consumer asks the same)."""

    def compute() -> frozenset[str]:
        days = [dt.date(year, 1, 1), dt.date(year, 7, 1), dt.date(year, 12, 31)]
        return frozenset({s for d in days for s in registry.members(holder, d)} or (
            {holder} if holder in registry.state_codes else set()))

    return _HOLDERS.get((registry,), (holder, year), compute)


def sources_for(
    registry: Registry,
    consumer: str,
    observers: Sequence[str],
    year: int,
    policy: str,
    recipients: Sequence[str],
) -> set[str]:
    """The observer holders whose imagery ``consumer`` (a state) obtains in ``year``."""
    if policy != "none" and consumer in registry.parties_during(year):
        return set(observers)  # Art. IX Sec. IV para 1: copies of all flights' data
    own = {o for o in observers if consumer in _holder_states(registry, o, year)}
    if policy == "none":
        return own
    if policy == "allies" and consumer in recipients:
        end = dt.date(year, 12, 31)
        allies = {
            o
            for o in observers
            if any(registry.is_nato_member(s, end) for s in _holder_states(registry, o, year))
        }
        return own | allies
    return own


def effective_coverage(
    registry: Registry,
    imagery: Imagery,
    year: int,
    consumers: Sequence[str],
    policy: str,
    recipients: Sequence[str],
    area_of: AreaOf,
    imaged_by_all: Mapping[str, float] | None = None,
) -> list[dict]:
    """Rows ``year, consumer, observed, imaged_km2``: imagery of each observed state that each
    consumer state obtains under ``policy`` (its own territory excluded). ``imaged_by_all``
    (per state, the km² all flights imaged: the coverage measure's union) answers for the
    consumers that obtain every observer's imagery, instead of a union of their sources."""
    observers = tuple(sorted({o for _, o in imagery}))
    observed_states = sorted({s for s, _ in imagery})
    areas: dict[tuple[str, tuple[str, ...]], float] = {}  # most consumers share one source set
    for state, area in (imaged_by_all or {}).items():
        areas[state, observers] = area
    rows = []
    table = _SOURCES.get(
        (registry,), (tuple(consumers), observers, year, policy, tuple(recipients)),
        lambda: [tuple(sorted(sources_for(registry, c, observers, year, policy, recipients)))
                 for c in consumers])
    for consumer, sources in zip(consumers, table, strict=True):
        for state in observed_states:
            if state == consumer:
                continue
            key = (state, sources)
            if key not in areas:
                areas[key] = _union_area(imagery, state, sources, area_of)
            area = areas[key]
            if area > 0:
                rows.append(
                    {
                        "year": year,
                        "consumer": consumer,
                        "observed": state,
                        "imaged_km2": round(area, 1),
                    }
                )
    return rows


def _union_area(imagery: Imagery, state: str, sources: Sequence[str], area_of: AreaOf) -> float:
    """The area of ``state`` imaged by the flights of any of ``sources`` (each cell once)."""
    parts = [imagery[(state, o)] for o in sources if (state, o) in imagery]
    if not parts:
        return 0.0
    gid = np.concatenate([p[0] for p in parts])
    bits = np.concatenate([p[1] for p in parts])
    order = np.argsort(gid, kind="stable")
    gid, bits = gid[order], bits[order]
    uniq, start = np.unique(gid, return_index=True)
    return area_of(uniq, np.bitwise_or.reduceat(bits, start))
