"""The beam search behind :func:`simulator.geo.routes.plan_route` (steps 2-4 of the heuristic
described there): states, expansion by bearings and leg lengths, ranking and the best closed
route."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.geo.ellipsoid import (
    EARTH_MEAN_KM,
    geodesic_forward,
    geodesic_km,
    to_latlon,
    unit_vectors,
)
from simulator.geo.grid import StateGrid
from simulator.geo.leg_sampling import NO_LEGS, Legs, cross, inside_legs, sample_legs
from simulator.geo.route_types import (
    GC_DEVIATION_KM,
    GEODESIC_PER_RAD,
    MAX_DEPTH,
    PATIENCE,
    SAMPLE_KM,
    BudgetBasis,
)
from simulator.geo.rules import VERTEX_SPACING_KM, RouteRules


@dataclass
class _State:
    points: list[tuple[float, float]]
    xyz: np.ndarray  # unit vector of the last point
    legs: Legs
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


class Planner:
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
                  priors: Sequence[Legs], length: np.ndarray,
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
        batch = sample_legs(a, b)
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
                    contrib[sub[inside_legs(vals[sub], legs, self.half)]] = 0.0
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
        used = np.repeat([st.used_km for st in states], ne)[:, None]
        caps_used = np.repeat(np.array([st.caps_km for st in states]), ne, axis=0)[:, None]
        # Art. II para 11: charged on the route basis, a return longer than the budget left
        # can never be flown, so it is not evaluated (about half of all returns)
        live = np.flatnonzero(used[:, 0] + length[:, 0] <= self.budget) \
            if self.basis == "route" else np.arange(len(a))
        value, charged = np.zeros(len(a)), length[:, 0].copy()
        ok = np.zeros(len(a), bool)
        if len(live):
            v, c, feasible, caps = self._evaluate(
                a[live], b[live], group[live], [st.legs for st in states], length[live])
            ok[live] = (feasible & self._ok(used[live], caps_used[live], c, caps))[:, 0]
            value[live], charged[live] = v[:, 0], c[:, 0]
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
        pole = cross(a, top)
        pole /= np.maximum(np.linalg.norm(pole, axis=1, keepdims=True), 1e-300)
        tangent = cross(pole, a)
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
        root = _State([self.start], root_xyz, NO_LEGS, 0.0, 0.0, np.zeros(len(self.rules.caps)))
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
