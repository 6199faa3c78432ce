"""A map of flown routes from ``routes.geojson``: one panel per observed holder.

Each panel is a Lambert azimuthal equal-area projection centred on the holder's territory, so
distances and shapes are true near the routes. The legs flown with sensors on are drawn, one
colour per observer, with the airfield each mission commenced at; transit legs with sensors off
(to Kaliningrad, Hawaii or Greenland) are not part of the track and are given as km in the
panel's note.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.lines import Line2D

from simulator.outputs.figure import Figure
from simulator.outputs.maps import laea

TERRITORY = "#e0dccf"
OTHER_LAND = "#f4f4f4"


def _projection(lat0: float, lon0: float):
    return laea(round(lat0, 3), round(lon0, 3))


@functools.lru_cache(maxsize=32)
def _holder_view(members: tuple[str, ...], resolution_km: float):
    """The projection centre of a holder's territory and its simplified rings (lon/lat)."""
    import shapely

    from simulator.geo import load_territories
    from simulator.geo.ellipsoid import to_latlon

    terr = load_territories(resolution_km)
    grid = terr.grid(members)
    w = grid.cell_area_km2[:, None]
    lat0, lon0 = to_latlon((grid.xyz * w).sum(axis=0)[None, :])
    geom = shapely.simplify(terr.union(members), 0.03, preserve_topology=True)
    return float(lat0[0]), float(lon0[0]), _rings(geom)


@functools.lru_cache(maxsize=1)
def _world(resolution_km: float) -> tuple[np.ndarray, ...]:
    import shapely

    from simulator.geo import load_territories

    terr = load_territories(resolution_km)
    out: list[np.ndarray] = []
    for _, country in sorted(terr.countries.items()):
        out.extend(_rings(shapely.simplify(country.geometry, 0.05, preserve_topology=True)))
    return tuple(out)


def _rings(geom) -> list[np.ndarray]:
    rings = []
    for p in getattr(geom, "geoms", [geom]):
        if p.geom_type == "Polygon" and not p.is_empty and p.area >= 0.002:
            rings.append(np.asarray(p.exterior.coords))
    return rings


def _project(tf, rings: Sequence[np.ndarray], limit_km: float = 9000.0) -> list[np.ndarray]:
    out = []
    for ring in rings:
        x, y = tf.transform(ring[:, 0], ring[:, 1])
        if np.all(np.isfinite(x)) and np.hypot(x, y).max() < limit_km:
            out.append(np.column_stack([x, y]))
    return out


def routes_map(
    routes: Mapping[str, Any],
    holders: Sequence[str] | None = None,
    members: Mapping[str, tuple[str, ...]] | None = None,
    replication: int = 0,
    resolution_km: float = 25.0,
    title: str = "",
):
    """Panels of the routes flown over ``holders`` in one replication (default: the four most
    flown over). ``members`` maps a group holder to its member states (default: BY-RU is
    Belarus and Russia, BENELUX its three; any other holder is one state)."""
    groups = {"BY-RU": ("BLR", "RUS"), "BENELUX": ("BEL", "LUX", "NLD"), **(members or {})}
    feats = [f for f in routes.get("features", [])
             if f["properties"].get("replication") == replication]
    counts: dict[str, int] = {}
    for f in feats:
        counts[f["properties"]["observed"]] = counts.get(f["properties"]["observed"], 0) + 1
    if holders is None:
        holders = [h for h, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:4]
    holders = list(holders) or ["(none)"]
    ncol = min(2, len(holders))
    nrow = -(-len(holders) // ncol)
    fig = Figure(figsize=(7.0 * ncol, 6.0 * nrow))
    axes = np.atleast_1d(fig.subplots(nrow, ncol)).ravel()
    observers = sorted({f["properties"]["observer"] for f in feats
                        if f["properties"]["observed"] in holders})
    cmap = matplotlib.colormaps["tab20"]
    order = [*range(0, 20, 2), *range(1, 20, 2)]  # the ten strong colours first
    colour = {o: cmap(order[i % 20]) for i, o in enumerate(observers)}
    for ax, holder in zip(axes, holders, strict=False):
        _panel(ax, holder, groups.get(holder, (holder,)),
               [f for f in feats if f["properties"]["observed"] == holder], colour,
               resolution_km)
    for ax in axes[len(holders):]:
        ax.set_visible(False)
    used = observers
    if used:
        fig.legend(handles=[Line2D([], [], color=colour[o], lw=2, label=o) for o in used],
                   title="observer", loc="lower center", ncol=min(10, len(used)), fontsize=9,
                   frameon=False)
    fig.suptitle(title or f"Routes flown (replication {replication}); sensors-on legs only",
                 fontsize=12)
    fig.tight_layout(rect=(0, 0.06 if used else 0, 1, 0.97))
    return fig


def _panel(ax, holder, members, feats, colour, resolution_km) -> None:
    lat0, lon0, rings = _holder_view(tuple(sorted(members)), resolution_km)
    tf = _projection(lat0, lon0)
    own = _project(tf, rings)
    ax.add_collection(PolyCollection(_project(tf, _world(resolution_km)), facecolor=OTHER_LAND,
                                     edgecolor="#bbbbbb", linewidth=0.3))
    ax.add_collection(PolyCollection(own, facecolor=TERRITORY, edgecolor="#555555",
                                     linewidth=0.5))
    lines, colours, starts = [], [], []
    transit = 0.0
    for f in feats:
        g = f["geometry"]
        parts = [g["coordinates"]] if g["type"] == "LineString" else g["coordinates"]
        for part in parts:
            xy = np.asarray(part, float)
            x, y = tf.transform(xy[:, 0], xy[:, 1])
            lines.append(np.column_stack([x, y]))
            colours.append(colour[f["properties"]["observer"]])
        first = np.asarray(parts[0][0], float)
        starts.append(tf.transform(first[0], first[1]))
        transit += float(f["properties"].get("transit_km") or 0.0)
    if lines:
        ax.add_collection(LineCollection(lines, colors=colours, linewidths=0.9, alpha=0.85))
        sx, sy = np.asarray(starts).T
        ax.scatter(sx, sy, marker="^", s=28, color="black", zorder=5)
    pts = np.concatenate(own + lines) if (own or lines) else np.zeros((1, 2))
    lo, hi = np.percentile(pts, 0.5, axis=0), np.percentile(pts, 99.5, axis=0)
    pad = 0.06 * max(hi - lo)
    ax.set_xlim(lo[0] - pad, hi[0] + pad)
    ax.set_ylim(lo[1] - pad, hi[1] + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    note = f"{len(feats)} routes"
    if transit > 0:
        note += f"; {transit:,.0f} km flown in transit with sensors off (not drawn)"
    ax.set_title(f"over {holder}: {note}", fontsize=10)
    ax.text(0.01, 0.01, "triangles: where observation began (an airfield or a refuelling stop)",
            transform=ax.transAxes, fontsize=8, color="#444444")


__all__ = ["routes_map"]
