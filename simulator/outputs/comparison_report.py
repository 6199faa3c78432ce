"""The comparison of several runs: its report, figures, ``headline.csv`` and manifest.

It answers "what did each change cost?" in the four senses of coverage (DESIGN section 5):
access, flights, imaged area, and the imagery each state obtains with data sharing, every
measure of ``headline.csv`` for every scenario, then in words against the first scenario.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from simulator.measures.headline import HEADLINE_COLUMNS, NAMES
from simulator.outputs import charts, maps
from simulator.outputs.report import assumption_lines, caveat_lines, cell
from simulator.outputs.result import Result
from simulator.version import __version__

BAR_MEASURES = ("access_weighted_share", "flights_flown", "imaged_km2",
                "satellite_equivalent_days", "shared_km2_USA_of_RUS")


def headline_table(results: Mapping[str, Result]) -> pd.DataFrame:
    """Every scenario's ``headline.csv`` rows, labelled, in the given order."""
    frames = []
    for label, res in results.items():
        h = res.headline if res.headline is not None else pd.DataFrame(columns=HEADLINE_COLUMNS)
        frames.append(h.assign(scenario=label))
    return pd.concat(frames, ignore_index=True)[list(HEADLINE_COLUMNS)]


def comparison_manifest(results: Mapping[str, Result],
                        command: list[str] | None = None) -> dict[str, Any]:
    """``manifest.json`` of a comparison folder: what was compared and how it was run."""
    return {
        "tool": "openskies",
        "version": __version__,
        "kind": "comparison",
        "command": command,
        "scenarios": [
            {
                "label": label,
                "scenario": res.name,
                "folder": label,
                "scenario_source": res.manifest.get("scenario_source"),
                "years": res.manifest.get("years"),
                "replications": res.replications,
                "seed": res.manifest.get("seed"),
                "overrides": res.manifest.get("overrides") or [],
            }
            for label, res in results.items()
        ],
        "measures": sorted({m for r in results.values() if r.headline is not None
                            for m in r.headline["measure_id"]}),
    }


def _value(table: pd.DataFrame, label: str, measure_id: str) -> float:
    row = table[(table["scenario"] == label) & (table["measure_id"] == measure_id)]
    return float(row["mean"].iloc[0]) if len(row) else math.nan


def _observability(res: Result) -> dict[str, float]:
    """Per party at the start: the share of the other parties allowed to observe it."""
    a = res.access[res.access["date"] == res.access["date"].min()]
    n = a["observer"].nunique()
    ok = a.assign(ok=a["allowed"].astype(str).eq("True")).groupby("observed")["ok"].sum()
    return {s: float(k) / (n - 1) for s, k in ok.items()} if n > 1 else {}


def _areas(res: Result) -> dict[str, float]:
    cov = res.coverage[res.coverage["replication"] == 0]
    return {s: float(a) for s, a in zip(cov["state"], cov["territory_km2"], strict=True)}


def _access_reading(results: Mapping[str, Result], table: pd.DataFrame,
                    labels: list[str]) -> list[str]:
    """Why ``access_weighted_share`` moves: who left, joined or changed sides."""
    base = results[labels[0]]
    obs0, area0 = _observability(base), _areas(base)
    out = [
        "**Access.** `access_weighted_share` counts each party's land by the share of the "
        "other parties allowed to observe it (the NATO practice, refusals, suspensions and "
        "withdrawals lower it), so large territories that many may observe carry it. "
    ]
    for lab in labels[1:]:
        obs1, _area1 = _observability(results[lab]), _areas(results[lab])
        left = sorted(set(obs0) - set(obs1), key=lambda s: -area0.get(s, 0.0))
        joined = sorted(set(obs1) - set(obs0))
        moved = sorted(s for s in set(obs0) & set(obs1) if abs(obs1[s] - obs0[s]) >= 0.1)
        bits = []
        for s in left[:3]:
            bits.append(f"{s} left ({area0.get(s, 0.0) / 1e6:,.1f} million km², observable by "
                        f"{obs0[s]:.0%} of the other parties in {labels[0]})")
        if joined:
            bits.append("joined: " + ", ".join(joined))
        for s in moved[:4]:
            bits.append(f"{s} observable by {obs1[s]:.0%} (was {obs0[s]:.0%})")
        a0 = _value(table, labels[0], "access_weighted_share")
        a1 = _value(table, lab, "access_weighted_share")
        out.append(f"- **{lab}**: {a1:.1%} (was {a0:.1%}): " + ("; ".join(bits) or
                                                                  "no change of parties") + ".")
    return out


def _change(a: float, b: float) -> str:
    if not (math.isfinite(a) and math.isfinite(b)) or a == 0:
        return "n/a"
    return f"{(b - a) / a * 100:+.0f} %"


def _reading(results: Mapping[str, Result], table: pd.DataFrame, labels: list[str]) -> list[str]:
    """The table in words, each scenario against the first."""
    base = labels[0]
    out = [f"**Against {base}**, per year:"]
    for lab in labels[1:]:
        v = lambda m, lab=lab: _value(table, lab, m)  # noqa: E731
        b = lambda m: _value(table, base, m)  # noqa: E731
        flown = _change(b("flights_flown"), v("flights_flown"))
        parts = [f"{v('flights_flown'):,.0f} quota flights flown ({flown})"]
        if math.isfinite(v("imaged_km2")):
            imaged = _change(b("imaged_km2"), v("imaged_km2"))
            parts.append(f"{v('imaged_km2') / 1e6:,.2f} million km² imaged ({imaged}), "
                         f"{v('satellite_equivalent_days'):,.1f} days of one 30 cm satellite")
        left = _parties(results[base]) - _parties(results[lab])
        m = results[base].missions
        flown = m[m["counted"].astype(bool)]
        total = float(flown["imaged_km2"].sum())
        if left and total > 0:
            by_left = float(flown[flown["observer"].isin(left)]["imaged_km2"].sum())
            shown = sorted(h for h in left if "BY-RU" not in left or h not in ("BLR", "RUS"))
            parts.append(f"in {base} the flights led by {', '.join(shown)} imaged "
                         f"{by_left / total:.0%} of the area its flights imaged (summed over "
                         "flights)")
        out.append(f"- **{lab}**: " + "; ".join(parts) + ".")
    return out


def _parties(res: Result) -> set[str]:
    """Quota holders and states present as observers or observed at the start."""
    first = res.access[res.access["date"] == res.access["date"].min()]
    out = set(first["observer"]) | set(first["observed"])
    if {"BLR", "RUS"} <= out:
        out.add("BY-RU")
    return out


def _sharing_reading(table: pd.DataFrame, labels: list[str]) -> list[str]:
    out = ["**Data sharing.** The imagery a state obtains of another, from every flight it may "
           "have copies of (Art. IX Sec. IV) or that allies pass on under the scenario's policy:"]
    for consumer, target in (("USA", "RUS"), ("RUS", "USA")):
        cells = []
        for lab in labels:
            x = _value(table, lab, f"shared_km2_{consumer}_of_{target}")
            cells.append(f"{lab}: " + ("n/a (not a party)" if math.isnan(x)
                                        else "none" if x == 0 else f"{x:,.0f} km²"))
        who = NAMES[consumer][0].upper() + NAMES[consumer][1:]
        out.append(f"- {who} of {NAMES[target]}: " + "; ".join(cells) + ".")
    return out


def _descriptions(results: Mapping[str, Result]) -> list[str]:
    out = []
    for label, res in results.items():
        try:
            text = tomllib.loads(res.scenario_toml).get("description", "")
        except tomllib.TOMLDecodeError:
            text = ""
        extra = res.manifest.get("overrides") or []
        note = (" Overrides: " + ", ".join(f"`{o}`" for o in extra) + ".") if extra else ""
        out.append(f"- **{label}** ({res.replications} replications, seed "
                   f"{res.manifest.get('seed')}): {' '.join(str(text).split()) or '(none)'}"
                   f"{note}")
    return out


def _own(res: Result, name: str, draw: Callable[[], Any]) -> Any:
    """The run's own figure ``name`` if it has one, else ``draw()``."""
    found = res.figures.get(name)
    return draw() if found is None else found


