"""Simulation time: hours since 00:00 UTC on 1 December before the first simulated year.

The month of lead lets missions planned for early January be notified 72 h ahead
(Art. VI Sec. I para 5) inside the simulation. Conversions round to the minute and are
memoised per day: the engine asks for the same few hundred days thousands of times a run.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

_MINUTES_PER_DAY = 24 * 60


class Clock:
    """Converts between simulation hours and calendar dates."""

    def __init__(self, first_year: int):
        self.epoch = dt.datetime(first_year - 1, 12, 1)
        self._ordinal = self.epoch.toordinal()
        self._days: dict[int, dt.date] = {}
        self._day_text: dict[int, str] = {}

    def hours(self, when: dt.datetime | dt.date) -> float:
        """Simulation hours at ``when`` (a date means its midnight)."""
        if not isinstance(when, dt.datetime):
            when = dt.datetime(when.year, when.month, when.day)
        return (when - self.epoch).total_seconds() / 3600.0

    def datetime(self, hours: float) -> dt.datetime:
        """The calendar time ``hours`` after the epoch, to the minute."""
        return self.epoch + dt.timedelta(minutes=round(hours * 60))

    def date(self, hours: float) -> dt.date:
        """The calendar day ``hours`` after the epoch."""
        index = round(hours * 60) // _MINUTES_PER_DAY
        day = self._days.get(index)
        if day is None:
            day = self._days[index] = dt.date.fromordinal(self._ordinal + index)
        return day

    def iso(self, hours: float | None) -> str:
        """``YYYY-MM-DDTHH:MM`` or an empty string for None."""
        if hours is None:
            return ""
        index, minute = divmod(round(hours * 60), _MINUTES_PER_DAY)
        text = self._day_text.get(index)
        if text is None:
            text = self._day_text[index] = self.date(hours).isoformat()
        return f"{text}T{minute // 60:02d}:{minute % 60:02d}"


@cache
def clock_for(first_year: int) -> Clock:
    """One clock per first year and process: its day memos serve every replication."""
    return Clock(first_year)
