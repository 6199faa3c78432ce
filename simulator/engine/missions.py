"""The SimPy process of one observation mission, step by step under Art. VI.

Times are simulation hours (see ``clock.py``). Each step cites its rule; where the treaty gives
no number the value comes from ``operations.toml`` and is marked there as an assumption.
"""

from __future__ import annotations

import math
from functools import lru_cache, partial

import numpy as np

from simulator.engine.context import MissionContext
from simulator.engine.fleets import Aircraft, reaches, usable
from simulator.engine.planning import PlannedMission
from simulator.engine.records import STATUSES, MissionRecord
from simulator.engine.routes import Airfield
from simulator.treaty.quotas import access

EARTH_RADIUS_KM = 6371.0088


@lru_cache(maxsize=4096)
def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance; ferry legs only, where a few km do not matter (memoised: the same
    home bases and airfields recur all run)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _finish(world: MissionContext, rec: MissionRecord, status: str, reason: str = "") -> None:
    rec.status = status
    rec.counted = STATUSES[status]
    rec.reason = reason
    world.records.append(rec)


def _pair_status(world: MissionContext, m: PlannedMission, day) -> str | None:
    """Why the flight cannot take place on ``day``, or None if it can (memoised per period)."""
    query = partial(_pair_status_uncached, world)
    return world.per_period(query, m.observers, m.observed, day=day, name="pair_status")


def _pair_status_uncached(world: MissionContext, observers: tuple[str, ...], observed: str, day):
    reg, rules = world.registry, world.config.rules
    groups = [reg.members(o, day) for o in observers]
    targets = reg.members(observed, day)
    if not targets or not all(groups):
        return "not_flown_withdrawal"  # a holder with no member party left on that day
    for a in (s for g in groups for s in g):
        for b in targets:
            ok, reason = access(reg, a, b, day, rules)
            if not ok:
                return {
                    "not_a_party": "not_flown_withdrawal",
                    "nato_practice": "not_flown_nato",
                    "refusal": "refused",
                    "suspended": "suspended",
                    "same_quota_holder": "refused",
                }[reason]
    return None


def _pause_reason(ops, day) -> str:
    return next((p.reason for p in ops.pauses if p.covers(day)), "") or "pause"


class Uniforms:
    """Uniform draws from a mission's generator, fetched in blocks (numpy calls are costly)."""

    def __init__(self, rng: np.random.Generator, block: int = 16):
        self.rng, self.block = rng, block
        self.buf: list[float] = []

    def __call__(self) -> float:
        if not self.buf:
            self.buf = self.rng.random(self.block).tolist()[::-1]
        return self.buf.pop()


def _choose_airfield(
    world: MissionContext,
    m: PlannedMission,
    day,
    u: Uniforms,
    aircraft: list[Aircraft] | None = None,
) -> Airfield | None:
    """Where the mission flies from: an airfield of the observed holder, drawn in proportion to
    how much the observer wants what it can reach (the route service's weights; without
    geometry, the maximum flight distance). The mainland options use the mainland distances; a
    distance given for a separated region or an island variant (Annex A Sec. III: Greenland,
    the Faroe or Canary Islands, Scilly and Shetland, the Greek islands) is an option of its own
    that the route service plans over that region only (Aalborg's 5,600 km is for Greenland,
    metropolitan Denmark's 800). Only airfields that one of ``aircraft`` can reach count (None:
    the taxi, already there); None if there is none."""
    reg, observed = world.registry, m.observed
    found = world.per_period(reg.max_flight_distances, observed, day=day)
    main_rows = [o for o in found if o.region is None or o.region.startswith("metropolitan")]
    main_rows = main_rows or list(found)

    def site(airfield_id: str) -> tuple[float, float]:
        s = world.sites[airfield_id]
        return float(s.lat), float(s.lon)

    mainland = [Airfield(o.airfield_id, *site(o.airfield_id), o.distance_km) for o in main_rows]
    regional = [(o.airfield_id, o.region, o.distance_km) for o in found if o not in main_rows]
    members = world.per_period(reg.members, observed, day=day) or (observed,)
    sites = world.per_period(_holder_sites, reg, observed, day=day, name="holder_sites")
    options = world.routes.options(observed, members, mainland, regional, sites, day)
    if aircraft is not None:

        def reachable(option: Airfield) -> bool:
            where = (option.lat, option.lon)
            return any(reaches(a, great_circle_km(a.home, where)) for a in aircraft)

        options = [o for o in options if reachable(o)]
    if not options:
        return None
    if len(options) == 1:  # nothing to weigh; the draw is still made, so streams stay aligned
        u()
        return options[0]
    weights = world.routes.weigh(observed, members, options, m.observers[0], day,
                                 world.per_period(reg.states_parties, day=day))
    total = sum(weights)
    if total <= 0:
        weights, total = [1.0] * len(options), float(len(options))
    target, acc, pick = u() * total, 0.0, options[-1]
    for option, w in zip(options, weights, strict=True):
        acc += w
        if target < acc:
            pick = option
            break
    return pick


