"""Coverage over several years: the share of each state imaged at least once so far, and how
often the same ground is imaged again (``cumulative.csv``).

From one replication's imagery by year (cells and sub-point bits per observed state):

* ``cumulative_imaged_km2`` / ``cumulative_fraction``: land imaged in any year up to this one;
* ``revisit_years``: over the grid cells imaged in two or more years so far, the mean gap in
  years between successive years in which a cell was imaged (a cell counts as imaged when any
  of its land was), area-weighted; empty while no cell has been imaged twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from simulator.geo.grid import union_bits

CUMULATIVE_COLUMNS = ("replication", "year", "state", "cumulative_imaged_km2",
                      "cumulative_fraction", "revisit_years")

Imagery = Mapping[tuple[str, str], tuple[np.ndarray, np.ndarray]]


def _by_state(imagery: Imagery) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per observed state, its imaged (gid, bits) over all observers (OR-ed)."""
    pieces: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for (state, _), part in sorted(imagery.items()):
        pieces.setdefault(state, []).append(part)
    return {state: union_bits(parts) for state, parts in pieces.items()}


Area = Callable[[np.ndarray], np.ndarray]


def cumulative_rows(replication: int, years: list[int], imagery: Mapping[int, Imagery],
                    territory_km2: Mapping[str, float], quad_km2: Area, popcount: Area,
                    nsub: int = 64) -> list[dict[str, object]]:
    """``cumulative.csv`` rows of one replication (states with a territory, every year)."""
    seen: dict[str, dict[int, int]] = {}  # state -> gid -> bits so far
    last: dict[str, dict[int, int]] = {}  # state -> gid -> last year imaged
    gaps: dict[str, list[tuple[int, float]]] = {}  # state -> (gap, cell area)
    rows = []
    for year in sorted(years):
        now = _by_state(imagery.get(year, {}))
        for state, (gid, bits) in sorted(now.items()):
            acc, when = seen.setdefault(state, {}), last.setdefault(state, {})
            area = quad_km2(gid)
            for g, b, a in zip(gid.tolist(), bits.tolist(), area.tolist(), strict=True):
                acc[g] = acc.get(g, 0) | int(b)
                if g in when and when[g] < year:
                    gaps.setdefault(state, []).append((year - when[g], a))
                when[g] = year
        for state in sorted(territory_km2):
            acc = seen.get(state, {})
            if acc:
                gid = np.fromiter(acc, np.int64, len(acc))
                bits = np.fromiter(acc.values(), np.uint64, len(acc))
                km2 = float(np.sum(quad_km2(gid) * popcount(bits)) / nsub)
            else:
                km2 = 0.0
            g = gaps.get(state)
            revisit = (float(np.average([x for x, _ in g], weights=[w for _, w in g]))
                       if g else float("nan"))
            total = territory_km2[state]
            rows.append({
                "replication": replication, "year": year, "state": state,
                "cumulative_imaged_km2": round(km2, 1),
                "cumulative_fraction": round(km2 / total, 6) if total else float("nan"),
                "revisit_years": round(revisit, 3) if revisit == revisit else float("nan"),
            })
    return rows


__all__ = ["CUMULATIVE_COLUMNS", "cumulative_rows"]
