"""The headline measures of a run, with stable ids: the rows of ``headline.csv`` and of the
report's table (DESIGN section 13; ``docs/measures.md`` defines each).

Every measure is per simulated year, the mean over replications with a 90 % interval; a measure
whose subject does not exist in the scenario (Russia's imaged share after it left, the US's
imagery of Russia when neither is a party nor a recipient) is NaN and printed as n/a.

Access is weighted: each party's area counts by the share of the *other* parties allowed to
observe it on each day (the NATO practice, refusals, suspensions and withdrawals all lower it),
averaged over the days of the period. We weigh by parties, not by the passive quota they may
use, so that access stays a measure of who may fly and not of how often (that is measure 2).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from simulator.measures.tables import RunTables, interval
from simulator.memo import IdentityMemo

HEADLINE_COLUMNS = ("scenario", "measure_id", "measure", "mean", "p05", "p95", "replications")
STATES = ("RUS", "USA", "BLR", "UKR")  # the states named in the headline table
NAMES = {"RUS": "Russia", "USA": "the US", "BLR": "Belarus", "UKR": "Ukraine"}
SHARING_PAIRS = (("USA", "RUS"), ("RUS", "USA"))
#: Every headline measure id, in the order of headline.csv (docs/measures.md defines each).
HEADLINE_IDS = (
    "parties", "treaty_area_km2", "allowed_pairs", "access_weighted_share", "flights_allocated",
    "flights_flown", "imaged_km2", "imaged_share", "satellite_equivalent_days",
    *(f"{m}_{s}" for s in STATES for m in ("imaged_share", "flights_over")),
    *(f"shared_km2_{c}_of_{t}" for c, t in SHARING_PAIRS),
)


@dataclass(frozen=True)
class Satellite:
    id: str
    gsd_m: float | None
    capacity_km2_per_day: float
    source: str
    note: str


@cache
def satellites() -> tuple[Satellite, ...]:
    """The satellite yardstick table (``simulator/measures/data/satellite_yardstick.csv``)."""
    text = resources.files("simulator.measures").joinpath("data/satellite_yardstick.csv").read_text(
        "utf-8")
    return tuple(
        Satellite(r["id"], float(r["gsd_m"]) if r["gsd_m"] else None,
                  float(r["capacity_km2_per_day"]), r["source"], r["note"])
        for r in csv.DictReader(text.splitlines())
    )


def yardstick() -> Satellite:
    """The 30 cm satellite the imaged area is measured against (WorldView-3)."""
    return next(s for s in satellites() if s.id == "worldview-3")


def _per_rep(result: RunTables, values: pd.Series) -> list[float]:
    """One value per replication (0 where a replication has no rows)."""
    return values.reindex(range(result.replications), fill_value=0.0).astype(float).tolist()


_SHARES: IdentityMemo[float] = IdentityMemo(8)


def access_weighted_share(access: pd.DataFrame, areas: Mapping[str, float],
                          last_day: dt.date | None) -> float:
    """Day-weighted mean over the period of: sum over parties of area x (other parties
    allowed to observe it / other parties), over the parties' area (memoised for the same
    access table object: an experiment's points and replications share one)."""
    return _SHARES.get((access,), (tuple(sorted(areas.items())), last_day),
                       lambda: _access_weighted_share(access, areas, last_day))


def _access_weighted_share(access: pd.DataFrame, areas: Mapping[str, float],
                           last_day: dt.date | None) -> float:
    if not len(access):
        return math.nan
    a = access.assign(ok=access["allowed"].astype(str).eq("True"))
    shares: dict[str, float] = {}
    for day, g in a.groupby("date", sort=True):
        n = g["observer"].nunique()
        allowed = g.groupby("observed")["ok"].sum()
        total = sum(areas.get(s, 0.0) for s in allowed.index)
        if n < 2 or total <= 0:
            shares[str(day)] = math.nan
            continue
        shares[str(day)] = sum(areas.get(s, 0.0) * k / (n - 1) for s, k in allowed.items()) / total
    days = sorted(shares)
    weight = total = 0.0
    for i, d in enumerate(days):
        start = dt.date.fromisoformat(d)
        stop = dt.date.fromisoformat(days[i + 1]) if i + 1 < len(days) else last_day
        w = max(((stop - start).days + (1 if i + 1 == len(days) else 0)) if stop else 1, 1)
        if not math.isnan(shares[d]):
            total += w * shares[d]
            weight += w
    return total / weight if weight else math.nan