def _holder_sites(reg, observed: str, day) -> dict[str, tuple[float, float]]:
    """(lat, lon) of the holder's Open Skies and refuelling airfields on ``day``."""
    found = [*reg.airfields(observed, day), *reg.airfields(observed, day, "refuelling")]
    return {a.airfield_id: (float(a.lat), float(a.lon)) for a in found}


def mission(world: MissionContext, m: PlannedMission, rng: np.random.Generator):
    """The life of one planned mission, from notification to the aircraft's return."""
    env, ops, clock = world.env, world.config.operations, world.clock
    u = Uniforms(rng)
    rec = MissionRecord(
        replication=world.replication,
        mission_id=m.mission_id,
        year=m.year,
        observer=m.observers[0],
        observed=m.observed,
        joint_with=" ".join(m.observers[1:]),
    )
    eta = m.eta
    eta_day = clock.date(eta)
    rec.eta = clock.iso(eta)

    # Art. VI Sec. I para 5: notify at least 72 h before the ETA at the point of entry.
    notice = ops.t("notice_hours_min") + ops.t("notice_extra_hours_max") * u()
    yield env.timeout(max(eta - notice - env.now, 0.0))
    world.events += 1
    if any(p.covers(eta_day) for p in ops.pauses):
        return _finish(world, rec, "cancelled_pause", _pause_reason(ops, eta_day))
    blocked = _pair_status(world, m, eta_day)
    if blocked:
        return _finish(world, rec, blocked, "pair not allowed on the ETA")
    rec.notified_at = clock.iso(env.now)

    # Art. VI Sec. I para 1: the observed Party may provide the aircraft (taxi option).
    taxis = world.taxi_aircraft(m.observed, eta_day)
    use_taxi = bool(taxis) and u() < ops.taxi_probability
    if use_taxi:
        candidates = taxis
    else:
        candidates = world.candidate_aircraft(m.observers[0], m.observed, eta_day)
    if not candidates:
        return _finish(world, rec, "cancelled_aircraft", "no aircraft the observer may use")
    airfield = _choose_airfield(world, m, eta_day, u, None if use_taxi else candidates)
    if airfield is None:
        return _finish(world, rec, "cancelled_aircraft", "no aircraft reaches an airfield")
    rec.airfield, rec.max_distance_km = airfield.airfield_id, airfield.max_distance_km
    rec.region = airfield.region
    here = (airfield.lat, airfield.lon)
    candidates = [a for a in candidates if use_taxi or reaches(a, great_circle_km(a.home, here))]
    rec.taxi = use_taxi

    # Art. VI Sec. I para 6: acknowledgement within 24 h (no effect on the timeline here).
    aircraft = _pick(world, candidates, airfield, m.observers[0])
    got = yield from _acquire(world, aircraft, airfield, eta, use_taxi)
    if got is None:
        return _finish(world, rec, "cancelled_aircraft", "aircraft busy until too late")
    if u() < world.breakdown_probability(aircraft):
        # The airframe is unserviceable: another of the same provider may stand in if it is
        # free now and can still arrive in time (the OC-135B fleet had two airframes).
        world.aircraft[aircraft.aircraft_id].release(got)
        rec.aircraft_replaced = aircraft.aircraft_id
        spare = _spare(world, candidates, aircraft, airfield, eta, use_taxi, u, m.observers[0])
        if spare is None:
            return _finish(world, rec, "cancelled_aircraft", "breakdown, no spare airframe")
        aircraft = spare
        got = world.aircraft[aircraft.aircraft_id].request()
        yield got
        world.events += 1
    ferry_h = 0.0 if use_taxi else great_circle_km(aircraft.home, here) / aircraft.cruise_kmh
    rec.aircraft = aircraft.aircraft_id
    try:
        result = yield from _fly(world, m, rec, aircraft, airfield, ferry_h, use_taxi, rng, u)
    finally:
        world.aircraft[aircraft.aircraft_id].release(got)
    return result


