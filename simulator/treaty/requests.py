"""Where a year's requests for active quotas come from: three named, documented models.

* ``explicit``: a table in the scenario, ``observer, observed, flights[, shared_with, year]``.
* ``historical``: the treaty's own pattern. The first distribution of Annex A Sec. II para 1 for
  2002-2003, kept under the 75 % rule through 2005 (para 2), then "a proportionate increase of
  the active quotas distributed in the first distribution" up to full passive quotas from 2006
  (para 3). Flights aimed at a target that can no longer be flown (it left, joined NATO with the
  observer, or refuses) are re-targeted; holders absent from the first distribution (acceding
  states, Belarus after 2021) request by the interest model (Annex A Sec. II para 4).
* ``interest``: each holder requests ``utilisation`` x its total active quota, spread over the
  targets it may observe in proportion to their passive quotas (the flights they must accept).

Each model is a function ``(registry, year, rules, params) -> tuple[Request, ...]``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from simulator.errors import OpenSkiesError
from simulator.treaty.apportion import largest_remainder
from simulator.treaty.quotas import (
    QuotaRules,
    accept_limit,
    holder_pair_access,
    holders_in_year,
    observer_capacity,
)
from simulator.treaty.registry import PHASE_IN_END, Registry
from simulator.treaty.tables import data_dir


@dataclass(frozen=True)
class Request:
    """A request for ``flights`` by ``observer`` over ``observed`` (quota-holder codes).

    A shared (joint) flight names its other observers in ``shared_with``; it counts once against
    the observed party (Annex A Sec. II para 1).
    """

    observer: str
    observed: str
    flights: int
    shared_with: tuple[str, ...] = ()
    priority: int = 0  # higher is served first when a limit binds (e.g. a known OSCC decision)

    @property
    def observers(self) -> tuple[str, ...]:
        """The lead observer followed by its partners."""
        return (self.observer, *self.shared_with)


RequestModel = Callable[[Registry, int, QuotaRules, Mapping[str, Any]], tuple[Request, ...]]


# ------------------------------------------------------------------- explicit
def explicit_requests(
    registry: Registry, year: int, rules: QuotaRules, params: Mapping[str, Any]
) -> tuple[Request, ...]:
    """Requests from ``params['table']``: rows with ``observer``, ``observed``, ``flights`` and
    optionally ``shared_with`` (codes) and ``year`` (rows without a year apply to every year)."""
    out = []
    for row in params.get("table", ()):
        if row.get("year") not in (None, year):
            continue
        shared = row.get("shared_with") or ()
        if isinstance(shared, str):
            shared = tuple(shared.split())
        out.append(Request(row["observer"], row["observed"], int(row["flights"]), tuple(shared)))
    return tuple(out)


# --------------------------------------------------------------------- interest
def interest_requests(
    registry: Registry, year: int, rules: QuotaRules, params: Mapping[str, Any]
) -> tuple[Request, ...]:
    """Each holder spreads ``utilisation`` (default 1.0) x its capacity over allowed targets in
    proportion to their accept limits. ``params['observers']`` restricts who requests."""
    utilisation = float(params.get("utilisation", 1.0))
    holders = holders_in_year(registry, year)
    only = params.get("observers")
    out: list[Request] = []
    for observer in holders:
        if only is not None and observer not in only:
            continue
        targets = {
            t: accept_limit(registry, t, year)
            for t in holders
            if holder_pair_access(registry, observer, t, year, rules)[0]
        }
        wanted = round(utilisation * observer_capacity(registry, observer, year, rules))
        for target, n in largest_remainder(wanted, targets).items():
            if n:
                out.append(Request(observer, target, n))
    return tuple(out)


# ------------------------------------------------------------------- historical
@dataclass(frozen=True)
class _Line:
    observers: tuple[str, ...]
    observed: str
    flights: int


@cache
def _first_distribution_lines(registry: Registry) -> tuple[_Line, ...]:
    """Annex A Sec. II para 1 as request lines, shared flights merged, CSFR lines given to its
    successors (an assumption: the CSFR's lines alternate between the Czech Republic and
    Slovakia, in the order of the other party's code)."""
    merged: dict[str, list[str]] = {}
    lines: list[_Line] = []
    for row in registry.first_distribution():
        if row.shared_flight_id:
            merged.setdefault(row.shared_flight_id, []).append(row.observer)
            if len(merged[row.shared_flight_id]) > 1:
                continue
            partners = sorted({row.observer, *(row.shared_with or "").split()} - {""})
            lines.append(_Line(tuple(partners), row.observed, row.flights))
        else:
            lines.append(_Line((row.observer,), row.observed, row.flights))
    successors = ("CZE", "SVK")
    out: list[_Line] = []
    as_observer = sorted((ln for ln in lines if "CSK" in ln.observers), key=lambda ln: ln.observed)
    as_observed = sorted((ln for ln in lines if ln.observed == "CSK"), key=lambda ln: ln.observers)
    renamed = {id(ln): successors[i % 2] for i, ln in enumerate(as_observer)}
    retarget = {id(ln): successors[i % 2] for i, ln in enumerate(as_observed)}
    for ln in lines:
        observers = tuple(renamed.get(id(ln), o) if o == "CSK" else o for o in ln.observers)
        observed = retarget.get(id(ln), ln.observed)
        out.append(_Line(observers, observed, ln.flights))
    return tuple(out)


def _proportionate_increase(registry: Registry, lines: Iterable[_Line], year: int) -> list[_Line]:
    """Annex A Sec. II para 3: scale the flights over each observed party from its 75 % limit to
    its full passive quota, keeping the first distribution's proportions."""
    by_target: dict[str, list[_Line]] = {}
    for ln in lines:
        by_target.setdefault(ln.observed, []).append(ln)
    out = []
    for target in sorted(by_target):
        group = by_target[target]
        quota = registry.passive_quota(target, year)
        base = sum(ln.flights for ln in group)
        phase_limit = max(registry.passive_quota(target, PHASE_IN_END.year).accept_limit, 1)
        wanted = min(quota.quota, round(base * quota.quota / phase_limit))
        shares = largest_remainder(max(wanted, base), {i: ln.flights for i, ln in enumerate(group)})
        out += [_Line(ln.observers, ln.observed, shares[i]) for i, ln in enumerate(group)]
    return out


def historical_requests(
    registry: Registry, year: int, rules: QuotaRules, params: Mapping[str, Any]
) -> tuple[Request, ...]:
    """The treaty's historical pattern (see the module docstring). ``params['utilisation']``
    applies to the interest-model requests of holders absent from the first distribution."""
    holders = set(holders_in_year(registry, year))
    lines = list(_first_distribution_lines(registry))
    if year > PHASE_IN_END.year:
        lines = _proportionate_increase(registry, lines, year)

    def allowed(observer: str, target: str) -> bool:
        return holder_pair_access(registry, observer, target, year, rules)[0]

    kept: list[_Line] = []
    displaced: dict[str, int] = {}
    for ln in lines:
        observers = tuple(o for o in ln.observers if o in holders)
        if not observers or ln.flights <= 0:
            continue  # every observer of the line has left
        if ln.observed in holders and all(allowed(o, ln.observed) for o in observers):
            kept.append(_Line(observers, ln.observed, ln.flights))
            continue
        ok = tuple(o for o in observers if ln.observed in holders and allowed(o, ln.observed))
        if ok:
            kept.append(_Line(ok, ln.observed, ln.flights))
        for o in observers:
            if o not in ok:
                displaced[o] = displaced.get(o, 0) + ln.flights

    # Re-target displaced flights over the observer's allowed targets, in proportion to the
    # room left under each target's accept limit (or to the limits when none is left).
    requested: dict[str, int] = {}
    for ln in kept:
        requested[ln.observed] = requested.get(ln.observed, 0) + ln.flights
    for observer in sorted(displaced):
        targets = [t for t in sorted(holders) if allowed(observer, t)]
        room = {t: max(accept_limit(registry, t, year) - requested.get(t, 0), 0) for t in targets}
        limits = {t: accept_limit(registry, t, year) for t in targets}
        weights = room if any(room.values()) else limits
        for target, n in largest_remainder(displaced[observer], weights).items():
            if n:
                kept.append(_Line((observer,), target, n))
                requested[target] = requested.get(target, 0) + n

    known = _accession_decisions(year)
    # Holders with no Annex A allocation and no line in the first distribution: the acceding
    # states, Georgia, and Belarus once the BY-RU group has ended.
    in_pattern = {
        code for ln in _first_distribution_lines(registry) for code in (*ln.observers, ln.observed)
    }
    newcomers = sorted(
        h
        for h in holders
        if h not in in_pattern and registry.passive_quota(h, year).status != "treaty"
    )
    out = [Request(ln.observers[0], ln.observed, ln.flights, ln.observers[1:]) for ln in kept]
    decided = {r.observer for r in known}
    out += [r for r in known if r.observer in holders and r.observed in holders]
    interest = interest_requests(
        registry,
        year,
        rules,
        {
            "utilisation": params.get("utilisation", 1.0),
            "observers": [h for h in newcomers if h not in decided],
        },
    )
    out += list(interest)
    # Annex A Sec. II para 4(B): the other parties may request flights over a newcomer, within
    # its passive quota; shared among the allowed observers in proportion to their capacity.
    for target in newcomers:
        observers = {
            o: observer_capacity(registry, o, year, rules)
            for o in sorted(holders)
            if o not in newcomers and allowed(o, target)
        }
        limit = accept_limit(registry, target, year)
        wanted = round(float(params.get("utilisation", 1.0)) * limit)
        for observer, n in largest_remainder(wanted, observers).items():
            if n:
                out.append(Request(observer, target, n))
    return _merge(out)


def _merge(requests: Iterable[Request]) -> tuple[Request, ...]:
    total: dict[tuple[str, str, tuple[str, ...], int], int] = {}
    for r in requests:
        key = (r.observer, r.observed, r.shared_with, r.priority)
        total[key] = total.get(key, 0) + r.flights
    return tuple(Request(o, t, n, s, p) for (o, t, s, p), n in sorted(total.items()) if n > 0)


@cache
def _accession_decision_rows() -> tuple[tuple[int, Request, str], ...]:
    path = data_dir() / "accession_requests.csv"
    rows = csv.DictReader(path.read_text(encoding="utf-8").splitlines())
    return tuple(
        (
            int(r["year"]),
            Request(r["observer"], r["observed"], int(r["flights"]), priority=1),
            r["source"],
        )
        for r in rows
    )


def _accession_decisions(year: int) -> list[Request]:
    """Active quotas the OSCC is known to have given an acceding state in its first year."""
    return [r for y, r, _ in _accession_decision_rows() if y == year]


REQUEST_MODELS: dict[str, RequestModel] = {
    "explicit": explicit_requests,
    "historical": historical_requests,
    "interest": interest_requests,
}


def requests_for_year(
    registry: Registry,
    year: int,
    rules: QuotaRules,
    model: str = "historical",
    params: Mapping[str, Any] | None = None,
) -> tuple[Request, ...]:
    """The requests of ``model`` for ``year``."""
    try:
        fn = REQUEST_MODELS[model]
    except KeyError:
        raise OpenSkiesError(
            f"unknown request model {model!r}; choose one of {', '.join(sorted(REQUEST_MODELS))}"
        ) from None
    return fn(registry, year, rules, params or {})
