"""Simulation time: hours since 00:00 UTC on 1 December before the first simulated year.

The month of lead lets missions planned for early January be notified 72 h ahead
(Art. VI Sec. I para 5) inside the simulation.
"""

from __future__ import annotations

import datetime as dt


class Clock:
    """Converts between simulation hours and calendar dates."""

    def __init__(self, first_year: int):
        self.epoch = dt.datetime(first_year - 1, 12, 1)

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
        return self.datetime(hours).date()

    def iso(self, hours: float | None) -> str:
        """``YYYY-MM-DDTHH:MM`` or an empty string for None."""
        return "" if hours is None else self.datetime(hours).strftime("%Y-%m-%dT%H:%M")
