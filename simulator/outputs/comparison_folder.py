"""Write a comparison folder: its report and figures, and each scenario's results folder."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from simulator.outputs.comparison_report import comparison, comparison_manifest
from simulator.outputs.folders import atomic_folder
from simulator.outputs.result import Result, json_text, save_figures, write_csv, write_folder


def write_comparison(results: Mapping[str, Result], target: Path, force: bool = False,
                     command: Sequence[str] | None = None) -> Path:
    """``target/report.md``, ``figures/``, ``headline.csv``, ``manifest.json`` and ``NAME/``
    per scenario, written into a temporary folder and renamed into place."""
    with atomic_folder(target, force) as tmp:
        report, figures, table = comparison(results)
        rendered: dict[int, bytes] = {}  # a run's figures the comparison shows are drawn once
        for label, res in results.items():
            write_folder(res, tmp / label, force=False, rendered=rendered)
        save_figures(figures, tmp / "figures", rendered)
        write_csv(table, tmp / "headline.csv")
        manifest = comparison_manifest(results, list(command) if command else None)
        (tmp / "manifest.json").write_text(json_text(manifest), encoding="utf-8")
        (tmp / "report.md").write_text(report, encoding="utf-8")
    return target.resolve()


__all__ = ["write_comparison"]
