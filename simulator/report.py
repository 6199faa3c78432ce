"""The Markdown report of a run, and the comparison report of several runs.

The comparison answers "what did the withdrawals cost?" in the four senses of coverage
(DESIGN section 5): access, flights, imaged area, and effective coverage with data sharing.
Numbers are means over replications with a 90 % interval when there are several.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Mapping
from typing import Any

import pandas as pd

from simulator import plots, route_plots
from simulator.measures import access_share
from simulator.results import Result, interval
from simulator.scenario import Scenario

RESOLUTION_DEFAULT = 25.0


def _fmt(x: Mapping[str, float] | float, digits: int = 0, pct: bool = False) -> str:
    """``mean (p05-p95)`` or a single number."""
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


def _weighted_access(result: Result, areas: Mapping[str, float]) -> float:
    """Share of the parties' territory observable by another party, weighted by days."""
    shares = access_share(result.access.to_dict("records"), areas)
    if not shares:
        return math.nan
    years = sorted(result.coverage["year"].unique()) if len(result.coverage) else []
    end = dt.date(int(years[-1]), 12, 31) if years else None
    days = sorted(shares)
    total = weight = 0.0
    for i, d in enumerate(days):
        start = dt.date.fromisoformat(d)
        stop = dt.date.fromisoformat(days[i + 1]) if i + 1 < len(days) else end
        w = max((stop - start).days + (1 if i + 1 == len(days) else 0), 1) if stop else 1
        total += w * shares[d]
        weight += w
    return total / weight if weight else math.nan


def _areas(result: Result) -> dict[str, float]:
    cov = result.coverage
    rows = cov[cov["replication"] == cov["replication"].min()] if len(cov) else cov
    areas = {s: float(a) for s, a in zip(rows["state"], rows["territory_km2"], strict=True)}
    if not areas or any(math.isnan(a) for a in areas.values()):
        from simulator.summary import territory_areas

        states = sorted(set(result.access["observed"]) | set(cov["state"]))
        areas = territory_areas(states, RESOLUTION_DEFAULT)
    return areas


def headline(result: Result) -> dict[str, Any]:
    """The headline measures of one run (per year, averaged over the period's years)."""
    cov, mis = result.coverage, result.missions
    reps = range(result.replications)
    years = max(len(cov["year"].unique()) if len(cov) else 1, 1)
    flown = [
        int(mis[(mis["replication"] == r)]["counted"].astype(bool).sum()) / years for r in reps
    ]
    allocated = sum(v["quota_flights_allocated"] for v in result.summary["per_year"].values())
    imaged = [float(cov[cov["replication"] == r]["imaged_km2"].sum()) / years for r in reps]
    area_total = (
        float(cov[cov["replication"] == 0]["territory_km2"].sum()) / years if len(cov) else 0
    )
    areas = _areas(result)
    first = result.access[result.access["date"] == result.access["date"].min()]
    start_parties = sorted(set(first["observed"]))
    allowed = first[first["allowed"].astype(str) == "True"]
    out: dict[str, Any] = {
        "access_share": _weighted_access(result, areas),
        "treaty_area_km2": sum(areas.get(s, 0.0) for s in start_parties),
        "observable_km2": sum(areas.get(s, 0.0) for s in sorted(set(allowed["observed"]))),
        "allowed_pairs": len(allowed),
        "parties": int(result.access.groupby("date")["observer"].nunique().iloc[0])
        if len(result.access)
        else 0,
        "quota_flights_allocated_per_year": allocated / years,
        "flights_counted_per_year": interval(flown),
        "imaged_km2_per_year": interval(imaged),
        "imaged_share_of_treaty_area": interval(
            [x / area_total if area_total else math.nan for x in imaged]
        ),
    }
    for state in ("RUS", "USA", "BLR", "UKR"):
        cs = cov[cov["state"] == state]
        if len(cs):
            out[f"imaged_fraction_{state}"] = interval(
                cs.groupby("replication")["imaged_fraction"].mean()
            )
            out[f"flights_received_{state}"] = interval(
                cs.groupby("replication")["flights_received"].mean()
            )
    eff = result.summary.get("effective_coverage", {})
    for consumer, target in (("USA", "RUS"), ("RUS", "USA")):
        cell = eff.get(consumer, {}).get(target)
        cell = cell if isinstance(cell, Mapping) else None
        out[f"effective_{consumer}_of_{target}_km2"] = (
            cell["imaged_km2_per_year"] if cell else interval([0.0] * result.replications)
        )
    return out