def _acquire(
    world: MissionContext, aircraft: Aircraft, airfield: Airfield, eta: float, use_taxi: bool
):
    """Wait for the airframe until it must leave to arrive no later than 24 h after the ETA;
    the granted request, or None."""
    env, ops = world.env, world.config.operations
    ferry_km = great_circle_km(aircraft.home, (airfield.lat, airfield.lon))
    ferry_h = 0.0 if use_taxi else ferry_km / aircraft.cruise_kmh
    deadline = eta + ops.t("late_arrival_hours") - ferry_h
    request = world.aircraft[aircraft.aircraft_id].request()
    got = yield request | env.timeout(max(deadline - env.now, 0.0))
    world.events += 1
    if request not in got:
        if request.triggered:  # granted at the very instant the wait ran out: give it back
            world.aircraft[aircraft.aircraft_id].release(request)
        else:
            request.cancel()
        return None
    return request


def _spare(world, candidates, broken, airfield, eta, use_taxi, u, observer) -> Aircraft | None:
    """Another airframe of the same provider (the observer's own, or the taxi's owner: a hire
    is arranged with the notification, not days before the flight) that is free now,
    serviceable (its breakdown probability is drawn too) and can arrive in time."""
    late = eta + world.config.operations.t("late_arrival_hours")
    for a in candidates:
        res = world.aircraft[a.aircraft_id]
        if a.aircraft_id == broken.aircraft_id or res.count or res.queue:
            continue
        if a.owner != broken.owner and observer not in a.users:
            continue
        if u() < world.breakdown_probability(a):
            continue
        ferry_h = 0.0 if use_taxi else great_circle_km(a.home, (airfield.lat, airfield.lon)) / (
            a.cruise_kmh
        )
        if world.env.now + ferry_h <= late:
            return a
    return None


def _pick(
    world: MissionContext, candidates: list[Aircraft], airfield: Airfield, observer: str
) -> Aircraft:
    """The least busy candidate; among those the observer's own, then one whose range covers
    the maximum distance with at most one refuelling stop (Art. VI Sec. II para 3), then the
    shortest ferry. A free hired aircraft thus beats an own one that is busy."""

    def key(a: Aircraft) -> tuple:
        res = world.aircraft[a.aircraft_id]
        ferry = great_circle_km(a.home, (airfield.lat, airfield.lon))
        short_legged = ferry > a.range_km or airfield.max_distance_km > 2 * a.range_km
        own = observer in a.users
        return (res.count + len(res.queue), not own, short_legged, round(ferry), a.aircraft_id)

    return min(candidates, key=key)


