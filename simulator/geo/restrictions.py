"""Restrictions on where a route may go: plain dataclasses the engine or a scenario builds.

Two kinds:

* ``no_fly``: stay outside ``geometry`` and at least ``buffer_km`` from it (a polygon, or a line
  such as a stretch of border: Russia's 10 km corridor along Abkhazia and South Ossetia);
* ``distance_cap``: fly at most ``max_km`` inside ``geometry`` (Russia's 500 km sub-limit over
  Kaliningrad inside its 5,500 km; the US cap over Hawaii of about half the 1,656 km flown in
  2017).

These are practice, not treaty text (treaty-rules.md Sec. 10: all disputed); the treaty's own
rule, >= 10 km from a non-party border (Art. VI Sec. II para 2), is applied by the planner from
the list of parties and needs no Restriction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry import LineString, Polygon, box
from shapely.geometry.base import BaseGeometry

from simulator.memo import IdentityMemo

if TYPE_CHECKING:
    from simulator.geo.territories import Territories

KINDS = ("no_fly", "distance_cap")


@dataclass(frozen=True)
class Restriction:
    """A scenario restriction; ``geometry`` is lon/lat (shapely)."""

    name: str
    kind: str
    geometry: BaseGeometry
    max_km: float | None = None  # distance_cap only
    buffer_km: float = 0.0  # no_fly only
    source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"restriction {self.name}: kind must be one of {KINDS}")
        if self.kind == "distance_cap" and (self.max_km is None or self.max_km < 0):
            raise ValueError(f"restriction {self.name}: a distance_cap needs max_km >= 0")
        if self.buffer_km < 0:
            raise ValueError(f"restriction {self.name}: buffer_km must be >= 0")

    @classmethod
    def no_fly(cls, name: str, geometry: BaseGeometry | Sequence[tuple[float, float]],
               buffer_km: float = 0.0, source: str = "") -> Restriction:
        """A zone to keep out of; a sequence of (lat, lon) makes a polygon (>= 3 points)."""
        return cls(name, "no_fly", _as_geometry(geometry), None, buffer_km, source)

    @classmethod
    def distance_cap(cls, name: str, geometry: BaseGeometry | Sequence[tuple[float, float]],
                     max_km: float, source: str = "") -> Restriction:
        """At most ``max_km`` of route inside the region."""
        return cls(name, "distance_cap", _as_geometry(geometry), float(max_km), 0.0, source)


_FINGERPRINTS: IdentityMemo[tuple[Any, ...]] = IdentityMemo(4096)


def fingerprint(r: Restriction) -> tuple[Any, ...]:
    """What identifies a restriction across processes (its geometry as WKB), memoised per
    object (restrictions are immutable): for keys of the disk caches."""
    return _FINGERPRINTS.get((r,), None, lambda: (r.name, r.kind, r.geometry.wkb_hex, r.max_km,
                                                   r.buffer_km))


def _as_geometry(geometry: BaseGeometry | Sequence[tuple[float, float]]) -> BaseGeometry:
    if isinstance(geometry, BaseGeometry):
        return geometry
    pts = [(float(lon), float(lat)) for lat, lon in geometry]
    return Polygon(pts) if len(pts) >= 3 else LineString(pts)


def region_of(terr: Territories, code: str,
              bbox: tuple[float, float, float, float]) -> BaseGeometry:
    """The parts of a territory inside a lon/lat box (lon_min, lat_min, lon_max, lat_max)."""
    return shapely.intersection(terr.territory(code), box(*bbox))


# Kaliningrad oblast: the Russian exclave between Poland and Lithuania.
KALININGRAD_BBOX = (19.0, 54.0, 23.5, 55.6)
# The main Hawaiian islands (Niihau to Hawaii).
HAWAII_BBOX = (-161.0, 18.5, -154.0, 22.5)
# 1,656 km (894 nm) flown over Hawaii in 2017; the US then allowed about half of it
# (history_calibration.json F20, S18/S19).
HAWAII_CAP_KM = 0.5 * 1656.0
# Longitude stretches of the Russia-Georgia border along Abkhazia and South Ossetia.
# APPROXIMATE (UNCONFIRMED): this Natural Earth edition has no Abkhazia/South Ossetia polygons.
ABKHAZIA_LON = (39.9, 42.2)
SOUTH_OSSETIA_LON = (43.4, 44.9)


def kaliningrad_sublimit(terr: Territories, max_km: float = 500.0) -> Restriction:
    """Russia's 500 km cap over Kaliningrad inside its 5,500 km (treaty-rules.md Sec. 10; F18)."""
    return Restriction.distance_cap(
        "Kaliningrad sub-limit", region_of(terr, "RUS", KALININGRAD_BBOX), max_km,
        "Russian MFA, Sep 2017 (history_calibration.json R01, F18); disputed by the US",
    )


def hawaii_cap(terr: Territories, max_km: float = HAWAII_CAP_KM) -> Restriction:
    """The US cap over Hawaii from 2018, about half of the 1,656 km of 2017 (R07, F20)."""
    return Restriction.distance_cap(
        "Hawaii cap", region_of(terr, "USA", HAWAII_BBOX), max_km,
        "Pentagon, Sep 2017 (history_calibration.json R07, F20)",
    )


def border_line(terr: Territories, a: str, b: str,
                lon_ranges: Sequence[tuple[float, float]] | None = None) -> BaseGeometry:
    """The shared land border of two territories (optionally only within longitude ranges)."""
    ga, gb = terr.territory(a), terr.territory(b)
    line = shapely.intersection(ga.boundary, gb.buffer(0.005))  # ~500 m topology tolerance
    if lon_ranges:
        line = shapely.union_all(
            [shapely.intersection(line, box(lo, -90.0, hi, 90.0)) for lo, hi in lon_ranges]
        )
    return line


def border_corridor(terr: Territories, a: str, b: str, width_km: float, name: str,
                    lon_ranges: Sequence[tuple[float, float]] | None = None,
                    source: str = "") -> Restriction:
    """No flight within ``width_km`` of the border between ``a`` and ``b``."""
    return Restriction.no_fly(name, border_line(terr, a, b, lon_ranges), width_km, source)


def abkhazia_south_ossetia_corridor(terr: Territories, width_km: float = 10.0) -> Restriction:
    """Russia's 10 km no-fly corridor along its borders with Abkhazia and South Ossetia (R02)."""
    return border_corridor(
        terr, "RUS", "GEO", width_km, "Abkhazia/South Ossetia corridor",
        [ABKHAZIA_LON, SOUTH_OSSETIA_LON],
        "Russia from 2010 (history_calibration.json R02, F19); stretches of border approximate",
    )
