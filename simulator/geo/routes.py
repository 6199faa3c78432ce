"""Route planning: a beam search over bearings and leg lengths (an orienteering heuristic).

A route starts at an Open Skies airfield of the observed state, flies straight legs between
waypoints (Art. VI Sec. II para 4(F)) and ends at that airfield or another one given in
``end_airfields``. Its length may not exceed the airfield's maximum flight distance (Art. II
para 11; Annex A Sec. III). It never comes closer than 10 km to a non-party's land (Art. VI
Sec. II para 2), never crosses another state's land, and obeys scenario restrictions (no-fly
zones, distance caps over regions), which are applied while planning and re-checked on the
result.

The heuristic (documented so results can be explained):

1. The value of imaging a point is its priority times the share of its cell's land not yet
   imaged (by earlier flights: ``imaged``), per km² of swath.
2. Beam search. A state is an open route (waypoints so far). Each state is expanded by one
   straight leg for ``n_bearings`` bearings (rotated by a random offset per depth drawn from the
   ``rng`` passed in) times a geometric series of leg lengths. A leg is sampled every 5 km on
   three (or more, for wide swaths) lines across the swath; its value is the sum of the samples'
   values, minus samples already inside this route's earlier legs. Legs breaking a rule are
   dropped, and so are states that cannot fly straight back to an end airfield within budget.
3. States are ranked by the value of the route closed now plus the budget left times an
   achievable value per km (the mean value density within reach): spending budget only pays when
   it images at least average value. The best ``beam_width`` states survive (ties by index).
4. The best closed route seen at any depth wins; the search stops when three depths in a row
   found nothing better (or after 60 legs).
5. The winner is rasterised exactly (sub-point bits) and re-checked on WGS84 geodesics: length,
   clearances, capped regions. A violation triggers a re-plan with doubled margins.

Deterministic for a given ``numpy.random.Generator`` state: no global random state, stable sorts.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import shapely

from simulator.geo.ellipsoid import (
    EARTH_MEAN_KM,
    geodesic_forward,
    geodesic_km,
    geodesic_points,
    to_latlon,
    unit_vectors,
)
from simulator.geo.footprint import footprint
from simulator.geo.grid import NSUB, StateGrid, popcount
from simulator.geo.restrictions import Restriction
from simulator.geo.rules import NON_PARTY_CLEARANCE_KM, VERTEX_SPACING_KM, RouteRules

SAMPLE_KM = 5.0  # along-track spacing of planning samples
GC_DEVIATION_KM = 0.5  # great circle vs WGS84 geodesic, legs up to ~2,500 km
CHECK_STEP_KM = 1.0  # spacing of the exact re-check along geodesics
MAX_DEPTH = 60  # legs per route at most
PATIENCE = 3  # depths without a better closed route before the search stops
BudgetBasis = Literal["route", "territory"]

_RULES_CACHE: dict[tuple[Any, ...], RouteRules] = {}


def route_rules(grid: StateGrid, parties: Sequence[str] | None,
                restrictions: Sequence[Restriction] = ()) -> RouteRules:
    """The (cached) rules for a grid, a list of parties and restrictions."""
    key = (id(grid), grid.codes, None if parties is None else tuple(sorted(parties)),
           tuple(restrictions))
    if key not in _RULES_CACHE:
        if len(_RULES_CACHE) >= 256:
            _RULES_CACHE.pop(next(iter(_RULES_CACHE)))
        _RULES_CACHE[key] = RouteRules(grid, parties, restrictions)
    return _RULES_CACHE[key]


@dataclass(frozen=True, eq=False)
class Route:
    """A planned route and what it images. Plain data: tuples, floats, numpy arrays."""

    waypoints: tuple[tuple[float, float], ...]  # (lat, lon), start first, end last
    length_km: float  # geodesic length of the whole route
    length_over_territory_km: float  # the part over the observed territory's land
    cells: np.ndarray  # local indices of imaged cells in the grid
    bits: np.ndarray  # uint64 sub-point words imaged (optical or SAR), aligned with cells
    sar_bits: np.ndarray  # the SAR share of ``bits`` (zeros without SAR)
    imaged_km2: float
    new_km2: float  # imaged and not in ``imaged`` before
    value: float  # priority-weighted new km²
    swath_km: float
    sar_swath_km: float
    max_distance_km: float
    region_km: dict[str, float] = field(default_factory=dict)  # km flown in capped regions
    clearances_km: dict[str, float] = field(default_factory=dict)  # closest approach per rule
    violations: tuple[str, ...] = ()
    planner: str = "beam"

    @property
    def start(self) -> tuple[float, float]:
        return self.waypoints[0]

    @property
    def end(self) -> tuple[float, float]:
        return self.waypoints[-1]

    @property
    def efficiency(self) -> float:
        """New km² per km² swept (length x swath): 1.0 images only fresh land."""
        swept = self.length_km * max(self.swath_km, self.sar_swath_km)
        return self.new_km2 / swept if swept > 0 else 0.0


# ---------------------------------------------------------------- value field
def imaged_bits(grid: StateGrid, imaged: Any) -> np.ndarray:
    """Imaged land sub-points per cell from a tracker, bit words, a mask or counts."""
    if imaged is None:
        return np.zeros(grid.n_cells, np.uint64)
    arr = getattr(imaged, "bits", imaged)
    arr = np.asarray(arr)
    if arr.shape != (grid.n_cells,):
        raise ValueError(f"imaged must have one entry per cell ({grid.n_cells}), got {arr.shape}")
    if arr.dtype == np.uint64:
        return arr & grid.land_bits
    return np.where(arr.astype(bool), grid.land_bits, np.uint64(0))


def value_density(grid: StateGrid, imaged: Any, priority: np.ndarray | None) -> np.ndarray:
    """Value per km² of swath over each cell: priority x unimaged land share."""
    free = grid.land_bits & ~imaged_bits(grid, imaged)
    dens = popcount(free) / NSUB
    if priority is not None:
        pr = np.asarray(priority, float)
        if pr.shape != (grid.n_cells,):
            raise ValueError(f"priority must have one entry per cell ({grid.n_cells})")
        dens = dens * pr
    return dens


# ------------------------------------------------------------ leg geometry
@dataclass(frozen=True)
class _Leg:
    a: np.ndarray
    b: np.ndarray
    n: np.ndarray  # pole of the great circle
    m: np.ndarray  # n x a
    theta: float
    length_km: float


def _leg(a: np.ndarray, b: np.ndarray) -> _Leg:
    theta = float(np.arccos(np.clip(a @ b, -1.0, 1.0)))
    n = np.cross(a, b)
    norm = np.linalg.norm(n)
    n = n / norm if norm > 1e-15 else np.array([0.0, 0.0, 1.0])
    return _Leg(a, b, n, np.cross(n, a), theta, theta * EARTH_MEAN_KM)


def _inside_legs(p: np.ndarray, legs: Sequence[_Leg], half_km: float) -> np.ndarray:
    """Points already inside the swath of earlier legs."""
    out = np.zeros(len(p), bool)
    for lg in legs:
        xt = np.abs(p @ lg.n) * EARTH_MEAN_KM
        along = np.arctan2(p @ lg.m, p @ lg.a)
        out |= (xt <= half_km) & (along >= 0) & (along <= lg.theta)
    return out


@dataclass
class _Batch:
    """Samples of many candidate legs."""

    leg_of: np.ndarray  # leg index per value sample
    value_xyz: np.ndarray
    weight: np.ndarray  # km² per sample
    centre_leg_of: np.ndarray
    centre_xyz: np.ndarray
    centre_km: np.ndarray  # km per centre sample


def _sample_legs(a: np.ndarray, b: np.ndarray, swath_km: float, n_lines: int) -> _Batch:
    """Samples every ~5 km along legs a[i] -> b[i], on n_lines lines across the swath."""
    cosang = np.clip(np.einsum("ij,ij->i", a, b), -1.0, 1.0)
    theta = np.arccos(cosang)
    length = theta * EARTH_MEAN_KM
    cnt = np.maximum(1, np.ceil(length / SAMPLE_KM).astype(np.int64))
    leg_of = np.repeat(np.arange(len(a)), cnt)
    i = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    t = (i + 0.5) / cnt[leg_of]
    th = theta[leg_of]
    s = np.sin(th)
    safe = s > 1e-12
    w1 = np.where(safe, np.sin((1 - t) * th) / np.where(safe, s, 1), 1 - t)
    w2 = np.where(safe, np.sin(t * th) / np.where(safe, s, 1), t)
    c = w1[:, None] * a[leg_of] + w2[:, None] * b[leg_of]
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    pole = np.cross(a, b)
    pn = np.linalg.norm(pole, axis=1, keepdims=True)
    pole = np.where(pn > 1e-15, pole / np.where(pn > 1e-15, pn, 1), 0.0)
    step_km = length / cnt
    offsets = (np.arange(n_lines) + 0.5) / n_lines * swath_km - swath_km / 2
    vals, legs, wts = [], [], []
    for o in offsets:
        ang = o / EARTH_MEAN_KM
        vals.append(np.cos(ang) * c + np.sin(ang) * pole[leg_of])
        legs.append(leg_of)
        wts.append(step_km[leg_of] * swath_km / n_lines)
    return _Batch(np.concatenate(legs), np.concatenate(vals), np.concatenate(wts),
                  leg_of, c, step_km[leg_of])


@dataclass
class _State:
    points: list[tuple[float, float]]
    xyz: list[np.ndarray]
    legs: list[_Leg]
    used_km: float  # charged length (route or territory basis)
    value: float
    caps_km: np.ndarray


class _Planner:
    """One planning problem; see the module docstring for the heuristic."""

    def __init__(self, grid: StateGrid, start: tuple[float, float], max_distance_km: float,
                 swath_km: float, density: np.ndarray, rules: RouteRules,
                 ends: list[tuple[float, float]], basis: BudgetBasis, margin: float,
                 rng: np.random.Generator, beam_width: int, n_bearings: int):
        self.grid = grid
        self.start = start
        self.budget = max_distance_km * (1 - 0.002 * margin) - 1.0 * margin
        self.swath = swath_km
        self.half = swath_km / 2
        self.density = density
        self.rules = rules
        self.ends = ends
        self.ends_xyz = unit_vectors(np.array([e[0] for e in ends]), np.array([e[1] for e in ends]))
        self.basis = basis
        self.rng = rng
        self.beam_width = beam_width
        self.n_bearings = n_bearings
        self.n_lines = int(min(9, max(3, np.ceil(swath_km / grid.resolution_km) + 1)))
        self.check_margin = (SAMPLE_KM / 2 + VERTEX_SPACING_KM / 2 + GC_DEVIATION_KM) * margin
        self.cap_limits = np.array(
            [r.max_km * (1 - 0.01 * margin) - SAMPLE_KM * margin for r in rules.caps], float)
        span = self._extent_km()
        lo = max(3 * grid.resolution_km, self.budget / 40, 20.0)
        hi = max(lo * 1.5, min(self.budget / 3, span))
        self.lengths = np.geomspace(lo, hi, 5)
        self.rho = 0.8 * self._mean_density_in_reach()

    def _dist_to_cells(self) -> np.ndarray:
        p = unit_vectors(np.array(self.start[0]), np.array(self.start[1]))
        return np.arccos(np.clip(self.grid.xyz @ p, -1, 1)) * EARTH_MEAN_KM

    def _extent_km(self) -> float:
        """A rough diameter of the territory reachable from the start."""
        d = self._dist_to_cells()
        reach = d <= self.budget / 2
        return float(2 * d[reach].max()) if reach.any() else self.budget / 3

    def _mean_density_in_reach(self) -> float:
        d = self._dist_to_cells()
        reach = d <= self.budget / 2
        if not reach.any():
            return 0.0
        q = self.grid.quad_area_km2[reach]
        return float(np.sum(self.density[reach] * q) / np.sum(q)) * self.swath

    # ------------------------------------------------------------ evaluation
    def _evaluate(self, a: np.ndarray, b: np.ndarray, prior: list[_Leg],
                  extra: list[list[_Leg]] | None = None) -> tuple[np.ndarray, ...]:
        """(value, charged km, feasible, cap km (legs x caps)) for legs a[i] -> b[i]."""
        batch = _sample_legs(a, b, self.swath, self.n_lines)
        nleg = len(a)
        # value of the samples not already imaged by this route (prior legs, or per-leg extra)
        idx = self.grid.lookup(*to_latlon(batch.value_xyz))
        dens = np.where(idx >= 0, self.density[np.maximum(idx, 0)], 0.0)
        seen = _inside_legs(batch.value_xyz, prior, self.half)
        if extra is not None:
            for j, legs in enumerate(extra):
                sel = batch.leg_of == j
                if legs and sel.any():
                    seen[sel] |= _inside_legs(batch.value_xyz[sel], legs, self.half)
        contrib = np.where(seen, 0.0, dens * batch.weight)
        value = np.bincount(batch.leg_of, contrib, minlength=nleg)
        # rules on the centre line
        bad = self.rules.clearance_deficit(batch.centre_xyz, self.check_margin)
        feasible = np.bincount(batch.centre_leg_of, bad, minlength=nleg) == 0
        # WGS84 geodesic lengths; samples' km rescaled to them
        la1, lo1 = to_latlon(a)
        la2, lo2 = to_latlon(b)
        length = geodesic_km(la1, lo1, la2, lo2)
        sphere = np.bincount(batch.centre_leg_of, batch.centre_km, minlength=nleg)
        scale = np.where(sphere > 0, length / np.where(sphere > 0, sphere, 1), 1.0)
        step = batch.centre_km * scale[batch.centre_leg_of]
        if self.basis == "territory":
            lat, lon = to_latlon(batch.centre_xyz)
            over = self.grid.lookup(lat, lon) >= 0
            charged = np.bincount(batch.centre_leg_of, step * over, minlength=nleg)
        else:
            charged = length
        caps = np.zeros((nleg, len(self.rules.caps)))
        if self.rules.caps:
            lat, lon = to_latlon(batch.centre_xyz)
            for k, inside in enumerate(self.rules.cap_masks(lat, lon)):
                caps[:, k] = np.bincount(batch.centre_leg_of, step * inside, minlength=nleg)
        return value, charged, feasible, caps

    def _close(self, state: _State) -> tuple[float, int, float, np.ndarray] | None:
        """Best direct return to an end airfield: (value, end index, charged km, caps)."""
        p = state.xyz[-1]
        a = np.repeat(p[None, :], len(self.ends), axis=0)
        value, charged, feasible, caps = self._evaluate(a, self.ends_xyz, state.legs)
        ok = feasible & (state.used_km + charged <= self.budget)
        if len(self.cap_limits):
            ok &= np.all(state.caps_km[None, :] + caps <= self.cap_limits[None, :], axis=1)
        # a zero-length return (already at an end) is always fine
        if not ok.any():
            return None
        order = np.lexsort((np.arange(len(ok)), -value))
        j = int(next(k for k in order if ok[k]))
        return float(value[j]), j, float(charged[j]), caps[j]

    # ------------------------------------------------------------------ search
    def run(self) -> list[tuple[float, float]]:
        root_xyz = unit_vectors(np.array([self.start[0]]), np.array([self.start[1]]))[0]
        root = _State([self.start], [root_xyz], [], 0.0, 0.0, np.zeros(len(self.rules.caps)))
        best_value, best_route = 0.0, [self.start, self.start]
        beam = [root]
        stale = 0
        for _depth in range(MAX_DEPTH):
            if stale >= PATIENCE:
                break  # no better closed route for several depths: stop searching
            stale += 1
            offset = float(self.rng.uniform(0.0, 360.0 / self.n_bearings))
            az = offset + np.arange(self.n_bearings) * 360.0 / self.n_bearings
            cand: list[tuple[float, int, int, float, float, np.ndarray, tuple[float, float]]] = []
            for si, st in enumerate(beam):
                azz, ll = np.meshgrid(az, self.lengths, indexing="ij")
                azz, ll = azz.ravel(), ll.ravel()
                lat2, lon2 = geodesic_forward(
                    np.full(len(azz), st.points[-1][0]), np.full(len(azz), st.points[-1][1]),
                    azz, ll)
                back = np.min(
                    [geodesic_km(lat2, lon2, e[0], e[1]) for e in self.ends], axis=0)
                keep = st.used_km + ll + (back if self.basis == "route" else 0.0) \
                    <= self.budget
                if self.basis == "territory":
                    keep = st.used_km <= self.budget
                if not keep.any():
                    continue
                lat2, lon2, ll, back = lat2[keep], lon2[keep], ll[keep], back[keep]
                b = unit_vectors(lat2, lon2)
                a = np.repeat(st.xyz[-1][None, :], len(b), axis=0)
                value, charged, feasible, caps = self._evaluate(a, b, st.legs)
                ok = feasible & (st.used_km + charged <= self.budget)
                if len(self.cap_limits):
                    ok &= np.all(st.caps_km[None, :] + caps <= self.cap_limits[None, :], axis=1)
                for j in np.flatnonzero(ok):
                    # optimistic: the way back is assumed to image as well as the average
                    score = st.value + value[j] + (
                        self.budget - st.used_km - charged[j]) * self.rho
                    cand.append((score, si, int(j), float(value[j]), float(charged[j]),
                                 caps[j], (float(lat2[j]), float(lon2[j]))))
            if not cand:
                break
            order = sorted(range(len(cand)), key=lambda i: (-cand[i][0], i))
            children: list[tuple[float, int, _State]] = []
            seen_cells: set[int] = set()
            for i in order:
                if len(children) >= 3 * self.beam_width or len(seen_cells) >= 6 * self.beam_width:
                    break
                _, si, _, v, ch, cp, q = cand[i]
                cell = int(self.grid.spec.cell_of(np.array([q[0]]), np.array([q[1]]))[0])
                if cell in seen_cells:
                    continue
                seen_cells.add(cell)
                parent = beam[si]
                qx = unit_vectors(np.array([q[0]]), np.array([q[1]]))[0]
                child = _State([*parent.points, q], [*parent.xyz, qx],
                               [*parent.legs, _leg(parent.xyz[-1], qx)],
                               parent.used_km + ch, parent.value + v, parent.caps_km + cp)
                closed = self._close(child)
                if closed is None:
                    continue
                cv, ei, cch, _ = closed
                total = child.value + cv
                if total > best_value * (1 + 1e-4) + 1e-9:
                    best_value, best_route = total, [*child.points, self.ends[ei]]
                    stale = 0
                score = total + (self.budget - child.used_km - cch) * self.rho
                children.append((score, len(children), child))
            if not children:
                break
            children.sort(key=lambda c: (-c[0], c[1]))
            beam = [c[2] for c in children[: self.beam_width]]
        return best_route


# ----------------------------------------------------------------- checking
def check_route(grid: StateGrid, waypoints: Sequence[tuple[float, float]],
                max_distance_km: float, rules: RouteRules,
                basis: BudgetBasis = "route") -> tuple[float, float, dict[str, float],
                                                       dict[str, float], tuple[str, ...]]:
    """Re-check a route on WGS84 geodesics sampled every 1 km.

    Returns (length, length over territory, km per capped region, clearances, violations).
    """
    lats, lons = [], []
    for (la1, lo1), (la2, lo2) in itertools.pairwise(waypoints):
        la, lo = geodesic_points(la1, lo1, la2, lo2, CHECK_STEP_KM)
        lats.append(la)
        lons.append(lo)
    if not lats:
        return 0.0, 0.0, {r.name: 0.0 for r in rules.caps}, {}, ()
    lat = np.concatenate(lats)
    lon = np.concatenate(lons)
    seg = geodesic_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
    mlat, mlon = to_latlon(unit_vectors(lat[:-1], lon[:-1]) + unit_vectors(lat[1:], lon[1:]))
    territory = grid.territories.union(grid.codes)
    over = shapely.contains_xy(territory, mlon, mlat)
    length = float(seg.sum())
    over_km = float(seg[over].sum())
    region_km = {r.name: float(seg[m].sum())
                 for r, m in zip(rules.caps, rules.cap_masks(mlat, mlon), strict=True)}
    clear = rules.min_clearances(unit_vectors(lat, lon))
    viol = []
    charged = length if basis == "route" else over_km
    if charged > max_distance_km + 1e-6:
        # Art. II para 11 / Annex A Sec. III: the maximum flight distance
        viol.append(f"{basis} length {charged:.1f} km > maximum {max_distance_km:.1f} km")
    tol = CHECK_STEP_KM / 2
    for c in rules.clearances:
        need = c.clearance_km + tol if c.kind != "foreign_land" else tol
        if clear.get(c.name, np.inf) < need:
            viol.append(f"{c.name}: closest approach {clear[c.name]:.2f} km < {need:.2f} km")
    for r in rules.caps:
        if region_km[r.name] > r.max_km + 1e-6:
            viol.append(f"{r.name}: {region_km[r.name]:.1f} km > cap {r.max_km:.1f} km")
    return length, over_km, region_km, clear, tuple(viol)


def evaluate_route(grid: StateGrid, waypoints: Sequence[tuple[float, float]], swath_km: float,
                   max_distance_km: float, rules: RouteRules, imaged: Any = None,
                   priority: np.ndarray | None = None, sar_swath_km: float = 0.0,
                   basis: BudgetBasis = "route", planner: str = "given") -> Route:
    """Rasterise and re-check any route: imaged, new and valued area, and rule violations."""
    wp = tuple((float(a), float(b)) for a, b in waypoints)
    length, over_km, region_km, clear, viol = check_route(grid, wp, max_distance_km, rules,
                                                          basis)
    g_opt, b_opt = footprint(grid.spec, wp, swath_km) if swath_km > 0 else (
        np.zeros(0, np.int64), np.zeros(0, np.uint64))
    cells, bits = grid.clip(g_opt, b_opt)
    sar = np.zeros(len(cells), np.uint64)
    if sar_swath_km > 0:
        g_sar, b_sar = footprint(grid.spec, wp, sar_swath_km)
        c_sar, s_bits = grid.clip(g_sar, b_sar)
        allc = np.union1d(cells, c_sar)
        merged = np.zeros(len(allc), np.uint64)
        merged[np.searchsorted(allc, cells)] |= bits
        sar = np.zeros(len(allc), np.uint64)
        sar[np.searchsorted(allc, c_sar)] = s_bits
        merged |= sar
        cells, bits = allc, merged
    before = imaged_bits(grid, imaged)[cells]
    new = bits & ~before
    area = grid.quad_area_km2[cells] / NSUB
    new_area = area * popcount(new)
    pr = np.ones(len(cells)) if priority is None else np.asarray(priority, float)[cells]
    return Route(
        waypoints=wp, length_km=length, length_over_territory_km=over_km,
        cells=cells, bits=bits, sar_bits=sar,
        imaged_km2=float(np.sum(area * popcount(bits))), new_km2=float(new_area.sum()),
        value=float(np.sum(new_area * pr)), swath_km=float(swath_km),
        sar_swath_km=float(sar_swath_km), max_distance_km=float(max_distance_km),
        region_km=region_km, clearances_km=clear, violations=viol, planner=planner,
    )


# ------------------------------------------------------------------- public
def plan_route(
    grid: StateGrid,
    start: tuple[float, float],
    max_distance_km: float,
    swath_km: float,
    imaged: Any = None,
    rng: np.random.Generator | None = None,
    parties: Sequence[str] | None = None,
    restrictions: Sequence[Restriction] = (),
    end_airfields: Sequence[tuple[float, float]] | None = None,
    priority: np.ndarray | None = None,
    *,
    sar_swath_km: float = 0.0,
    budget_basis: BudgetBasis = "route",
    beam_width: int = 8,
    n_bearings: int = 16,
) -> Route:
    """Plan one observation flight maximising newly imaged, priority-weighted area.

    ``start`` and ``end_airfields`` are (lat, lon) of Open Skies airfields of the observed state;
    the route may end at the start or any end airfield. ``imaged`` is what earlier flights
    imaged (a :class:`CoverageTracker`, its ``bits``, a boolean mask or counts per cell).
    ``parties`` lists the States Parties (codes of ``territories.csv``) on the flight's date;
    None treats every state of the table as a party. ``budget_basis="route"`` (default,
    conservative) charges the whole route against ``max_distance_km``; ``"territory"`` charges
    only the part over the territory's land (Art. II para 11 read literally; Natural Earth has
    no territorial waters).
    """
    if rng is None:
        raise ValueError("plan_route needs a numpy.random.Generator (no global random state)")
    if max_distance_km <= 0 or swath_km <= 0:
        raise ValueError("max_distance_km and swath_km must be positive")
    rules = route_rules(grid, parties, restrictions)
    ends = [tuple(map(float, start))]
    for e in end_airfields or ():
        e = (float(e[0]), float(e[1]))
        if e not in ends:
            ends.append(e)
    density = value_density(grid, imaged, priority)
    plan_swath = max(swath_km, sar_swath_km)
    route = None
    for attempt in range(3):
        planner = _Planner(grid, ends[0], max_distance_km, plan_swath, density, rules,
                           ends, budget_basis, float(2**attempt), rng, beam_width, n_bearings)
        wp = planner.run()
        route = evaluate_route(grid, wp, swath_km, max_distance_km, rules, imaged, priority,
                               sar_swath_km, budget_basis, planner="beam")
        if not route.violations:
            return route
    # Could not satisfy the re-check: stay on the ground rather than break a rule.
    return evaluate_route(grid, [ends[0], ends[0]], swath_km, max_distance_km, rules, imaged,
                          priority, sar_swath_km, budget_basis, planner="none")


def naive_route(
    grid: StateGrid,
    start: tuple[float, float],
    max_distance_km: float,
    swath_km: float,
    bearing_deg: float,
    imaged: Any = None,
    parties: Sequence[str] | None = None,
    restrictions: Sequence[Restriction] = (),
) -> Route:
    """Baseline: out along one bearing as far as the rules allow (<= half the budget) and back."""
    rules = route_rules(grid, parties, restrictions)
    budget = max_distance_km * 0.998 - 1.0
    dists = np.arange(SAMPLE_KM, budget / 2 + 1e-9, SAMPLE_KM)
    lat, lon = geodesic_forward(np.full(len(dists), start[0]), np.full(len(dists), start[1]),
                                np.full(len(dists), bearing_deg), dists)
    margin = SAMPLE_KM / 2 + VERTEX_SPACING_KM / 2 + GC_DEVIATION_KM
    bad = rules.clearance_deficit(unit_vectors(lat, lon), margin)
    if rules.caps:
        for r, inside in zip(rules.caps, rules.cap_masks(lat, lon), strict=True):
            bad |= np.cumsum(inside * SAMPLE_KM) * 2 > r.max_km * 0.99 - SAMPLE_KM
    n = int(np.argmax(bad)) if bad.any() else len(dists)
    if n == 0:
        wp = [start, start]
    else:
        far = (float(lat[n - 1]), float(lon[n - 1]))
        wp = [start, far, start]
    return evaluate_route(grid, wp, swath_km, max_distance_km, rules, imaged, None, 0.0,
                          "route", planner="naive")


__all__ = [
    "NON_PARTY_CLEARANCE_KM",
    "Route",
    "check_route",
    "evaluate_route",
    "imaged_bits",
    "naive_route",
    "plan_route",
    "route_rules",
    "value_density",
]
