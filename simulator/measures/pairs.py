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
    counted = missions[missions["counted"].astype(bool)]
    # each counted flight once for its observer and once for each observer it was shared with
    # a CSV read back: empty is NaN (a float column when no flight was joint)
    others = counted["joint_with"].astype(object).fillna("").astype(str)
    joint = others.str.strip() != ""
    shared = counted[joint].assign(observer=others[joint].str.split()).explode("observer")
    every = pd.concat([counted[keys], shared[keys]], ignore_index=True)
    parts = {}
    if len(quotas):
        parts["flights_allocated"] = quotas.groupby(keys, sort=True)["flights"].sum()
    if len(every):
        parts["flights_flown"] = every.groupby(keys, sort=True).size()
    if not parts:
        return pd.DataFrame(columns=list(PAIRS_COLUMNS))
    both = pd.concat(parts, axis=1).sort_index()
    out = both.reindex(columns=list(PAIRS_COLUMNS[4:])).fillna(0).astype("int64").reset_index()
    return out.astype({"replication": "int64", "year": "int64",
                       "observer": str, "observed": str})[list(PAIRS_COLUMNS)]


__all__ = ["PAIRS_COLUMNS", "pairs_frame"]
