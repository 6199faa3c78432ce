"""The planner's legs: straight legs sampled every 5 km along their centre line and across the
swath, checked against the rules, in batches for a whole depth of the beam search."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.geo.ellipsoid import (
    EARTH_MEAN_KM,
)
from simulator.geo.route_types import SAMPLE_KM


# ------------------------------------------------------------ leg geometry
def cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
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
class Legs:
    """The straight legs of an open route (shared with its parent's, not copied)."""

    legs: tuple[_Leg, ...] = ()

    def __len__(self) -> int:
        return len(self.legs)

    def add(self, a: np.ndarray, b: np.ndarray) -> Legs:
        """These legs and one more, a -> b (scalar arithmetic: one leg at a time)."""
        ax, ay, az = (float(v) for v in a)
        bx, by, bz = (float(v) for v in b)
        theta = math.acos(min(1.0, max(-1.0, ax * bx + ay * by + az * bz)))
        nx, ny, nz = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx
        norm = math.sqrt(nx * nx + ny * ny + nz * nz)
        nx, ny, nz = (nx / norm, ny / norm, nz / norm) if norm > 1e-15 else (0.0, 0.0, 1.0)
        m = np.array([ny * az - nz * ay, nz * ax - nx * az, nx * ay - ny * ax])
        leg = _Leg(np.array([ax, ay, az]), np.array([nx, ny, nz]), m, theta)
        return Legs((*self.legs, leg))


NO_LEGS = Legs()


def inside_legs(p: np.ndarray, legs: Legs, half_km: float) -> np.ndarray:
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


def sample_legs(a: np.ndarray, b: np.ndarray) -> _Batch:
    """Centre samples every ~5 km along legs a[i] -> b[i] (midpoints of equal stretches).

    A sample at angle phi from a is cos(phi) a + sin(phi) u, u the unit tangent towards b.
    """
    theta = np.arccos(np.clip(np.einsum("ij,ij->i", a, b), -1.0, 1.0))
    length = theta * EARTH_MEAN_KM
    cnt = np.maximum(1, np.ceil(length / SAMPLE_KM).astype(np.int64))
    leg_of = np.repeat(np.arange(len(a)), cnt)
    start = np.cumsum(cnt) - cnt
    phi = (np.arange(cnt.sum()) - start[leg_of] + 0.5) * (theta / cnt)[leg_of]
    pole = cross(a, b)
    norm = np.sqrt(np.einsum("ij,ij->i", pole, pole))[:, None]
    pole = np.where(norm > 1e-15, pole / np.where(norm > 1e-15, norm, 1.0), 0.0)
    tangent = cross(pole, a)
    cos_phi, sin_phi = np.cos(phi), np.sin(phi)
    c = np.empty((len(phi), 3))
    for k in range(3):  # per coordinate: long contiguous loops
        c[:, k] = cos_phi * a[leg_of, k] + sin_phi * tangent[leg_of, k]
    return _Batch(leg_of, c, (length / cnt)[leg_of], start, pole)
