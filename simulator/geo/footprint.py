"""Sensor footprints of a polyline on the global grid, as sub-point bit words.

Each straight leg images a strip of ``swath_km`` centred on the leg; interior waypoints add a
disc of radius ``swath_km / 2`` (the aircraft keeps imaging through its turn). Distances are
measured on the local sphere of Gaussian radius sqrt(M N) at the leg's middle, which is within
0.1 % of the WGS84 distance at that latitude in every direction.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.geo.ellipsoid import gaussian_radius_km, to_latlon, unit_vectors
from simulator.geo.grid import NSUB, SUB_X, SUB_Y, GridSpec


def _pack(inside: np.ndarray) -> np.ndarray:
    """(n, 64) bool -> (n,) uint64 with bit k = column k."""
    packed = np.packbits(inside, axis=1, bitorder="little")
    return np.ascontiguousarray(packed).view("<u8").ravel().astype(np.uint64)


def _subpoint_vectors(spec: GridSpec, gid: np.ndarray) -> np.ndarray:
    """(n, 64, 3) unit vectors of the cells' sub-points (as :meth:`GridSpec.subpoints`).

    Sines and cosines of the sub-rows' latitudes come per row, those of the longitudes from
    the cell's western edge and the sub-point's offset by the angle-addition formulas.
    """
    r, c = spec.rowcol(gid)
    rows, inv = np.unique(r, return_inverse=True)
    lat = np.radians(spec.row_lat_lo[rows][:, None] + SUB_Y[None, :] * spec.dlat)
    cos_lat, sin_lat = np.cos(lat)[inv], np.sin(lat)[inv]
    dlon = np.radians(360.0 / spec.ncols[rows])
    off = SUB_X[None, :] * dlon[:, None]
    cos_off, sin_off = np.cos(off)[inv], np.sin(off)[inv]
    west = np.radians(-180.0) + c * dlon[inv]
    cw, sw = np.cos(west)[:, None], np.sin(west)[:, None]
    out = np.empty((len(gid), NSUB, 3))
    out[:, :, 0] = cos_lat * (cw * cos_off - sw * sin_off)
    out[:, :, 1] = cos_lat * (sw * cos_off + cw * sin_off)
    out[:, :, 2] = sin_lat
    return out


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Row-wise cross products of (n, 3) arrays (``np.cross`` costs more for a few rows)."""
    out = np.empty_like(u)
    out[:, 0] = u[:, 1] * v[:, 2] - u[:, 2] * v[:, 1]
    out[:, 1] = u[:, 2] * v[:, 0] - u[:, 0] * v[:, 2]
    out[:, 2] = u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]
    return out


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
    join_first: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Global (gids, bits) imaged by a route of straight legs with the given swath.

    All legs at once: candidate (leg, cell) pairs around points every half cell along each
    leg, pruned exactly by the cells' centre distance to the leg's great circle, then every
    sub-point of the remaining pairs is tested. With ``join_first``, the first leg has a round
    join at its start too (it continues a leg imaged before: the footprint of a route is the
    union of its legs' footprints, each but the first with its join).
    """
    pts = np.asarray(waypoints, float).reshape(-1, 2)
    if len(pts) < 2 or swath_km <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    xyz = unit_vectors(pts[:, 0], pts[:, 1])
    half = swath_km / 2.0
    a, b = xyz[:-1], xyz[1:]
    # per leg, as a dot product of two 3-vectors: a repeated waypoint's rounds to 1 or not
    # exactly as it always did (below 1 it makes a leg with a round join but no strip)
    theta = np.arccos(np.clip([u @ v for u, v in zip(a, b, strict=True)], -1.0, 1.0))
    mid = a + b  # the leg's midpoint direction (legs are far shorter than half the globe)
    radius = gaussian_radius_km(to_latlon(mid)[0])
    legs = np.flatnonzero(theta * radius >= 1e-6)
    if not len(legs):
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    a, b, theta, radius = a[legs], b[legs], theta[legs], radius[legs]
    n = _cross(a, b)
    norm = np.linalg.norm(n, axis=1, keepdims=True)
    # a repeated waypoint whose dot product rounds below 1 has a length but no great circle:
    # no strip, only its round join (as a leg with an undefined pole always had)
    degenerate = norm[:, 0] == 0.0
    n = np.where(degenerate[:, None], (0.0, 0.0, 1.0), n / np.where(norm > 0.0, norm, 1.0))
    m = _cross(n, a)
    # points every <= half a cell along each leg, on its great circle
    step = spec.resolution_km / 2.0
    cnt = np.maximum(2, np.ceil(theta * radius / step).astype(np.int64) + 1)
    leg_of = np.repeat(np.arange(len(legs)), cnt)
    t = (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)) / (cnt - 1)[leg_of]
    phi = t * theta[leg_of]
    la, lo = to_latlon(np.cos(phi)[:, None] * a[leg_of] + np.sin(phi)[:, None] * m[leg_of])
    k, cand = spec.neighbourhood_pairs(la, lo, half + spec.resolution_km, leg_of)
    # Exact pruning: a sub-point's distance to the great circle differs from its cell
    # centre's by at most the cell's radius, and a point within half a swath of the
    # waypoint (the round join) is within half a swath of the great circle too.
    clat, clon = spec.centres(cand)
    off = np.abs(np.arcsin(np.clip(np.einsum("ij,ij->i", unit_vectors(clat, clon), n[k]),
                                   -1.0, 1.0)))
    keep = (off <= half / radius[k] * (1 + 1e-9) + spec.row_radius_rad[spec.rowcol(cand)[0]]) \
        | degenerate[k]
    k, cand = k[keep], cand[keep]
    p = _subpoint_vectors(spec, cand)  # (c, 64, 3)
    r = radius[k]
    # inside the strip: |cross-track angle| <= half / r, along-track angle in [0, theta],
    # tested on sines and cosines (no inverse trigonometry per sub-point)
    y = np.einsum("ijk,ik->ij", p, m[k])
    x = np.einsum("ijk,ik->ij", p, a[k])
    inside = (np.abs(np.einsum("ijk,ik->ij", p, n[k])) <= np.sin(half / r)[:, None]) \
        & (y >= 0.0) & (x * np.sin(theta[k])[:, None] - y * np.cos(theta[k])[:, None] >= 0.0) \
        & ~degenerate[k][:, None]
    if round_joins:
        join = (legs[k] > 0) | join_first  # the aircraft keeps imaging through its turn
        inside[join] |= np.einsum("ijk,ik->ij", p[join], a[k[join]]) \
            >= np.cos(half / r[join])[:, None]
    hit = inside.any(axis=1)
    if not hit.any():
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    return combine([cand[hit]], [_pack(inside[hit])])


def footprint_area_km2(spec: GridSpec, gids: np.ndarray, bits: np.ndarray) -> float:
    """Area of a global footprint, land or sea."""
    return float(np.sum(spec.quad_area_km2(gids) * np.bitwise_count(bits)) / NSUB)
