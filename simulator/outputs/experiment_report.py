"""What an experiment says, in a figure and in words: the sensitivity indices per output with
their confidence intervals, a sweep's measures per point, and a report that names what drives
what (and what cannot be told from noise at the sample size used)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # matplotlib is imported only when a figure is drawn
    from simulator.outputs.figure import Figure


def _panels(n: int, height: float) -> tuple[Figure, list[Any]]:
    from simulator.outputs.figure import Figure

    fig = Figure(figsize=(8.5, height))
    return fig, [fig.add_subplot(n, 1, i + 1) for i in range(n)]


def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def indices_figure(indices: pd.DataFrame, method: str, labels: Mapping[str, str]):
    """One panel per output: each parameter's index with its confidence interval."""
    outputs = list(dict.fromkeys(indices["output"]))
    n = max(len(outputs), 1)
    params = list(dict.fromkeys(indices["parameter"]))
    fig, axes = _panels(n, 1.2 + (0.45 * len(params) + 0.9) * n)
    for ax, output in zip(axes, outputs, strict=False):
        sub = indices[indices["output"] == output].set_index("parameter").reindex(params)
        ys = range(len(params))
        if method == "morris":
            ax.barh(ys, sub["mu_star"], xerr=sub["mu_star_conf"], color="#4c72b0", capsize=3,
                    label="μ* (mean |effect|), 95 % CI")
            ax.plot(sub["sigma"], ys, "k|", markersize=12, label="σ (spread of effects)")
            ax.set_xlabel(f"|change| in {output} across a parameter's range", fontsize=8)
        else:
            h = 0.38
            ax.barh([y - h / 2 for y in ys], sub["S1"], height=h, xerr=sub["S1_conf"],
                    color="#4c72b0", capsize=3, label="S1 (alone)")
            ax.barh([y + h / 2 for y in ys], sub["ST"], height=h, xerr=sub["ST_conf"],
                    color="#dd8452", capsize=3, label="ST (with interactions)")
            ax.set_xlim(left=min(0.0, float(sub[["S1", "ST"]].min().min())))
            ax.set_xlabel(f"share of the variance of {output}", fontsize=8)
        ax.set_yticks(list(ys), [p.split(".")[-1] for p in params], fontsize=8)
        ax.invert_yaxis()
        ax.set_title(labels.get(output, output), fontsize=9, loc="left")
        ax.axvline(0, color="0.5", lw=0.6)
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(f"What drives the answer ({method})", fontsize=11)
    fig.tight_layout()
    return fig


def sweep_figure(runs: pd.DataFrame, keys: Sequence[str], outputs: Sequence[str],
                 labels: Mapping[str, str]):
    """One panel per output: its mean per point, with the range over replications."""
    n = max(len(outputs), 1)
    fig, axes = _panels(n, 1.5 + 2.2 * n)
    grouped = runs.groupby("point", sort=True)
    names = [", ".join(f"{k.split('.')[-1]}={g[k].iloc[0]}" for k in keys) for _, g in grouped]
    for ax, output in zip(axes, outputs, strict=False):
        stats = grouped[output].agg(["mean", "min", "max"])
        xs = range(len(stats))
        ax.bar(xs, stats["mean"], color="#4c72b0")
        ax.errorbar(xs, stats["mean"], yerr=[stats["mean"] - stats["min"],
                                             stats["max"] - stats["mean"]],
                    fmt="none", ecolor="k", capsize=3, lw=0.8)
        ax.set_xticks(list(xs), names, fontsize=7, rotation=20, ha="right")
        ax.set_title(labels.get(output, output), fontsize=9, loc="left")
    fig.suptitle("Sweep: mean per point (bars: range over replications)", fontsize=11)
    fig.tight_layout()
    return fig


def _morris_words(sub: pd.DataFrame) -> str:
    sub = sub.sort_values("mu_star", ascending=False)
    clear = sub[sub["mu_star"] > sub["mu_star_conf"]]
    noise = sub[sub["mu_star"] <= sub["mu_star_conf"]]
    parts = []
    for _, r in clear.iterrows():
        shape = "; its effect varies with the others (σ > μ*)" if r["sigma"] > r["mu_star"] else ""
        parts.append(f"`{r['parameter']}` (μ* = {_fmt(r['mu_star'])} ± "
                     f"{_fmt(r['mu_star_conf'])}, σ = {_fmt(r['sigma'])}{shape})")
    text = ("driven by " + ", then ".join(parts)) if parts else \
        "no parameter moves it by more than its confidence interval"
    if len(noise):
        text += ("; " + ", ".join(f"`{p}`" for p in noise["parameter"]) +
                 " cannot be told from noise at this sample size")
    return text + "."


