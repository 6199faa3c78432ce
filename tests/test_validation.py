"""The history scenario against the public record: calibration targets and held-out facts."""

from __future__ import annotations

import pytest

from simulator.api import run
from simulator.measures.validation import load_facts, validation_table
from simulator.outputs.validation_report import attach_validation
from simulator.scenario.bundled import bundled_scenarios

#: The facts the model was fitted on (history_record.csv says so in its role column).
CALIBRATION = {"F08", "F16", "F44a"}


@pytest.fixture(scope="module")
def history():
    return run(
        bundled_scenarios()["history-2002-2024"],
        replications=20,
        seed=19920324,
        jobs=2,
        figures=False,
    )


@pytest.fixture(scope="module")
def table(history):
    return validation_table(history).set_index("fact")


def test_facts_are_sourced_and_have_roles() -> None:
    facts = load_facts()
    assert {f.id for f in facts} >= {"F01", "F04", "F05", "F08", "F09", "F39", "F41", "F42"}
    assert all(f.source and f.role in ("calibration", "validation") for f in facts)
    assert {f.id for f in facts if f.role == "calibration"} == CALIBRATION


def test_calibration_targets_hold(table) -> None:
    assert table.loc[sorted(CALIBRATION), "holds"].all()


def test_first_period_and_phase_in_are_predicted(table) -> None:
    # F05: 67 flights in the first distribution period (2002-2003), granted once
    assert 67 * 0.8 <= table.loc["F05", "simulated_mean"] <= 67 * 1.2
    # F04, F06, F07: 220 in 2002-2005; 74 in 2004; about 79 in 2005
    assert table.loc[["F04", "F06", "F07"], "holds"].all()
    # F01: about 1,500 by October 2019
    assert table.loc["F01", "holds"]


def test_who_flies_over_whom_is_predicted(table) -> None:
    # F41: the US flew 16 over Russia in 2017; F42: 38 scheduled over Russia-Belarus in 2020
    assert 11 <= table.loc["F41", "simulated_mean"] <= 21
    assert table.loc["F42", "holds"]
    # F39: Finland about 2 a year, as lead or on a partner's flight
    assert 1 <= table.loc["F39", "simulated_mean"] <= 3
    # F43a-b: flights over the UK 2002-c.2008, Russia-Belarus's among them; F44b: 2013
    assert table.loc[["F43a", "F43b", "F44b"], "holds"].all()


def test_what_happened_after_2020_is_followed(table) -> None:
    # F28: none in Jan-Feb 2021; F45: none by or over Ukraine from 24 Feb 2022, and none
    # before the remaining platforms were recertified (Nov 2022); F09: none in 2018
    assert table.loc[["F28", "F45a", "F45b", "F09", "F27"], "simulated_mean"].eq(0).all()


def test_every_fact_is_reported(history) -> None:
    table = attach_validation(history)
    assert "validation" in history.figures
    assert "Validation against the historical record" in history.report
    assert "validation.csv" in history.extra_tables
    assert len(table) == len(load_facts())
