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
from dataclasses import dataclass

import numpy as np

from simulator.engine.clock import Clock
from simulator.engine.operations import Operations
from simulator.treaty.distribution import Distribution
from simulator.treaty.registry import PHASE_IN_END

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


def _day_weights(year: int, ops: Operations) -> np.ndarray:
    weights = []
    for month in range(1, 13):
        days = calendar.monthrange(year, month)[1]
        weights += [ops.monthly_weights[month - 1]] * days
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def plan_year(
    dist: Distribution, clock: Clock, ops: Operations, rng: np.random.Generator
) -> list[PlannedMission]:
    """The year's missions with their ETAs, deconflicted per observed Party."""
    year = dist.year
    # Windows of 96 h (Art. VI Sec. I para 9) plus a day, so that ETAs drawn anywhere in the
    # working day still leave every window clear of the next one.
    spacing = ops.t("window_hours") + 24.0
    day_w = _day_weights(year, ops)
    year_start = clock.hours(dt.date(year, 1, 1))
    # Annex H para 5: granted quota may go unused; each granted flight is planned with the
    # scenario's use share (1.0 by default).
    share = ops.use_share_phase_in if year <= PHASE_IN_END.year else ops.use_share
    by_target: dict[str, list[tuple[str, ...]]] = {}
    for grant in dist.grants:  # grants are sorted; missions are numbered in that order
        used = int((rng.random(grant.flights) < share).sum()) if share < 1.0 else grant.flights
        by_target.setdefault(grant.observed, []).extend([grant.observers] * used)
    planned: list[PlannedMission] = []
    for target in sorted(by_target):
        flights = by_target[target]
        lots = rng.permutation(len(flights))  # Annex H para 3: drawing of lots
        days = rng.choice(len(day_w), size=len(flights), p=day_w)
        quarters: dict[int, list[tuple[int, float]]] = {1: [], 2: [], 3: [], 4: []}
        for lot, day in zip(lots, days, strict=True):
            month = (dt.date(year, 1, 1) + dt.timedelta(days=int(day))).month
            quarters[(month - 1) // 3 + 1].append((int(lot), year_start + 24.0 * int(day)))
        _cap_quarters(quarters, year, clock, ops, rng)
        for q in (1, 2, 3, 4):
            q_start, q_end = _quarter_bounds(year, q, clock)
            slots = _lay_out(
                sorted(quarters[q], key=lambda x: (x[1], x[0])), q_start, q_end, spacing
            )
            for lot, eta in slots:
                hour = 8.0 + float(rng.integers(0, 9))  # ETAs during the working day
                planned.append(PlannedMission("", year, flights[lot], target, q, eta + hour))
    planned.sort(key=lambda m: (m.eta, m.observed, m.observers))
    return [
        PlannedMission(f"{year}-{i:04d}", m.year, m.observers, m.observed, m.quarter, m.eta)
        for i, m in enumerate(planned, start=1)
    ]


def _cap_quarters(quarters, year, clock, ops, rng) -> None:
    """Move flights out of quarters over the cap of 16 into quarters with room."""
    for q in (1, 2, 3, 4):
        while len(quarters[q]) > MAX_PER_QUARTER:
            lot, _ = quarters[q].pop()
            room = [p for p in (1, 2, 3, 4) if len(quarters[p]) < MAX_PER_QUARTER]
            weight = [sum(ops.monthly_weights[m - 1] for m in QUARTERS[p - 1]) for p in room]
            dest = room[int(np.argmax(weight))]
            q_start, q_end = _quarter_bounds(year, dest, clock)
            day = float(rng.integers(0, int((q_end - q_start) // 24)))
            quarters[dest].append((lot, q_start + 24.0 * day))


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
