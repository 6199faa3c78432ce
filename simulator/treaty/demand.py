"""Who asks to fly over whom: the demand model, read from two sourced tables.

``data/observer_demand.csv`` says how much of its entitlement (its total passive quota, the
ceiling of its total active quota: Art. III Sec. I para 5) each observer requests a year, and
which small observers join a partner's flights. ``data/observer_interest.csv`` says how the
requests spread over targets: a weight per observer -> observed pair, or ``pair_cap`` to ask for
the per-pair maximum (Art. III Sec. I para 10). Both tables name a source or flag an assumption
per row; a scenario overrides any row (``[requests]``: ``demand_shares``, ``interest``,
``joint``).

Rows may name a class instead of a code: ``NATO`` (holders whose members are all NATO members on
1 January), ``PARTNER`` (any other holder but the Belarus-Russia group, Russia or Belarus) or
``*``. For a pair the most specific row wins: observer by code before observer by class, and
within each, target by code before target by class; among rows of one level, the one with the
latest ``first_year``. A weight found through a class *target* is scaled by the target's passive
quota / 12, so that larger parties draw more flights.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from simulator.treaty.apportion import largest_remainder
from simulator.treaty.quotas import (
    QuotaRules,
    accept_limit,
    fifty_percent_applies,
    fifty_percent_cap,
    holder_pair_access,
    observer_capacity,
)
from simulator.treaty.registry import Registry
from simulator.treaty.tables import data_dir

#: Names a table row may give instead of a holder code.
CLASSES = ("NATO", "PARTNER", "*")
GROUP = "BY-RU"
RUSSIA_BELARUS = frozenset({"BY-RU", "RUS", "BLR"})


def _in_span(first: int | None, last: int | None, year: int) -> bool:
    """Whether ``year`` lies in ``[first, last]`` (open ends for None)."""
    return (first or 0) <= year <= (last or 9999)


@dataclass(frozen=True)
class InterestRow:
    """How much ``observer`` wants to fly over ``observed`` (codes or classes)."""

    observer: str
    observed: str
    weight: float
    request: str = "share"  # share: a weighted part of the demand; pair_cap: the per-pair cap
    first_year: int | None = None
    last_year: int | None = None
    basis: str = "scenario"
    source: str = ""

    def valid(self, year: int) -> bool:
        """Whether the row applies in ``year``."""
        return _in_span(self.first_year, self.last_year, year)


@dataclass(frozen=True)
class DemandRow:
    """The share of its entitlement ``observer`` requests, and whose flights it joins."""

    observer: str
    share: float | None
    joint_lead: str = ""
    first_year: int | None = None
    last_year: int | None = None
    basis: str = "scenario"
    source: str = ""

    def valid(self, year: int) -> bool:
        """Whether the row applies in ``year``."""
        return _in_span(self.first_year, self.last_year, year)


def _year(text: str) -> int | None:
    return int(text) if text.strip() else None


def _rows(name: str) -> list[dict[str, str]]:
    text = (data_dir() / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def bundled_interest() -> tuple[InterestRow, ...]:
    """The rows of ``observer_interest.csv``."""
    return tuple(
        InterestRow(
            r["observer"],
            r["observed"],
            float(r["weight"] or 0.0),
            r["request"] or "share",
            _year(r["first_year"]),
            _year(r["last_year"]),
            r["basis"],
            r["source"],
        )
        for r in _rows("observer_interest.csv")
    )


@cache
def bundled_demand() -> tuple[DemandRow, ...]:
    """The rows of ``observer_demand.csv``."""
    return tuple(
        DemandRow(
            r["observer"],
            float(r["share"]) if r["share"].strip() else None,
            r["joint_lead"],
            _year(r["first_year"]),
            _year(r["last_year"]),
            r["basis"],
            r["source"],
        )
        for r in _rows("observer_demand.csv")
    )


@dataclass(frozen=True)
class DemandModel:
    """The bundled tables with a scenario's overrides applied."""

    interest_rows: tuple[InterestRow, ...]
    demand_rows: tuple[DemandRow, ...]
    share_overrides: Mapping[str, float] = field(default_factory=dict)
    joint_overrides: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> DemandModel:
        """Bundled rows; ``params`` may hold ``demand_shares`` (observer or ``*`` -> share, for
        every year), ``joint`` (observer -> lead, "" for none) and ``interest`` (rows that
        replace every bundled row of the same observer and observed)."""
        extra = [
            InterestRow(
                str(r["observer"]),
                str(r["observed"]),
                float(r.get("weight", 0.0) or 0.0),
                str(r.get("request", "share")),
                r.get("first_year"),
                r.get("last_year"),
            )
            for r in params.get("interest", ())
        ]
        replaced = {(r.observer, r.observed) for r in extra}
        kept = [r for r in bundled_interest() if (r.observer, r.observed) not in replaced]
        return cls(
            tuple(kept + extra),
            bundled_demand(),
            {str(k): float(v) for k, v in dict(params.get("demand_shares", {})).items()},
            {str(k): str(v) for k, v in dict(params.get("joint", {})).items()},
        )

    def share(self, observer: str, year: int) -> float:
        """The share of its entitlement ``observer`` requests in ``year`` (a scenario's value
        first, then the observer's row, then the ``*`` row, each for its own code first)."""
        for code in (observer, "*"):
            if code in self.share_overrides:
                return self.share_overrides[code]
            rows = [d for d in self.demand_rows if d.observer == code and d.share is not None]
            rows = [d for d in rows if d.valid(year)]
            if rows:
                return max(rows, key=lambda d: d.first_year or 0).share or 0.0
        return 0.0

    def joint_lead(self, observer: str, year: int) -> str:
        """The partner whose flights ``observer`` joins in ``year`` ("" for none)."""
        if observer in self.joint_overrides:
            return self.joint_overrides[observer]
        rows = [
            d for d in self.demand_rows if d.observer == observer and d.valid(year) and d.joint_lead
        ]
        return max(rows, key=lambda d: d.first_year or 0).joint_lead if rows else ""

    def interest(
        self, observer: str, observed: str, classes: tuple[str, str], quota: int, year: int
    ) -> tuple[float, str]:
        """``(weight, request kind)`` for the pair in ``year``; weight 0 if no row applies."""
        own, target = classes
        levels = (
            (observer, observed, False),
            (observer, target, True),
            (observer, "*", True),
            (own, observed, False),
            ("*", observed, False),
            (own, target, True),
            (own, "*", True),
            ("*", target, True),
            ("*", "*", True),
        )
        for obs, tgt, scaled in levels:
            rows = [r for r in self.interest_rows if (r.observer, r.observed) == (obs, tgt)]
            rows = [r for r in rows if r.valid(year)]
            if rows:
                row = max(rows, key=lambda r: r.first_year or 0)
                weight = row.weight * (quota / 12.0 if scaled else 1.0)
                return weight, row.request
        return 0.0, "share"


