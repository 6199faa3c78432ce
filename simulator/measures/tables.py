"""What the measures read: the tables of a run, and the interval of replicated values.

Measures are functions of plain tables. They accept any object with the attributes of
:class:`RunTables` (the :class:`~simulator.outputs.result.Result` of a run has them), so this
room needs nothing from the rooms that write results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd


class RunTables(Protocol):
    """The tables and records of one scenario run that measures read."""

    name: str
    missions: pd.DataFrame
    quotas: pd.DataFrame
    coverage: pd.DataFrame
    access: pd.DataFrame
    sharing: pd.DataFrame
    manifest: dict[str, Any]
    summary: dict[str, Any]
    cells: dict[str, tuple[Any, Any]]
    routes: dict[str, Any]
    pairs: pd.DataFrame | None
    cumulative: pd.DataFrame | None

    @property
    def replications(self) -> int: ...


@dataclass
class PlainTables:
    """A :class:`RunTables` as plain data, for tables that are not a saved run's: one
    replication of a run, or a point of an experiment. Only what the measures read is required."""

    name: str
    missions: pd.DataFrame
    coverage: pd.DataFrame
    access: pd.DataFrame
    sharing: pd.DataFrame
    summary: dict[str, Any]
    replications: int
    quotas: pd.DataFrame = field(default_factory=pd.DataFrame)
    manifest: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    routes: dict[str, Any] = field(default_factory=dict)
    pairs: pd.DataFrame | None = None
    cumulative: pd.DataFrame | None = None


def interval(values: Any) -> dict[str, float]:
    """Mean and 90 % interval (5th and 95th percentiles) of replicated values."""
    arr = np.asarray(list(values), dtype=float)
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        return {"mean": math.nan, "p05": math.nan, "p95": math.nan, "n": 0}
    return {
        "mean": float(arr.mean()),
        "p05": float(np.percentile(arr, 5)),
        "p95": float(np.percentile(arr, 95)),
        "n": int(arr.size),
    }
