"""Quarterly planning of a year's missions (Annex H).

Plans are notified by quarter (para 1); no more than 16 flights may be planned over one observed
Party in a quarter (para 2); colliding requests are deconflicted, failing agreement by drawing
lots (para 3). Here every granted flight becomes a mission with an estimated time of arrival
(ETA): months are drawn from a seasonal preference, quarters are capped at 16, and within a
quarter the lots decide the order in which the observed Party's 96-hour windows are laid end to
end, so no two windows over the same Party overlap (Art. VI Sec. I para 3).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.engine.clock import Clock
from simulator.engine.operations import Operations
from simulator.memo import IdentityMemo
from simulator.treaty.dates import PHASE_IN_END
from simulator.treaty.distribution import Distribution

# Annex H para 2: at most 16 observation flights planned over one Party in a quarter.
MAX_PER_QUARTER = 16
QUARTERS = ((1, 2, 3), (4, 5, 6), (7, 8, 9), (10, 11, 12))


@dataclass(frozen=True)
class PlannedMission:
    """One planned observation flight."""

    mission_id: str
    year: int
    observers: tuple[str, ...]  # lead observer first; more than one is a joint flight
    observed: str
    quarter: int  # 1..4
    eta: float  # simulation hours: estimated arrival at the point of entry


def _quarter_bounds(year: int, q: int, clock: Clock) -> tuple[float, float]:
    start = dt.date(year, QUARTERS[q - 1][0], 1)
    end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, QUARTERS[q][0], 1)
    return clock.hours(start), clock.hours(end)


_CALENDARS: IdentityMemo[tuple[Any, ...]] = IdentityMemo(64)


def _calendar(first: int, last: int, ops: Operations, clock: Clock) -> tuple[Any, ...]:
    """The period's days and seasonal weights, each quarter's open weight and open bounds,
    and the weights' cumulative distribution: the same in every replication (memoised per
    operations table and clock epoch)."""

    def compute() -> tuple[Any, ...]:
        days, day_w = _day_weights(first, last, ops)
        keys = [(y, q) for y in range(first, last + 1) for q in (1, 2, 3, 4)]
        open_weight = {
            key: float(sum(day_w[i] for i, d in enumerate(days) if (d.year, _quarter(d)) == key))
            for key in keys
        }
        bounds = {key: _open_bounds(*key, days, day_w, clock) for key in keys}
        day_w.setflags(write=False)
        cdf = day_w.cumsum()
        if len(cdf) and cdf[-1] > 0:
            cdf /= cdf[-1]
        return days, day_w, open_weight, bounds, cdf

    return _CALENDARS.get((ops,), (first, last, clock.epoch), compute)


def _day_weights(first: int, last: int, ops: Operations) -> tuple[list[dt.date], np.ndarray]:
    """Every day of the years ``first..last`` and its seasonal weight; days inside a closed
    window get none (no mission is planned then)."""
    days, weights = [], []
    for year in range(first, last + 1):
        for month in range(1, 13):
            for d in range(1, calendar.monthrange(year, month)[1] + 1):
                day = dt.date(year, month, d)
                closed = any(w.covers(day) for w in ops.closed)
                days.append(day)
                weights.append(0.0 if closed else ops.monthly_weights[month - 1])
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:  # the whole period is closed: nothing can be planned
        return days, w
    return days, w / w.sum()


def plan_year(
    dist: Distribution,
    clock: Clock,
    ops: Operations,
    rng: np.random.Generator,
    earliest: Mapping[tuple[tuple[str, ...], str], dt.date] | None = None,
) -> list[PlannedMission]:
    """The missions of a distribution's period with their ETAs, deconflicted per observed
    Party. A mission's ``year`` is the calendar year of its ETA (the first distribution's
    period spans 2002-2003). ``earliest`` gives a grant's first possible day (a state that
    acceded during the period); no ETA falls before it or inside a closed window."""
    earliest = earliest or {}
    first, last = dist.year, dist.last_year
    # Windows of 96 h (Art. VI Sec. I para 9) plus a day, so that ETAs drawn anywhere in the
    # working day still leave every window clear of the next one.
    spacing = ops.t("window_hours") + 24.0
    days, day_w, open_weight, bounds, cdf = _calendar(first, last, ops, clock)
    if day_w.sum() <= 0:
        return []
    # Annex H para 5: granted quota may go unused; each granted flight is planned with the
    # scenario's use share (1.0 by default).
    share = ops.use_share_phase_in if first <= PHASE_IN_END.year else ops.use_share
    by_target: dict[str, list[tuple[str, ...]]] = {}
    for grant in dist.grants:  # grants are sorted; missions are numbered in that order
        used = int((rng.random(grant.flights) < share).sum()) if share < 1.0 else grant.flights
        by_target.setdefault(grant.observed, []).extend([grant.observers] * used)
    planned: list[PlannedMission] = []
    quarter_keys = [(y, q) for y in range(first, last + 1) for q in (1, 2, 3, 4)]
    for target in sorted(by_target):
        flights = by_target[target]
        lots = rng.permutation(len(flights))  # Annex H para 3: drawing of lots
        # rng.choice(len(day_w), size=len(flights), p=day_w), the same draws without
        # checking the weights again for every observed Party
        picks = cdf.searchsorted(rng.random(len(flights)), side="right")
        quarters: dict[tuple[int, int], list[tuple[int, float]]] = {k: [] for k in quarter_keys}
        for lot, i in zip(lots, picks, strict=True):
            day = days[int(i)]
            first_day = earliest.get((flights[lot], target))
            if first_day is not None and day < first_day:
                day = _redraw(days, day_w, first_day, rng) or day
            quarters[day.year, _quarter(day)].append((int(lot), clock.hours(day)))
        _cap_quarters(quarters, open_weight, days, day_w, clock, rng)
        for year, q in quarter_keys:
            q_start, q_end = bounds[year, q]
            slots = _lay_out(
                sorted(quarters[year, q], key=lambda x: (x[1], x[0])), q_start, q_end, spacing
            )
            for lot, eta in slots:
                day = clock.date(eta)
                first_day = earliest.get((flights[lot], target))
                if any(w.covers(day) for w in ops.closed) or (first_day and day < first_day):
                    continue  # the quarter had no room left in its open days: not planned
                hour = 8.0 + float(rng.integers(0, 9))  # ETAs during the working day
                planned.append(PlannedMission("", year, flights[lot], target, q, eta + hour))
    planned.sort(key=lambda m: (m.eta, m.observed, m.observers))
    numbered, count = [], dict.fromkeys(range(first, last + 1), 0)
    for m in planned:  # ids number each calendar year's missions in ETA order
        count[m.year] += 1
        mid = f"{m.year}-{count[m.year]:04d}"
        numbered.append(PlannedMission(mid, m.year, m.observers, m.observed, m.quarter, m.eta))
    return numbered


def _redraw(days, day_w, first_day: dt.date, rng) -> dt.date | None:
    """A day drawn by seasonal weight among the open days from ``first_day`` on."""
    later = [i for i, d in enumerate(days) if d >= first_day and day_w[i] > 0]
    if not later:
        return None
    w = np.asarray([day_w[i] for i in later])
    return days[later[int(rng.choice(len(later), p=w / w.sum()))]]


def _open_bounds(year: int, q: int, days, day_w, clock: Clock) -> tuple[float, float]:
    """The quarter's bounds shrunk to its first and last open days (closed windows at its
    edges, such as the treaty's start-up in 2002, are kept clear)."""
    start, end = _quarter_bounds(year, q, clock)
    inside = [d for i, d in enumerate(days) if (d.year, _quarter(d)) == (year, q) and day_w[i] > 0]
    if not inside:
        return start, end
    return clock.hours(inside[0]), clock.hours(inside[-1] + dt.timedelta(days=1))


