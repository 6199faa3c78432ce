"""Sensor footprints: swath widths per aircraft and sensor mode, with sourced defaults."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Art. IV para 2: optical coverage "up to 50 kilometres of each side of the flight path".
MAX_OPTICAL_SWATH_KM = 100.0
# Art. IV para 2: SAR swath width no more than 25 km.
MAX_SAR_SWATH_KM = 25.0
DEFAULT_SENSOR_ID = "digital-3350m"


@dataclass(frozen=True)
class SensorSpec:
    """One sensor mode: its swath and whether cloud spoils it (optical yes, SAR no)."""

    id: str
    kind: str  # "optical" or "sar"
    swath_km: float
    aircraft: str = ""
    sensor: str = ""
    altitude_m: float | None = None
    half_angle_deg: float | None = None
    basis: str = "scenario"  # treaty, anchor, scaled, scenario
    confidence: str = ""
    source: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("optical", "sar"):
            raise ValueError(f"sensor {self.id}: kind must be 'optical' or 'sar'")
        limit = MAX_OPTICAL_SWATH_KM if self.kind == "optical" else MAX_SAR_SWATH_KM
        if not 0 < self.swath_km <= limit:
            # Art. IV para 2 caps the optical (2 x 50 km) and SAR (25 km) swaths.
            raise ValueError(
                f"sensor {self.id}: {self.kind} swath {self.swath_km} km outside (0, {limit}] "
                "(Art. IV para 2)"
            )

    @property
    def cloud_sensitive(self) -> bool:
        """Optical imagery is spoilt by cloud; SAR sees through it."""
        return self.kind == "optical"


def swath_from_altitude(altitude_m: float, half_angle_deg: float) -> float:
    """Swath in km of a sensor looking ``half_angle_deg`` either side of nadir."""
    return 2.0 * altitude_m / 1000.0 * math.tan(math.radians(half_angle_deg))


def at_altitude(spec: SensorSpec, altitude_m: float) -> SensorSpec:
    """The same optics flown at another height (swath scales with height), capped by treaty."""
    if spec.half_angle_deg is None:
        raise ValueError(f"sensor {spec.id} has no field of view to scale")
    swath = min(swath_from_altitude(altitude_m, spec.half_angle_deg), MAX_OPTICAL_SWATH_KM)
    return SensorSpec(
        f"{spec.id}@{altitude_m:g}m", spec.kind, round(swath, 3), spec.aircraft, spec.sensor,
        altitude_m, spec.half_angle_deg, "scaled", spec.confidence, spec.source,
        f"scaled from {spec.id}",
    )


def _opt_float(text: str) -> float | None:
    return float(text) if text.strip() else None


@cache
def load_sensors() -> dict[str, SensorSpec]:
    """The sensor table ``data/sensors.csv``, keyed by id."""
    text = resources.files("simulator.geo").joinpath("data/sensors.csv").read_text("utf-8")
    out = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["id"]] = SensorSpec(
            id=row["id"], kind=row["kind"], swath_km=float(row["swath_km"]),
            aircraft=row["aircraft"], sensor=row["sensor"],
            altitude_m=_opt_float(row["altitude_m"]),
            half_angle_deg=_opt_float(row["half_angle_deg"]), basis=row["basis"],
            confidence=row["confidence"], source=row["source"], note=row["note"],
        )
    return out


def sensor(sensor_id: str = DEFAULT_SENSOR_ID) -> SensorSpec:
    """One sensor of the table; raises KeyError listing the known ids."""
    table = load_sensors()
    try:
        return table[sensor_id]
    except KeyError:
        raise KeyError(f"unknown sensor {sensor_id!r}; known: {', '.join(sorted(table))}") from None
