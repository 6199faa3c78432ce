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
   ``rng`` passed in) times a geometric series of leg lengths. Along a bearing the longest leg
   is a great circle and the shorter ones are its prefixes, so a bearing is sampled once. A leg
   is sampled every 5 km on its centre line, checked against the rules there, and, up to the
   longest prefix that passes, on three (or more, for wide swaths) lines across the swath; its
   value is the sum of the samples' values, minus samples already inside this route's earlier
   legs. Legs breaking a rule are dropped, and so are states that cannot fly straight back to
   an end airfield within budget. All states' legs of a depth are evaluated in one batch, and
   so are the returns of the children of a depth.
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
import math
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
from simulator.geo.grid import NSUB, StateGrid, popcount, union_bits
from simulator.geo.restrictions import Restriction
from simulator.geo.rules import NON_PARTY_CLEARANCE_KM, VERTEX_SPACING_KM, RouteRules

SAMPLE_KM = 5.0  # along-track spacing of planning samples
GC_DEVIATION_KM = 0.5  # great circle vs WGS84 geodesic, legs up to ~2,500 km
CHECK_STEP_KM = 1.0  # spacing of the exact re-check along geodesics
MAX_DEPTH = 60  # legs per route at most
PATIENCE = 3  # depths without a better closed route before the search stops
# WGS84 geodesic km per radian of the great circle through the same (lat, lon) taken as
# spherical: between the smallest and largest radius of curvature, a(1 - e^2) = 6335.4 km
# and a / sqrt(1 - e^2) = 6399.6 km (the metric is bounded by them in every direction).
GEODESIC_PER_RAD = (6335.0, 6400.0)
BudgetBasis = Literal["route", "territory"]
TransitCharge = Literal["territory", "full"]

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
    transit: tuple[bool, ...] = ()  # per leg: flown with sensors off (empty: none)
    transit_km: float = 0.0  # geodesic length of the transit legs

    @property
    def start(self) -> tuple[float, float]:
        return self.waypoints[0]

    @property
    def end(self) -> tuple[float, float]:
        return self.waypoints[-1]

    @property
    def efficiency(self) -> float:
        """New km² per km² swept (length x swath): 1.0 images only fresh land."""
        swept = (self.length_km - self.transit_km) * max(self.swath_km, self.sar_swath_km)
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


def _imaged_bits_at(grid: StateGrid, imaged: Any, cells: np.ndarray) -> np.ndarray:
    """``imaged_bits(grid, imaged)[cells]``, without the other cells."""
    if imaged is None:
        return np.zeros(len(cells), np.uint64)
    arr = np.asarray(getattr(imaged, "bits", imaged))
    if arr.shape != (grid.n_cells,):
        return imaged_bits(grid, imaged)[cells]  # raises the error
    land = grid.land_bits[cells]
    if arr.dtype == np.uint64:
        return arr[cells] & land
    return np.where(arr[cells].astype(bool), land, np.uint64(0))


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
def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """u x v for 3-vectors or (n, 3) arrays (np.cross has a large fixed cost)."""
    u0, u1, u2 = u[..., 0], u[..., 1], u[..., 2]
    v0, v1, v2 = v[..., 0], v[..., 1], v[..., 2]
    return np.stack([u1 * v2 - u2 * v1, u2 * v0 - u0 * v2, u0 * v1 - u1 * v0], axis=-1)


@dataclass(frozen=True)
class _Leg:
    """One straight leg: start, pole of its great circle, n x a, angular length."""

    a: np.ndarray
    n: np.ndarray
    m: np.ndarray
    theta: float


