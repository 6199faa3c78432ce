"""Maps of a run or a comparison: the whole treaty area beside a Europe frame.

Both panels use Lambert azimuthal equal-area projections (true area): the whole area centred on
the North Pole, which shows North America, Europe and all of Russia, and Europe centred on
52 N 15 E. Parties carry their codes; a state's parts on both sides of 180 degrees (Chukotka,
the Aleutians) are joined before drawing, so no seam runs through them. In a comparison every
map shares one colour scale, and a difference map shows the first scenario minus each other.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import matplotlib
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.colors import Normalize, TwoSlopeNorm

from simulator.outputs.figure import Figure

CMAP = "YlGnBu"
DIFF_CMAP = "RdBu"
WORLD = {"lat_0": 90.0, "lon_0": -25.0}
EUROPE = {"lat_0": 52.0, "lon_0": 15.0}
EUROPE_BOX = (-12.0, 34.0, 45.0, 71.0)  # lon_min, lat_min, lon_max, lat_max
LABEL_MIN_KM2 = {"world": 1.5e6, "europe": 2.0e4}


@functools.lru_cache(maxsize=64)
def laea(lat_0: float, lon_0: float):
    """A (cached) transformer from lon/lat to a Lambert azimuthal equal-area plane, km."""
    from pyproj import Transformer

    return Transformer.from_crs(
        "EPSG:4326", f"+proj=laea +lat_0={lat_0} +lon_0={lon_0} +datum=WGS84 +units=km",
        always_xy=True,
    )


@functools.lru_cache(maxsize=1024)
def _shape(code: str, resolution_km: float):
    """A state's outline (a party's treaty territory), simplified, joined across 180 degrees."""
    import shapely
    from shapely.affinity import translate

    from simulator.geo import load_territories

    terr = load_territories(resolution_km)
    geom = terr.territory(code) if code in terr.party_codes else terr.country(code).geometry
    geom = shapely.simplify(geom, 0.05, preserve_topology=True)
    parts = list(getattr(geom, "geoms", [geom]))
    if any(p.bounds[2] > 179.9 for p in parts) and any(p.bounds[0] < -179.9 for p in parts):
        parts = [translate(p, 360.0) if p.bounds[2] < 0 and p.bounds[0] < -150 else p
                 for p in parts]
        geom = shapely.union_all(parts)
    return geom


@functools.lru_cache(maxsize=2048)
def _rings(code: str, resolution_km: float, view: str) -> tuple[np.ndarray, ...]:
    tf = laea(**(WORLD if view == "world" else EUROPE))
    out = []
    for p in getattr(_shape(code, resolution_km), "geoms", [_shape(code, resolution_km)]):
        if p.geom_type != "Polygon" or p.is_empty or p.area < 0.01:
            continue
        ring = np.asarray(p.exterior.coords)
        x, y = tf.transform(ring[:, 0], ring[:, 1])
        if np.all(np.isfinite(x)) and np.hypot(x, y).max() < 9500:
            out.append(np.column_stack([x, y]))
    return tuple(out)


def _label_point(code: str, resolution_km: float, view: str) -> tuple[float, float] | None:
    geom = _shape(code, resolution_km)
    big = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
    pt = big.representative_point()
    x, y = laea(**(WORLD if view == "world" else EUROPE)).transform(pt.x, pt.y)
    return (float(x), float(y)) if np.isfinite(x) else None


def _panel(ax, view: str, resolution_km: float, values: Mapping[str, float] | None, norm,
           cmap, absent: frozenset[str]) -> None:
    """One map: parties coloured by ``values`` (white if absent or NaN; beige for all when
    ``values`` is None), others grey."""
    from simulator.geo import load_territories

    terr = load_territories(resolution_km)
    parties = sorted(terr.party_codes)
    others = sorted(c for c in terr.countries if c not in terr.adm0_codes_of(parties))
    ax.add_collection(PolyCollection(
        [r for c in others for r in _rings(c, resolution_km, view)],
        facecolor="#f4f4f4", edgecolor="#cccccc", linewidth=0.2))
    cm = matplotlib.colormaps[cmap]
    for code in parties:
        v = float("nan") if values is None else values.get(code, float("nan"))
        if code in absent:
            colour = "#ffffff"
        elif values is None:
            colour = "#e0dccf"
        else:
            colour = cm(norm(v)) if np.isfinite(v) else "#ffffff"
        ax.add_collection(PolyCollection(list(_rings(code, resolution_km, view)),
                                         facecolor=colour, edgecolor="#555555", linewidth=0.3))
    if view == "world":
        pts = np.concatenate([r for c in parties for r in _rings(c, resolution_km, view)])
        lon_lat = laea(**WORLD).transform(pts[:, 0], pts[:, 1], direction="INVERSE")
        keep = np.asarray(lon_lat[1]) > 24  # Hawaii and far islands south of 24 N left out
        xs, ys = pts[keep, 0], pts[keep, 1]
    else:
        lo_x, lo_y, hi_x, hi_y = EUROPE_BOX
        bx = np.r_[np.linspace(lo_x, hi_x, 20), np.full(20, hi_x), np.linspace(hi_x, lo_x, 20),
                   np.full(20, lo_x)]
        by = np.r_[np.full(20, lo_y), np.linspace(lo_y, hi_y, 20), np.full(20, hi_y),
                   np.linspace(hi_y, lo_y, 20)]
        xs, ys = laea(**EUROPE).transform(bx, by)
    pad = 150 if view == "europe" else 300
    ax.set_xlim(np.min(xs) - pad, np.max(xs) + pad)
    ax.set_ylim(np.min(ys) - pad, np.max(ys) + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for code in parties:
        if code in absent or terr.grid((code,)).total_area_km2 < LABEL_MIN_KM2[view]:
            continue
        at = _label_point(code, resolution_km, view)
        if at and x0 < at[0] < x1 and y0 < at[1] < y1:
            ax.text(*at, code, fontsize=6.5 if view == "europe" else 7, ha="center",
                    va="center", color="#222222")


def _fractions(result: Any) -> dict[str, float]:
    return result.coverage.groupby("state")["imaged_fraction"].mean().to_dict()


def _resolution(result: Any, resolution_km: float | None) -> float:
    if resolution_km is not None:
        return resolution_km
    geography = (getattr(result, "manifest", None) or {}).get("data", {}).get("geography")
    return float((geography or {}).get("grid", {}).get("resolution_km", 25.0))


def _pair(fig, row: int, nrows: int):
    grid = fig.add_gridspec(nrows, 2, width_ratios=[1.0, 1.0])
    return fig.add_subplot(grid[row, 0]), fig.add_subplot(grid[row, 1])


def imaged_fraction_maps(results: Mapping[str, Any], resolution_km: float | None = None):
    """Each party shaded by the share of its territory imaged per year, one row per scenario,
    on one colour scale; white: not a party in the period."""
    fracs = {label: _fractions(r) for label, r in results.items()}
    vmax = max([v for f in fracs.values() for v in f.values() if np.isfinite(v)] + [0.05])
    norm = Normalize(0, vmax)
    n = len(results)
    fig = Figure(figsize=(14, 6.2 * n), layout="constrained")
    for row, (label, res) in enumerate(results.items()):
        res_km = _resolution(res, resolution_km)
        from simulator.geo import load_territories

        absent = frozenset(load_territories(res_km).party_codes) - set(fracs[label])
        left, right = _pair(fig, row, n)
        _panel(left, "world", res_km, fracs[label], norm, CMAP, absent)
        _panel(right, "europe", res_km, fracs[label], norm, CMAP, absent)
        years = sorted(res.coverage["year"].unique())
        span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
        left.set_title(f"{label} ({span})\nshare of each party's territory imaged per year",
                       fontsize=10, loc="left")
        right.set_title("Europe", fontsize=10, loc="left")
    bar = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=CMAP), ax=fig.axes,
                       shrink=0.6, aspect=30, format=matplotlib.ticker.PercentFormatter(1.0))
    bar.set_label("share of territory imaged per year (white: not a party)")
    return fig


def difference_maps(results: Mapping[str, Any], resolution_km: float | None = None):
    """The first scenario's imaged share minus each other's, per party (percentage points);
    white where a party is in only one of the two."""
    labels = list(results)
    base = _fractions(results[labels[0]])
    diffs = {lab: {s: base[s] - v for s, v in _fractions(results[lab]).items() if s in base}
             for lab in labels[1:]}
    span = max([abs(v) for d in diffs.values() for v in d.values() if np.isfinite(v)] + [0.01])
    norm = TwoSlopeNorm(0.0, -span, span)
    n = max(len(diffs), 1)
    fig = Figure(figsize=(14, 6.2 * n), layout="constrained")
    for row, (lab, d) in enumerate(diffs.items()):
        res_km = _resolution(results[lab], resolution_km)
        left, right = _pair(fig, row, n)
        _panel(left, "world", res_km, d, norm, DIFF_CMAP, frozenset())
        _panel(right, "europe", res_km, d, norm, DIFF_CMAP, frozenset())
        left.set_title(f"{labels[0]} minus {lab}\nshare imaged per year (blue: more in "
                       f"{labels[0]})", fontsize=10, loc="left")
        right.set_title("Europe", fontsize=10, loc="left")
    bar = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=DIFF_CMAP), ax=fig.axes,
                       shrink=0.6, aspect=30, format=matplotlib.ticker.PercentFormatter(1.0))
    bar.set_label(f"share imaged: {labels[0]} minus the other (white: a party in one only)")
    return fig


def imaged_cells_map(result: Any, resolution_km: float | None = None):
    """The cells imaged in replication 0 over the whole period (the run's grid)."""
    res_km = _resolution(result, resolution_km)
    from simulator.geo import load_territories

    terr = load_territories(res_km)
    present = set(result.coverage["state"])
    absent = frozenset(terr.party_codes) - present if present else frozenset()
    fig = Figure(figsize=(14, 6.2), layout="constrained")
    left, right = _pair(fig, 0, 1)
    for ax, view in ((left, "world"), (right, "europe")):
        _panel(ax, view, res_km, None, None, CMAP, absent)
        quads = []
        tf = laea(**(WORLD if view == "world" else EUROPE))
        for _, (gid, _bits) in sorted((getattr(result, "cells", None) or {}).items()):
            if len(gid) == 0:
                continue
            clat, clon = terr.spec.corners(np.asarray(gid, np.int64))
            x, y = tf.transform(clon.ravel(), clat.ravel())
            q = np.stack([x.reshape(-1, 4), y.reshape(-1, 4)], axis=-1)
            quads.extend(q[np.all(np.isfinite(q), axis=(1, 2))])
        ax.add_collection(PolyCollection(quads, facecolor="#08519c", edgecolor="none",
                                         alpha=0.85))
    total = result.coverage[result.coverage["replication"] == 0]["imaged_km2"].sum()
    left.set_title(f"{result.name}: cells imaged, replication 0\n{total:,.0f} km² summed "
                   "over years; white: not a party", fontsize=10, loc="left")
    right.set_title("Europe", fontsize=10, loc="left")
    return fig


__all__ = ["difference_maps", "imaged_cells_map", "imaged_fraction_maps", "laea"]
