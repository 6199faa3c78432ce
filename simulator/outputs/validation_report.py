"""The validation section of a history run: the figure of simulated against recorded flights,
the report's table and the terminal's lines (the facts and their checks are in
:mod:`simulator.measures.validation`)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from simulator.measures.validation import Fact, load_facts, validation_table
from simulator.outputs.result import Result


def validation_figure(result: Result):
    """Annual and cumulative counted flights: simulated 90 % band against the record."""
    m = result.missions[result.missions["counted"].astype(bool)]
    per = m.groupby(["year", "replication"]).size().unstack(fill_value=0)
    per = per.reindex(columns=range(result.replications), fill_value=0)
    years = np.array(sorted(set(range(min(per.index), max(per.index) + 1))))
    per = per.reindex(years, fill_value=0)
    from simulator.outputs.figure import Figure  # matplotlib only when a figure is drawn

    fig = Figure(figsize=(12, 4.6))
    ax1, ax2 = fig.subplots(1, 2)
    ax1.fill_between(
        years,
        per.quantile(0.05, axis=1),
        per.quantile(0.95, axis=1),
        alpha=0.3,
        label="simulated, 90 % interval",
    )
    ax1.plot(years, per.mean(axis=1), marker="o", markersize=3, label="simulated mean")
    _draw_record(ax1, ax2, load_facts(), int(years[0]))
    ax1.set_xlabel("year")
    ax1.set_ylabel("counted quota flights")
    ax1.set_title("Quota flights per year", fontsize=10)
    ax1.set_ylim(-5, 160)
    ax1.legend(fontsize=7, loc="upper center", ncols=3)
    cum = per.cumsum()
    ax2.fill_between(
        years,
        cum.quantile(0.05, axis=1),
        cum.quantile(0.95, axis=1),
        alpha=0.3,
        label="simulated, 90 % interval",
    )
    ax2.plot(years, cum.mean(axis=1), label="simulated mean")
    ax2.set_xlabel("year")
    ax2.set_ylabel("cumulative counted quota flights")
    ax2.set_title("Cumulative quota flights", fontsize=10)
    ax2.legend(fontsize=7, loc="upper left")
    for ax in (ax1, ax2):
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(color="#dddddd", linewidth=0.6)
    fig.tight_layout()
    return fig


def _draw_record(per_year, cumulative, facts: list[Fact], first_year: int) -> None:
    """The facts about flight counts, drawn from ``history_record.csv`` with their accepted
    ranges: single years and the yearly mean on the per-year axes, totals from the first year
    and cumulative counts on the cumulative axes."""
    for fact in facts:
        span = f"{fact.first_year}" + (
            f"-{fact.last_year}" if fact.last_year != fact.first_year else ""
        )
        label = f"record {fact.id}: {fact.value:g} ({span})"
        years = [fact.first_year, fact.last_year]
        if fact.metric == "flights_total" and fact.first_year == fact.last_year:
            colour = "red" if fact.value == 0 else "black"
            per_year.scatter([fact.first_year], [fact.value], color=colour, zorder=5, label=label)
        elif fact.metric == "flights_total" and fact.first_year == first_year:
            _accepted_range(cumulative, fact.last_year, fact, "s", label)
        elif fact.metric == "flights_total":
            mean = fact.value / (fact.last_year - fact.first_year + 1)
            per_year.plot(
                years, [mean, mean], color="black", linewidth=2, label=f"{label}, shown per year"
            )
        elif fact.metric.startswith("flights_mean_per_year"):
            per_year.plot(
                years, [fact.value] * 2, color="black", linestyle="--", label=f"{label}, a year"
            )
        elif fact.metric.startswith("flights_cumulative_to_"):
            day = dt.date.fromisoformat(fact.metric.removeprefix("flights_cumulative_to_"))
            when = day.year + (day.timetuple().tm_yday - 1) / 365.25
            _accepted_range(
                cumulative, when, fact, "o", f"record {fact.id}: {fact.value:g} by {day:%b %Y}"
            )


def _accepted_range(ax, x: float, fact: Fact, marker: str, label: str) -> None:
    """A recorded value with its accepted range as an error bar."""
    lo, hi = fact.bounds()
    ax.errorbar(
        [x],
        [fact.value],
        yerr=[[fact.value - lo], [hi - fact.value]],
        fmt=marker,
        color="black",
        capsize=4,
        label=label,
    )


def attach_validation(result: Result) -> pd.DataFrame:
    """Add the validation table, figure and report section to a history run."""
    table = validation_table(result)
    result.figures["validation"] = validation_figure(result)
    lines = [
        "",
        "## Validation against the historical record",
        "",
        f"{result.replications} replications. Calibration facts set parameters (the demand "
        "shares and the OC-135B breakdown rate); validation facts were held out. A fact holds "
        "when the simulated mean lies in the accepted range.",
        "",
        "| fact | role | recorded | simulated mean (90 % interval) | accepted | holds |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        if pd.isna(r["simulated_mean"]):
            simulated, verdict = "not simulated (outside the run's years)", "n/a"
        else:
            simulated = (f"{r['simulated_mean']:g} ({r['simulated_p05']:g}–"
                         f"{r['simulated_p95']:g})")
            verdict = "yes" if r["holds"] else "**no**"
        lines.append(
            f"| {r['fact']}: {r['statement']} | {r['role']} | {r['recorded']:g} | "
            f"{simulated} | {r['accepted_range']} | {verdict} |"
        )
    lines += ["", "![Simulated and recorded quota flights](figures/validation.png)", ""]
    result.report = result.report.rstrip() + "\n" + "\n".join(lines)
    result.extra_tables["validation.csv"] = table
    return table


def summary_lines(table: pd.DataFrame) -> list[str]:
    """One line per fact for the terminal."""
    out = []
    for _, r in table.iterrows():
        if pd.isna(r["simulated_mean"]):
            out.append(f"{r['fact']:<4} not simulated (the run does not cover its years)  "
                       f"recorded {r['recorded']:g}  [{r['role']}] {r['statement']}")
            continue
        verdict = "holds" if r["holds"] else "FAILS"
        out.append(
            f"{r['fact']:<4} {verdict:<6} recorded {r['recorded']:>7g}  simulated "
            f"{r['simulated_mean']:>8.1f} ({r['simulated_p05']:.1f}-{r['simulated_p95']:.1f})  "
            f"[{r['role']}] {r['statement']}"
        )
    return out
