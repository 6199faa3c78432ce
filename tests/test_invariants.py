"""Invariants at scale: random scenario-years through the whole engine (issue 10).

Each case draws a scenario document from a seeded generator (``tests/invariants.py``), loads
it with :func:`simulator.load_scenario`, runs it with :func:`simulator.run` and checks the
``quotas``, ``missions`` and ``coverage`` tables of the run against the treaty: membership,
NATO practice, refusals, the Art. VI timeline, one flight at a time, maximum distances, quota
accounting (every mission in ``quotas.csv``, none above the distributed, passive or active
quotas) and, with geometry, coverage bounds. Without geometry the same replication is rerun
through the engine to check what needs the plans (ETAs, quarters) and that the API ran exactly
that replication.

The default run checks the small size; ``-m long`` runs the full size (>= 500 scenario-years).
Counts print with ``-s``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import simulator
from simulator.engine import EngineConfig, distributions_for, run_replication
from simulator.scenario.assemble import engine_config
from simulator.scenario.schema import ScenarioError
from simulator.treaty import Registry
from simulator.treaty.distribution import ReviewOutcome, to_rows
from tests.invariants import (
    aircraft_owner,
    check_invariants,
    check_quota_table,
    check_tables,
    random_scenario,
)


def run_cases(
    rng: np.random.Generator,
    cases: int,
    geometry: bool = False,
    small: bool = False,
    max_years: int = 3,
) -> Counter:
    """Run ``cases`` random scenarios and check every invariant; return the counts."""
    counts: Counter = Counter()
    for _ in range(cases):
        doc = random_scenario(rng, geometry=geometry, small=small, max_years=max_years)
        try:
            sc = simulator.load_scenario(doc)
            result = simulator.run(sc, figures=False)
            config = engine_config(sc)
            counts += check_tables(config, result)
            if not geometry:
                dists = distributions_for(config)
                seed = np.random.SeedSequence(sc.model.run.seed).spawn(1)[0]
                rep = run_replication(config, 0, seed, dists)
                check_invariants(config, rep, dists)
                # the API's table is this replication, so the plan-level checks cover it too
                assert [m.as_row() for m in rep.missions] == result.missions.to_dict("records")
        except Exception as err:
            raise AssertionError(f"invariant broken by scenario {doc!r}") from err
        counts["scenarios"] += 1
        counts["scenario_years"] += len(config.years)
        counts["missions"] += len(result.missions)
    return counts


def before_entry_into_force(rng: np.random.Generator, cases: int, registry: Registry) -> int:
    """Years 1992-2001 (signed, not in force): the engine distributes and flies nothing, and
    the scenario loader refuses them (Art. XVII para 2: in force from 1 Jan 2002)."""
    for _ in range(cases):
        year = int(rng.integers(1992, 2002))
        config = EngineConfig(years=(year,), registry=registry, geometry=False)
        dists = distributions_for(config)
        assert all(not d.grants for d in dists)
        rep = run_replication(config, 0, np.random.SeedSequence(year))
        assert not rep.missions and not rep.coverage
        with pytest.raises(ScenarioError):
            simulator.load_scenario({"period": {"start": year, "end": year}})
    return cases


def report(label: str, counts: Counter) -> None:
    """One line of counts (visible with ``-s``)."""
    shown = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    print(f"\n[invariants] {label}: {shown}")


# ------------------------------------------- default size, and full size under -m long
@pytest.mark.parametrize(
    ("seed", "scenarios", "pre_2002", "minimum_years"),
    [
        pytest.param(20020101, 40, 5, 60, id="default"),
        pytest.param(24031992, 300, 40, 500, id="full", marks=pytest.mark.long),
    ],
)
def test_invariants_over_random_scenario_years(
    registry: Registry, seed: int, scenarios: int, pre_2002: int, minimum_years: int
) -> None:
    rng = np.random.default_rng(seed)
    counts = run_cases(rng, scenarios)
    counts["pre_2002_years"] = before_entry_into_force(rng, pre_2002, registry)
    report(f"{scenarios} scenarios, no geometry", counts)
    assert counts["scenario_years"] >= minimum_years
    assert counts["completed"] > 0 and counts["not_flown_withdrawal"] > 0


def test_coverage_bounds_with_geometry(isolated_geo_cache) -> None:
    rng = np.random.default_rng(19920324)
    counts = run_cases(rng, 3, geometry=True, small=True)
    report("default, geometry", counts)
    assert counts["footprints"] > 0


@pytest.mark.long
def test_coverage_bounds_at_full_size(isolated_geo_cache) -> None:
    rng = np.random.default_rng(18122021)
    counts = run_cases(rng, 30, geometry=True, small=True)
    counts += run_cases(rng, 3, geometry=True, max_years=1)  # whole years of flights
    report("long, geometry", counts)
    assert counts["footprints"] > 100


# ------------------------------------------------- failures found, now fixed
def test_a_group_ending_early_leaves_its_members_an_airfield(registry: Registry) -> None:
    # Found by the random scenarios: with BY-RU ending in 2008, Belarus held quotas alone but
    # its only Open Skies airfield was dated 18 Dec 2021, and every mission over it crashed
    # the engine. It now uses that airfield back-dated (Annex E para 1).
    reg = registry.with_overrides(groups={"BY-RU": {"end": dt.date(2008, 6, 1)}})
    day = dt.date(2008, 7, 1)
    assert reg.members("BLR", day) == ("BLR",)
    assert [a.airfield_id for a in reg.airfields("BLR", day)] == ["BLR-minsk-national"]
    assert reg.max_flight_distances("BLR", day)
    assert registry.airfields("BY-RU", day)  # holders with airfields in force are unchanged


def test_no_flight_in_an_aircraft_of_a_state_that_has_left() -> None:
    # Art. II para 4: an observation aircraft is registered by a State Party; Art. XV.
    targets = ["DNK", "NOR", "GBR", "FRA", "DEU", "ITA", "ESP", "CAN", "TUR", "POL"]
    doc = {
        "period": {"start": 2021, "end": 2021},
        "geometry": {"enabled": False},
        "membership": {"groups": {"BY-RU": {"persists": True}}},
        "requests": {
            "model": "explicit",
            "table": [{"observer": "BY-RU", "observed": t, "flights": 3} for t in targets],
        },
        "operations": {
            "season": {"monthly_weights": [0.01] * 11 + [1.0]},
            "pauses": {"windows": []},
        },
    }
    sc = simulator.load_scenario(doc)
    reg = engine_config(sc).registry
    missions = simulator.run(sc, seed=0, figures=False).missions
    flown = missions[missions["started_at"].astype(str) != ""].to_dict("records")
    assert flown
    for m in flown:
        day = dt.datetime.fromisoformat(m["started_at"]).date()
        assert reg.is_party(aircraft_owner(m["aircraft"]), day), m


def test_fifty_percent_always_survives_the_fallback() -> None:
    doc = {
        "period": {"start": 2009, "end": 2009},
        "geometry": {"enabled": False},
        "membership": {
            "states": {
                "BEL": {"withdrawal_effective": "2008-06-05"},
                "FRA": {"entry_into_force": "2002-04-11"},
                "NLD": {"entry_into_force": "2008-04-07"},
            }
        },
        "rules": {
            "fifty_percent_rule": "always",
            "no_agreement": {"2009": ["GBR", "GEO"]},
            "transfers": [{"year": 2009, "donor": "FRA", "recipient": "LTU", "flights": 3}],
        },
        "requests": {"model": "historical", "demand_shares": {"*": 0.54}},
    }
    config = engine_config(simulator.load_scenario(doc))
    quotas = pd.DataFrame(to_rows(distributions_for(config)))
    # the check as it stands without the fallback exemption
    check_quota_table(replace(config, review=ReviewOutcome()), quotas, config.years)