def comparison(results: Mapping[str, Result]) -> tuple[str, dict[str, Any], pd.DataFrame]:
    """(report.md, figures, headline table) comparing several runs, in the given order."""
    table = headline_table(results)
    labels = list(results)
    last_year = {
        label: int(sorted(r.coverage["year"].unique())[-1]) if len(r.coverage) else 0
        for label, r in results.items()
    }
    bars = table[table["measure_id"].isin(BAR_MEASURES)]
    figs = {
        "headline_measures": charts.measures_bars(bars),
        "quota_matrices": charts.quota_matrices(results, last_year),
        "flights_by_state": charts.flights_by_state(results),
    }
    mapped = {label: res for label, res in results.items()
              if len(res.coverage) and res.coverage["imaged_km2"].notna().any()}
    if mapped:
        figs["map_imaged_fraction"] = maps.imaged_fraction_maps(mapped)
    if len(mapped) > 1:
        figs["map_difference"] = maps.difference_maps(mapped)
    # where a run has drawn the same figure (the same inputs), the comparison shows that one
    for label, res in results.items():
        if res.cells:
            figs[f"map_imaged_cells_{label}"] = _own(res, "map_imaged_cells", lambda res=res:
                                                     maps.imaged_cells_map(res))
    first = next(iter(results.values()))
    figs["mission_timeline"] = _own(first, "mission_timeline", lambda: charts.mission_timeline(
        first.missions, last_year[labels[0]]))
    reps = sorted({r.replications for r in results.values()})
    seeds = sorted({str(r.manifest.get("seed")) for r in results.values()})
    lines = [
        f"# Comparison of {len(labels)} scenarios",
        "",
        ", ".join(f"**{lab}**" for lab in labels) + ".",
        "",
        f"Numbers are per simulated year: means over {'/'.join(map(str, reps))} replications "
        f"(seed {', '.join(seeds)}) with the 90 % interval (5th to 95th percentile of the "
        "replications) in brackets; n/a where a measure has no subject in a scenario. The "
        "measures: (1) access, (2) flights allocated and flown, (3) the area the sensors "
        "imaged, (4) the imagery each state obtains with data sharing; ids as in "
        "`headline.csv` and `docs/measures.md`.",
        "",
        "| measure | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
    ]
    for measure_id in dict.fromkeys(table["measure_id"]):
        rows = table[table["measure_id"] == measure_id]
        name = rows["measure"].iloc[0]
        cells = []
        for lab in labels:
            r = rows[rows["scenario"] == lab]
            cells.append(cell(r.iloc[0].to_dict()) if len(r) else "n/a")
        lines.append(f"| {name} (`{measure_id}`) | " + " | ".join(cells) + " |")
    lines += ["", "## What changed", ""]
    if len(labels) > 1:
        lines += [*_reading(results, table, labels), ""]
        lines += [*_access_reading(results, table, labels), ""]
    lines += [*_sharing_reading(table, labels), ""]
    lines += ["## The scenarios", "", *_descriptions(results), ""]
    lines += ["## Figures", ""]
    captions = {
        "headline_measures": "The headline measures side by side (whiskers: 90 % interval).",
        "quota_matrices": "Active quotas of each scenario's last year.",
        "flights_by_state": "Counted flights received and conducted per state and year.",
        "mission_timeline": f"Missions of the first scenario ({labels[0]}) over its last year.",
        "map_imaged_fraction": "Share of each party's territory imaged per year, every "
        "scenario on one colour scale; the whole treaty area and Europe.",
        "map_difference": f"{labels[0]} minus each other scenario: where imaging was lost "
        "(blue) or gained (red), in percentage points of each party's territory.",
    }
    for name in figs:
        cap = captions.get(name)
        if cap is None:
            cap = f"{name.split('_', 3)[-1]}: the cells imaged in replication 0."
        lines += [f"![{cap}](figures/{name}.png)", "", cap, ""]
    assumptions = sorted({a for r in results.values() for a in r.summary.get("assumptions", [])})
    lines += assumption_lines(assumptions)
    lines += caveat_lines()
    lines += ["", "Each scenario's own results folder (next to this report) has its tables, "
              "report and manifest."]
    return "\n".join(lines).rstrip() + "\n", figs, table


__all__ = ["comparison", "comparison_manifest", "headline_table"]
