"""The annual distribution of active quotas (Art. III Sec. I para 7; Annex L Sec. II).

Given a year's requests, :func:`distribute` grants flights so that every constraint holds:

1. only quota holders taking part that year, and only pairs that may fly (not the same holder,
   not two NATO members while the practice is on, no bilateral refusal): see ``quotas.py``;
2. the per-pair 50 % rule where its mode applies (Art. III Sec. I para 10), from entitlements;
3. total active <= total passive for each observer (Art. III Sec. I para 5), transfers included;
4. flights accepted by each observed holder <= its passive quota, 75 % of it through 2005
   (Art. II para 9; Annex A Sec. II), shared flights counted once.

Requests within every limit are granted as requested (Annex L Sec. II para 2). Where requests
exceed an observer's capacity or an observed holder's quota, the flights are shared out by the
largest-remainder method in proportion to the requests (a fair, deterministic stand-in for the
"general agreement among the interested States Parties" of Annex L Sec. II para 3); requests of
higher priority (decisions known from the record) are served first.

Failure modes: a year with consensus blocked gives no distribution and no quota flights (the
2018 reality, a scenario switch); an observed holder without agreement keeps last year's
distribution over it (Art. III Sec. I para 7).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.errors import UnknownCodeError
from simulator.treaty.apportion import largest_remainder
from simulator.treaty.dates import FIRST_PERIOD_END, TREATY_ENTRY_INTO_FORCE
from simulator.treaty.demand import GROUP, holder_class
from simulator.treaty.quotas import (
    QuotaRules,
    accept_limit,
    fifty_percent_applies,
    fifty_percent_cap,
    holder_pair_access,
    holders_in_year,
    observer_capacity,
)
from simulator.treaty.registry import Registry
from simulator.treaty.requests import Request, requests_for_year

#: Columns of the tidy distribution table (``quotas.csv`` without the replication column).
COLUMNS = ("year", "observer", "observed", "flights", "shared_with")


@dataclass(frozen=True)
class Grant:
    """Flights granted over ``observed``; several observers make them shared flights."""

    observers: tuple[str, ...]
    observed: str
    flights: int


@dataclass(frozen=True)
class ReviewOutcome:
    """How the OSCC's annual review went, as a scenario sets it.

    ``deadlock_years``: consensus blocked, no distribution, zero quota flights (2018).
    ``no_agreement``: year -> observed holders on which no agreement was reached within three
    weeks; last year's distribution over them stays (Art. III Sec. I para 7).
    """

    deadlock_years: frozenset[int] = frozenset()
    no_agreement: Mapping[int, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Distribution:
    """The active quotas of one year, with notes on every adjustment made."""

    year: int
    status: str  # agreed, deadlock, fallback (some observed holders kept last year's rows)
    grants: tuple[Grant, ...]
    notes: tuple[str, ...] = ()
    through: int | None = None  # last year the distribution covers (the first one: 2003)

    @property
    def last_year(self) -> int:
        """The last calendar year whose flights this distribution grants."""
        return self.through or self.year

    def rows(self) -> list[dict[str, Any]]:
        """One row per observer and observed holder: the ``quotas.csv`` layout."""
        out = []
        for g in self.grants:
            for observer in g.observers:
                others = " ".join(o for o in g.observers if o != observer)
                out.append(
                    {
                        "year": self.year,
                        "observer": observer,
                        "observed": g.observed,
                        "flights": g.flights,
                        "shared_with": others,
                    }
                )
        return sorted(out, key=lambda r: (r["observer"], r["observed"], r["shared_with"]))

    def received(self) -> dict[str, int]:
        """Flights granted over each observed holder, shared flights once."""
        totals: dict[str, int] = {}
        for g in self.grants:
            totals[g.observed] = totals.get(g.observed, 0) + g.flights
        return dict(sorted(totals.items()))

    def charged(self, rules: QuotaRules) -> dict[str, int]:
        """Flights charged to each observer's total active quota."""
        totals: dict[str, int] = {}
        for g in self.grants:
            for o in _charged_observers(g.observers, rules):
                totals[o] = totals.get(o, 0) + g.flights
        return dict(sorted(totals.items()))

    @property
    def total_flights(self) -> int:
        """Flights in the distribution, shared flights once."""
        return sum(g.flights for g in self.grants)