def _fly(world, m, rec, aircraft, airfield, ferry_h, use_taxi, rng, u):
    env, ops, clock = world.env, world.config.operations, world.clock
    eta = m.eta
    window_end = eta + ops.t("window_hours")  # Art. VI Sec. I para 9: ETA + 96 h

    # Ferry to the point of entry, sensors covered (Art. IV para 4).
    depart = max(eta - ferry_h, env.now)
    yield env.timeout(depart - env.now)
    world.events += 1
    late = u() < ops.late_arrival
    delay = ops.t("late_arrival_hours") + 1.0 if late else 3.0 * u()
    yield env.timeout(max(eta + delay - env.now, 0.0))
    world.events += 1
    rec.arrived_at = clock.iso(env.now)
    if late:
        # Art. VIII Sec. I para 2: more than 24 h late, the flight may be prohibited; not counted.
        return _finish(world, rec, "prohibited", "arrived more than 24 h late")

    # One observation flight at a time over the observed Party (Art. VI Sec. I para 3).
    slot = world.slot(m.observed).request()
    yield slot
    world.events += 1
    try:
        # Annex E para 7 formalities; Annex E para 1 transfer to the Open Skies airfield.
        transfer = ops.t("arrival_formalities_hours") + ops.t("transfer_hours_max") * float(
            u()
        )
        yield env.timeout(transfer)
        world.events += 1
        plan_at = env.now  # Art. VI Sec. II para 1: mission plan after arrival at the airfield
        if u() < ops.plan_decline:
            # Art. VIII Sec. I para 5: no agreement within 8 h, the observer declines.
            yield env.timeout(ops.t("mission_plan_agreement_hours_max"))
            return _finish(world, rec, "declined", "mission plan not agreed in 8 h")
        # Art. VI Sec. II para 4(E): commencement no earlier than 24 h after the plan;
        # the pre-flight inspection (<= 8 h, Annex F) and the rest period fit inside.
        start = plan_at + ops.t("commencement_after_plan_hours_min") + 6.0 * u()
        day = clock.date(start)
        reg = world.registry
        members = world.per_period(reg.members, m.observed, day=day) or (m.observed,)
        sites = world.per_period(reg.airfields, m.observed, day=day)
        ends = tuple((float(a.lat), float(a.lon)) for a in sites)
        route = world.routes.plan(
            m.observed,
            members,
            airfield,
            ends,
            aircraft.sensor,
            day,
            world.per_period(reg.states_parties, day=day),
            rng,
            observer=m.observers[0],
        )
        if route.region is not None:
            rec.region = route.region
        if route.distance_km <= 0.0:
            # No legal route from this airfield (every leg broke a rule, e.g. a small state on a
            # coarse grid): no mission plan can be agreed, so the observer declines and the
            # flight is not counted (Art. VIII Sec. I para 5).
            return _finish(world, rec, "declined", "no legal route from the airfield")
        stops = max(math.ceil(route.distance_km / aircraft.range_km) - 1, 0)
        flight_h = route.distance_km / aircraft.cruise_kmh + stops * ops.t("refuelling_stop_hours")
        # Weather holds: retry a day later while the flight still ends inside the window.
        while u() < ops.weather_hold[clock.date(start).month - 1]:
            start += ops.t("weather_retry_hours")
            if start + flight_h > window_end:
                yield env.timeout(max(window_end - env.now, 0.0))
                world.events += 1
                return _finish(world, rec, "cancelled_weather", "weather holds past the 96 h")
        if start + flight_h > window_end:
            return _finish(world, rec, "cancelled_weather", "flight would end after the 96 h")
        flight_day = clock.date(start)
        blocked = _pair_status(world, m, flight_day)
        if blocked:  # e.g. a withdrawal took effect between the notice and the flight
            return _finish(world, rec, blocked, "pair not allowed on the flight day")
        if not usable(aircraft, flight_day, world.registry):
            # Art. II para 4: an observation aircraft is one a State Party designated; its
            # owner left (Art. XV) or it went out of service between the ETA and the flight.
            return _finish(world, rec, "cancelled_aircraft", "aircraft out of use that day")
        yield env.timeout(start - env.now)
        world.events += 1
        rec.started_at = clock.iso(env.now)
        fraction, status = 1.0, "completed"
        if u() < ops.curtailment:
            low, high = ops.curtailed_fraction
            fraction, status = low + (high - low) * u(), "curtailed"
        yield env.timeout(flight_h * fraction)
        world.events += 1
        rec.ended_at = clock.iso(env.now)
        rec.distance_km = route.distance_km * fraction
        cloud = ops.cloud_fraction[clock.date(start).month - 1]
        flown = world.routes.fly(members, m.observers, route, fraction, cloud, m.year, rng)
        rec.imaged_km2 = flown.imaged_km2
        rec.overflown = flown.overflown
        rec.track = flown.track
        rec.transit_km = flown.transit_km
        _finish(world, rec, status, "curtailed in flight" if status == "curtailed" else "")
        if status == "curtailed" and use_taxi:
            # Art. VIII Sec. II para 5: caused by the observed Party's aircraft, the observing
            # Party decides; we assume it does not count the flight.
            rec.counted = False
    finally:
        world.slot(m.observed).release(slot)
    # Art. VI Sec. I para 20: departure within 24 h; then the ferry home.
    yield env.timeout(ops.t("departure_hours_max") * u() + ferry_h)
    world.events += 1
    return rec
