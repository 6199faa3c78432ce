"""The geometric route service: routes from ``simulator.geo`` and coverage bookkeeping.

Keeps, per year and observed holder, a coverage tracker (so each new route seeks land not yet
imaged that year), and per year, observed state and observer, the union of what was imaged (for
the data-sharing measure). Geometry knows nothing of quotas; this adapter passes plain data.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
from pyproj import Geod

from simulator.engine.routes import Airfield, FlownRoute, PlannedRoute
from simulator.geo import (
    CoverageTracker,
    Restriction,
    Territories,
    abkhazia_south_ossetia_corridor,
    evaluate_route,
    hawaii_cap,
    kaliningrad_sublimit,
    load_territories,
    plan_route,
    region_of,
    route_rules,
    sensor,
)
from simulator.geo.grid import NSUB, popcount

_GEOD = Geod(ellps="WGS84")


def build_restriction(terr: Territories, spec: Mapping[str, Any]) -> Restriction:
    """A geo :class:`Restriction` from a scenario's restriction table."""
    name, kind, state = spec["name"], spec["kind"], spec["state"]
    region = spec.get("region")
    if region == "kaliningrad":
        r = kaliningrad_sublimit(terr, spec.get("max_km") or 500.0)
    elif region == "hawaii":
        r = hawaii_cap(terr, spec["max_km"]) if spec.get("max_km") is not None else hawaii_cap(terr)
    elif region == "abkhazia_south_ossetia_border":
        r = abkhazia_south_ossetia_corridor(terr, spec.get("buffer_km") or 10.0)
    elif spec.get("bbox") is not None:
        geom = region_of(terr, state, tuple(spec["bbox"]))
        r = (
            Restriction.distance_cap(name, geom, spec["max_km"], spec.get("source", ""))
            if kind == "distance_cap"
            else Restriction.no_fly(name, geom, spec.get("buffer_km", 0.0), spec.get("source", ""))
        )
    else:
        pts = [tuple(p) for p in spec["polygon"]]
        r = (
            Restriction.distance_cap(name, pts, spec["max_km"], spec.get("source", ""))
            if kind == "distance_cap"
            else Restriction.no_fly(name, pts, spec.get("buffer_km", 0.0), spec.get("source", ""))
        )
    return r


def _active(spec: Mapping[str, Any], day: dt.date) -> bool:
    start, end = spec.get("start"), spec.get("end")
    return (start is None or start <= day) and (end is None or day < end)


def truncate(waypoints, fraction: float) -> list[tuple[float, float]]:
    """The first ``fraction`` of a route (by geodesic length), for a curtailed flight."""
    if fraction >= 1.0 or len(waypoints) < 2:
        return list(waypoints)
    legs = [
        _GEOD.inv(a[1], a[0], b[1], b[0]) for a, b in itertools.pairwise(waypoints)
    ]
    total = sum(leg[2] for leg in legs)
    left = max(fraction, 0.0) * total
    out = [waypoints[0]]
    for (az, _, dist), b in zip(legs, waypoints[1:], strict=True):
        if left >= dist:
            out.append(b)
            left -= dist
            continue
        lon, lat, _ = _GEOD.fwd(out[-1][1], out[-1][0], az, left)
        out.append((lat, lon))
        break
    if len(out) == 1:
        out.append(waypoints[0])
    return out


