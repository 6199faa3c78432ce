"""An experiment's results folder: ``runs.csv`` and ``runs.parquet`` (one row per point and
replication), ``indices.csv`` for a sensitivity analysis, ``figures/``, ``report.md`` and
``manifest.json``, written atomically like a run's folder."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.outputs.folders import atomic_folder
from simulator.outputs.result import json_text, save_figures, write_csv


@dataclass
class Experiment:
    """A sweep or a sensitivity analysis: its tables, figures, report and manifest."""

    kind: str  # "sweep" or "sensitivity"
    scenario: str
    runs: pd.DataFrame
    manifest: dict[str, Any]
    indices: pd.DataFrame | None = None
    report: str = ""
    figures: dict[str, Any] = field(default_factory=dict)

    def save(self, directory: str | os.PathLike[str], force: bool = False) -> Path:
        """Write the folder atomically; refuse a non-empty folder unless ``force``."""
        target = Path(directory)
        with atomic_folder(target, force) as tmp:
            write_csv(self.runs, tmp / "runs.csv")
            self.runs.to_parquet(tmp / "runs.parquet", index=False)
            if self.indices is not None:
                write_csv(self.indices, tmp / "indices.csv")
            save_figures(self.figures, tmp / "figures")
            (tmp / "report.md").write_text(self.report, encoding="utf-8")
            (tmp / "manifest.json").write_text(json_text(self.manifest), encoding="utf-8")
        return target.resolve()

    def __repr__(self) -> str:
        points = self.runs["point"].nunique() if "point" in self.runs else 0
        return (f"Experiment({self.kind}, {self.scenario!r}, points={points}, "
                f"rows={len(self.runs)})")
