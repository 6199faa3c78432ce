"""Sensor footprints of a polyline on the global grid, as sub-point bit words.

Each straight leg images a strip of ``swath_km`` centred on the leg; interior waypoints add a
disc of radius ``swath_km / 2`` (the aircraft keeps imaging through its turn). Distances are
measured on the local sphere of Gaussian radius sqrt(M N) at the leg's middle, which is within
0.1 % of the WGS84 distance at that latitude in every direction.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.geo.ellipsoid import gaussian_radius_km, slerp, to_latlon, unit_vectors
from simulator.geo.grid import NSUB, GridSpec


def _pack(inside: np.ndarray) -> np.ndarray:
    """(n, 64) bool -> (n,) uint64 with bit k = column k."""
    packed = np.packbits(inside, axis=1, bitorder="little")
    return np.ascontiguousarray(packed).view("<u8").ravel().astype(np.uint64)


def combine(gids: list[np.ndarray], bits: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """OR together several (gids, bits) sets: sorted unique gids."""
    if not gids:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    g = np.concatenate(gids)
    b = np.concatenate(bits)
    ug, inv = np.unique(g, return_inverse=True)
    out = np.zeros(len(ug), np.uint64)
    np.bitwise_or.at(out, inv, b)
    keep = out != 0
    return ug[keep], out[keep]


def footprint(
    spec: GridSpec,
    waypoints: Sequence[tuple[float, float]],
    swath_km: float,
    round_joins: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Global (gids, bits) imaged by a route of straight legs with the given swath."""
    pts = np.asarray(waypoints, float).reshape(-1, 2)
    if len(pts) < 2 or swath_km <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    xyz = unit_vectors(pts[:, 0], pts[:, 1])
    half = swath_km / 2.0
    out_g: list[np.ndarray] = []
    out_b: list[np.ndarray] = []
    for i in range(len(pts) - 1):
        a, b = xyz[i], xyz[i + 1]
        theta = float(np.arccos(np.clip(a @ b, -1.0, 1.0)))
        mid = slerp(a, b, np.array([0.5]))[0]
        radius = float(gaussian_radius_km(to_latlon(mid)[0]))
        if theta * radius < 1e-6:
            continue
        n = np.cross(a, b)
        n /= np.linalg.norm(n)
        m = np.cross(n, a)
        step = spec.resolution_km / 2.0
        t = np.linspace(0.0, 1.0, max(2, int(np.ceil(theta * radius / step)) + 1))
        la, lo = to_latlon(slerp(a, b, t))
        cand = spec.neighbourhood(la, lo, half + spec.resolution_km)
        slat, slon = spec.subpoints(cand)
        p = unit_vectors(slat, slon)  # (c, 64, 3)
        xt = radius * np.arcsin(np.clip(p @ n, -1.0, 1.0))
        along = np.arctan2(p @ m, p @ a)
        inside = (np.abs(xt) <= half) & (along >= 0.0) & (along <= theta)
        if round_joins and i > 0:
            ang = np.arccos(np.clip(p @ a, -1.0, 1.0))
            inside |= ang * radius <= half
        keep = inside.any(axis=1)
        if keep.any():
            out_g.append(cand[keep])
            out_b.append(_pack(inside[keep]))
    return combine(out_g, out_b)


def footprint_area_km2(spec: GridSpec, gids: np.ndarray, bits: np.ndarray) -> float:
    """Area of a global footprint, land or sea."""
    return float(np.sum(spec.quad_area_km2(gids) * np.bitwise_count(bits)) / NSUB)