def holder_class(registry: Registry, holder: str, year: int) -> str:
    """``NATO``, ``PARTNER`` or ``BY-RU`` (the group, and Russia or Belarus alone), on
    1 January of ``year``."""
    if holder in RUSSIA_BELARUS:
        return GROUP
    return "NATO" if registry.holder_is_nato(holder, f"{year}-01-01") else "PARTNER"


def observer_requests(
    registry: Registry,
    observer: str,
    targets: tuple[str, ...],
    year: int,
    rules: QuotaRules,
    model: DemandModel,
    carry: dict[str, float] | None = None,
    share_year: int | None = None,
) -> dict[str, int]:
    """Flights ``observer`` requests over each allowed target in ``year`` (pair caps kept).

    The demand is spread by weight, never above a pair's cap (water-filling), then rounded to
    whole flights by largest remainder. ``carry`` holds the fractions earlier observers left
    over per target, so that many observers with the same small weight on a target request a
    whole flight between them instead of none each (pass the same dict for every observer).
    ``share_year`` reads the demand share of another year (the first period uses 2004's)."""
    carry = {} if carry is None else carry
    entitlement = observer_capacity(registry, observer, year, rules)
    wanted = round(model.share(observer, share_year or year) * entitlement)
    own = holder_class(registry, observer, year)
    caps: dict[str, int] = {}
    weights: dict[str, float] = {}
    out: dict[str, int] = {}
    for t in targets:
        if not holder_pair_access(registry, observer, t, year, rules)[0]:
            continue
        quota = registry.passive_quota(t, year).quota
        # Art. III Sec. I para 10 (reading of F37), where the scenario's mode applies it: 50 %
        # of the entitlement or of the target's passive quota; and never more than the target
        # must accept (Art. II para 9).
        cap = accept_limit(registry, t, year)
        if fifty_percent_applies(observer, year, rules):
            cap = min(cap, fifty_percent_cap(entitlement, quota))
        weight, kind = model.interest(
            observer, t, (own, holder_class(registry, t, year)), quota, year
        )
        if kind == "pair_cap":
            out[t] = cap
        elif weight > 0 and cap > 0:
            caps[t], weights[t] = cap, weight
    left = min(max(wanted - sum(out.values()), 0), sum(caps.values()))
    exact = _water_fill(float(left), weights, caps)
    wished = {t: max(exact[t] + carry.get(t, 0.0), 0.0) for t in exact}
    shares = largest_remainder(left, wished) if left else dict.fromkeys(exact, 0)
    for t in sorted(exact):
        n = min(shares[t], caps[t])
        carry[t] = wished[t] - n
        if n:
            out[t] = n
    return {t: n for t, n in sorted(out.items()) if n > 0}


def _water_fill(total: float, weights: dict[str, float], caps: dict[str, int]) -> dict[str, float]:
    """Shares of ``total`` in proportion to ``weights``, none above its cap."""
    out = dict.fromkeys(weights, 0.0)
    active = dict(weights)
    while total > 1e-12 and active:
        level = total / sum(active.values())
        full = [t for t in sorted(active) if level * active[t] >= caps[t] - out[t]]
        if not full:
            for t in active:
                out[t] += level * active[t]
            break
        for t in full:
            total -= caps[t] - out[t]
            out[t] = float(caps[t])
            active.pop(t)
    return out


def join_partners(
    requests: dict[tuple[tuple[str, ...], str], int],
    joints: Mapping[str, str],
) -> dict[tuple[tuple[str, ...], str], int]:
    """Small observers join their lead's flights over the same target (joint missions count
    once against the observed party, Annex A Sec. II para 1); what is left they fly alone."""
    out = dict(requests)
    for small in sorted(joints):
        lead = joints[small]
        for (observers, target), n in sorted(requests.items()):
            if observers != (small,):
                continue
            lead_key = ((lead,), target)
            k = min(n, out.get(lead_key, 0))
            if k <= 0:
                continue
            out[lead_key] -= k
            out[(small,), target] -= k
            shared = ((lead, small), target)
            out[shared] = out.get(shared, 0) + k
    return {key: n for key, n in sorted(out.items()) if n > 0}