# --------------------------------------------------------------- one run
def attach_report(result: Result, scenario: Scenario) -> None:
    """Build the figures and ``report.md`` of one run into ``result``."""
    years = sorted(result.coverage["year"].unique()) if len(result.coverage) else []
    res_km = scenario.model.geometry.resolution_km
    figs: dict[str, Any] = {}
    if years:
        last = int(years[-1])
        figs["quota_matrix"] = plots.quota_matrix(result.quotas, last)
        figs["flights_by_state"] = plots.flights_by_state({result.name: result})
        figs["mission_timeline"] = plots.mission_timeline(result.missions, last)
        if len(years) > 1:
            figs["flights_per_year"] = plots.flights_per_year({result.name: result})
        if scenario.model.geometry.enabled:
            figs["map_imaged_fraction"] = plots.imaged_fraction_map(result, res_km)
            figs["map_imaged_cells"] = plots.imaged_cells_map(result, res_km)
            if result.routes.get("features"):
                figs["map_routes"] = route_plots.routes_map(result.routes,
                                                            resolution_km=res_km)
    result.figures = figs
    result.report = run_report(result, scenario)


def run_report(result: Result, scenario: Scenario) -> str:
    """``report.md`` of one run."""
    h = headline(result)
    s = result.summary
    lines = [f"# {result.name}", ""]
    if scenario.model.description:
        lines += [scenario.model.description.strip(), ""]
    years = s["years"]
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}"
    lines += [
        f"Simulated {span}, {s['replications']} replication(s), seed "
        f"{result.manifest.get('seed')}. Numbers are per year; with several replications, the "
        "mean is followed by the 90 % interval in brackets.",
        "",
        "## Headline",
        "",
        "| measure | value |",
        "|---|---|",
        f"| States Parties at the start | {h['parties']} |",
        f"| 1. treaty area (all parties' territory) at the start, km² | "
        f"{h['treaty_area_km2']:,.0f} |",
        f"| 1. access: share of the treaty area another party may observe | "
        f"{_fmt(h['access_share'], 1, pct=True)} |",
        f"| 2. quota flights allocated per year | {h['quota_flights_allocated_per_year']:,.0f} |",
        f"| 2. quota flights flown (counted) per year | {_fmt(h['flights_counted_per_year'])} |",
        f"| 3. area imaged per year, km² | {_fmt(h['imaged_km2_per_year'])} |",
        f"| 3. share of the treaty area imaged per year | "
        f"{_fmt(h['imaged_share_of_treaty_area'], 2, pct=True)} |",
    ]
    for state in ("RUS", "USA"):
        if f"imaged_fraction_{state}" in h:
            lines.append(
                f"| 3. share of {state} imaged per year | "
                f"{_fmt(h[f'imaged_fraction_{state}'], 2, pct=True)} |"
            )
    lines += [
        f"| 4. imagery of Russia the US obtains, km² per year ({scenario.model.sharing.policy} "
        f"sharing) | {_fmt(h['effective_USA_of_RUS_km2'])} |",
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
    lines += ["", "## Figures", ""]
    captions = {
        "quota_matrix": "Active quotas of the last year: who may observe whom, how often.",
        "flights_by_state": "Counted flights received and conducted per state and year.",
        "flights_per_year": "Counted flights per year.",
        "mission_timeline": "The last year's missions over each observed party, by outcome.",
        "map_imaged_fraction": "Share of each party's territory imaged per year.",
        "map_imaged_cells": "Cells imaged by the flights of replication 0.",
        "map_routes": "The routes of replication 0 over the four most observed parties, legs "
        "flown with sensors on (from routes.geojson); transit legs to exclaves are given in km.",
    }
    for name in result.figures:
        lines += [
            f"![{captions.get(name, name)}](figures/{name}.png)",
            "",
            captions.get(name, ""),
            "",
        ]
    lines += _assumption_lines(s.get("assumptions", []))
    notes = result.manifest.get("distribution_notes", {})
    if any(notes.values()):
        lines += ["", "## How the quota distribution was settled", ""]
        for year, items in notes.items():
            for note in items:
                lines.append(f"- {year}: {note}")
    return "\n".join(lines).rstrip() + "\n"


def _assumption_lines(assumptions: list[str]) -> list[str]:
    if not assumptions:
        return []
    out = [
        "",
        "## Assumptions this run depends on",
        "",
        "Values the public record does not give; each can be overridden in a scenario.",
        "",
    ]
    out += [f"- {a}" for a in assumptions]
    out += [
        "",
        "Caveat: territory and imaged areas are land only (Natural Earth admin-0 polygons); the "
        "treaty's territory also includes internal and territorial waters (Art. II para 8), "
        "which are not modelled, so shares of a territory imaged are shares of its land. The "
        "12-nautical-mile belt would add about 6.7 % to Russia's area and 17 % to Denmark's "
        "with Greenland (benchmarks/territorial_waters.py; no median lines or baselines).",
    ]
    return out


# ----------------------------------------------------------- comparison
def headline_table(results: Mapping[str, Result]) -> pd.DataFrame:
    """Rows ``scenario, measure, mean, p05, p95`` for the comparison figure and table."""
    rows = []
    for label, res in results.items():
        h = headline(res)

        def add(measure: str, value: Any, scale: float = 1.0, label: str = label) -> None:
            if isinstance(value, Mapping):
                rows.append(
                    {
                        "scenario": label,
                        "measure": measure,
                        "mean": value["mean"] * scale,
                        "p05": value["p05"] * scale,
                        "p95": value["p95"] * scale,
                    }
                )
            else:
                rows.append(
                    {
                        "scenario": label,
                        "measure": measure,
                        "mean": value * scale,
                        "p05": value * scale,
                        "p95": value * scale,
                    }
                )

        add("access: observable area, million km²", h["observable_km2"], 1e-6)
        add("flights flown per year", h["flights_counted_per_year"])
        add("imaged, million km² per year", h["imaged_km2_per_year"], 1e-6)
        add(
            "imagery of Russia the US obtains, thousand km²/yr", h["effective_USA_of_RUS_km2"], 1e-3
        )
    return pd.DataFrame(rows)


def _descriptions(results: Mapping[str, Result]) -> list[str]:
    """One bullet per scenario with its own description (what it isolates and what not)."""
    out = []
    for label, res in results.items():
        try:
            text = tomllib.loads(res.scenario_toml).get("description", "")
        except tomllib.TOMLDecodeError:
            text = ""
        out.append(f"- **{label}**: {' '.join(str(text).split()) or '(no description)'}")
    return out


def comparison(results: Mapping[str, Result]) -> tuple[str, dict[str, Any], pd.DataFrame]:
    """(report.md, figures, headline table) comparing several runs, in the given order."""
    table = headline_table(results)
    last_year = {
        label: int(sorted(r.coverage["year"].unique())[-1]) if len(r.coverage) else 0
        for label, r in results.items()
    }
    figs = {
        "headline_measures": plots.measures_bars(table),
        "quota_matrices": plots.quota_matrices(results, last_year),
        "flights_by_state": plots.flights_by_state(results),
    }
    for label, res in results.items():
        if res.cells:
            figs[f"map_imaged_fraction_{label}"] = plots.imaged_fraction_map(res)
            figs[f"map_imaged_cells_{label}"] = plots.imaged_cells_map(res)
    first = next(iter(results.values()))
    figs["mission_timeline"] = plots.mission_timeline(
        first.missions,
        last_year[first.name] if first.name in last_year else next(iter(last_year.values())),
    )
    heads = {label: headline(r) for label, r in results.items()}
    labels = list(results)
    lines = [
        "# What did the withdrawals cost?",
        "",
        "Each column is one scenario; numbers are per simulated year, the mean over "
        "replications with the 90 % interval in brackets. The four measures follow the "
        "design: (1) access, the share of all parties' territory that at least one other party "
        "may observe; (2) flights allocated and flown; (3) the area the sensors imaged; "
        "(4) effective coverage, the imagery a state obtains from others' flights under the "
        "scenario's data-sharing policy.",
        "",
        "| measure | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
    ]

    def row(name: str, key: str, digits: int = 0, pct: bool = False) -> None:
        cells = [
            _fmt(heads[lab][key], digits, pct) if key in heads[lab] else "n/a" for lab in labels
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    base_area = heads[labels[0]]["observable_km2"] or float("nan")
    for lab in labels:
        heads[lab]["observable_vs_first"] = heads[lab]["observable_km2"] / base_area
    row("States Parties at the start", "parties")
    row("1. treaty area at the start, km²", "treaty_area_km2")
    row("1. area some other party may observe, km²", "observable_km2")
    row(f"1. ... as a share of {labels[0]}'s", "observable_vs_first", 1, True)
    row("1. ordered pairs allowed to observe", "allowed_pairs")
    row("1. access: treaty area observable by another party", "access_share", 1, True)
    row("2. quota flights allocated per year", "quota_flights_allocated_per_year")
    row("2. quota flights flown per year", "flights_counted_per_year")
    row("3. area imaged per year, km²", "imaged_km2_per_year")
    row("3. share of the treaty area imaged per year", "imaged_share_of_treaty_area", 2, True)
    row("3. share of Russia imaged per year", "imaged_fraction_RUS", 2, True)
    row("3. share of the US imaged per year", "imaged_fraction_USA", 2, True)
    row("3. share of Belarus imaged per year", "imaged_fraction_BLR", 2, True)
    row("3. flights over Ukraine per year", "flights_received_UKR", 1)
    row("4. imagery of Russia the US obtains, km²/yr", "effective_USA_of_RUS_km2")
    row("4. imagery of the US Russia obtains, km²/yr", "effective_RUS_of_USA_km2")
    lines += ["", _interpretation(heads, labels), ""]
    lines += ["## The scenarios", "", *_descriptions(results), ""]
    lines += ["## Figures", ""]
    captions = {
        "headline_measures": "The headline measures side by side (whiskers: 90 % interval).",
        "quota_matrices": "Active quotas of each scenario's last year.",
        "flights_by_state": "Counted flights received and conducted per state and year.",
        "mission_timeline": f"Missions of the first scenario ({labels[0]}) over its last year.",
    }
    for name in figs:
        cap = captions.get(name)
        if cap is None:
            kind = "share of each party imaged" if "fraction" in name else "cells imaged"
            cap = f"{name.split('_', 3)[-1]}: {kind}."
        lines += [f"![{cap}](figures/{name}.png)", "", cap, ""]
    assumptions = sorted({a for r in results.values() for a in r.summary.get("assumptions", [])})
    lines += _assumption_lines(assumptions)
    lines += [
        "",
        "Each scenario's own results folder (next to this report) has its tables and report.",
    ]
    return "\n".join(lines).rstrip() + "\n", figs, table


def _interpretation(heads: Mapping[str, Any], labels: list[str]) -> str:
    """A few sentences reading the table: first scenario against the others."""
    if len(labels) < 2:
        return ""
    base = heads[labels[0]]
    parts = [f"Against **{labels[0]}**:"]
    for lab in labels[1:]:
        h = heads[lab]
        fl0, fl1 = base["flights_counted_per_year"]["mean"], h["flights_counted_per_year"]["mean"]
        im0, im1 = base["imaged_km2_per_year"]["mean"], h["imaged_km2_per_year"]["mean"]
        change = lambda a, b: (b - a) / a * 100 if a else float("nan")  # noqa: E731
        ob0, ob1 = base["observable_km2"], h["observable_km2"]
        parts.append(
            f"- **{lab}**: {ob1 / 1e6:,.1f} million km² open to observation "
            f"({change(ob0, ob1):+.0f} %), {h['allowed_pairs']} observer-observed pairs "
            f"(was {base['allowed_pairs']}); "
            f"{fl1:,.0f} flights a year ({change(fl0, fl1):+.0f} %); "
            f"{im1:,.0f} km² imaged a year ({change(im0, im1):+.0f} %)."
        )
    return "\n".join(parts)
