"""The Markdown report of one run, and the pieces the comparison report shares with it.

Numbers are per simulated year: the mean over replications with the 90 % interval (5th to 95th
percentile of the replications) in brackets. Every row of the headline table is a row of
``headline.csv`` (stable ids, defined in ``docs/measures.md``); a measure with no subject in
the scenario prints n/a.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from simulator.measures.headline import satellites, yardstick
from simulator.outputs import charts, maps, route_maps, year_charts
from simulator.outputs.result import Result
from simulator.scenario.schema import Scenario

# measure id (or prefix) -> (digits, percent)
FORMATS = (
    ("access_weighted_share", 1, True),
    ("imaged_share", 2, True),
    ("satellite_equivalent_days", 2, False),
    ("flights_flown", 1, False),
    ("flights_over", 1, False),
)
GROUPS = ("Interpretation", "Quotas", "Membership", "Distances", "Demand", "Geometry",
          "Operations", "Fleet")


def _fmt(x: Mapping[str, float] | float, digits: int = 0, pct: bool = False) -> str:
    """``mean (p05-p95)`` or a single number; n/a for NaN."""
    if isinstance(x, Mapping):
        mean, lo, hi, n = x.get("mean"), x.get("p05"), x.get("p95"), x.get("n", 1)
    else:
        mean, lo, hi, n = x, x, x, 1
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "n/a"
    scale = 100.0 if pct else 1.0
    unit = " %" if pct else ""
    text = f"{mean * scale:,.{digits}f}{unit}"
    if n and n > 1 and lo is not None and hi is not None and abs(hi - lo) > 1e-12:
        text += f" ({lo * scale:,.{digits}f}–{hi * scale:,.{digits}f})"
    return text


def cell(row: Mapping[str, Any]) -> str:
    """A headline.csv row's value as the report prints it."""
    digits, pct = 0, False
    for prefix, d, p in FORMATS:
        if str(row["measure_id"]).startswith(prefix):
            digits, pct = d, p
            break
    return _fmt({"mean": row["mean"], "p05": row["p05"], "p95": row["p95"],
                 "n": row["replications"]}, digits, pct)


def how_run(result: Result) -> list[str]:
    """The lines that say how a run was made: replications, seed, overrides, command."""
    m = result.manifest
    reps, seed = result.replications, m.get("seed")
    lines = [
        f"**{reps} replication{'s' if reps != 1 else ''}, seed {seed}.** "
        + ("Numbers are means over the replications with the 90 % interval (5th to 95th "
           "percentile) in brackets." if reps > 1 else
           "One replication: no interval; differences of a few flights are noise.")
    ]
    overrides = m.get("overrides") or []
    if overrides:
        lines.append("**Overrides (`--set`):** " + ", ".join(f"`{o}`" for o in overrides)
                     + ": the scenario above as changed by them; its saved `scenario.toml` "
                     "includes them.")
    command = m.get("command")
    if command:
        lines.append("**Command:** `" + " ".join(str(c) for c in command) + "`")
    return lines


def attach_report(result: Result, scenario: Scenario) -> None:
    """Build the figures and ``report.md`` of one run into ``result``."""
    years = sorted(result.coverage["year"].unique()) if len(result.coverage) else []
    res_km = scenario.model.geometry.resolution_km
    figs: dict[str, Any] = {}
    if years:
        last = int(years[-1])
        figs["quota_matrix"] = charts.quota_matrix(result.quotas, last)
        figs["flights_by_state"] = charts.flights_by_state({result.name: result})
        figs["mission_timeline"] = charts.mission_timeline(result.missions, last)
        if len(years) > 1:
            figs["flights_per_year"] = charts.flights_per_year({result.name: result})
            figs["flights_over_years"] = year_charts.flights_over_years(result)
            figs["quota_matrices_by_year"] = charts.quota_matrices(
                {str(y): result for y in _sample_years(years)},
                {str(y): int(y) for y in _sample_years(years)})
        if scenario.model.geometry.enabled:
            figs["map_imaged_fraction"] = maps.imaged_fraction_maps(
                {result.name: result}, res_km)
            figs["map_imaged_cells"] = maps.imaged_cells_map(result, res_km)
            over = year_charts.coverage_over_years(result) if len(years) > 1 else None
            if over is not None:
                figs["coverage_over_years"] = over
            if result.routes.get("features"):
                figs["map_routes"] = route_maps.routes_map(result.routes,
                                                            resolution_km=res_km)
    result.figures = figs
    result.report = run_report(result, scenario)


def _sample_years(years: Sequence[Any], most: int = 4) -> list[int]:
    """Up to ``most`` years spread over a period (first and last included)."""
    ys = sorted(int(y) for y in years)
    if len(ys) <= most:
        return ys
    picks = np.linspace(0, len(ys) - 1, most).round().astype(int)
    return [ys[i] for i in dict.fromkeys(picks.tolist())]


CAPTIONS = {
    "quota_matrix": "Active quotas of the last year: who may observe whom, how often.",
    "flights_by_state": "Counted flights received and conducted per state and year.",
    "flights_per_year": "Counted flights per year.",
    "mission_timeline": "The last year's missions over each observed party, by outcome.",
    "map_imaged_fraction": "Share of each party's territory imaged per year.",
    "map_imaged_cells": "Cells imaged by the flights of replication 0.",
    "flights_over_years": "Counted flights a year per holder over the period, beside the "
    "record's per-holder facts.",
    "quota_matrices_by_year": "Active quotas in years spread over the period, on one scale.",
    "coverage_over_years": "Share of each state imaged each year and at least once so far, "
    "with the mean revisit interval.",
    "map_routes": "The routes of replication 0 over the four most observed parties, legs "
    "flown with sensors on (from routes.geojson); transit legs to exclaves are given in km.",
}


