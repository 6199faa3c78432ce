"""Calendar dates given by users or data files, and the treaty's own calendar (entry into force,
the phasing period, the first distribution's period)."""

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


# Art. XVII para 2; Dutch treaty database: the treaty entered into force on 1 Jan 2002.
TREATY_ENTRY_INTO_FORCE = dt.date(2002, 1, 1)
# Art. XVIII Sec. II para 1: the phasing period runs "until 31 December of the third year
# following the year during which entry into force takes place".
PHASE_IN_END = dt.date(TREATY_ENTRY_INTO_FORCE.year + 3, 12, 31)
# Annex A Sec. II para 1: the first distribution is valid for one period, from entry into force
# to 31 December of the following year (history calibration F05): 2002-2003.
FIRST_PERIOD_END = dt.date(TREATY_ENTRY_INTO_FORCE.year + 1, 12, 31)
# Annex A Sec. II paras 1-2: during phasing a party accepts no more than 75 per cent of its
# passive quota, rounded down.
PHASE_IN_ACCEPT_FRACTION = 0.75
