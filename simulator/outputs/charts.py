"""Figures of a run or a comparison (matplotlib, Agg; our own projection, no cartopy).

Every function returns a :class:`matplotlib.figure.Figure`; the report saves them as PNG.
Maps are in ``simulator.outputs.maps``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from simulator.outputs.figure import Figure

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


QUOTA_BINS = (1, 2, 3, 5, 9, 17, 33)  # flights: 1, 2, 3-4, 5-8, 9-16, 17-32


def _quota_norm(top: int):
    """One discrete colour scale for quota matrices (integers, binned by doubling)."""
    from matplotlib.colors import BoundaryNorm

    bounds = [b for b in QUOTA_BINS if b <= max(top, 1)] + [max(top, 1) + 1]
    bounds = sorted(set(bounds))
    from matplotlib.colors import ListedColormap

    n = max(len(bounds) - 1, 2)
    cmap = ListedColormap(matplotlib.colormaps["OrRd"](np.linspace(0.25, 1.0, n)))
    return BoundaryNorm(bounds, cmap.N), cmap, bounds


def quota_matrix(quotas: pd.DataFrame, year: int, ax=None, title: str | None = None,
                 top: int | None = None, colorbar: bool = True):
    """Heatmap of active quotas: observer (rows) x observed (columns) for one year, on a
    discrete scale of whole flights (``top``: the largest value of a shared scale)."""
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
    top = top or max(int(m.to_numpy().max()), 1)
    norm, cmap, bounds = _quota_norm(top)
    im = ax.imshow(data, cmap=cmap, norm=norm)
    size = 9 if len(codes) <= 20 else 8
    ax.set_xticks(range(len(codes)), codes, rotation=90, fontsize=size)
    ax.set_yticks(range(len(codes)), codes, fontsize=size)
    ax.set_xlabel("observed", fontsize=10)
    ax.set_ylabel("observer", fontsize=10)
    for i in range(len(codes)):
        for j in range(len(codes)):
            v = m.iat[i, j]
            if v:
                colour = "white" if v >= bounds[max(len(bounds) - 3, 0)] and v > 2 else "black"
                ax.text(j, i, str(v), ha="center", va="center", fontsize=size - 1,
                        color=colour)
    total = quota_flights(q)
    ax.set_title(
        title
        or f"Active quotas {year}: {total} flights (a shared flight is listed "
        "under each of its observers)",
        fontsize=11,
    )
    if colorbar:
        _quota_colorbar(fig, im, bounds, ax)
    return fig


def _quota_colorbar(fig, im, bounds, ax) -> None:
    ticks = [(a + b - 1) / 2 for a, b in itertools.pairwise(bounds)]
    labels = [str(a) if b - a == 1 else f"{a}-{b - 1}" for a, b in itertools.pairwise(bounds)]
    bar = fig.colorbar(im, ax=ax, shrink=0.6, label="flights a year", ticks=ticks)
    bar.ax.set_yticklabels(labels)


def quota_matrices(results: Mapping[str, Any], years: Mapping[str, int]):
    """Quota matrices of several runs, on one discrete scale, at most two a row."""
    n = len(results)
    ncol = min(2, n)
    nrow = -(-n // ncol)
    fig, axes = _subplots(nrow, ncol, figsize=(8.0 * ncol, 7.6 * nrow), squeeze=False)
    top = 1
    for label, res in results.items():
        q = res.quotas
        sub = q[(q["year"] == years[label]) & (q["replication"] == q["replication"].min())]
        if len(sub):
            top = max(top, int(sub.groupby(["observer", "observed"])["flights"].sum().max()))
    for ax, (label, res) in zip(axes.ravel(), results.items(), strict=False):
        year = years[label]
        q = res.quotas
        sub = q[(q["year"] == year) & (q["replication"] == q["replication"].min())]
        head = f"{label}: {year}" if label != str(year) else f"{year}"
        quota_matrix(res.quotas, year, ax=ax, top=top,
                     title=f"{head}, {quota_flights(sub)} quota flights")
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------- flights
def holder_flights(result: Any) -> dict[str, pd.DataFrame]:
    """Counted flights per year, per replication: received by each observed holder (a group
    such as BY-RU once, not once per member) and conducted by each observer (a shared flight
    for each of its observers). Columns: replication, year, holder, flights."""
    m = result.missions[result.missions["counted"].astype(bool)]
    received = m.groupby(["replication", "year", "observed"]).size().rename("flights")
    received = received.reset_index().rename(columns={"observed": "holder"})
    pairs = result.pairs
    if pairs is None or not len(pairs):
        conducted = received.iloc[0:0]
    else:
        conducted = (pairs.groupby(["replication", "year", "observer"])["flights_flown"].sum()
                     .rename("flights").reset_index().rename(columns={"observer": "holder"}))
    return {"received": received, "conducted": conducted}


def _holder_means(table: pd.DataFrame, replications: int, years: int) -> pd.DataFrame:
    """Mean and 90 % interval over replications of the flights a year per holder."""
    per = table.groupby(["replication", "holder"])["flights"].sum() / max(years, 1)
    per = per.unstack(fill_value=0).reindex(range(replications), fill_value=0)
    return pd.DataFrame({"mean": per.mean(), "p05": per.quantile(0.05),
                         "p95": per.quantile(0.95)})


def flights_by_state(results: Mapping[str, Any]):
    """Counted flights a year received and conducted per quota holder (mean, 90 % interval)
    per run; a group's flights once, a shared flight for each of its observers."""
    fig, axes = _subplots(2, 1, figsize=(13, 8), sharex=True)
    tables = {label: holder_flights(r) for label, r in results.items()}
    holders = sorted({h for t in tables.values() for d in t.values() for h in d["holder"]})
    width = 0.8 / max(len(results), 1)
    colours = matplotlib.colormaps["tab10"]
    for k, (label, res) in enumerate(results.items()):
        years = max(len(res.summary.get("years", [])), 1)
        for ax, kind in zip(axes, ("received", "conducted"), strict=True):
            d = _holder_means(tables[label][kind], res.replications, years).reindex(holders)
            x = np.arange(len(holders)) + (k - (len(results) - 1) / 2) * width
            yerr = np.vstack([d["mean"] - d["p05"], d["p95"] - d["mean"]]).clip(min=0)
            ax.bar(x, d["mean"].fillna(0), width, yerr=np.nan_to_num(yerr), capsize=1.5,
                   color=colours(k), label=label, error_kw={"linewidth": 0.6})
    labels = ("received (over the holder)", "conducted (by the holder)")
    for ax, what in zip(axes, labels, strict=True):
        ax.set_ylabel(f"quota flights {what}\na year")
        _style(ax)
    axes[1].set_xticks(range(len(holders)), holders, rotation=90, fontsize=9)
    axes[0].legend(fontsize=8, ncols=min(len(results), 4))
    axes[0].set_title(
        "Counted observation flights a year per quota holder (a group such as BY-RU once; a "
        "shared flight for each observer; bars: mean, whiskers: 90 % interval)",
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
BAR_LABELS = {  # measure id -> (short title, scale, unit)
    "access_weighted_share": ("access (weighted share of the treaty area)", 100.0, "%"),
    "flights_flown": ("quota flights flown per year", 1.0, "flights"),
    "imaged_km2": ("area imaged per year", 1e-6, "million km²"),
    "satellite_equivalent_days": ("imaged area in days of a 30 cm satellite", 1.0, "days"),
    "shared_km2_USA_of_RUS": ("imagery of Russia the US obtains", 1e-6, "million km²/year"),
}


def measures_bars(rows: pd.DataFrame):
    """Bars of headline measures per scenario (whiskers: the 90 % interval); ``rows`` are
    ``headline.csv`` rows. A measure with no subject in a scenario is marked n/a."""
    ids = list(dict.fromkeys(rows["measure_id"]))
    scenarios = list(dict.fromkeys(rows["scenario"]))
    ncol = min(3, len(ids))
    nrow = -(-len(ids) // ncol)
    fig, axes = _subplots(nrow, ncol, figsize=(4.6 * ncol, 3.9 * nrow), squeeze=False)
    colours = matplotlib.colormaps["tab10"]
    for ax, measure_id in zip(axes.ravel(), ids, strict=False):
        title, scale, unit = BAR_LABELS.get(measure_id, (measure_id, 1.0, ""))
        d = rows[rows["measure_id"] == measure_id].set_index("scenario").reindex(scenarios)
        x = np.arange(len(d))
        mean = d["mean"].to_numpy(float) * scale
        yerr = np.vstack([mean - d["p05"].to_numpy(float) * scale,
                          d["p95"].to_numpy(float) * scale - mean]).clip(min=0)
        ax.bar(x, np.nan_to_num(mean), color=[colours(i) for i in range(len(d))],
               yerr=np.nan_to_num(yerr), capsize=3)
        top = np.nanmax(mean) if np.isfinite(mean).any() else 1.0
        high = np.fmax(mean, d["p95"].to_numpy(float) * scale)
        for xi, m, h in zip(x, mean, high, strict=True):
            label = "n/a" if not np.isfinite(m) else f"{m:,.1f}" if abs(m) < 100 else f"{m:,.0f}"
            ax.text(xi, (0 if not np.isfinite(m) else h) + 0.02 * top, label, ha="center",
                    va="bottom", fontsize=8, color="#555555" if np.isfinite(m) else "#aa0000")
        ax.set_xticks(x, scenarios, rotation=30, ha="right", fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit, fontsize=9)
        ax.set_ylim(0, top * 1.18 if top > 0 else 1.0)
        _style(ax)
    for ax in axes.ravel()[len(ids):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig
