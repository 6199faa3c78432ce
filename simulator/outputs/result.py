"""What a run produced (:class:`Result`, a set of DataFrames) and its results folder's format.

A results folder (DESIGN section 6) holds ``scenario.toml``, ``manifest.json``, ``quotas.csv``,
``missions.csv``, ``coverage.csv``, ``access.csv``, ``sharing.csv`` (effective coverage under the
scenario's data-sharing policy), ``routes.geojson``, ``headline.csv``, ``pairs.csv``,
``summary.json``, ``figures/`` and ``report.md``; :func:`load_result` reads one back.
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.outputs.folders import OutputError, atomic_folder
from simulator.treaty.distribution import COLUMNS as QUOTA_COLUMNS

QUOTA_CSV_COLUMNS = ("replication", *QUOTA_COLUMNS)
ACCESS_COLUMNS = ("date", "observer", "observed", "allowed", "reason")
SHARING_COLUMNS = ("replication", "year", "consumer", "observed", "imaged_km2")


@dataclass
class Result:
    """What one scenario run produced, as DataFrames (see DESIGN section 6)."""

    name: str
    scenario_toml: str
    missions: pd.DataFrame
    quotas: pd.DataFrame
    coverage: pd.DataFrame
    access: pd.DataFrame
    sharing: pd.DataFrame
    manifest: dict[str, Any]
    summary: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict, repr=False)  # name -> matplotlib Figure
    report: str = ""
    cells: dict[str, tuple[Any, Any]] = field(default_factory=dict, repr=False)  # rep 0 imagery
    extra_tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    routes: dict[str, Any] = field(  # routes.geojson: a FeatureCollection of flown tracks
        default_factory=lambda: {"type": "FeatureCollection", "features": []}, repr=False
    )
    headline: pd.DataFrame | None = field(default=None, repr=False)  # headline.csv
    pairs: pd.DataFrame | None = field(default=None, repr=False)  # pairs.csv
    cumulative: pd.DataFrame | None = field(default=None, repr=False)  # multi-year runs

    @property
    def replications(self) -> int:
        """How many replications the tables hold."""
        return int(self.manifest.get("replications", 1))

    def save(self, directory: str | os.PathLike[str], force: bool = False) -> Path:
        """Write the results folder atomically; refuse a non-empty folder unless ``force``."""
        return write_folder(self, Path(directory), force)

    def __repr__(self) -> str:
        return (
            f"Result({self.name!r}, replications={self.replications}, "
            f"missions={len(self.missions)}, years={sorted(self.coverage['year'].unique())})"
            if len(self.coverage)
            else f"Result({self.name!r})"
        )


def frame(rows: list[Mapping[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    """A DataFrame with exactly ``columns``, in that order, even when empty."""
    return pd.DataFrame(list(rows), columns=list(columns))


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """A table as CSV the same way everywhere: no index, ``\\n`` line ends, 6 significant digits."""
    df.to_csv(path, index=False, lineterminator="\n", float_format="%.6g")


def save_figures(figures: Mapping[str, Any], folder: Path,
                 rendered: dict[int, bytes] | None = None) -> None:
    """Each figure as ``folder/NAME.png``. With ``rendered`` (PNG bytes by ``id`` of a figure,
    kept by the caller while its figures live), a figure saved before is written again from
    its bytes instead of being rendered again."""
    folder.mkdir(exist_ok=True)
    for name, fig in sorted(figures.items()):
        png = rendered.get(id(fig)) if rendered is not None else None
        if png is None:
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
            png = buffer.getvalue()
            if rendered is not None:
                rendered[id(fig)] = png
        (folder / f"{name}.png").write_bytes(png)


def write_folder(result: Result, target: Path, force: bool,
                 rendered: dict[int, bytes] | None = None) -> Path:
    """Write everything into a temporary sibling and rename it to ``target`` (``rendered``:
    as in :func:`save_figures`)."""
    with atomic_folder(target, force) as tmp:
        (tmp / "scenario.toml").write_text(result.scenario_toml, encoding="utf-8")
        write_csv(result.quotas, tmp / "quotas.csv")
        write_csv(result.missions, tmp / "missions.csv")
        write_csv(result.coverage, tmp / "coverage.csv")
        write_csv(result.access, tmp / "access.csv")
        write_csv(result.sharing, tmp / "sharing.csv")
        (tmp / "routes.geojson").write_text(
            json.dumps(_clean(result.routes), separators=(",", ":")) + "\n", encoding="utf-8"
        )
        if result.headline is not None:
            write_csv(result.headline, tmp / "headline.csv")
        if result.pairs is not None:
            write_csv(result.pairs, tmp / "pairs.csv")
        if result.cumulative is not None and len(result.cumulative):
            write_csv(result.cumulative, tmp / "cumulative.csv")
        for name, table in sorted(result.extra_tables.items()):
            write_csv(table, tmp / name)
        (tmp / "summary.json").write_text(json_text(result.summary), encoding="utf-8")
        save_figures(result.figures, tmp / "figures", rendered)
        (tmp / "report.md").write_text(result.report or "", encoding="utf-8")
        (tmp / "manifest.json").write_text(json_text(result.manifest), encoding="utf-8")
    return target.resolve()


def json_text(data: Any) -> str:
    """JSON as written to results folders: indented, NaN and infinity as null."""
    return json.dumps(_clean(data), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _clean(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return _clean(float(value))
    return value


def load_result(directory: str | os.PathLike[str]) -> Result:
    """Read a results folder back (figures are not reloaded)."""
    folder = Path(directory)
    if not (folder / "manifest.json").exists():
        raise OutputError(f"{folder}: not a results folder (no manifest.json)")
    read = lambda name: pd.read_csv(folder / name, keep_default_na=False, na_values=[""])  # noqa: E731
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return Result(
        name=manifest.get("scenario", folder.name),
        scenario_toml=(folder / "scenario.toml").read_text(encoding="utf-8"),
        missions=read("missions.csv"),
        quotas=read("quotas.csv"),
        coverage=read("coverage.csv"),
        access=read("access.csv"),
        sharing=read("sharing.csv"),
        manifest=manifest,
        summary=json.loads((folder / "summary.json").read_text(encoding="utf-8")),
        report=(folder / "report.md").read_text(encoding="utf-8"),
        headline=read("headline.csv") if (folder / "headline.csv").exists() else None,
        pairs=read("pairs.csv") if (folder / "pairs.csv").exists() else None,
        cumulative=read("cumulative.csv") if (folder / "cumulative.csv").exists() else None,
        **_routes(folder),
    )


def _routes(folder: Path) -> dict[str, Any]:
    path = folder / "routes.geojson"  # folders written before it existed have none
    return {"routes": json.loads(path.read_text(encoding="utf-8"))} if path.exists() else {}
