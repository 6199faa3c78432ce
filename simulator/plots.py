"""Figures of a run or a comparison (matplotlib, Agg; our own projection, no cartopy).

Every function returns a :class:`matplotlib.figure.Figure`; the report saves them as PNG.
Maps use a Lambert azimuthal equal-area projection centred on the North Pole, which shows North
America, Europe and the whole of Russia (Chukotka joined across 180 degrees) at true area.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.colors import Normalize
from matplotlib.patches import Patch

from simulator.figure import Figure

STATUS_COLOURS = {
    "completed": "#2b8cbe",
    "curtailed": "#7bccc4",
    "cancelled_weather": "#fdae6b",
    "cancelled_aircraft": "#e6550d",
    "cancelled_pause": "#bdbdbd",
    "prohibited": "#756bb1",
    "declined": "#9e9ac8",
    "refused": "#de2d26",
    "suspended": "#a50f15",
    "not_flown_withdrawal": "#636363",
    "not_flown_nato": "#252525",
}
CMAP = "YlGnBu"


def _subplots(*args, **kwargs):
    """A new figure and axes not registered with pyplot (nothing global is kept alive)."""
    fig = Figure(figsize=kwargs.pop("figsize", None))
    return fig, fig.subplots(*args, **kwargs)


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


# ------------------------------------------------------------------ quotas
def quota_flights(q: pd.DataFrame) -> int:
    """Flights in quota rows, a shared flight once (it is listed under each observer)."""
    partners = q["shared_with"].fillna("").astype(str).str.split().str.len()
    return round((q["flights"] / (1 + partners)).sum())


def quota_matrix(quotas: pd.DataFrame, year: int, ax=None, title: str | None = None):
    """Heatmap of active quotas: observer (rows) x observed (columns) for one year."""
    q = quotas[(quotas["year"] == year) & (quotas["replication"] == quotas["replication"].min())]
    own = ax is None
    if own:
        fig, ax = _subplots(figsize=(9, 8))
    fig = ax.figure
    if q.empty:
        ax.text(0.5, 0.5, f"no quota flights in {year}", ha="center", va="center")
        ax.set_axis_off()
        return fig
    m = q.pivot_table(
        index="observer", columns="observed", values="flights", aggfunc="sum", fill_value=0
    )
    codes = sorted(set(m.index) | set(m.columns))
    m = m.reindex(index=codes, columns=codes, fill_value=0)
    data = np.ma.masked_equal(m.to_numpy(), 0)
    im = ax.imshow(data, cmap="OrRd", vmin=0, vmax=max(int(m.to_numpy().max()), 1))
    ax.set_xticks(range(len(codes)), codes, rotation=90, fontsize=7)
    ax.set_yticks(range(len(codes)), codes, fontsize=7)
    ax.set_xlabel("observed")
    ax.set_ylabel("observer")
    top = max(int(m.to_numpy().max()), 1)
    for i in range(len(codes)):
        for j in range(len(codes)):
            v = m.iat[i, j]
            if v:
                colour = "white" if v > 0.6 * top else "black"
                ax.text(j, i, str(v), ha="center", va="center", fontsize=6, color=colour)
    total = quota_flights(q)
    ax.set_title(
        title
        or f"Active quotas {year}: {total} flights (a shared flight is listed "
        "under each of its observers)",
        fontsize=9,
    )
    fig.colorbar(im, ax=ax, shrink=0.6, label="flights")
    return fig


def quota_matrices(results: Mapping[str, Any], years: Mapping[str, int]):
    """Quota matrices of several runs side by side."""
    n = len(results)
    fig, axes = _subplots(1, n, figsize=(6.2 * n, 6.4), squeeze=False)
    for ax, (label, res) in zip(axes[0], results.items(), strict=True):
        year = years[label]
        q = res.quotas
        sub = q[(q["year"] == year) & (q["replication"] == q["replication"].min())]
        quota_matrix(
            res.quotas, year, ax=ax, title=f"{label}\n{year}: {quota_flights(sub)} quota flights"
        )
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------- flights
def _per_state(coverage: pd.DataFrame, column: str) -> pd.DataFrame:
    """Mean and 90 % interval over replications of a per-year column, averaged over years."""
    per_rep = coverage.groupby(["replication", "state"])[column].mean().reset_index()
    g = per_rep.groupby("state")[column]
    return pd.DataFrame(
        {"mean": g.mean(), "p05": g.quantile(0.05), "p95": g.quantile(0.95)}
    ).reset_index()


def flights_by_state(results: Mapping[str, Any]):
    """Flights received and conducted per state and year (mean, 90 % interval) per run."""
    fig, axes = _subplots(2, 1, figsize=(13, 8), sharex=True)
    states = sorted({s for r in results.values() for s in r.coverage["state"].unique()})
    width = 0.8 / max(len(results), 1)
    colours = matplotlib.colormaps["tab10"]
    for k, (label, res) in enumerate(results.items()):
        for ax, column in zip(axes, ("flights_received", "flights_conducted"), strict=True):
            d = _per_state(res.coverage, column).set_index("state").reindex(states)
            x = np.arange(len(states)) + (k - (len(results) - 1) / 2) * width
            yerr = np.vstack([d["mean"] - d["p05"], d["p95"] - d["mean"]]).clip(min=0)
            ax.bar(
                x,
                d["mean"].fillna(0),
                width,
                yerr=np.nan_to_num(yerr),
                capsize=1.5,
                color=colours(k),
                label=label,
                error_kw={"linewidth": 0.6},
            )
    labels = ("received (over the state)", "conducted (by the state)")
    for ax, what in zip(axes, labels, strict=True):
        ax.set_ylabel(f"quota flights {what}\nper year")
        _style(ax)
    axes[1].set_xticks(range(len(states)), states, rotation=90, fontsize=8)
    axes[0].legend(fontsize=8, ncols=min(len(results), 4))
    axes[0].set_title(
        "Counted observation flights per state and year (bars: mean; whiskers: 90 % interval)",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def flights_per_year(results: Mapping[str, Any]):
    """Counted flights per year (mean and 90 % interval) for each run."""
    fig, ax = _subplots(figsize=(10, 4.5))
    for label, res in results.items():
        m = res.missions
        if m.empty:
            continue
        per = m[m["counted"].astype(bool)].groupby(["year", "replication"]).size()
        per = per.unstack(fill_value=0).reindex(columns=range(res.replications), fill_value=0)
        years = per.index.to_numpy()
        ax.plot(years, per.mean(axis=1), marker="o", label=label)
        ax.fill_between(years, per.quantile(0.05, axis=1), per.quantile(0.95, axis=1), alpha=0.2)
    ax.set_ylabel("counted quota flights")
    ax.set_xlabel("year")
    _style(ax)
    ax.legend(fontsize=8)
    ax.set_title("Quota flights per year (line: mean; band: 90 % interval)", fontsize=10)
    fig.tight_layout()
    return fig


# -------------------------------------------------------------------- maps
def _polar_transform():
    from pyproj import Transformer

    return Transformer.from_crs(
        "EPSG:4326", "+proj=laea +lat_0=90 +lon_0=-25 +datum=WGS84 +units=km", always_xy=True
    )


def _country_polys(codes: list[str], resolution_km: float) -> dict[str, tuple[np.ndarray, ...]]:
    return {code: _country_rings(code, resolution_km) for code in codes}


@functools.lru_cache(maxsize=512)
def _country_rings(code: str, resolution_km: float) -> tuple[np.ndarray, ...]:
    """One state's outline, simplified and projected (cached: every map draws the world)."""
    import shapely

    from simulator.geo import load_territories

    terr = load_territories(resolution_km)
    tf = _polar_transform()
    geom = terr.territory(code) if code in terr.party_codes else terr.country(code).geometry
    geom = shapely.simplify(geom, 0.05, preserve_topology=True)
    rings = []
    for p in getattr(geom, "geoms", [geom]):
        if p.geom_type != "Polygon" or p.is_empty or p.area < 0.01:
            continue
        ring = np.asarray(p.exterior.coords)
        x, y = tf.transform(ring[:, 0], ring[:, 1])
        if np.all(np.isfinite(x)) and np.hypot(x, y).max() < 9500:
            rings.append(np.column_stack([x, y]))
    return tuple(rings)


