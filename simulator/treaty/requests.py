"""Where a year's requests for active quotas come from: three named, documented models.

* ``explicit``: a table in the scenario, ``observer, observed, flights[, shared_with, year]``.
* ``historical``: the record's pattern. The first distribution of Annex A Sec. II para 1 once,
  for its one period (entry into force to 31 Dec 2003); from 2004 the demand model of
  ``demand.py``: each observer requests a sourced share of its entitlement, spread over targets
  by a sourced table of interest, within the per-pair cap (the "unless otherwise agreed" of
  Annex A Sec. II para 3: the record shows the proportionate increase was not followed, F42).
* ``interest``: a naive baseline: each holder requests ``utilisation`` x its total active quota,
  spread over the targets it may observe in proportion to their passive quotas.

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
from simulator.treaty.dates import FIRST_PERIOD_END, TREATY_ENTRY_INTO_FORCE
from simulator.treaty.demand import DemandModel, join_partners, observer_requests
from simulator.treaty.quotas import (
    QuotaRules,
    accept_limit,
    holder_pair_access,
    holders_in_year,
    observer_capacity,
)
from simulator.treaty.registry import Registry
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


def first_period_requests(
    registry: Registry, rules: QuotaRules, params: Mapping[str, Any]
) -> tuple[Request, ...]:
    """The first distribution (Annex A Sec. II para 1), valid for one period from entry into
    force to 31 Dec 2003, with the accession quotas decided for that period (Sweden, 2003) and,
    for holders with no line in it that are not Annex A allocations (Finland, Latvia, Georgia,
    Bosnia and Herzegovina), the demand model's requests with the shares of the first annual
    distribution (2004) and the period's limits (Annex A Sec. II para 4)."""
    year = FIRST_PERIOD_END.year
    out = [
        Request(ln.observers[0], ln.observed, ln.flights, ln.observers[1:])
        for ln in _first_distribution_lines(registry)
    ]
    known = [r for y, r, _ in _accession_decision_rows() if y <= year]
    out += known
    in_pattern = {
        code for ln in _first_distribution_lines(registry) for code in (*ln.observers, ln.observed)
    }
    decided = {r.observer for r in known}
    newcomers = [
        h
        for h in holders_in_year(registry, year)
        if h not in in_pattern
        and h not in decided
        and registry.passive_quota(h, year).status != "treaty"
    ]
    out += _demand_model_requests(
        registry, year, rules, params, only=newcomers, share_year=year + 1
    )
    return _merge(out)


def _demand_model_requests(
    registry, year, rules, params, only=None, share_year=None
) -> list[Request]:
    model = DemandModel.from_params(params)
    holders = holders_in_year(registry, year)
    work: dict[tuple[tuple[str, ...], str], int] = {}
    carry: dict[str, float] = {}
    for observer in holders if only is None else only:
        found = observer_requests(
            registry, observer, holders, year, rules, model, carry, share_year
        )
        for target, n in found.items():
            work[(observer,), target] = n
    joints = {}
    for small in holders:
        lead = model.joint_lead(small, year)
        if lead and lead in holders and lead != small:
            joints[small] = lead
    work = join_partners(work, joints)
    return [Request(obs[0], t, n, obs[1:]) for (obs, t), n in sorted(work.items())]


def historical_requests(
    registry: Registry, year: int, rules: QuotaRules, params: Mapping[str, Any]
) -> tuple[Request, ...]:
    """The record's pattern: the first distribution for the first period (2002-2003), then
    every year the demand model of ``demand.py`` (sourced tables of observer demand and
    interest), with the accession quotas the OSCC is known to have decided in their year."""
    if year < TREATY_ENTRY_INTO_FORCE.year:
        return ()  # Art. XVII para 2: nothing before entry into force
    if year <= FIRST_PERIOD_END.year:
        return first_period_requests(registry, rules, params)
    known = [r for r in _accession_decisions(year) if r.observer in holders_in_year(registry, year)]
    decided = {r.observer for r in known}
    others = [h for h in holders_in_year(registry, year) if h not in decided]
    return _merge([*known, *_demand_model_requests(registry, year, rules, params, only=others)])


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