@dataclass(frozen=True)
class _Legs:
    """The straight legs of an open route (shared with its parent's, not copied)."""

    legs: tuple[_Leg, ...] = ()

    def __len__(self) -> int:
        return len(self.legs)

    def add(self, a: np.ndarray, b: np.ndarray) -> _Legs:
        """These legs and one more, a -> b (scalar arithmetic: one leg at a time)."""
        ax, ay, az = (float(v) for v in a)
        bx, by, bz = (float(v) for v in b)
        theta = math.acos(min(1.0, max(-1.0, ax * bx + ay * by + az * bz)))
        nx, ny, nz = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx
        norm = math.sqrt(nx * nx + ny * ny + nz * nz)
        nx, ny, nz = (nx / norm, ny / norm, nz / norm) if norm > 1e-15 else (0.0, 0.0, 1.0)
        m = np.array([ny * az - nz * ay, nz * ax - nx * az, nx * ay - ny * ax])
        leg = _Leg(np.array([ax, ay, az]), np.array([nx, ny, nz]), m, theta)
        return _Legs((*self.legs, leg))


_NO_LEGS = _Legs()


def _inside_legs(p: np.ndarray, legs: _Legs, half_km: float) -> np.ndarray:
    """Points already inside the swath of earlier legs.

    Per leg, the cross-track test runs on every point, the along-track angle only on the
    points within half a swath of the leg's great circle. (One matrix-vector product per
    leg: a matrix product over all legs would be multithreaded by BLAS and slower.)
    """
    out = np.zeros(len(p), bool)
    limit = half_km / EARTH_MEAN_KM
    for leg in legs.legs:
        near = np.flatnonzero(np.abs(p @ leg.n) <= limit)
        if len(near):
            q = p[near]
            along = np.arctan2(q @ leg.m, q @ leg.a)
            out[near[(along >= 0) & (along <= leg.theta)]] = True
    return out


@dataclass
class _Batch:
    """Centre-line samples of many candidate legs; value samples are made on demand."""

    leg_of: np.ndarray  # leg index per centre sample
    xyz: np.ndarray  # (n, 3) centre samples, leg by leg along the track
    km: np.ndarray  # km (sphere) per centre sample
    start: np.ndarray  # index of each leg's first centre sample
    pole: np.ndarray  # (legs, 3) unit pole of each leg's great circle

    def across(self, sel: np.ndarray, swath_km: float,
               n_lines: int) -> tuple[np.ndarray, np.ndarray]:
        """Value samples on ``n_lines`` lines across the swath at centre samples ``sel``.

        Returns their unit vectors, line by line, and the centre sample of each.
        """
        offsets = (np.arange(n_lines) + 0.5) / n_lines * swath_km - swath_km / 2
        c, pole = self.xyz[sel], self.pole[self.leg_of[sel]]
        ns = len(sel)
        vals = np.empty((n_lines * ns, 3))
        for k, off in enumerate(offsets / EARTH_MEAN_KM):  # rotate towards the pole
            line = vals[k * ns:(k + 1) * ns]
            np.multiply(c, np.cos(off), out=line)
            line += np.sin(off) * pole
        return vals, np.tile(sel, n_lines)


def _sample_legs(a: np.ndarray, b: np.ndarray) -> _Batch:
    """Centre samples every ~5 km along legs a[i] -> b[i] (midpoints of equal stretches).

    A sample at angle phi from a is cos(phi) a + sin(phi) u, u the unit tangent towards b.
    """
    theta = np.arccos(np.clip(np.einsum("ij,ij->i", a, b), -1.0, 1.0))
    length = theta * EARTH_MEAN_KM
    cnt = np.maximum(1, np.ceil(length / SAMPLE_KM).astype(np.int64))
    leg_of = np.repeat(np.arange(len(a)), cnt)
    start = np.cumsum(cnt) - cnt
    phi = (np.arange(cnt.sum()) - start[leg_of] + 0.5) * (theta / cnt)[leg_of]
    pole = _cross(a, b)
    norm = np.sqrt(np.einsum("ij,ij->i", pole, pole))[:, None]
    pole = np.where(norm > 1e-15, pole / np.where(norm > 1e-15, norm, 1.0), 0.0)
    tangent = _cross(pole, a)
    cos_phi, sin_phi = np.cos(phi), np.sin(phi)
    c = np.empty((len(phi), 3))
    for k in range(3):  # per coordinate: long contiguous loops
        c[:, k] = cos_phi * a[leg_of, k] + sin_phi * tangent[leg_of, k]
    return _Batch(leg_of, c, (length / cnt)[leg_of], start, pole)