def headline_rows(result: RunTables, areas: Mapping[str, float]) -> list[dict[str, Any]]:
    """The headline measures of one run as ``headline.csv`` rows."""
    cov, mis, reps = result.coverage, result.missions, result.replications
    years = sorted(int(y) for y in result.summary.get("years", [])) or sorted(
        int(y) for y in cov["year"].unique())
    n_years = max(len(years), 1)
    geometry = bool(len(cov)) and cov["imaged_km2"].notna().any()
    first = result.access[result.access["date"] == result.access["date"].min()]
    start_parties = sorted(set(first["observed"]) | set(first["observer"]))
    rows: list[dict[str, Any]] = []

    def add(measure_id: str, label: str, value: Any) -> None:
        v = value if isinstance(value, Mapping) else {"mean": value, "p05": value, "p95": value}
        rows.append({"scenario": result.name, "measure_id": measure_id, "measure": label,
                     "mean": v["mean"], "p05": v["p05"], "p95": v["p95"], "replications": reps})

    nan = math.nan
    add("parties", "States Parties at the start", float(len(start_parties)))
    add("treaty_area_km2", "treaty area (all parties' land) at the start, km²",
        sum(areas.get(s, 0.0) for s in start_parties))
    add("allowed_pairs", "ordered pairs allowed to observe, at the start",
        float(first["allowed"].astype(str).eq("True").sum()))
    last = dt.date(years[-1], 12, 31) if years else None
    add("access_weighted_share", "access: treaty area weighted by the share of other parties "
        "allowed to observe it", access_weighted_share(result.access, areas, last))
    allocated = sum(v["quota_flights_allocated"] for v in result.summary["per_year"].values())
    add("flights_allocated", "quota flights allocated per year", allocated / n_years)
    counted = mis[mis["counted"].astype(bool)].groupby("replication").size()
    add("flights_flown", "quota flights flown (counted) per year",
        interval([x / n_years for x in _per_rep(result, counted)]))
    imaged = cov.groupby("replication")["imaged_km2"].sum() / n_years
    area_year = cov[cov["replication"] == 0].groupby("year")["territory_km2"].sum().mean() \
        if len(cov) else nan
    imaged_rep = _per_rep(result, imaged) if geometry else [nan] * reps
    add("imaged_km2", "area imaged per year, km²", interval(imaged_rep))
    add("imaged_share", "share of the treaty area imaged per year",
        interval([x / area_year if area_year else nan for x in imaged_rep]))
    sat = yardstick()
    add("satellite_equivalent_days", f"area imaged per year in days of one 30 cm satellite "
        f"({sat.id}, {sat.capacity_km2_per_day:,.0f} km²/day)",
        interval([x / sat.capacity_km2_per_day for x in imaged_rep]))
    for state in STATES:
        cs = cov[cov["state"] == state]
        frac = cs.groupby("replication")["imaged_fraction"].mean()
        got = interval(frac.reindex(range(reps)).tolist()) if len(cs) and geometry else nan
        add(f"imaged_share_{state}", f"share of {NAMES[state]} imaged per year", got)
        recv = cs.groupby("replication")["flights_received"].sum() / n_years
        add(f"flights_over_{state}", f"counted flights over {NAMES[state]} per year",
            interval(_per_rep(result, recv)) if len(cs) else nan)
    # a consumer that is neither a party nor a recipient obtains nothing (0); the measure has
    # no subject (n/a) only when the target was never a party in the period
    parties = set(cov["state"]) if len(cov) else set(result.access["observed"])
    sh = result.sharing
    for consumer, target in SHARING_PAIRS:
        exists = target in parties
        sel = sh[(sh["consumer"] == consumer) & (sh["observed"] == target)] if len(sh) else sh
        per = sel.groupby("replication")["imaged_km2"].sum() / n_years if len(sel) else \
            pd.Series(dtype=float)
        value = interval(_per_rep(result, per)) if exists and geometry else nan
        add(f"shared_km2_{consumer}_of_{target}",
            f"imagery of {NAMES[target]} {NAMES[consumer]} obtains, km² per year", value)
    return rows


def headline_frame(result: RunTables, areas: Mapping[str, float]) -> pd.DataFrame:
    """``headline.csv`` of one run."""
    return pd.DataFrame(headline_rows(result, areas), columns=list(HEADLINE_COLUMNS))


__all__ = [
    "HEADLINE_COLUMNS",
    "HEADLINE_IDS",
    "access_weighted_share",
    "headline_frame",
    "headline_rows",
    "satellites",
    "yardstick",
]
