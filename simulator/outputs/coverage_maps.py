"""Coverage maps with matplotlib and our own projection: no cartopy, no pyplot.

A Lambert azimuthal equal-area projection centred on the state keeps Russia whole across the
180th meridian (Chukotka joins the mainland) and shows areas true to scale.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import shapely
from matplotlib.collections import LineCollection, PolyCollection
from pyproj import Transformer

from simulator.geo.ellipsoid import geodesic_points, to_latlon
from simulator.geo.grid import StateGrid
from simulator.outputs.figure import Figure


def projection_for(grid: StateGrid) -> Transformer:
    """Lon/lat -> LAEA metres centred on the territory's area-weighted centre."""
    w = grid.cell_area_km2[:, None]
    c = (grid.xyz * w).sum(axis=0)
    lat0, lon0 = to_latlon(c / np.linalg.norm(c))
    return Transformer.from_crs(
        "EPSG:4326",
        f"+proj=laea +lat_0={float(lat0):.4f} +lon_0={float(lon0):.4f} +datum=WGS84 +units=km",
        always_xy=True,
    )


def _rings(geom: Any, tol: float) -> list[np.ndarray]:
    geom = shapely.simplify(geom, tol, preserve_topology=True) if tol > 0 else geom
    out = []
    for p in getattr(geom, "geoms", [geom]):
        if p.geom_type == "Polygon" and not p.is_empty:
            out.append(np.asarray(p.exterior.coords))
    return out


def plot_coverage(
    grid: StateGrid,
    tracker: Any | None = None,
    routes: Sequence[Any] = (),
    path: str | Path | None = None,
    title: str | None = None,
    ax: Any | None = None,
) -> Any:
    """Draw a territory, its imaged cells and the routes flown.

    Cells are blue by revisits (1, 2, 3+ flights) with opacity = the imaged share of their land.

    Returns the matplotlib Figure; writes a PNG when ``path`` is given.
    """
    tf = projection_for(grid)
    terr = grid.territories
    own = ax is None
    if own:
        fig = Figure(figsize=(11, 7), dpi=110)
        ax = fig.subplots()
    else:
        fig = ax.figure
    # extent from the territory's cells
    gx, gy = tf.transform(grid.lon, grid.lat)
    pad_x = 0.05 * (gx.max() - gx.min()) + grid.resolution_km
    pad_y = 0.05 * (gy.max() - gy.min()) + grid.resolution_km
    xlim = (gx.min() - pad_x, gx.max() + pad_x)
    ylim = (gy.min() - pad_y, gy.max() + pad_y)
    tol = max(grid.resolution_km / 111.0 / 4, 0.005)
    # neighbours (context), then the territory
    own_codes = terr.adm0_codes_of(grid.codes)
    polys_other, polys_own = [], []
    for code, country in sorted(terr.countries.items()):
        target = polys_own if code in own_codes else polys_other
        geom = terr.union(grid.codes) if code in own_codes else country.geometry
        for ring in _rings(geom, tol):
            x, y = tf.transform(ring[:, 0], ring[:, 1])
            ok = np.isfinite(x) & np.isfinite(y)
            if ok.sum() < 3:
                continue
            x, y = x[ok], y[ok]
            if x.max() < xlim[0] or x.min() > xlim[1] or y.max() < ylim[0] or y.min() > ylim[1]:
                continue
            if np.hypot(x, y).max() > 12000:  # far side of the globe
                continue
            target.append(np.column_stack([x, y]))
    ax.add_collection(PolyCollection(polys_other, facecolor="#f2f2f2", edgecolor="#bbbbbb",
                                     linewidth=0.3, zorder=1))
    ax.add_collection(PolyCollection(polys_own, facecolor="#d9d4c7", edgecolor="#6b6b6b",
                                     linewidth=0.4, zorder=2))
    # imaged cells
    if tracker is not None and np.any(tracker.bits):
        idx = np.flatnonzero(tracker.bits)
        clat, clon = grid.spec.corners(grid.gid[idx])
        cx, cy = tf.transform(clon.ravel(), clat.ravel())
        quads = np.stack([cx.reshape(-1, 4), cy.reshape(-1, 4)], axis=-1)
        counts = np.minimum(tracker.counts[idx], 3)
        rgb = np.array([[0, 0, 0], [107, 174, 214], [33, 113, 181], [8, 48, 107]]) / 255
        share = np.bitwise_count(tracker.bits[idx]) / np.maximum(
            np.bitwise_count(grid.land_bits[idx]), 1)
        colours = np.column_stack([rgb[counts], 0.2 + 0.8 * share])  # opacity: imaged share
        ax.add_collection(PolyCollection(list(quads), facecolor=colours, edgecolor="none",
                                         zorder=3))
    # routes
    cmap = matplotlib.colormaps["autumn"]
    for i, r in enumerate(routes):
        segs = []
        wp = list(r.waypoints)
        for (la1, lo1), (la2, lo2) in itertools.pairwise(wp):
            la, lo = geodesic_points(la1, lo1, la2, lo2, max(grid.resolution_km, 5.0))
            x, y = tf.transform(lo, la)
            segs.append(np.column_stack([x, y]))
        colour = cmap(i / max(len(routes) - 1, 1))
        ax.add_collection(LineCollection(segs, colors=[colour], linewidths=0.9, zorder=4))
        sx, sy = tf.transform(wp[0][1], wp[0][0])
        ax.plot([sx], [sy], marker="^", color="black", markersize=6, zorder=5)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if tracker is not None:
        pct = 100 * tracker.fraction
        default = (f"{'+'.join(grid.codes)}: {tracker.imaged_km2:,.0f} km² imaged "
                   f"({pct:.2f} % of {grid.total_area_km2:,.0f} km²) by {len(routes)} routes")
    else:
        default = f"{'+'.join(grid.codes)}: {grid.total_area_km2:,.0f} km²"
    ax.set_title(title or default, fontsize=10)
    if own and path is not None:
        fig.tight_layout()
        fig.savefig(path)
    return fig