class GeoRoutes:
    """Routes planned over exact-area grids; imagery booked per year."""

    def __init__(self, config: Any):
        geo = dict(config.geo)
        self.territories = load_territories(geo.get("resolution_km", 25.0))
        self.specs = tuple(geo.get("restrictions", ()))
        # Planner effort: a beam of 3 over 8 bearings keeps efficiency above 0.99 on Russia at
        # a fifth of the cost of the planner's defaults (benchmarks/bench_engine.py).
        self.beam_width = int(geo.get("beam_width", 3))
        self.n_bearings = int(geo.get("n_bearings", 8))
        self._restrictions: dict[int, Restriction] = {}
        self._trackers: dict[tuple[int, tuple[str, ...]], CoverageTracker] = {}
        self._imagery: dict[int, dict[tuple[str, str], list[tuple[np.ndarray, np.ndarray]]]] = {}

    def _restrictions_for(self, members: tuple[str, ...], day: dt.date) -> list[Restriction]:
        out = []
        for i, spec in enumerate(self.specs):
            if spec["state"] in members and _active(spec, day):
                if i not in self._restrictions:
                    self._restrictions[i] = build_restriction(self.territories, spec)
                out.append(self._restrictions[i])
        return out

    def tracker(self, year: int, members: tuple[str, ...]) -> CoverageTracker:
        """The year's coverage tracker over a holder's territory."""
        key = (year, tuple(sorted(members)))
        if key not in self._trackers:
            self._trackers[key] = CoverageTracker(self.territories.grid(key[1]))
        return self._trackers[key]

    def plan(
        self, observed, members, airfield: Airfield, end_airfields, sensor_id, day, parties, rng
    ) -> PlannedRoute:
        grid = self.territories.grid(tuple(sorted(members)))
        tracker = self.tracker(day.year, members)
        spec = sensor(sensor_id)
        optical = spec.swath_km if spec.kind == "optical" else 0.0
        sar = spec.swath_km if spec.kind == "sar" else 0.0
        restrictions = self._restrictions_for(members, day)
        route = plan_route(
            grid,
            start=(airfield.lat, airfield.lon),
            max_distance_km=airfield.max_distance_km,
            swath_km=optical or sar,
            imaged=tracker,
            rng=rng,
            parties=[p for p in parties if p in self.territories.party_codes],
            restrictions=restrictions,
            end_airfields=[e for e in end_airfields if e != (airfield.lat, airfield.lon)],
            sar_swath_km=sar,
            beam_width=self.beam_width,
            n_bearings=self.n_bearings,
        )
        payload = {"route": route, "restrictions": restrictions, "parties": parties}
        return PlannedRoute(route.length_km, tuple(route.waypoints), payload)

    def fly(
        self, members, observers, planned: PlannedRoute, fraction_flown, cloud_fraction, year, rng
    ) -> FlownRoute:
        route = planned.payload["route"]
        grid = self.territories.grid(tuple(sorted(members)))
        tracker = self.tracker(year, members)
        cells, bits, sar = route.cells, route.bits, route.sar_bits
        track = tuple(route.waypoints)
        if fraction_flown < 1.0:
            track = tuple(truncate(route.waypoints, fraction_flown))
            rules = route_rules(grid, planned.payload["parties"], planned.payload["restrictions"])
            part = evaluate_route(
                grid,
                truncate(route.waypoints, fraction_flown),
                route.swath_km,
                route.max_distance_km,
                rules,
                None,
                None,
                route.sar_swath_km,
            )
            cells, bits, sar = part.cells, part.bits, part.sar_bits
        # Cloud spoils the optical share of a footprint (one draw per cell; SAR is kept).
        clear = rng.random(len(cells)) >= cloud_fraction
        kept = np.where(clear, bits & ~sar, np.uint64(0)) | sar
        before = tracker.imaged_km2
        tracker.add(cells, kept)
        imaged = grid.area_of_bits(cells, kept)
        book = self._imagery.setdefault(year, {})
        overflown = []
        for state in grid.codes:
            if (bits & grid.member_bits[state][cells]).any():
                overflown.append(state)  # the footprint, clouds or not
            own = kept & grid.member_bits[state][cells]
            nz = own != 0
            if nz.any():
                for observer in observers:
                    book.setdefault((state, observer), []).append((grid.gid[cells[nz]], own[nz]))
        return FlownRoute(imaged, tracker.imaged_km2 - before, tuple(sorted(overflown)), track)

    def coverage(self, year: int, states: tuple[str, ...]) -> dict[str, tuple[float, float]]:
        imaged: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        for (y, _), tracker in sorted(self._trackers.items()):
            if y != year:
                continue
            grid = tracker.grid
            for state in grid.codes:
                own = tracker.bits & grid.member_bits[state]
                nz = own != 0
                imaged.setdefault(state, []).append((grid.gid[nz], own[nz]))
        out = {}
        for state in states:
            if state not in self.territories.party_codes:
                continue
            total = self.territories.grid((state,)).total_area_km2
            area = self._area(*_union(imaged.get(state, [])))
            out[state] = (total, area)
        return out

    def imagery(self, year: int) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
        return {k: _union(v) for k, v in sorted(self._imagery.get(year, {}).items())}

    def _area(self, gid: np.ndarray, bits: np.ndarray) -> float:
        if len(gid) == 0:
            return 0.0
        quad = self.territories.spec.quad_area_km2(gid)
        return float(np.sum(quad * popcount(bits)) / NSUB)


def _union(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Union of (global ids, bits) pieces: sorted unique ids with OR-ed bits."""
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    gid = np.concatenate([p[0] for p in parts]).astype(np.int64)
    bits = np.concatenate([p[1] for p in parts]).astype(np.uint64)
    order = np.argsort(gid, kind="stable")
    gid, bits = gid[order], bits[order]
    uniq, start = np.unique(gid, return_index=True)
    return uniq, np.bitwise_or.reduceat(bits, start)
