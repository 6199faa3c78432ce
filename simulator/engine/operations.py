"""Operational parameters of the mission model: timeline, seasons, weather, failures, taxi.

Defaults live in ``data/operations.toml`` with their sources; a scenario overrides any key.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from simulator.treaty.dates import parse_date


@dataclass(frozen=True)
class Pause:
    """A window in which no observation flight takes place (ETA inside ``[start, end)``)."""

    start: dt.date
    end: dt.date
    reason: str = ""

    def covers(self, day: dt.date) -> bool:
        """Whether ``day`` falls inside the pause."""
        return self.start <= day < self.end


@dataclass(frozen=True)
class Operations:
    """All operational parameters, resolved from the defaults and a scenario's overrides."""

    timeline: Mapping[str, float]
    monthly_weights: tuple[float, ...]
    weather_hold: tuple[float, ...]
    cloud_fraction: tuple[float, ...]
    default_breakdown: float
    curtailment: float
    curtailed_fraction: tuple[float, float]
    late_arrival: float
    plan_decline: float
    taxi_probability: float
    pauses: tuple[Pause, ...]
    breakdown_overrides: Mapping[str, float]
    use_share: float = 1.0
    use_share_phase_in: float = 1.0
    closed: tuple[Pause, ...] = ()  # windows in which no mission is planned

    def t(self, key: str) -> float:
        """A timeline value in hours."""
        return float(self.timeline[key])


def default_operations_dict() -> dict[str, Any]:
    """The bundled defaults as a nested dict (a fresh copy)."""
    text = (resources.files("simulator.engine") / "data" / "operations.toml").read_text("utf-8")
    return tomllib.loads(text)


def merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value (arrays included) replaces. Used for
    operations overrides and for scenario files that ``extends`` another."""
    out = copy.deepcopy(dict(base))
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _windows(rows: list[list[Any]]) -> tuple[Pause, ...]:
    return tuple(
        Pause(parse_date(w[0]), parse_date(w[1]), w[2] if len(w) > 2 else "") for w in rows
    )


def load_operations(overrides: Mapping[str, Any] | None = None) -> Operations:
    """Operations from the defaults with ``overrides`` (same layout as operations.toml)."""
    raw = merge(default_operations_dict(), overrides or {})
    failures = raw["failures"]
    return Operations(
        timeline=dict(raw["timeline"]),
        monthly_weights=tuple(float(x) for x in raw["season"]["monthly_weights"]),
        weather_hold=tuple(float(x) for x in raw["weather"]["hold_probability"]),
        cloud_fraction=tuple(float(x) for x in raw["weather"]["cloud_fraction"]),
        default_breakdown=float(failures["default_breakdown_probability"]),
        curtailment=float(failures["curtailment_probability"]),
        curtailed_fraction=tuple(float(x) for x in failures["curtailed_fraction_flown"]),
        late_arrival=float(failures["late_arrival_probability"]),
        plan_decline=float(failures["mission_plan_decline_probability"]),
        taxi_probability=float(raw["taxi"]["probability"]),
        pauses=_windows(raw["pauses"]["windows"]),
        closed=_windows(raw["planning"].get("closed_windows", [])),
        breakdown_overrides=dict(failures.get("breakdown_by_aircraft", {})),
        use_share=float(raw["planning"]["use_share"]),
        use_share_phase_in=float(raw["planning"]["use_share_phase_in"]),
    )