def _base_map(
    ax,
    resolution_km: float,
    highlight: Mapping[str, float] | None = None,
    norm=None,
    cmap=CMAP,
    absent: frozenset[str] = frozenset(),
):
    """The treaty map: parties in colour (``highlight`` values through ``norm``), states in
    ``absent`` (not parties in the period) in white, the rest of the world in grey."""
    from simulator.geo import load_territories

    terr = load_territories(resolution_km)
    parties = sorted(terr.party_codes)
    others = sorted(c for c in terr.countries if c not in terr.adm0_codes_of(parties))
    back = _country_polys(others, resolution_km)
    ax.add_collection(
        PolyCollection(
            [r for rs in back.values() for r in rs],
            facecolor="#f4f4f4",
            edgecolor="#cccccc",
            linewidth=0.2,
        )
    )
    polys = _country_polys(parties, resolution_km)
    cm = matplotlib.colormaps[cmap]
    for code, rings in sorted(polys.items()):
        if highlight is not None and code in highlight and np.isfinite(highlight[code]):
            colour = cm(norm(highlight[code]))
        elif (highlight is not None and code in highlight) or code in absent:
            colour = "#ffffff"
        else:
            colour = "#e0dccf"
        ax.add_collection(
            PolyCollection(rings, facecolor=colour, edgecolor="#555555", linewidth=0.3)
        )
    # frame the parties (Hawaii and other far islands south of 24 N left out of the frame)
    pts = np.concatenate([r for rs in polys.values() for r in rs if len(r)])
    lon_lat = _polar_transform().transform(pts[:, 0], pts[:, 1], direction="INVERSE")
    keep = np.asarray(lon_lat[1]) > 24
    xs, ys = pts[keep, 0], pts[keep, 1]
    pad = 300
    ax.set_xlim(xs.min() - pad, xs.max() + pad)
    ax.set_ylim(ys.min() - pad, ys.max() + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    return polys


def _grid_resolution(result: Any, resolution_km: float | None) -> float:
    """The grid the run imaged on (from its manifest) unless one is given."""
    if resolution_km is not None:
        return resolution_km
    geography = (getattr(result, "manifest", None) or {}).get("data", {}).get("geography")
    return float((geography or {}).get("grid", {}).get("resolution_km", 25.0))


def imaged_fraction_map(result: Any, resolution_km: float | None = None):
    """Each party shaded by the share of its territory imaged per year (mean over years and
    replications); non-parties in grey, states that were not parties in white."""
    resolution_km = _grid_resolution(result, resolution_km)
    cov = result.coverage
    frac = cov.groupby("state")["imaged_fraction"].mean().to_dict()
    fig, ax = _subplots(figsize=(11, 9))
    vmax = max([v for v in frac.values() if np.isfinite(v)] + [0.05])
    norm = Normalize(0, vmax)
    from simulator.geo import load_territories

    parties = load_territories(resolution_km).party_codes
    shade = {c: frac.get(c, float("nan")) for c in parties}
    _base_map(ax, resolution_km, shade, norm)
    sm = matplotlib.cm.ScalarMappable(norm=norm, cmap=CMAP)
    fig.colorbar(
        sm,
        ax=ax,
        shrink=0.6,
        label="share of territory imaged per year",
        format=matplotlib.ticker.PercentFormatter(1.0),
    )
    years = sorted(cov["year"].unique())
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
    ax.set_title(
        f"{result.name}: share of each party's territory imaged per year ({span})\n"
        "white: not a party in the period",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def imaged_cells_map(result: Any, resolution_km: float | None = None):
    """The cells imaged in replication 0 over the whole period, on the treaty map (cell ids
    belong to the run's grid, so the resolution comes from its manifest)."""
    resolution_km = _grid_resolution(result, resolution_km)
    fig, ax = _subplots(figsize=(11, 9))
    in_period = set(result.coverage["state"])
    from simulator.geo import load_territories

    absent = frozenset(load_territories(resolution_km).party_codes) - in_period
    _base_map(ax, resolution_km, absent=absent if in_period else frozenset())
    cells = getattr(result, "cells", None) or {}
    if cells:
        from simulator.geo import load_territories

        spec = load_territories(resolution_km).spec
        tf = _polar_transform()
        quads = []
        for _, (gid, _bits) in sorted(cells.items()):
            if len(gid) == 0:
                continue
            clat, clon = spec.corners(np.asarray(gid, np.int64))
            x, y = tf.transform(clon.ravel(), clat.ravel())
            q = np.stack([x.reshape(-1, 4), y.reshape(-1, 4)], axis=-1)
            quads.extend(q[np.all(np.isfinite(q), axis=(1, 2))])
        ax.add_collection(PolyCollection(quads, facecolor="#08519c", edgecolor="none", alpha=0.85))
    total = result.coverage[result.coverage["replication"] == 0]["imaged_km2"].sum()
    ax.set_title(
        f"{result.name}: cells imaged by observation flights (replication 0; "
        f"{total:,.0f} km² imaged, summed over years)\nwhite: not a party in the period",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- timeline
def mission_timeline(missions: pd.DataFrame, year: int, replication: int = 0):
    """One year's missions: one row per observed holder, one bar per mission's stay."""
    m = missions[(missions["year"] == year) & (missions["replication"] == replication)].copy()
    fig, ax = _subplots(figsize=(13, 7.5))
    if m.empty:
        ax.text(0.5, 0.5, f"no missions in {year}", ha="center", va="center")
        ax.set_axis_off()
        return fig
    targets = sorted(m["observed"].unique())
    row = {t: i for i, t in enumerate(targets)}
    for _, r in m.iterrows():
        start = r["arrived_at"] or r["notified_at"]
        if not isinstance(start, str) or not start:
            continue
        s = dt.datetime.fromisoformat(start)
        end = r["ended_at"] if isinstance(r["ended_at"], str) and r["ended_at"] else None
        e = dt.datetime.fromisoformat(end) if end else s + dt.timedelta(hours=24)
        x0 = matplotlib.dates.date2num(s)
        ax.barh(
            row[r["observed"]],
            max(matplotlib.dates.date2num(e) - x0, 0.8),
            left=x0,
            height=0.7,
            color=STATUS_COLOURS.get(r["status"], "#999999"),
        )
    ax.set_yticks(range(len(targets)), targets, fontsize=8)
    ax.set_ylabel("observed")
    ax.xaxis_date()
    ax.set_xlim(
        matplotlib.dates.date2num(dt.datetime(year, 1, 1)),
        matplotlib.dates.date2num(dt.datetime(year, 12, 31)),
    )
    seen = [s for s in STATUS_COLOURS if s in set(m["status"])]
    ax.legend(
        handles=[Patch(color=STATUS_COLOURS[s], label=s.replace("_", " ")) for s in seen],
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    _style(ax)
    ax.set_title(
        f"Missions of {year} (replication {replication}): arrival to end of flight, by status",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


# -------------------------------------------------------------- comparison
def measures_bars(rows: pd.DataFrame):
    """Before/after bars of the headline measures; ``rows`` has columns
    ``scenario, measure, mean, p05, p95`` (see :func:`simulator.report.headline_table`)."""
    measures = list(dict.fromkeys(rows["measure"]))
    fig, axes = _subplots(1, len(measures), figsize=(3.2 * len(measures), 4.2), squeeze=False)
    colours = matplotlib.colormaps["tab10"]
    for ax, measure in zip(axes[0], measures, strict=True):
        d = rows[rows["measure"] == measure]
        x = np.arange(len(d))
        yerr = np.vstack([d["mean"] - d["p05"], d["p95"] - d["mean"]]).clip(min=0)
        ax.bar(
            x,
            d["mean"],
            color=[colours(i) for i in range(len(d))],
            yerr=np.nan_to_num(yerr),
            capsize=3,
        )
        ax.set_xticks(x, d["scenario"], rotation=35, ha="right", fontsize=7)
        ax.set_title(measure, fontsize=9)
        _style(ax)
    fig.tight_layout()
    return fig