def _charged_observers(observers: tuple[str, ...], rules: QuotaRules) -> tuple[str, ...]:
    # UNCONFIRMED in the treaty: charge each co-observer, or only the lead (QuotaRules).
    return observers if rules.shared_flight_charge == "each" else observers[:1]


def distribute(
    registry: Registry,
    year: int,
    requests: Iterable[Request],
    rules: QuotaRules | None = None,
    review: ReviewOutcome | None = None,
    previous: Distribution | None = None,
    through: int | None = None,
) -> Distribution:
    """The distribution of active quotas for ``year`` (see the module docstring); one that
    covers several years (``through``, the first distribution) is checked on its last year."""
    rules = rules or QuotaRules()
    review = review or ReviewOutcome()
    period = range(year, (through or year) + 1)
    if any(y in review.deadlock_years for y in period):
        # Art. X para 2: the OSCC decides by consensus; without it no distribution is approved.
        return Distribution(
            year, "deadlock", (), ("consensus blocked: no quota flights",), through
        )
    label, year = year, through or year
    holders = set(holders_in_year(registry, year))
    notes: list[str] = []
    work = _admissible(registry, year, requests, rules, holders, notes)
    # The per-pair cap comes first, so that what it frees is shared out among the other
    # requests over the same target (Art. III Sec. I para 10, then para 5 and Art. II para 9).
    _apply_pair_caps(registry, year, work, rules, notes)
    _apply_observer_capacity(registry, year, work, rules, notes)
    _apply_accept_limits(registry, year, work, rules, notes)
    stuck = sorted({t for y in period for t in review.no_agreement.get(y, frozenset())})
    carried: list[Grant] = []
    if stuck:
        # Art. III Sec. I para 7: the last agreed distribution over these holders stays; it
        # replaces whatever was requested over them (and counts in the observers' totals).
        work = {k: n for k, n in work.items() if k[2] not in stuck}
        carried, fallback_notes = _fallback(registry, year, [], stuck, previous, rules, holders)
        notes += fallback_notes
    merged: dict[tuple[tuple[str, ...], str], int] = {}
    for (_, obs, tgt), n in sorted(work.items()):
        merged[(obs, tgt)] = merged.get((obs, tgt), 0) + n
    grants = [Grant(obs, tgt, n) for (obs, tgt), n in sorted(merged.items()) if n > 0]
    grants = sorted([*grants, *carried], key=lambda g: (g.observers, g.observed))
    status = "fallback" if stuck else "agreed"
    return Distribution(label, status, tuple(grants), tuple(notes), through)


def _admissible(
    registry: Registry,
    year: int,
    requests: Iterable[Request],
    rules: QuotaRules,
    holders: set[str],
    notes: list[str],
) -> dict[tuple[int, tuple[str, ...], str], int]:
    """Requests merged by (priority, observers, observed), inadmissible observers dropped."""
    work: dict[tuple[int, tuple[str, ...], str], int] = {}
    valid = registry.holder_codes
    for r in requests:
        for code in (*r.observers, r.observed):
            if code not in valid:
                raise UnknownCodeError(code, valid, "quota holder code in a request")
        if r.flights <= 0:
            continue
        kept = []
        for o in r.observers:
            if o not in holders or r.observed not in holders:
                notes.append(f"dropped {r.flights} {o}->{r.observed}: not a quota holder in {year}")
                continue
            ok, reason = holder_pair_access(registry, o, r.observed, year, rules)
            if ok:
                kept.append(o)
            else:
                notes.append(f"dropped {r.flights} {o}->{r.observed}: {reason}")
        if kept:
            key = (-r.priority, tuple(dict.fromkeys(kept)), r.observed)
            work[key] = work.get(key, 0) + r.flights
    return work


def _pair_total(work, observer: str, target: str, rules: QuotaRules) -> int:
    """Flights charged to ``observer`` over ``target``."""
    return sum(
        n
        for (_, obs, t), n in work.items()
        if t == target and observer in _charged_observers(obs, rules)
    )