def _sobol_words(sub: pd.DataFrame) -> str:
    sub = sub.sort_values("ST", ascending=False)
    clear = sub[sub["ST"] > sub["ST_conf"]]
    parts = [f"`{r['parameter']}` (S1 = {_fmt(r['S1'])} ± {_fmt(r['S1_conf'])}, ST = "
             f"{_fmt(r['ST'])} ± {_fmt(r['ST_conf'])})" for _, r in clear.iterrows()]
    text = ("its variance comes from " + ", then ".join(parts)) if parts else \
        "no parameter's total index exceeds its confidence interval"
    s1 = float(sub["S1"].clip(lower=0).sum())
    if math.isfinite(s1):
        text += (f"; the first-order indices sum to {s1:.2f}, so about "
                 f"{max(0.0, 1 - s1):.0%} of the variance comes from interactions or noise")
    return text + "."


def sensitivity_report(manifest: Mapping[str, Any], indices: pd.DataFrame,
                       labels: Mapping[str, str], skipped: Sequence[str]) -> str:
    """``report.md`` of a sensitivity analysis."""
    method = manifest["method"]
    lines = [f"# What drives the answer: {manifest['scenario']}", ""]
    versus = manifest.get("versus")
    if versus:
        lines += [f"Each output is **{manifest['scenario']} minus {versus}**, both run with the "
                  "same parameter values and seeds at every point.", ""]
    lines += [
        f"{method.capitalize()} analysis with SALib of {manifest['points']} points "
        f"({manifest['samples']} {'trajectories' if method == 'morris' else 'base samples'}, "
        f"{manifest['replications']} replication(s) each, seeds: {manifest['seeds']}), "
        f"{manifest['seconds']:.0f} s.", "", "## Parameters", "",
        "| parameter | range | encoding |", "|---|---|---|",
    ]
    for p in manifest["parameters"]:
        rng = " \\| ".join(p["choices"]) if p["kind"] == "choice" else f"{p['low']} to {p['high']}"
        lines.append(f"| `{p['key']}` | {rng} | {p['kind']} |")
    lines += ["", "## What drives what", ""]
    for output in dict.fromkeys(indices["output"]):
        sub = indices[indices["output"] == output]
        words = _morris_words(sub) if method == "morris" else _sobol_words(sub)
        lines.append(f"- **{output}** ({labels.get(output, output)}): {words}")
    if skipped:
        lines += ["", "Not analysed (n/a in some point, or the same in every point): "
                  + ", ".join(f"`{s}`" for s in skipped) + "."]
    lines += [
        "", "## How to read it", "",
        "Morris μ* is the mean absolute elementary effect of a parameter: the change of the "
        "output, in its units, per move of the parameter across its whole range (measured in "
        "steps of two thirds of the range, one parameter at a time); σ large against μ* means "
        "the effect depends on the other parameters or is not linear. Sobol S1 is the share "
        "of the output's variance due to one parameter alone, ST with its interactions. "
        "Confidence intervals are 95 % "
        "bootstrap intervals; an index inside its interval is not distinguishable from the "
        "model's own randomness at this sample size (more samples or replications narrow it).",
        "", "Tables: `indices.csv` (the indices), `runs.csv` / `runs.parquet` (every point and "
        "replication), `manifest.json` (the command, every point's overrides and seed).", "",
    ]
    return "\n".join(lines)


def sweep_report(manifest: Mapping[str, Any], runs: pd.DataFrame, keys: Sequence[str],
                 outputs: Sequence[str], labels: Mapping[str, str]) -> str:
    """``report.md`` of a sweep: the mean of each main output per point."""
    lines = [f"# Sweep: {manifest['scenario']}", "",
             f"{manifest['points']} points x {manifest['replications']} replication(s), seeds: "
             f"{manifest['seeds']}, {manifest['seconds']:.0f} s.", "",
             "| " + " | ".join([*keys, *outputs]) + " |",
             "|" + "---|" * (len(keys) + len(outputs))]
    for _, g in runs.groupby("point", sort=True):
        cells = [str(g[k].iloc[0]) for k in keys] + [_fmt(float(g[o].mean())) for o in outputs]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Columns: " + "; ".join(f"`{o}`: {labels.get(o, o)}" for o in outputs)
              + " (means over replications).", "",
              "Every headline measure of every point and replication is in `runs.csv` and "
              "`runs.parquet`; `docs/measures.md` defines each id.", ""]
    return "\n".join(lines)
