"""Measure 1 of DESIGN section 5, access: which ordered pairs of States Parties may observe each
other on a date, and the share of the treaty area (all parties' territory) that at least one
other party may observe. (Measures 2 and 3, flights and imaged area, are columns of
missions.csv and coverage.csv; measure 4 is in :mod:`simulator.measures.sharing`.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from simulator.treaty.quotas import QuotaRules, access
from simulator.treaty.registry import Registry


def access_dates(registry: Registry, years: Sequence[int], rules: QuotaRules) -> list[dt.date]:
    """The scenario's start and every day a membership, NATO, group or refusal change takes
    effect inside the period (the first day of the new state of affairs)."""
    first, last = dt.date(min(years), 1, 1), dt.date(max(years), 12, 31)
    days = {first}
    for code in registry.state_codes:
        s = registry.state(code)
        for d in (s.entry_into_force, s.withdrawal_effective, s.nato_member_since):
            if d is not None and first < d <= last:
                days.add(d)
    for g in registry.tables.groups:
        if g.end is not None and first < g.end <= last:
            days.add(g.end)
    for r in rules.refusals:
        for d in (r.start, r.end):
            if d is not None and first < d <= last:
                days.add(d)
    return sorted(days)


def access_rows(registry: Registry, years: Sequence[int], rules: QuotaRules) -> list[dict]:
    """``access.csv``: one row per ordered pair of States Parties on each sampled date."""
    rows = []
    for day in access_dates(registry, years, rules):
        parties = registry.states_parties(day)
        for a in parties:
            for b in parties:
                if a == b:
                    continue
                ok, reason = access(registry, a, b, day, rules)
                rows.append(
                    {
                        "date": day.isoformat(),
                        "observer": a,
                        "observed": b,
                        "allowed": ok,
                        "reason": reason,
                    }
                )
    return rows


def access_share(rows: Sequence[Mapping], areas: Mapping[str, float]) -> dict[str, float]:
    """Per sampled date: the share of the parties' territory that at least one other party
    may observe (rows from :func:`access_rows`, areas in km2 per state)."""
    by_date: dict[str, dict[str, bool]] = {}
    for r in rows:
        seen = by_date.setdefault(r["date"], {})
        seen[r["observed"]] = seen.get(r["observed"], False) or bool(r["allowed"])
    out = {}
    for day, observable in sorted(by_date.items()):
        total = sum(areas.get(s, 0.0) for s in observable)
        open_area = sum(areas.get(s, 0.0) for s, ok in observable.items() if ok)
        out[day] = open_area / total if total else 0.0
    return out
