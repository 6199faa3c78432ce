"""Building blocks of the scenario schema: limits, a day in range, the table base class and a
window in time."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

MAX_YEAR = 2100
MIN_YEAR = 2002  # Art. XVII para 2: the treaty entered into force on 1 Jan 2002
MAX_REPLICATIONS = 10_000
MAX_FILE_BYTES = 10 * 2**20  # a scenario file is a few kB; refuse anything absurd
MAX_EXTENDS = 32  # longest chain of files extending each other
MAX_DEPTH = 32  # deepest nesting of tables and arrays in a scenario document
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(MAX_YEAR, 12, 31)


def _in_range(day: dt.date) -> dt.date:
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(f"{day} is outside {FIRST_DATE}..{LAST_DATE}")
    return day


Day = Annotated[dt.date, AfterValidator(_in_range)]


class Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, allow_inf_nan=False)


class Window(Table):
    """A rule in force from ``start`` (inclusive) to ``end`` (exclusive, open if absent)."""

    start: Day = Field(description="first day in force")
    end: Day | None = Field(default=None, description="day it ends (exclusive); absent: open-ended")
    source: str = Field(
        default="",
        description="where it comes from (free text; the report lists it)",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end {self.end} is not after start {self.start}")
        return self