def _quarter(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def _cap_quarters(quarters, open_weight, days, day_w, clock, rng) -> None:
    """Move flights out of quarters over the cap of 16 (Annex H para 2) into the open quarter
    with room and the most seasonal weight, on a day drawn by weight within it."""
    for key in sorted(quarters):
        while len(quarters[key]) > MAX_PER_QUARTER:
            lot, _ = quarters[key].pop()
            room = [
                k
                for k in sorted(quarters)
                if len(quarters[k]) < MAX_PER_QUARTER and open_weight[k] > 0
            ]
            if not room:
                continue  # every quarter of the period is full: the flight is not planned
            dest = max(room, key=lambda k: (open_weight[k], -k[0], -k[1]))
            inside = [i for i, d in enumerate(days) if (d.year, _quarter(d)) == dest]
            w = np.asarray([day_w[i] for i in inside])
            pick = inside[int(rng.choice(len(inside), p=w / w.sum()))]
            quarters[dest].append((lot, clock.hours(days[pick])))


def _lay_out(
    items: list[tuple[int, float]], start: float, end: float, spacing: float
) -> list[tuple[int, float]]:
    """Keep the wished-for times in order, at least ``spacing`` hours apart, inside
    ``[start, end - spacing]``; a forward pass pushes later, a backward pass pulls earlier."""
    if not items:
        return []
    last = end - spacing
    times = [min(max(t, start), last) for _, t in items]
    for i in range(1, len(times)):
        times[i] = max(times[i], times[i - 1] + spacing)
    for i in range(len(times) - 1, -1, -1):
        limit = last if i == len(times) - 1 else times[i + 1] - spacing
        times[i] = min(times[i], limit)
    return [(lot, t) for (lot, _), t in zip(items, times, strict=True)]
