"""Write a comparison folder: its report and figures, and each scenario's results folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from simulator.report import comparison
from simulator.results import MARKER, OutputError, Result, _csv, write_folder


def write_comparison(results: Mapping[str, Result], target: Path, force: bool = False) -> Path:
    """``target/report.md``, ``target/figures/``, ``target/headline.csv`` and ``target/NAME/``
    per scenario, written into a temporary folder and renamed into place."""
    target = target.resolve()
    if target.exists() and any(target.iterdir()):
        if not force:
            raise OutputError(
                f"{target}: folder exists and is not empty; choose another with -o or pass "
                "--force to replace a folder written by openskies"
            )
        if not (target / MARKER).exists():
            raise OutputError(f"{target}: not written by openskies; refusing to replace it")
    report, figures, table = comparison(results)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    tmp.chmod(0o755)
    try:
        for label, res in results.items():
            write_folder(res, tmp / label, force=False)
        (tmp / "figures").mkdir()
        for name, fig in sorted(figures.items()):
            fig.savefig(tmp / "figures" / f"{name}.png", dpi=110, metadata={"Software": None})
        _csv(table, tmp / "headline.csv")
        (tmp / "report.md").write_text(report, encoding="utf-8")
        (tmp / MARKER).write_text("written by openskies\n", encoding="utf-8")
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
