"""Benchmark wrapper (deselected by default; run with ``-m bench``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_geo.py"


@pytest.mark.bench
def test_planner_efficiency_benchmark(capsys):
    spec = importlib.util.spec_from_file_location("bench_geo", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    results = {r.state: r for r in module.run_cases()}
    for r in results.values():
        assert r.efficiency > r.naive_best, r  # clearly better than the baseline
        assert r.efficiency > r.naive_mean + 0.2, r
    assert results["RUS"].efficiency >= 0.8
    assert results["USA"].efficiency >= 0.8
    module.main()
    assert "planner eff" in capsys.readouterr().out
