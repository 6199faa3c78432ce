"""Figures of multi-year runs: flights per holder over the years beside the record, and
coverage that accumulates (the share imaged at least once so far) with its revisit time."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from simulator.measures.validation import load_facts
from simulator.outputs.charts import holder_flights
from simulator.outputs.figure import Figure

PANELS = 8


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _band(ax, table: pd.DataFrame, holder: str, years: np.ndarray, reps: int, colour: str,
          label: str, style: str = "-") -> None:
    d = table[table["holder"] == holder]
    per = d.groupby(["year", "replication"])["flights"].sum().unstack(fill_value=0)
    per = per.reindex(index=years, columns=range(reps), fill_value=0)
    ax.fill_between(years, per.quantile(0.05, axis=1), per.quantile(0.95, axis=1),
                    color=colour, alpha=0.18, linewidth=0)
    ax.plot(years, per.mean(axis=1), style, color=colour, label=label, linewidth=1.4)


def _record(ax, holder: str) -> None:
    """The record's per-holder facts (history_record.csv): per-year values as segments."""
    for fact in load_facts():
        span = fact.last_year - fact.first_year + 1
        style = {"color": "black", "linewidth": 2.2}
        if fact.metric == f"flights_received_{holder}":
            value, what = fact.value / span, "received"
        elif fact.metric == f"flights_conducted_per_year_{holder}":
            value, what = fact.value, "conducted"
        elif fact.metric.startswith("pair_flights_") and fact.metric.endswith(f"_{holder}"):
            observer = fact.metric.removeprefix("pair_flights_").removesuffix(f"_{holder}")
            value, what = fact.value / span, f"received from {observer} alone"
            style = {"color": "#555555", "linewidth": 1.6, "linestyle": ":"}
        else:
            continue
        ax.plot([fact.first_year, fact.last_year], [value, value], solid_capstyle="butt",
                label=f"record {fact.id}: {what}, {value:.1f} a year", **style)
        if span == 1:
            ax.scatter([fact.first_year], [value], color="black", zorder=5, s=14)


def flights_over_years(result: Any):
    """Small multiples: counted flights a year received and conducted by the most active
    holders (a group once), with the record's per-holder facts where they exist."""
    tables = holder_flights(result)
    years = np.array(sorted(int(y) for y in result.summary.get("years", [])))
    reps = result.replications
    both = pd.concat([tables["received"], tables["conducted"]])
    top = both.groupby("holder")["flights"].sum().sort_values(ascending=False, kind="stable")
    holders = list(top.index[:PANELS])
    ncol = 4
    nrow = max(-(-len(holders) // ncol), 1)
    fig = Figure(figsize=(15, 3.4 * nrow), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrow, ncol, sharex=True)).ravel()
    for ax, holder in zip(axes, holders, strict=False):
        _band(ax, tables["received"], holder, years, reps, "#2b8cbe", "received")
        _band(ax, tables["conducted"], holder, years, reps, "#e6550d", "conducted", "--")
        _record(ax, holder)
        ax.set_title(holder, fontsize=10, loc="left")
        ax.legend(fontsize=6.5, loc="upper left", frameon=False)
        _style(ax)
    for ax in axes[len(holders):]:
        ax.set_visible(False)
    fig.suptitle(f"{result.name}: counted quota flights a year per holder (line: mean; band: "
                 "90 % interval; black: the record)", fontsize=11)
    return fig


def coverage_over_years(result: Any, states: int = PANELS):
    """Small multiples per state: the share imaged each year (bars), the share imaged at least
    once so far (line), and the mean revisit interval at the end of the period."""
    cum, cov = result.cumulative, result.coverage
    if cum is None or not len(cum):
        return None
    years = np.array(sorted(int(y) for y in cov["year"].unique()))
    last = cum[cum["year"] == years[-1]].groupby("state")["cumulative_fraction"].mean()
    area = cov.groupby("state")["territory_km2"].max()
    chosen = (last * area).sort_values(ascending=False, kind="stable").index[:states]
    ncol = 4
    nrow = max(-(-len(chosen) // ncol), 1)
    fig = Figure(figsize=(15, 3.3 * nrow), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrow, ncol, sharex=True, sharey=True)).ravel()
    for ax, state in zip(axes, chosen, strict=False):
        yearly = cov[cov["state"] == state].groupby("year")["imaged_fraction"].mean()
        ax.bar(yearly.index, yearly.values, color="#9ecae1", label="imaged that year")
        c = cum[cum["state"] == state].groupby("year")
        mean, lo, hi = c["cumulative_fraction"].mean(), c["cumulative_fraction"].quantile(
            0.05), c["cumulative_fraction"].quantile(0.95)
        ax.fill_between(mean.index, lo, hi, color="#08519c", alpha=0.2, linewidth=0)
        ax.plot(mean.index, mean.values, color="#08519c", label="imaged at least once so far")
        revisit = cum[(cum["state"] == state) & (cum["year"] == years[-1])]["revisit_years"]
        rv = float(revisit.mean()) if revisit.notna().any() else float("nan")
        note = f"; revisit every {rv:.1f} years" if rv == rv else ""
        ax.set_title(f"{state}{note}", fontsize=10, loc="left")
        ax.yaxis.set_major_formatter(_percent())
        _style(ax)
    axes[0].legend(fontsize=7, loc="upper left", frameon=False)
    for ax in axes[len(chosen):]:
        ax.set_visible(False)
    fig.suptitle(f"{result.name}: share of each state's territory imaged, that year and "
                 "cumulatively (revisit: mean years between successive years a cell was "
                 "imaged)", fontsize=11)
    return fig


def _percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0)


__all__ = ["coverage_over_years", "flights_over_years"]