def _apply_pair_caps(registry, year, work, rules, notes) -> None:
    """Art. III Sec. I para 10: each pair <= 50 % (rounded up) of the observer's total active
    quota entitlement or of the observed party's passive quota, whichever is less (F37: 21 for
    42), computed once from the entitlements, not from the flights granted. Mode ``always``
    applies it to every observer, ``transfers`` to recipients of transferred quota."""
    if rules.fifty_percent_rule == "off":
        return
    for key in sorted(work, key=lambda k: (-k[0], k[1:])):  # lowest priority cut first
        _, observers, target = key
        for o in observers:
            if not fifty_percent_applies(o, year, rules):
                continue
            cap = fifty_percent_cap(
                observer_capacity(registry, o, year, rules),
                registry.passive_quota(target, year).quota,
            )
            pair_total = _pair_total(work, o, target, rules)
            if pair_total > cap:
                excess = pair_total - cap
                cut = min(excess, work[key])
                work[key] -= cut
                notes.append(f"50 % rule: cut {cut} {o}->{target} to {cap}")


def _apply_observer_capacity(registry, year, work, rules, notes) -> None:
    """Art. III Sec. I para 5: an observer's total active quota <= its total passive quota."""
    observers = sorted({o for _, obs, _ in work for o in obs})
    for o in observers:
        keys = [k for k in sorted(work) if o in _charged_observers(k[1], rules) and work[k] > 0]
        charged = sum(work[k] for k in keys)
        capacity = observer_capacity(registry, o, year, rules)
        if charged > capacity:
            before = {k: work[k] for k in keys}
            _share_by_priority(work, keys, capacity)
            cuts = ", ".join(
                f"{k[2]} {before[k]}->{work[k]}" for k in keys if work[k] < before[k]
            )
            notes.append(
                f"{o} requested {charged} flights, above its capacity {capacity} ({cuts})"
            )


def _apply_accept_limits(registry, year, work, rules, notes) -> None:
    """Art. II para 9 and Annex A Sec. II: flights over a holder <= what it must accept. Where
    requests exceed the limit, observers first combine them into shared flights (each counts
    once against the observed party, Annex A Sec. II para 1); what still does not fit is shared
    out in proportion to the requests."""
    targets = sorted({t for _, _, t in work})
    for t in targets:
        limit = accept_limit(registry, t, year)
        share_ok = _may_share(registry, year)
        _join_to_fit(work, t, limit, rules.max_observers_per_flight, notes, share_ok)
        keys = [k for k in sorted(work) if k[2] == t and work[k] > 0]
        requested = sum(work[k] for k in keys)
        if requested > limit:
            before = {k: work[k] for k in keys}
            _share_by_priority(work, keys, limit)
            cuts = ", ".join(
                f"{'+'.join(k[1])} {before[k]}->{work[k]}" for k in keys if work[k] < before[k]
            )
            notes.append(
                f"{requested} flights requested over {t}, above its limit {limit}: "
                f"shared out in proportion to the requests ({cuts})"
            )


def _may_share(registry: Registry, year: int):
    """Who may share a flight: no holder shares with Russia or Belarus, nor they with others
    (no joint flight of theirs with another party is on record; an ASSUMPTION)."""

    def ok(a: str, b: str) -> bool:
        return holder_class(registry, a, year) != GROUP and holder_class(registry, b, year) != GROUP

    return ok


