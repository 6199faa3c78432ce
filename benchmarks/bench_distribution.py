"""Benchmark: how long one year's quota distribution takes for all parties.

Run: ``python benchmarks/bench_distribution.py`` (or ``pytest -m bench``).
Target (issue 3): well under 0.1 s per year.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

from simulator.treaty import Registry
from simulator.treaty.distribution import distribute
from simulator.treaty.quotas import QuotaRules, Refusal, holder_pair_access, holders_in_year
from simulator.treaty.requests import requests_for_year
from simulator.treaty.tables import load_tables

RULES = QuotaRules(refusals=(Refusal("GEO", "RUS", dt.date(2012, 4, 1)),))


def _time_year(model: str, year: int, repeats: int, cold: bool) -> list[float]:
    times = []
    for _ in range(repeats):
        registry = Registry(load_tables()) if cold else _WARM
        if cold:
            holder_pair_access.cache_clear()
            holders_in_year.cache_clear()
        start = time.perf_counter()
        requests = requests_for_year(registry, year, RULES, model)
        distribute(registry, year, requests, RULES)
        times.append(time.perf_counter() - start)
    return times


_WARM = Registry(load_tables())


def main() -> list[dict[str, object]]:
    """Print one table: per model and year, cold and warm times per distribution."""
    rows = []
    for model in ("historical", "interest"):
        for year in (2004, 2019, 2022):
            cold = _time_year(model, year, 5, cold=True)
            _time_year(model, year, 1, cold=False)  # warm the caches
            warm = _time_year(model, year, 20, cold=False)
            holders = len(holders_in_year(_WARM, year))
            rows.append(
                {
                    "model": model,
                    "year": year,
                    "holders": holders,
                    "cold_ms": 1000 * statistics.median(cold),
                    "warm_ms": 1000 * statistics.median(warm),
                    "per_second_warm": 1 / statistics.median(warm),
                }
            )
    print(f"{'model':<11} {'year':>4} {'holders':>7} {'cold ms':>8} {'warm ms':>8} {'dist/s':>8}")
    for r in rows:
        print(
            f"{r['model']:<11} {r['year']:>4} {r['holders']:>7} {r['cold_ms']:>8.1f} "
            f"{r['warm_ms']:>8.1f} {r['per_second_warm']:>8.0f}"
        )
    return rows


if __name__ == "__main__":
    main()
