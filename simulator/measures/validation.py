"""The simulated record beside the real one: ``openskies validate-history``.

Facts come from ``simulator/measures/data/history_record.csv`` (taken, with their sources, from the
public record). Each fact names a metric the model can compute from a run's missions, a
tolerance, and its role: ``calibration`` facts were used to set parameters (demand shares and
breakdown rates in the data: ``observer_demand.csv``, ``aircraft.csv``), ``validation`` facts
were not, and test the fit. A fact outside the run's years is reported as not simulated.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from simulator.measures.tables import RunTables, interval
from simulator.treaty import load_registry

HELD = "holds"


@dataclass(frozen=True)
class Fact:
    """One fact of the record and how to check it."""

    id: str
    statement: str
    metric: str
    first_year: int
    last_year: int
    value: float
    tolerance: float
    tolerance_kind: str  # relative or absolute
    role: str
    confidence: str
    source: str

    def bounds(self) -> tuple[float, float]:
        """The interval inside which the simulated mean must lie."""
        width = self.tolerance * self.value if self.tolerance_kind == "relative" else self.tolerance
        return self.value - width, self.value + width


def load_facts() -> list[Fact]:
    """The facts of ``history_record.csv``."""
    path = resources.files("simulator.measures") / "data" / "history_record.csv"
    text = path.read_text("utf-8")
    return [
        Fact(
            r["id"],
            r["statement"],
            r["metric"],
            int(r["first_year"]),
            int(r["last_year"]),
            float(r["value"]),
            float(r["tolerance"]),
            r["tolerance_kind"],
            r["role"],
            r["confidence"],
            r["source"],
        )
        for r in csv.DictReader(text.splitlines())
    ]


def _per_replication(missions: pd.DataFrame, fact: Fact, replications: int) -> list[float]:
    counted = missions[missions["counted"].astype(bool)]
    years = counted["year"].between(fact.first_year, fact.last_year)
    out = []
    for r in range(replications):
        mine = counted[(counted["replication"] == r) & years]
        if fact.metric == "flights_total":
            out.append(float(len(mine)))
        elif fact.metric == "flights_mean_per_year_excl_2018":
            span = [y for y in range(fact.first_year, fact.last_year + 1) if y != 2018]
            out.append(float(mine["year"].isin(span).sum()) / len(span))
        elif fact.metric.startswith("flights_cumulative_to_"):
            cutoff = fact.metric.removeprefix("flights_cumulative_to_")
            out.append(float((mine["started_at"].astype(str) < cutoff).sum()))
        elif fact.metric == "oc135b_completion":
            # Missions first assigned to an OC-135B, and the share an OC-135B flew to the end
            # (a breakdown made good by the other OC-135B counts; one by a hired aircraft not).
            m = missions[
                (missions["replication"] == r)
                & missions["year"].between(fact.first_year, fact.last_year)
            ]
            first = m["aircraft_replaced"].fillna("").astype(str)
            first = first.where(first != "", m["aircraft"].fillna("").astype(str))
            own = m[first.str.startswith("USA-OC135B")]
            done = own["status"].isin(["completed", "curtailed"]) & own["aircraft"].astype(
                str
            ).str.startswith("USA-OC135B")
            out.append(float(done.mean()) if len(own) else float("nan"))
        elif fact.metric.startswith("flights_conducted_per_year_"):
            state = fact.metric.rsplit("_", 1)[-1]
            by = _involves(mine, state)
            out.append(float(by.sum()) / (fact.last_year - fact.first_year + 1))
        elif fact.metric.startswith("flights_received_"):
            out.append(float(mine["observed"].eq(fact.metric.rsplit("_", 1)[-1]).sum()))
        elif fact.metric.startswith("pair_flights_"):
            # pair_flights_OBS_TGT: counted flights by OBS (lead or co-observer) over TGT
            obs, tgt = fact.metric.removeprefix("pair_flights_").split("_")
            by = _involves(mine, obs) & mine["observed"].eq(tgt)
            out.append(float(by.sum()))
        elif fact.metric.startswith("lead_flights_before_"):
            # lead_flights_before_YYYY-MM-DD_OBS: flights OBS led in the year before the date
            day, obs = fact.metric.removeprefix("lead_flights_before_").split("_")
            led = mine["observer"].eq(obs) & (mine["started_at"].astype(str) < day)
            out.append(float(led.sum()))
        elif fact.metric.startswith("flights_involving_from_"):
            # flights_involving_from_YYYY-MM-DD_STATE: flights by or over STATE from the date
            day, state = fact.metric.removeprefix("flights_involving_from_").split("_")
            late = mine["started_at"].astype(str) >= day
            out.append(float((late & (_involves(mine, state) | mine["observed"].eq(state))).sum()))
        elif fact.metric.startswith("flights_between_"):
            start, end = fact.metric.removeprefix("flights_between_").split("_")
            day = counted[counted["replication"] == r]["started_at"].astype(str)
            out.append(float(((day >= start) & (day < end)).sum()))
        elif fact.metric == "nato_nato_flights":
            reg = load_registry()
            n = 0
            for _, row in mine.iterrows():
                day = dt.date.fromisoformat(str(row["started_at"])[:10])
                if reg.holder_is_nato(row["observer"], day) and reg.holder_is_nato(
                    row["observed"], day
                ):
                    n += 1
            out.append(float(n))
        else:
            raise ValueError(f"unknown metric {fact.metric!r}")
    return out


def _involves(missions: pd.DataFrame, holder: str) -> pd.Series:
    """Missions whose lead or co-observers include ``holder``."""
    partners = missions["joint_with"].fillna("").astype(str).str.split()
    return missions["observer"].eq(holder) | partners.apply(lambda p: holder in p)


def _allocated(quotas: pd.DataFrame, fact: Fact, replication: int) -> float:
    """allocated_over_TGT: flights granted over TGT in the fact's years, shared flights once."""
    tgt = fact.metric.removeprefix("allocated_over_")
    q = quotas[
        (quotas["replication"] == replication)
        & quotas["year"].between(fact.first_year, fact.last_year)
        & quotas["observed"].eq(tgt)
    ]
    observers = 1 + q["shared_with"].fillna("").astype(str).str.split().str.len()
    return float((q["flights"] / observers).sum())


