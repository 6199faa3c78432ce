"""The history scenario against the public record (issue 9's acceptance facts)."""

from __future__ import annotations

import pytest

from simulator.api import run
from simulator.cli import bundled_scenarios
from simulator.validation import attach_validation, load_facts, validation_table


@pytest.fixture(scope="module")
def history():
    return run(
        bundled_scenarios()["history-2002-2024"],
        replications=20,
        seed=19920324,
        jobs=2,
        figures=False,
    )


def test_facts_are_sourced_and_have_roles() -> None:
    facts = load_facts()
    assert {f.id for f in facts} >= {"F01", "F04", "F08", "F09"}
    assert all(f.source and f.role in ("calibration", "validation") for f in facts)


def test_history_reproduces_the_record_within_tolerance(history) -> None:
    table = validation_table(history).set_index("fact")
    m = history.missions[history.missions["counted"].astype(bool)]
    per_year = m.groupby(["replication", "year"]).size().unstack(fill_value=0)
    # about 100 quota flights a year in 2006-2019, 2018 excluded (F08)
    steady = per_year[[y for y in range(2006, 2020) if y != 2018]].mean(axis=1).mean()
    assert 90 <= steady <= 110
    # 220 flights in 2002-2005, within 15 % (F04)
    early = per_year[[2002, 2003, 2004, 2005]].sum(axis=1).mean()
    assert 220 * 0.85 <= early <= 220 * 1.15
    # zero in 2018 (F09)
    assert 2018 not in per_year.columns or per_year[2018].sum() == 0
    # about 1,500 by October 2019, within 10 % (F01)
    cumulative = table.loc["F01", "simulated_mean"]
    assert 1350 <= cumulative <= 1650
    assert table.loc[["F01", "F04", "F08", "F09"], "holds"].all()


def test_validation_adds_table_figure_and_report(history) -> None:
    table = attach_validation(history)
    assert "validation" in history.figures
    assert "Validation against the historical record" in history.report
    assert "validation.csv" in history.extra_tables
    assert len(table) == len(load_facts())
