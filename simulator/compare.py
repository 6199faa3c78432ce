"""Write a comparison folder: its report and figures, and each scenario's results folder."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from simulator.report import comparison
from simulator.results import Result, _csv, atomic_folder, save_figures, write_folder


def write_comparison(results: Mapping[str, Result], target: Path, force: bool = False) -> Path:
    """``target/report.md``, ``target/figures/``, ``target/headline.csv`` and ``target/NAME/``
    per scenario, written into a temporary folder and renamed into place."""
    with atomic_folder(target, force) as tmp:
        report, figures, table = comparison(results)
        for label, res in results.items():
            write_folder(res, tmp / label, force=False)
        save_figures(figures, tmp / "figures")
        _csv(table, tmp / "headline.csv")
        (tmp / "report.md").write_text(report, encoding="utf-8")
    return target.resolve()