def validation_table(result: RunTables) -> pd.DataFrame:
    """One row per fact: recorded value, simulated mean and 90 % interval, tolerance, verdict."""
    rows = []
    for fact in load_facts():
        simulated = set(result.summary.get("years", [])) or set(result.missions["year"])
        if not set(range(fact.first_year, fact.last_year + 1)) <= {int(y) for y in simulated}:
            values = [float("nan")] * result.replications  # the run does not cover the fact
        elif fact.metric.startswith("allocated_over_"):
            values = [_allocated(result.quotas, fact, r) for r in range(result.replications)]
        else:
            values = _per_replication(result.missions, fact, result.replications)
        stats = interval(values)
        lo, hi = fact.bounds()
        holds = lo <= stats["mean"] <= hi if not np.isnan(stats["mean"]) else False
        rows.append(
            {
                "fact": fact.id,
                "statement": fact.statement,
                "role": fact.role,
                "recorded": fact.value,
                "simulated_mean": round(stats["mean"], 3),
                "simulated_p05": round(stats["p05"], 3),
                "simulated_p95": round(stats["p95"], 3),
                "tolerance": f"±{fact.tolerance:g}"
                + (" (relative)" if fact.tolerance_kind == "relative" else ""),
                "accepted_range": f"{lo:g} to {hi:g}",
                "holds": bool(holds),
                "confidence": fact.confidence,
                "source": fact.source,
            }
        )
    return pd.DataFrame(rows)


def facts_as_dict(table: pd.DataFrame) -> dict[str, Any]:
    """The table keyed by fact id (for summary.json)."""
    return {r["fact"]: {k: r[k] for k in table.columns if k != "fact"} for _, r in table.iterrows()}
