"""``pairs.csv``: flights allocated and flown per observer and observed holder, by year.

A shared flight counts for each of its observers (it is one flight against the observed
party's passive quota), so ``flights_allocated`` and ``flights_flown`` add up over observed
holders but not over observers (docs/measures.md).
"""

from __future__ import annotations

import pandas as pd

PAIRS_COLUMNS = ("replication", "year", "observer", "observed", "flights_allocated",
                 "flights_flown")


def pairs_frame(quotas: pd.DataFrame, missions: pd.DataFrame) -> pd.DataFrame:
    """One row per replication, year and (observer, observed) pair with an allocation or a
    counted flight."""
    keys = ["replication", "year", "observer", "observed"]
    alloc = {
        tuple(k): int(v)
        for k, v in quotas.groupby(keys, sort=True)["flights"].sum().items()
    } if len(quotas) else {}
    flown: dict[tuple, int] = {}
    counted = missions[missions["counted"].astype(bool)]
    for row in counted[[*keys, "joint_with"]].itertuples(index=False):
        joint = row.joint_with if isinstance(row.joint_with, str) else ""
        for observer in (row.observer, *joint.split()):
            key = (row.replication, row.year, observer, row.observed)
            flown[key] = flown.get(key, 0) + 1
    rows = [(*k, alloc.get(k, 0), flown.get(k, 0)) for k in sorted(set(alloc) | set(flown))]
    return pd.DataFrame(rows, columns=list(PAIRS_COLUMNS))


__all__ = ["PAIRS_COLUMNS", "pairs_frame"]