def run_report(result: Result, scenario: Scenario) -> str:
    """``report.md`` of one run."""
    s = result.summary
    lines = [f"# {result.name}", ""]
    if scenario.model.description:
        lines += [scenario.model.description.strip(), ""]
    years = s["years"]
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}"
    lines += [f"Simulated {span}. Numbers are per simulated year.", ""]
    lines += [x for line in how_run(result) for x in (line, "")]
    lines += ["## Headline", "", "| id | measure | value |", "|---|---|---|"]
    table = result.headline if result.headline is not None else pd.DataFrame()
    for row in table.to_dict("records"):
        lines.append(f"| `{row['measure_id']}` | {row['measure']} | {cell(row)} |")
    lines += [
        "",
        "`docs/measures.md` defines each measure; `headline.csv` holds them.",
        "",
        "## Flights by year",
        "",
        "| year | allocated | planned | flown (counted) | imaged km² |",
        "|---|---|---|---|---|",
    ]
    for year, v in s["per_year"].items():
        lines.append(
            f"| {year} | {v['quota_flights_allocated']} | {_fmt(v['missions_planned'])} | "
            f"{_fmt(v['flights_counted'])} | {_fmt(v['imaged_km2'])} |"
        )
    lines += ["", "## Mission outcomes", "", "| year | status | missions |", "|---|---|---|"]
    for year, v in s["per_year"].items():
        for status, cnt in v["status_counts"].items():
            lines.append(f"| {year} | {status.replace('_', ' ')} | {_fmt(cnt, 1)} |")
    notes = {y: n for y, n in (result.manifest.get("distribution_notes") or {}).items() if n}
    if notes:
        lines += ["", "## What the distribution dropped, cut or joined", "",
                  "Requests the rules did not grant as asked (Art. III; the NATO practice; "
                  "refusals), year by year:", ""]
        for year, items in sorted(notes.items()):
            lines += [f"- {year}: " + "; ".join(items)]
    lines += ["", "## Figures", ""]
    for name in result.figures:
        lines += [f"![{CAPTIONS.get(name, name)}](figures/{name}.png)", "",
                  CAPTIONS.get(name, ""), ""]
    lines += assumption_lines(s.get("assumptions", []))
    lines += caveat_lines()
    return "\n".join(lines).rstrip() + "\n"


def assumption_lines(assumptions: Sequence[str]) -> list[str]:
    """The assumptions and interpretations a run depends on, grouped (``"Group: text"``)."""
    if not assumptions:
        return []
    grouped: dict[str, list[str]] = {}
    for a in assumptions:
        group, _, text = a.partition(": ")
        if group not in GROUPS or not text:
            group, text = "Other", a
        grouped.setdefault(group, []).append(text)
    out = [
        "",
        "## Assumptions this run depends on",
        "",
        "Readings of the treaty and values the public record does not give, each with its "
        "source or reasoning; a scenario can override every one (docs and keys in README).",
    ]
    for group in (*GROUPS, "Other"):
        if group in grouped:
            out += ["", f"### {group}", ""]
            out += [f"- {t}" for t in grouped[group]]
    return out


def caveat_lines() -> list[str]:
    """What the numbers are not: land only, and what the satellite yardstick means."""
    sat = yardstick()
    fleet = next((s for s in satellites() if s.id == "digitalglobe-fleet-2016"), None)
    neo = next((s for s in satellites() if s.id == "pleiades-neo"), None)
    others = []
    if neo is not None:
        others.append(f"Pléiades Neo, {neo.capacity_km2_per_day:,.0f} km²/day a satellite")
    if fleet is not None:
        others.append(f"a whole commercial fleet in 2016, {fleet.capacity_km2_per_day:,.0f}"
                      " km²/day")
    return [
        "",
        "## Caveats",
        "",
        "- Territory and imaged areas are land only (Natural Earth admin-0 polygons); the "
        "treaty's territory also includes internal and territorial waters (Art. II para 8), "
        "which are not modelled, so shares of a territory imaged are shares of its land. The "
        "12-nautical-mile belt would add about 6.7 % to Russia's area and 17 % to Denmark's "
        "with Greenland (benchmarks/territorial_waters.py; no median lines or baselines).",
        f"- `satellite_equivalent_days` is the area imaged in a year in days of one 30 cm "
        f"commercial satellite's collection ({sat.id}, {sat.capacity_km2_per_day:,.0f} km²/day,"
        f" {sat.source}; a vendor's figure, an order of magnitude). It is a yardstick, not a "
        "substitute: satellites are tasked by their owners and their imagery is not shared "
        "under a treaty; they cannot see through cloud (the mean clear-sky probability over "
        "Great Britain is about 21 %, Armitage et al. 2013), while aircraft at 900-3,500 m fly "
        "under much of it; and the treaty's imagery is at most 30 cm (Art. IV para 2). "
        "Other yardsticks: " + "; ".join(others) + ".",
    ]


__all__ = ["assumption_lines", "attach_report", "caveat_lines", "cell", "how_run",
           "run_report"]