@dataclass
class _State:
    points: list[tuple[float, float]]
    xyz: np.ndarray  # unit vector of the last point
    legs: _Legs
    used_km: float  # charged length (route or territory basis)
    value: float
    caps_km: np.ndarray


_REACH_CACHE: dict[tuple[Any, ...], tuple[np.ndarray, float]] = {}


def _reach(grid: StateGrid, start: tuple[float, float], budget: float) -> tuple[np.ndarray, float]:
    """(Cached) cells within half the budget of the start, and the diameter of that territory
    (a third of the budget if none): they depend on neither ``imaged`` nor ``priority``."""
    key = (id(grid), grid.codes, grid.n_cells, start, budget)
    if key not in _REACH_CACHE:
        if len(_REACH_CACHE) >= 32:
            _REACH_CACHE.pop(next(iter(_REACH_CACHE)))
        cos_d = grid.xyz @ unit_vectors(np.array(start[0]), np.array(start[1]))
        reach = np.flatnonzero(cos_d >= np.cos(min(budget / 2 / EARTH_MEAN_KM, np.pi)))
        span = float(2 * np.arccos(np.clip(cos_d[reach].min(), -1, 1)) * EARTH_MEAN_KM) \
            if len(reach) else budget / 3
        _REACH_CACHE[key] = (reach.astype(np.int32), span)
    return _REACH_CACHE[key]


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
        reach, span = _reach(grid, start, self.budget)
        lo = max(3 * grid.resolution_km, self.budget / 40, 20.0)
        hi = max(lo * 1.5, min(self.budget / 3, span))
        self.lengths = np.geomspace(lo, hi, 5)
        self.rho = 0.8 * self._mean_density_in_reach(reach)
        self._density_ext = np.append(density, 0.0)  # index n_cells: off the grid

    def _mean_density_in_reach(self, reach: np.ndarray) -> float:
        """Mean value per km flown over the cells within half the budget of the start."""
        if not len(reach):
            return 0.0
        q = self.grid.quad_area_km2[reach]
        return float(np.sum(self.density[reach] * q) / np.sum(q)) * self.swath

    # ------------------------------------------------------------ evaluation
    def _density_at(self, xyz: np.ndarray) -> np.ndarray:
        """Value density under each unit vector (0 off the grid): StateGrid.lookup, fused."""
        spec = self.grid.spec
        lat = np.degrees(np.arcsin(np.clip(xyz[:, 2], -1.0, 1.0)))
        row = np.clip(np.floor((lat + 90.0) / spec.dlat).astype(np.int64), 0, spec.nrows - 1)
        n = spec.ncols[row]
        lon = np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0]))
        col = np.floor(((lon + 180.0) % 360.0) / 360.0 * n).astype(np.int64)
        gid = spec.row_offset[row] + np.minimum(col, n - 1)
        idx = self.grid.table_index(gid)
        if idx is None:
            where, idx = self.grid.local_index(gid)
            out = np.zeros(len(xyz))
            out[where] = self.density[idx]
            return out
        return self._density_ext[idx]

    def _evaluate(self, a: np.ndarray, b: np.ndarray, group: np.ndarray,
                  priors: Sequence[_Legs], length: np.ndarray,
                  cuts: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """Value, charged km, feasible and cap km of legs a[i] -> b[i] and their prefixes.

        Leg i extends the open route ``priors[group[i]]`` (legs sorted by group): samples
        inside that route's swath add nothing. ``cuts[i, k]`` in (0, 1] is where prefix k of
        leg i ends, as a share of the leg's angle (default: the whole leg only); ``length``
        has the WGS84 geodesic length of every prefix. Returns (legs x prefixes) arrays of
        value, charged km and feasibility, and (legs x prefixes x caps) km in capped regions.
        A prefix is checked on every centre sample whose 5 km stretch it touches.
        """
        nleg = len(a)
        cuts = np.ones((nleg, 1)) if cuts is None else cuts
        batch = _sample_legs(a, b)
        nc = len(batch.xyz)
        # prefix k of leg i covers its first n[i, k] centre samples, the last one partly
        cnt = np.diff(np.append(batch.start, nc))[:, None]
        n = np.clip(np.ceil(cuts * cnt - 1e-9), 1, cnt).astype(np.int64)
        part = np.clip(cuts * cnt - (n - 1), 0.0, 1.0)
        first = batch.start[:, None]
        last = first + n  # one past the prefix's last sample

        def prefix_sum(x: np.ndarray) -> np.ndarray:
            cs = np.concatenate([[0.0], np.cumsum(x)])
            return cs[last] - cs[first]

        # rules on the centre line
        bad = self.rules.clearance_deficit(batch.xyz, self.check_margin, batch.start,
                                           batch.km[batch.start])
        feasible = prefix_sum(bad.astype(float)) == 0
        # value, only where a feasible prefix flies: the samples not already imaged by
        # this route's earlier legs
        upto = np.where(feasible, n, 0).max(axis=1)
        sel = np.flatnonzero(np.arange(nc) - batch.start[batch.leg_of] < upto[batch.leg_of])
        vals, centre = batch.across(sel, self.swath, self.n_lines)
        contrib = self._density_at(vals) * (batch.km[centre] * (self.swath / self.n_lines))
        live = np.flatnonzero(contrib > 0)  # only these can lose value to earlier legs
        if len(live) and any(len(legs) for legs in priors):
            g_live = group[batch.leg_of[centre[live]]]
            by_group = np.argsort(g_live, kind="stable")
            live, g_live = live[by_group], g_live[by_group]
            cut = np.searchsorted(g_live, np.arange(len(priors) + 1))
            for g, legs in enumerate(priors):
                sub = live[cut[g]:cut[g + 1]]
                if len(legs) and len(sub):
                    contrib[sub[_inside_legs(vals[sub], legs, self.half)]] = 0.0
        per_sample = np.bincount(centre, contrib, minlength=nc)
        value = prefix_sum(per_sample) - (1.0 - part) * per_sample[last - 1]
        caps = np.zeros((*cuts.shape, len(self.rules.caps)))
        if self.basis == "route" and not self.rules.caps:
            return value, length, feasible, caps
        # whole samples, rescaled from the sphere to WGS84 geodesic km: conservative
        scale = length / np.maximum(cuts * (batch.km[first] * cnt), 1e-9)
        lat, lon = to_latlon(batch.xyz)
        if self.basis == "territory":
            over = self.grid.lookup(lat, lon) >= 0
            charged = prefix_sum(batch.km * over) * scale
        else:
            charged = length
        for k, inside in enumerate(self.rules.cap_masks(lat, lon)):
            caps[:, :, k] = prefix_sum(batch.km * inside) * scale
        return value, charged, feasible, caps

    def _ok(self, used: np.ndarray, caps_used: np.ndarray, charged: np.ndarray,
            caps: np.ndarray) -> np.ndarray:
        """Within the budget (Art. II para 11) and every capped region's limit."""
        ok = used + charged <= self.budget
        if len(self.cap_limits):
            ok &= np.all(caps_used + caps <= self.cap_limits, axis=-1)
        return ok

    def _close(self, states: Sequence[_State]) -> list[tuple[float, int, float] | None]:
        """Per state, the best direct return to an end airfield: (value, end, charged km).

        None where no end can be reached within the rules. One batch for all states.
        """
        ne = len(self.ends)
        a = np.repeat(np.array([st.xyz for st in states]), ne, axis=0)
        b = np.tile(self.ends_xyz, (len(states), 1))
        lat1 = np.repeat([st.points[-1][0] for st in states], ne)
        lon1 = np.repeat([st.points[-1][1] for st in states], ne)
        length = geodesic_km(lat1, lon1, np.tile([e[0] for e in self.ends], len(states)),
                             np.tile([e[1] for e in self.ends], len(states)))[:, None]
        group = np.repeat(np.arange(len(states)), ne)
        value, charged, feasible, caps = self._evaluate(
            a, b, group, [st.legs for st in states], length)
        used = np.repeat([st.used_km for st in states], ne)[:, None]
        caps_used = np.repeat(np.array([st.caps_km for st in states]), ne, axis=0)[:, None]
        ok = (feasible & self._ok(used, caps_used, charged, caps))[:, 0]
        value, charged = value[:, 0], charged[:, 0]
        out: list[tuple[float, int, float] | None] = []
        for s in range(len(states)):
            sl = slice(s * ne, (s + 1) * ne)
            v, o = value[sl], ok[sl]
            if not o.any():
                out.append(None)
                continue
            order = np.lexsort((np.arange(ne), -v))
            j = int(next(k for k in order if o[k]))
            out.append((float(v[j]), j, float(charged[sl][j])))
        return out

    # ------------------------------------------------------------------ search
    def _expand(self, beam: list[_State], az: np.ndarray) -> tuple[np.ndarray, ...] | None:
        """Every rule-abiding one-leg extension of the beam's states, in (state, leg) order.

        Along each bearing the leg of the greatest length is a great circle; the shorter legs
        are its prefixes (sampled once). Returns (score, state index, value, charged km, caps,
        lat, lon, xyz) arrays of the extensions, or None.
        """
        nb, nl = len(az), len(self.lengths)
        si = np.repeat(np.arange(len(beam)), nb)  # one row per (state, bearing)
        lat1 = np.array([st.points[-1][0] for st in beam])[si]
        lon1 = np.array([st.points[-1][1] for st in beam])[si]
        a = np.array([st.xyz for st in beam])[si]
        used = np.array([st.used_km for st in beam])[si]
        top_lat, top_lon = geodesic_forward(lat1, lon1, np.tile(az, len(beam)),
                                            np.full(len(si), self.lengths[-1]))
        top = unit_vectors(top_lat, top_lon)
        # points at the shorter lengths on the great circle a -> top
        share = self.lengths / self.lengths[-1]
        theta = np.arccos(np.clip(np.einsum("ij,ij->i", a, top), -1.0, 1.0))
        pole = _cross(a, top)
        pole /= np.maximum(np.linalg.norm(pole, axis=1, keepdims=True), 1e-300)
        tangent = _cross(pole, a)
        ang = theta[:, None] * share[None, :]
        q = np.cos(ang)[:, :, None] * a[:, None, :] + np.sin(ang)[:, :, None] * tangent[:, None]
        q[:, -1] = top
        q_lat, q_lon = to_latlon(q)
        q_lat[:, -1], q_lon[:, -1] = top_lat, top_lon
        length = geodesic_km(lat1[:, None], lon1[:, None], q_lat, q_lon)
        if self.basis == "route":
            # room for the way back: exact geodesics only where the bounds do not decide
            left = self.budget - used[:, None] - length
            sigma = np.arccos(np.clip(q @ self.ends_xyz.T, -1.0, 1.0)).min(axis=-1)
            keep = sigma * GEODESIC_PER_RAD[1] + 1e-3 <= left
            open_ = ~keep & (sigma * GEODESIC_PER_RAD[0] - 1e-3 <= left)
            if open_.any():
                back = np.min([geodesic_km(q_lat[open_], q_lon[open_], e[0], e[1])
                               for e in self.ends], axis=0)
                keep[open_] = back <= left[open_]
        else:
            keep = np.repeat((used <= self.budget)[:, None], nl, axis=1)
        rows = np.flatnonzero(keep.any(axis=1))
        if not len(rows):
            return None
        # each bearing flies as far as its longest kept length; shorter ones are prefixes
        kmax = nl - 1 - np.argmax(keep[rows, ::-1], axis=1)
        cuts = share[None, :] / share[kmax][:, None]
        valid = keep[rows] & (cuts <= 1.0)
        cuts = np.minimum(cuts, 1.0)
        si, used, length = si[rows], used[rows], length[rows]
        value, charged, feasible, caps = self._evaluate(
            a[rows], q[rows, kmax], si, [st.legs for st in beam], length, cuts)
        caps_used = np.array([st.caps_km for st in beam])[si][:, None]
        ok = valid & feasible & self._ok(used[:, None], caps_used, charged, caps)
        if not ok.any():
            return None
        r, k = np.nonzero(ok)  # (state, bearing, length) order
        si = si[r]
        value, charged, caps = value[r, k], charged[r, k], caps[r, k]
        # optimistic: the way back is assumed to image as well as the average
        st_value = np.array([st.value for st in beam])[si]
        score = st_value + value + (self.budget - used[r] - charged) * self.rho
        rr = rows[r]
        return score, si, value, charged, caps, q_lat[rr, k], q_lon[rr, k], q[rr, k]

    def run(self) -> list[tuple[float, float]]:
        root_xyz = unit_vectors(np.array([self.start[0]]), np.array([self.start[1]]))[0]
        root = _State([self.start], root_xyz, _NO_LEGS, 0.0, 0.0, np.zeros(len(self.rules.caps)))
        best_value, best_route = 0.0, [self.start, self.start]
        beam = [root]
        stale = 0
        for _depth in range(MAX_DEPTH):
            if stale >= PATIENCE:
                break  # no better closed route for several depths: stop searching
            stale += 1
            offset = float(self.rng.uniform(0.0, 360.0 / self.n_bearings))
            az = offset + np.arange(self.n_bearings) * 360.0 / self.n_bearings
            cand = self._expand(beam, az)
            if cand is None:
                break
            score, c_si, c_value, c_charged, c_caps, c_lat, c_lon, c_xyz = cand
            order = np.argsort(-score, kind="stable")
            cells = self.grid.spec.cell_of(c_lat, c_lon)
            children: list[tuple[float, int, _State]] = []
            seen_cells: set[int] = set()
            pos = 0
            # Walk the candidates best first, one child per cell, until 3 x beam_width
            # children or 6 x beam_width cells; their returns are evaluated in batches.
            while pos < len(order):
                want = min(3 * self.beam_width - len(children),
                           6 * self.beam_width - len(seen_cells))
                if want <= 0:
                    break
                picked: list[int] = []
                while pos < len(order) and len(picked) < want:
                    i = int(order[pos])
                    pos += 1
                    if int(cells[i]) not in seen_cells:
                        seen_cells.add(int(cells[i]))
                        picked.append(i)
                if not picked:
                    break
                batch: list[_State] = []
                for i in picked:
                    parent = beam[int(c_si[i])]
                    batch.append(_State(
                        [*parent.points, (float(c_lat[i]), float(c_lon[i]))], c_xyz[i],
                        parent.legs.add(parent.xyz, c_xyz[i]), parent.used_km + float(c_charged[i]),
                        parent.value + float(c_value[i]), parent.caps_km + c_caps[i]))
                for child, closed in zip(batch, self._close(batch), strict=True):
                    if closed is None:
                        continue
                    cv, ei, cch = closed
                    total = child.value + cv
                    if total > best_value * (1 + 1e-4) + 1e-9:
                        best_value, best_route = total, [*child.points, self.ends[ei]]
                        stale = 0
                    score_c = total + (self.budget - child.used_km - cch) * self.rho
                    children.append((score_c, len(children), child))
            if not children:
                break
            children.sort(key=lambda c: (-c[0], c[1]))
            beam = [c[2] for c in children[: self.beam_width]]
        return best_route


# ----------------------------------------------------------------- checking
def check_route(grid: StateGrid, waypoints: Sequence[tuple[float, float]],
                max_distance_km: float, rules: RouteRules,
                basis: BudgetBasis = "route", transit: Sequence[bool] = (),
                transit_charge: TransitCharge = "territory",
                ) -> tuple[float, float, dict[str, float], dict[str, float], tuple[str, ...]]:
    """Re-check a route on WGS84 geodesics sampled every 1 km.

    ``transit`` flags the legs flown with sensors off (Art. VII; Art. IV para 4): they may
    cross a State Party's land but no non-party's, keep no clearances and count in capped
    regions. ``transit_charge="territory"`` (default) charges only their km over the observed
    territory against the maximum distance: Art. II para 11 measures it "over the territory
    of the observed State Party", and a sensors-off leg over the sea or a transit state is no
    observation (an INTERPRETATION: the treaty is silent on transit inside a mission);
    ``"full"`` charges every km.
    Returns (length, length over territory, km per capped region, clearances, violations).
    """
    lats, lons, legs = [], [], []
    for k, ((la1, lo1), (la2, lo2)) in enumerate(itertools.pairwise(waypoints)):
        la, lo = geodesic_points(la1, lo1, la2, lo2, CHECK_STEP_KM)
        lats.append(la)
        lons.append(lo)
        legs.append(np.full(len(la), k))
    if not lats:
        return 0.0, 0.0, {r.name: 0.0 for r in rules.caps}, {}, ()
    lat = np.concatenate(lats)
    lon = np.concatenate(lons)
    leg = np.concatenate(legs)
    flags = np.zeros(len(waypoints) - 1, bool)
    flags[: len(transit)] = np.asarray(transit, bool)[: len(flags)]
    on_transit = flags[leg]
    same_leg = leg[:-1] == leg[1:]
    seg = geodesic_km(lat[:-1], lon[:-1], lat[1:], lon[1:]) * same_leg
    seg_transit = on_transit[:-1] & same_leg
    xyz = unit_vectors(lat, lon)
    mlat, mlon = to_latlon(xyz[:-1] + xyz[1:])  # segment midpoints
    territory = grid.territories.union(grid.codes)
    over = shapely.contains_xy(territory, mlon, mlat)
    length = float(seg.sum())
    over_km = float(seg[over].sum())
    region_km = {r.name: float(seg[m].sum())
                 for r, m in zip(rules.caps, rules.cap_masks(mlat, mlon), strict=True)}
    clear = rules.min_clearances(xyz[~on_transit]) if (~on_transit).any() else {}
    viol = []
    observing = seg[~seg_transit]
    charged = (float(observing.sum()) if basis == "route"
               else float(seg[over & ~seg_transit].sum()))
    charged += float(seg[seg_transit].sum()) if transit_charge == "full" \
        else float(seg[over & seg_transit].sum())
    if charged > max_distance_km + 1e-6:
        # Art. II para 11 / Annex A Sec. III: the maximum flight distance
        viol.append(f"{basis} length {charged:.1f} km > maximum {max_distance_km:.1f} km")
    tol = CHECK_STEP_KM / 2
    for c in rules.clearances:
        need = c.clearance_km + tol if c.kind != "foreign_land" else tol
        if clear.get(c.name, np.inf) < need:
            viol.append(f"{c.name}: closest approach {clear[c.name]:.2f} km < {need:.2f} km")
    if on_transit.any():
        # Art. VII para 1: transit over the territory of States Parties; none over a non-party
        bad = rules.over_non_party(lat[on_transit], lon[on_transit])
        if bad.any():
            viol.append(f"transit leg over non-party land ({int(bad.sum())} km)")
    for r in rules.caps:
        if region_km[r.name] > r.max_km + 1e-6:
            viol.append(f"{r.name}: {region_km[r.name]:.1f} km > cap {r.max_km:.1f} km")
    return length, over_km, region_km, clear, tuple(viol)


def evaluate_route(grid: StateGrid, waypoints: Sequence[tuple[float, float]], swath_km: float,
                   max_distance_km: float, rules: RouteRules, imaged: Any = None,
                   priority: np.ndarray | None = None, sar_swath_km: float = 0.0,
                   basis: BudgetBasis = "route", planner: str = "given",
                   transit: Sequence[bool] = (),
                   transit_charge: TransitCharge = "territory") -> Route:
    """Rasterise and re-check any route: imaged, new and valued area, and rule violations.

    Legs flagged in ``transit`` are flown with sensors off: they image nothing."""
    wp = tuple((float(a), float(b)) for a, b in waypoints)
    flags = tuple(bool(t) for t in transit)[: max(len(wp) - 1, 0)]
    flags = flags + (False,) * (max(len(wp) - 1, 0) - len(flags)) if any(flags) else ()
    length, over_km, region_km, clear, viol = check_route(grid, wp, max_distance_km, rules,
                                                          basis, flags, transit_charge)
    parts = observation_parts(wp, flags)
    cells, bits = _footprint_parts(grid, parts, swath_km)
    sar = np.zeros(len(cells), np.uint64)
    if sar_swath_km > 0:
        c_sar, s_bits = _footprint_parts(grid, parts, sar_swath_km)
        allc = np.union1d(cells, c_sar)
        merged = np.zeros(len(allc), np.uint64)
        merged[np.searchsorted(allc, cells)] |= bits
        sar = np.zeros(len(allc), np.uint64)
        sar[np.searchsorted(allc, c_sar)] = s_bits
        merged |= sar
        cells, bits = allc, merged
    before = _imaged_bits_at(grid, imaged, cells)
    new = bits & ~before
    area = grid.quad_area_km2[cells] / NSUB
    new_area = area * popcount(new)
    pr = np.ones(len(cells)) if priority is None else np.asarray(priority, float)[cells]
    transit_km = sum(float(geodesic_km(a[0], a[1], b[0], b[1]))
                     for (a, b), t in zip(itertools.pairwise(wp), flags, strict=False) if t)
    return Route(
        waypoints=wp, length_km=length, length_over_territory_km=over_km,
        cells=cells, bits=bits, sar_bits=sar,
        imaged_km2=float(np.sum(area * popcount(bits))), new_km2=float(new_area.sum()),
        value=float(np.sum(new_area * pr)), swath_km=float(swath_km),
        sar_swath_km=float(sar_swath_km), max_distance_km=float(max_distance_km),
        region_km=region_km, clearances_km=clear, violations=viol, planner=planner,
        transit=flags, transit_km=transit_km,
    )


def observation_parts(waypoints: Sequence[tuple[float, float]],
                      transit: Sequence[bool] = ()) -> list[list[tuple[float, float]]]:
    """The runs of consecutive legs flown with sensors on, as waypoint lists."""
    wp = list(waypoints)
    if not any(transit):
        return [wp] if len(wp) >= 2 else []
    parts: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for k in range(len(wp) - 1):
        if k < len(transit) and transit[k]:
            if len(current) >= 2:
                parts.append(current)
            current = []
            continue
        if not current:
            current = [wp[k]]
        current.append(wp[k + 1])
    if len(current) >= 2:
        parts.append(current)
    return parts


def _footprint_parts(grid: StateGrid, parts: Sequence[Sequence[tuple[float, float]]],
                     swath_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Local (cells, bits) imaged by the parts of a route (their union)."""
    if swath_km <= 0 or not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    pieces = [grid.clip(*footprint(grid.spec, p, swath_km)) for p in parts]
    return pieces[0] if len(pieces) == 1 else union_bits(pieces)


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
