"""Parsing of calendar dates given by users or data files."""

from __future__ import annotations

import datetime as dt

from simulator.errors import InvalidDateError

DateLike = dt.date | str


def parse_date(value: DateLike) -> dt.date:
    """Return ``value`` as a :class:`datetime.date`; accept dates and ISO strings."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                pass
    raise InvalidDateError(value)


def optional_date(text: str) -> dt.date | None:
    """Parse a possibly empty date cell of a data file."""
    return parse_date(text) if text else None
