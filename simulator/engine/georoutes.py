"""The geometric route service: routes from ``simulator.geo`` and coverage bookkeeping.

Keeps, per year and observed holder, a coverage tracker (so each new route seeks land not yet
imaged that year), and per year, observed state and observer, the union of what was imaged (for
the data-sharing measure). Geometry knows nothing of quotas; this adapter passes plain data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.engine.routes import Airfield, FlownRoute, PlannedRoute
from simulator.geo import (
    DEFAULT_SENSOR_ID,
    CoverageTracker,
    Restriction,
    Stop,
    Territories,
    UnionsByKey,
    abkhazia_south_ossetia_corridor,
    area_of_interest,
    hawaii_cap,
    interest_priority,
    kaliningrad_sublimit,
    load_areas_of_interest,
    load_regions,
    load_territories,
    plan_route,
    plan_with_stop,
    region_cells,
    region_of,
    sensor,
)
from simulator.geo.grid import NSUB, popcount, union_bits
from simulator.geo.reach import nearest
from simulator.geo.route_checks import curtailed_footprint, observation_parts, truncate
from simulator.geo.route_library import EXTRA_CANDIDATES, library, library_key, pick_from
from simulator.geo.stop_store import loop_budget
from simulator.geo.unimaged import UnimagedValue
from simulator.memo import IdentityMemo

# An observer choosing "the island variant" plans for the islands: their value is raised this
# much in that route's objective (Annex A Sec. III: the larger distance applies only to
# routes over them).
INCLUDING_BOOST = 4.0

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


_BUILT: IdentityMemo[Restriction] = IdentityMemo(256)


def _shared_restriction(terr: Territories, spec: Mapping[str, Any]) -> Restriction:
    """One restriction object per spec and process, so that the rule indexes built for it (and
    cached by identity) serve every replication."""
    return _BUILT.get((terr,), repr(sorted(spec.items())), lambda: build_restriction(terr, spec))


def _active(spec: Mapping[str, Any], day: dt.date) -> bool:
    start, end = spec.get("start"), spec.get("end")
    return (start is None or start <= day) and (end is None or day < end)


@dataclass(frozen=True, eq=False)
class _Footprint:
    """What a route's footprint is over one grid, computed once per route: its cells, optical
    and SAR words, the land words, cell areas and global ids there, each member's words, the
    members it overflies (the footprint, clouds or not) and the track flown with sensors on."""

    cells: np.ndarray
    optical: np.ndarray
    sar: np.ndarray
    land: np.ndarray
    area: np.ndarray
    gid: np.ndarray
    members: tuple[tuple[str, np.ndarray], ...]
    overflown: tuple[str, ...]
    track: tuple[tuple[tuple[float, float], ...], ...]  # the parts flown with sensors on

    @classmethod
    def of(cls, grid, cells: np.ndarray, bits: np.ndarray, sar: np.ndarray,
           track: tuple[tuple[tuple[float, float], ...], ...]) -> _Footprint:
        members = tuple((state, grid.member_bits[state][cells]) for state in grid.codes)
        overflown = tuple(sorted(s for s, mine in members if (bits & mine).any()))
        return cls(cells, bits & ~sar, sar, grid.land_bits[cells], grid.quad_area_km2[cells],
                   grid.gid[cells], members, overflown, track)


def _track(waypoints, transit) -> tuple[tuple[tuple[float, float], ...], ...]:
    return tuple(tuple(p) for p in observation_parts(list(waypoints), transit))


# Library candidates are flown again and again: their footprints are kept by route and grid.
_FOOTPRINTS: IdentityMemo[_Footprint] = IdentityMemo(4096)


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
        aois = geo.get("areas_of_interest")
        self.areas = load_areas_of_interest() if aois is None else tuple(
            area_of_interest(a) for a in aois)
        self.transit_charge = geo.get("transit_charge", "territory")
        self.planner = geo.get("planner", "library")
        self._taken: dict[tuple[int, str], int] = {}  # flights per year taken from a library
        self.regions = {r.region: r for r in load_regions()}
        self._restrictions: dict[int, Restriction] = {}
        self._party_lists: dict[tuple[str, ...], list[str]] = {}
        self._priorities: dict[tuple[Any, ...], np.ndarray | None] = {}
        self._trackers: dict[tuple[int, tuple[str, ...]], CoverageTracker] = {}
        # per tracker key, the unimaged value under each priority in use, kept current by fly()
        self._unimaged: dict[tuple[int, tuple[str, ...]], dict[int, UnimagedValue]] = {}
        self._imagery: dict[int, dict[tuple[str, str], list[tuple[np.ndarray, np.ndarray]]]] = {}
        self._via: dict[tuple, tuple[np.ndarray, float, float] | None] = {}

    def _restrictions_for(self, members: tuple[str, ...], day: dt.date) -> list[Restriction]:
        out = []
        for i, spec in enumerate(self.specs):
            if spec["state"] in members and _active(spec, day):
                if i not in self._restrictions:
                    self._restrictions[i] = _shared_restriction(self.territories, spec)
                out.append(self._restrictions[i])
        return out

    def _value(self, year: int, members: tuple[str, ...], priority) -> UnimagedValue:
        """The unimaged value of the year's tracker under ``priority`` (a cached array)."""
        key = (year, tuple(sorted(members)))
        by_priority = self._unimaged.setdefault(key, {})
        found = by_priority.get(id(priority))
        if found is None or found.priority is not priority:
            tracker = self.tracker(year, members)
            found = by_priority[id(priority)] = UnimagedValue(tracker.grid, tracker.bits,
                                                              priority)
        return found

    def _parties(self, parties) -> list[str]:
        """The parties with a territory in the geography (the route rules' parties)."""
        key = tuple(parties)
        found = self._party_lists.get(key)
        if found is None:
            known = set(self.territories.party_codes)
            found = self._party_lists[key] = [p for p in key if p in known]
        return list(found)

    def _priority(self, grid, observer: str, year: int) -> np.ndarray | None:
        """The observer's interest priority over ``grid`` in ``year`` (cached: every mission of
        the year asks it for planning and for weighing its airfields)."""
        key = (grid.codes, observer, year)
        if key not in self._priorities:
            self._priorities[key] = interest_priority(grid, self.areas, observer, year)
        return self._priorities[key]

    def tracker(self, year: int, members: tuple[str, ...]) -> CoverageTracker:
        """The year's coverage tracker over a holder's territory."""
        key = (year, tuple(sorted(members)))
        if key not in self._trackers:
            self._trackers[key] = CoverageTracker(self.territories.grid(key[1]))
        return self._trackers[key]

    # ------------------------------------------------------------ where to fly from
    def options(self, observed, members, mainland, regional, sites, day) -> list[Airfield]:
        """The mainland airfields, each region's own option (Annex A Sec. III) and each exclave
        of a member reached through its refuelling stop (from the nearest mainland airfield)."""
        out = list(mainland)
        if not mainland:
            return out
        seen: set[str] = set()
        # a row naming an airfield outside the region (Aalborg for Greenland) first
        for airfield_id, name, km in sorted(
            regional, key=lambda r: (r[1], r[0] == self._stop_of(r[1]), r[0])
        ):
            spec = self.regions.get(name)
            if spec is None or spec.state not in members or name in seen:
                continue
            seen.add(name)
            if spec.kind == "separate" and spec.stop_airfield in sites:
                if airfield_id in sites and airfield_id != spec.stop_airfield:
                    base = Airfield(airfield_id, *sites[airfield_id], km)
                else:
                    base = nearest(mainland, sites[spec.stop_airfield])
                out.append(Airfield(base.airfield_id, base.lat, base.lon, km, region=name,
                                    via=(spec.stop_airfield, *sites[spec.stop_airfield])))
            elif spec.kind == "including":
                base = next((a for a in mainland if a.airfield_id == airfield_id), None)
                if base is not None and km > base.max_distance_km:
                    out.append(Airfield(base.airfield_id, base.lat, base.lon, km, region=name,
                                        otherwise_km=base.max_distance_km))
        for name, spec in sorted(self.regions.items()):
            if spec.kind == "exclave" and spec.state in members and spec.stop_airfield in sites:
                stop = sites[spec.stop_airfield]
                base = nearest(mainland, stop)
                out.append(Airfield(base.airfield_id, base.lat, base.lon, base.max_distance_km,
                                    region=name, via=(spec.stop_airfield, *stop),
                                    mainland_after=True))
        return out

    def _stop_of(self, region: str) -> str | None:
        spec = self.regions.get(region)
        return spec.stop_airfield if spec else None

    def weigh(self, observed, members, options, observer, day, parties=()) -> list[float]:
        """Per option, the interest-weighted value of the land not yet imaged this year that
        a route from it could image: the value within reach, scaled down to what a route of its
        distance sweeps with a nominal swath where the reach is larger."""
        grid = self.territories.grid(tuple(sorted(members)))
        priority = self._priority(grid, observer, day.year)
        unimaged = self._value(day.year, members, priority)
        swath = sensor(DEFAULT_SENSOR_ID).swath_km
        restrictions = None
        out = []
        for o in options:
            if o.via is None:
                out.append(unimaged.worth((o.lat, o.lon), o.max_distance_km, swath))
                continue
            if restrictions is None:
                restrictions = self._restrictions_for(members, day)
            budget = self._via_budget(grid, o, tuple(parties), restrictions)
            if budget is None:
                out.append(0.0)
                continue
            part, pool, loop_km = budget
            worth = unimaged.worth((o.via[1], o.via[2]), loop_km, swath, part)
            if o.mainland_after and pool - loop_km > 0:
                worth += unimaged.worth((o.lat, o.lon), pool - loop_km, swath, part, outside=True)
            out.append(worth)
        return out

    def _via_budget(self, grid, o: Airfield, parties: tuple[str, ...], restrictions):
        """For an option through a refuelling stop: the region's cells, the distance left after
        the transit legs and what the loop over the region may use (None if out of reach);
        the same for every mission of the replication that weighs it."""
        key = (grid.codes, o, parties, tuple(id(r) for r in restrictions))
        if key not in self._via:
            stop = Stop(o.via[0], o.via[1], o.via[2], mainland=o.mainland_after)
            # from the disk cache when it holds it: no clearance rules to build
            budget = loop_budget(grid, self._parties(parties), restrictions, (o.lat, o.lon),
                                 stop, o.max_distance_km, transit_charge=self.transit_charge)
            spec = self.regions[o.region]
            self._via[key] = None if budget is None else (
                region_cells(grid, spec.state, spec.boxes), *budget)
        return self._via[key]

    # ------------------------------------------------------------------ planning
    def plan(
        self, observed, members, airfield: Airfield, end_airfields, sensor_id, day, parties, rng,
        observer: str = "",
    ) -> PlannedRoute:
        grid = self.territories.grid(tuple(sorted(members)))
        tracker = self.tracker(day.year, members)
        spec = sensor(sensor_id)
        optical = spec.swath_km if spec.kind == "optical" else 0.0
        sar = spec.swath_km if spec.kind == "sar" else 0.0
        restrictions = self._restrictions_for(members, day)
        party_codes = self._parties(parties)
        priority = self._priority(grid, observer, day.year)
        region = self.regions.get(airfield.region)
        part = region_cells(grid, region.state, region.boxes) if region else None
        here = (airfield.lat, airfield.lon)
        # a separated part's own airfields are not ends of a mainland route, nor the reverse
        ends = [e for e in end_airfields if e != here]
        kw = dict(
            parties=party_codes, restrictions=restrictions, sar_swath_km=sar,
            beam_width=self.beam_width, n_bearings=self.n_bearings,
        )
        route, planned_region = None, airfield.region
        common = (tuple(party_codes), self.beam_width, self.n_bearings, tuple(ends), here)
        if airfield.via is not None:
            stop = Stop(airfield.via[0], airfield.via[1], airfield.via[2],
                        mainland=airfield.mainland_after)

            def with_stop(imaged, gen):
                return plan_with_stop(grid, here, airfield.max_distance_km, optical or sar, stop,
                                      imaged=imaged, rng=gen, end_airfields=ends,
                                      priority=priority, transit_charge=self.transit_charge,
                                      **kw)

            parts = ("stop", *common, airfield.max_distance_km, optical, sar, tuple(airfield.via),
                     airfield.mainland_after, self.transit_charge)
            route = self._route(grid, parts, restrictions, priority, with_stop, tracker, rng,
                                day.year)
            if route is None and not airfield.mainland_after:
                # the part cannot be reached or observed: no mission plan (declined)
                return PlannedRoute(0.0, (), airfield.region, {"route": None})
        if route is None and airfield.otherwise_km is not None and part is not None:
            boosted = np.where(part, INCLUDING_BOOST, 1.0) * (
                1.0 if priority is None else priority)

            def including(imaged, gen):
                return plan_route(grid, start=here, max_distance_km=airfield.max_distance_km,
                                  swath_km=optical or sar, imaged=imaged, rng=gen,
                                  end_airfields=ends, priority=boosted, **kw)

            parts = ("including", *common, airfield.max_distance_km, optical, sar)
            route = self._route(grid, parts, restrictions, boosted, including, tracker, rng,
                                day.year)
            over_region = route is not None and bool(
                np.isin(route.cells, np.flatnonzero(part)).any())
            if route is not None and not over_region and route.length_km > airfield.otherwise_km:
                route = None  # missed the islands: the mainland distance applies
        if route is None:
            planned_region = ""  # the mainland after all
            km = airfield.otherwise_km or airfield.max_distance_km

            def mainland(imaged, gen):
                return plan_route(grid, start=here, max_distance_km=km, swath_km=optical or sar,
                                  imaged=imaged, rng=gen, end_airfields=ends, priority=priority,
                                  **kw)

            parts = ("mainland", *common, km, optical, sar)
            route = self._route(grid, parts, restrictions, priority, mainland, tracker, rng,
                                day.year)
            if route is None:  # nothing to image within reach: a route that stays at home
                route = mainland(tracker, rng)
        payload = {"route": route, "restrictions": restrictions, "parties": party_codes}
        return PlannedRoute(route.length_km, tuple(route.waypoints), planned_region, payload)

    def _route(self, grid, parts, restrictions, priority, plan, tracker, rng, year):
        """One flight's route: planned now (``planner = "search"``), or the library candidate
        that adds the most priority-weighted new area to this year's imagery."""
        if self.planner == "search":
            return plan(tracker, rng)
        key = library_key(grid, parts, restrictions, priority)
        lib = library(key, grid, plan)
        taken = self._taken.get((year, key), 0)
        self._taken[(year, key)] = taken + 1
        return pick_from(lib, taken + EXTRA_CANDIDATES, tracker.bits, grid, priority)

    def fly(
        self, members, observers, planned: PlannedRoute, fraction_flown, cloud_fraction, year, rng
    ) -> FlownRoute:
        route = planned.payload["route"]
        grid = self.territories.grid(tuple(sorted(members)))
        tracker = self.tracker(year, members)
        transit_km = route.transit_km
        if fraction_flown < 1.0:
            waypoints = truncate(route.waypoints, fraction_flown)
            transit = tuple(route.transit[: len(waypoints) - 1]) if route.transit else ()
            # the flown part of a checked route: what it images (no rule can fail on a part)
            cells, bits, sar, transit_km = curtailed_footprint(grid, route, waypoints)
            fp = _Footprint.of(grid, cells, bits, sar, _track(waypoints, transit))
        else:
            fp = _FOOTPRINTS.get((route, grid), None, lambda: _Footprint.of(
                grid, route.cells, route.bits, route.sar_bits,
                _track(route.waypoints, route.transit)))
        cells = fp.cells
        # Cloud spoils the optical share of a footprint (one draw per cell; SAR is kept).
        clear = rng.random(len(cells)) >= cloud_fraction
        kept = np.where(clear, fp.optical, np.uint64(0)) | fp.sar
        # bit counts as uint8: the products (and so the sums) are those of int64 counts
        imaged = float(np.sum(fp.area * np.bitwise_count(kept)) / NSUB)
        on_land = kept & fp.land
        prior = tracker.bits[cells]
        new_km2 = float(np.sum(fp.area * np.bitwise_count(on_land & ~prior)) / NSUB)
        after = tracker.record(cells, on_land, prior)
        values = self._unimaged.get((year, tuple(sorted(members))), {})
        if values:
            free = np.bitwise_count(fp.land & ~after) / NSUB
            for unimaged in values.values():
                unimaged.imaged(cells, after, area=fp.area, free=free)
        book = self._imagery.setdefault(year, {})
        for state, mine in fp.members:
            own = kept & mine
            if own.any():  # kept whole: its empty cells are dropped when the key is read
                piece = (fp.gid, own)
                for observer in observers:
                    book.setdefault((state, observer), []).append(piece)
        return FlownRoute(imaged, new_km2, fp.overflown, fp.track, transit_km)

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
            area = self._area(*union_bits(imaged.get(state, [])))
            out[state] = (total, area)
        return out

    def imagery(self, year: int) -> Mapping[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
        return UnionsByKey(self._imagery.get(year, {}))  # unions made when read

    def _area(self, gid: np.ndarray, bits: np.ndarray) -> float:
        if len(gid) == 0:
            return 0.0
        quad = self.territories.spec.quad_area_km2(gid)
        return float(np.sum(quad * popcount(bits)) / NSUB)
