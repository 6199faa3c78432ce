"""Headline numbers of a run, with a mean and a 90 % interval wherever replications vary."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from simulator.measures.access import access_share
from simulator.measures.tables import interval


def territory_areas(states: list[str], resolution_km: float) -> dict[str, float]:
    """Treaty territory of each state in km2 (exact-area grid; masks are cached)."""
    from simulator.geo import load_territories

    terr = load_territories(resolution_km)
    return {s: terr.grid((s,)).total_area_km2 for s in states if s in terr.party_codes}


NAMED_STATES = ("RUS", "USA", "BLR", "UKR")  # the pairs summary.json names (sharing.csv has all)


def _group_sums(table: pd.DataFrame, keys: list[str]) -> pd.Series:
    """``imaged_km2`` summed per group of ``keys`` (a sorted MultiIndex), each group summed as
    ``Series.sum`` of its rows in table order would (groupby's own sum rounds differently in
    the last digit): a stable sort by the group codes, then one contiguous sum per group."""
    factors = [pd.factorize(table[k], sort=True) for k in keys]
    shape = tuple(max(len(u), 1) for _, u in factors)
    combined = np.ravel_multi_index([np.asarray(c) for c, _ in factors], shape)
    order = np.argsort(combined, kind="stable")
    ordered = combined[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else \
        np.zeros(0, int)
    values = table["imaged_km2"].to_numpy(float)[order]
    sums = np.zeros(len(starts))
    sizes = np.diff(np.r_[starts, len(values)]) if len(values) else np.zeros(0, int)
    for size in np.unique(sizes):  # groups of one size at once: each row summed as its own
        which = np.flatnonzero(sizes == size)  # array would be (pairwise, the same digits)
        sums[which] = values[starts[which, None] + np.arange(size)].sum(axis=1)
    levels = np.unravel_index(ordered[starts], shape)
    index = pd.MultiIndex.from_arrays(
        [np.asarray(u)[lv] for (_, u), lv in zip(factors, levels, strict=True)], names=keys)
    return pd.Series(sums, index=index, dtype=float)


def summarize(
    name: str,
    years: tuple[int, ...],
    replications: int,
    missions: pd.DataFrame,
    allocated: dict[int, int],
    coverage: pd.DataFrame,
    access: pd.DataFrame,
    sharing: pd.DataFrame,
    areas: dict[str, float],
    assumptions: tuple[str, ...],
) -> dict[str, Any]:
    """The ``summary.json`` document."""
    reps = pd.RangeIndex(replications)

    def per_rep(counts: pd.Series, key: tuple) -> list[float]:
        """One value per replication for ``key`` (zero where a replication had none)."""
        try:
            found = counts.loc[key]
        except KeyError:
            return [0] * replications
        return found.reindex(reps, fill_value=0).tolist()

    # One grouping per measure instead of one filter per year, replication and status.
    counted = missions.assign(_c=missions["counted"].astype(bool))
    flown_by = counted.groupby(["year", "replication"])["_c"].sum()
    planned_by = missions.groupby(["year", "replication"]).size()
    status_by = missions.groupby(["year", "status", "replication"]).size()
    imaged_by = coverage.groupby(["year", "replication"])["imaged_km2"].sum()
    first_rep = coverage[coverage["replication"] == 0]
    area_by = first_rep.groupby("year")["territory_km2"].sum()
    per_year: dict[str, Any] = {}
    for year in years:
        statuses = (
            sorted(status_by.loc[year].index.get_level_values("status").unique())
            if year in status_by.index.get_level_values("year")
            else []
        )
        imaged = [float(x) for x in per_rep(imaged_by, (year,))]
        parties_area = float(area_by.get(year, 0.0))
        per_year[str(year)] = {
            "quota_flights_allocated": int(allocated.get(year, 0)),  # shared flights once
            "missions_planned": interval(per_rep(planned_by, (year,))),
            "flights_counted": interval(per_rep(flown_by, (year,))),
            "status_counts": {s: interval(per_rep(status_by, (year, s))) for s in statuses},
            "treaty_area_km2": parties_area,
            "imaged_km2": interval(imaged),
            "imaged_fraction_of_treaty_area": interval(
                [x / parties_area if parties_area else float("nan") for x in imaged]
            ),
        }
    states: dict[str, Any] = {}
    for state in sorted(coverage["state"].unique()) if len(coverage) else []:
        cs = coverage[coverage["state"] == state]
        states[state] = {
            "territory_km2": float(cs["territory_km2"].iloc[0]),
            "imaged_fraction_per_year": interval(cs["imaged_fraction"]),
            "flights_received_per_year": interval(cs["flights_received"]),
            "flights_conducted_per_year": interval(cs["flights_conducted"]),
        }
    effective: dict[str, Any] = {}
    if len(sharing):
        # per consumer: the other parties' territory whose imagery it obtains (all observed
        # states), and the two headline pairs; the full table is sharing.csv
        all_by = _group_sums(sharing, ["consumer", "replication"])
        named = sharing[sharing["observed"].isin(NAMED_STATES)]
        pair_by = _group_sums(named, ["consumer", "observed", "replication"])
        seen = named[["consumer", "observed"]].drop_duplicates()
        pairs = set(zip(seen["consumer"], seen["observed"], strict=True))
        for consumer in sorted(sharing["consumer"].unique()):
            entry: dict[str, Any] = {
                "all_observed_km2_per_year": interval(
                    [float(v) / len(years) for v in per_rep(all_by, (consumer,))]
                )
            }
            for observed in NAMED_STATES:
                if (consumer, observed) in pairs:
                    pair = [float(v) / len(years) for v in per_rep(pair_by, (consumer, observed))]
                    total = areas.get(observed)
                    entry[observed] = {
                        "imaged_km2_per_year": interval(pair),
                        "fraction_per_year": interval([v / total for v in pair])
                        if total
                        else None,
                    }
            effective[str(consumer)] = entry
    share = access_share(access.to_dict("records"), areas) if len(access) else {}
    return {
        "scenario": name,
        "years": list(years),
        "replications": replications,
        "access_share_of_treaty_area": share,
        "per_year": per_year,
        "states": states,
        "effective_coverage": effective,
        "assumptions": list(assumptions),
    }
