"""The headline measures of each replication of a run, not only their mean and interval: the
outputs an experiment (a sweep or a sensitivity analysis) analyses, one value per replication.

Each replication is measured exactly as a one-replication run would be (the same
:func:`~simulator.measures.headline.headline_rows`), so a column of ``runs.csv`` means what the
row of ``headline.csv`` with the same id means (``docs/measures.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from simulator.measures.headline import headline_rows
from simulator.measures.tables import PlainTables


def _split(table: pd.DataFrame, reps: int) -> list[pd.DataFrame]:
    """``table``'s rows of each replication, with the replication column set to 0."""
    if not len(table) or "replication" not in table:
        return [table] * reps
    groups = dict(tuple(table.groupby("replication", sort=True)))
    empty = table.iloc[0:0]
    return [groups.get(r, empty).assign(replication=0) for r in range(reps)]


def headline_by_replication(result: Any, areas: Mapping[str, float]) -> pd.DataFrame:
    """A frame with one row per replication (column ``replication``) and one column per
    headline measure id, in the order of ``headline.csv`` (``attrs["labels"]`` says what each
    measures). ``result`` is any :class:`~simulator.measures.tables.RunTables`."""
    reps = result.replications
    parts = {k: _split(getattr(result, k), reps) for k in ("missions", "coverage", "sharing")}
    rows, labels = [], {}
    for r in range(reps):
        view = PlainTables(
            name=result.name, missions=parts["missions"][r], coverage=parts["coverage"][r],
            access=result.access, sharing=parts["sharing"][r], summary=result.summary,
            replications=1, quotas=result.quotas, manifest=result.manifest,
        )
        row: dict[str, Any] = {"replication": r}
        for m in headline_rows(view, areas):
            row[m["measure_id"]] = m["mean"]
            labels[m["measure_id"]] = m["measure"]
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["labels"] = labels  # measure id -> what it measures, in words
    return out


__all__ = ["headline_by_replication"]