def _join_to_fit(work, target, limit, max_observers, notes, may_share) -> None:
    """Merge single-observer requests over ``target`` into the flights of the observer that
    asked for the most, smallest requesters first, one flight at a time, until the requests
    fit under ``limit`` or no flight has room for another observer (``max_observers``)."""
    if max_observers < 2:
        return
    joined: dict[str, int] = {}
    while sum(n for k, n in work.items() if k[2] == target) > limit:
        single = {
            k: n for k, n in work.items() if k[2] == target and n > 0 and len(k[1]) == 1
        }
        if len(single) < 2:
            break
        lead_key = max(sorted(single), key=lambda k: single[k])
        hosts = sorted(
            (k for k, n in work.items()
             if k[2] == target and n > 0 and k[1][0] == lead_key[1][0]
             and len(k[1]) < max_observers and k[0] == lead_key[0]),
            key=lambda k: (len(k[1]), k[1]),
        )
        joiners = sorted(
            (
                k
                for k in single
                if k[1][0] != lead_key[1][0]
                and k[0] == lead_key[0]
                and may_share(lead_key[1][0], k[1][0])
            ),
            key=lambda k: (single[k], k[1]),
        )
        host = next(
            (h for h in hosts for j in joiners if j[1][0] not in h[1]), None
        )
        joiner = next((j for j in joiners if host and j[1][0] not in host[1]), None)
        if host is None or joiner is None:
            break
        merged = (host[0], (*host[1], joiner[1][0]), target)
        work[host] -= 1
        work[joiner] -= 1
        work[merged] = work.get(merged, 0) + 1
        joined[joiner[1][0]] = joined.get(joiner[1][0], 0) + 1
    if joined:
        who = ", ".join(f"{o} {n}" for o, n in sorted(joined.items()))
        notes.append(f"over {target}: flights joined to shared flights to fit its limit ({who})")


def _share_by_priority(work, keys, available: int) -> None:
    """Serve requests tier by tier (highest priority first); the tier that does not fit in
    full is shared by largest remainder, and lower tiers get nothing."""
    for tier in sorted({k[0] for k in keys}):
        tier_keys = [k for k in keys if k[0] == tier]
        wanted = sum(work[k] for k in tier_keys)
        if wanted <= available:
            available -= wanted
            continue
        shares = largest_remainder(available, {k: work[k] for k in tier_keys})
        for k in tier_keys:
            work[k] = shares[k]
        available = 0


def _fallback(registry, year, grants, stuck, previous, rules, holders):
    """Art. III Sec. I para 7: last year's distribution over ``stuck`` holders stays."""
    notes = []
    kept = [g for g in grants if g.observed not in stuck]
    for target in stuck:
        if previous is None:
            notes.append(
                f"no agreement on {target} and no earlier distribution: no flights over it"
            )
            continue
        span = previous.last_year - previous.year + 1  # the first distribution covers two
        for g in previous.grants:
            if g.observed != target:
                continue
            observers = tuple(o for o in g.observers if o in holders)
            flights = round(g.flights / span) if span > 1 else g.flights
            if target in holders and observers and flights > 0:
                kept.append(Grant(observers, target, flights))
        notes.append(f"no agreement on {target}: {previous.year} distribution over it kept")
    return sorted(kept, key=lambda g: (g.observers, g.observed)), notes


def distribute_years(
    registry: Registry,
    years: Iterable[int],
    rules: QuotaRules | None = None,
    review: ReviewOutcome | None = None,
    model: str = "historical",
    params: Mapping[str, Any] | None = None,
) -> list[Distribution]:
    """Distributions for consecutive years, each falling back on the last one agreed. Under
    the historical model the first distribution is granted once for its period (Annex A
    Sec. II para 1: entry into force to 31 Dec 2003), labelled with the period's first year."""
    rules = rules or QuotaRules()
    out: list[Distribution] = []
    previous: Distribution | None = None
    covered = 0
    for year in sorted(years):
        if year <= covered:
            continue
        label, through = year, None
        if model == "historical" and TREATY_ENTRY_INTO_FORCE.year <= year <= FIRST_PERIOD_END.year:
            label, through = TREATY_ENTRY_INTO_FORCE.year, FIRST_PERIOD_END.year
        requests = requests_for_year(registry, label, rules, model, params)
        dist = distribute(registry, label, requests, rules, review, previous, through)
        covered = dist.last_year
        out.append(dist)
        if dist.status != "deadlock":
            previous = dist
    return out


def to_rows(distributions: Iterable[Distribution]) -> list[dict[str, Any]]:
    """All years' rows in the ``quotas.csv`` layout, sorted."""
    return [row for d in distributions for row in d.rows()]
