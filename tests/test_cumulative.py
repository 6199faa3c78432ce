"""cumulative.csv: the running union of imaged land and the revisit interval, by hand."""

from __future__ import annotations

import math

import numpy as np

from simulator.measures.cumulative import cumulative_rows


def _popcount(words: np.ndarray) -> np.ndarray:
    return np.array([bin(int(w)).count("1") for w in words])


def test_running_union_and_revisit() -> None:
    full, half = np.uint64(2**64 - 1), np.uint64(2**32 - 1)
    imagery = {
        2001: {("AAA", "X"): (np.array([1]), np.array([half], np.uint64))},
        2002: {("AAA", "Y"): (np.array([1, 2]), np.array([full, half], np.uint64))},
        2004: {("AAA", "X"): (np.array([1]), np.array([half], np.uint64))},
    }
    area = lambda gid: np.full(len(gid), 64.0)  # noqa: E731  (1 km² a sub-point)
    rows = cumulative_rows(0, [2001, 2002, 2003, 2004], imagery, {"AAA": 256.0, "BBB": 10.0},
                           area, _popcount)
    aaa = {r["year"]: r for r in rows if r["state"] == "AAA"}
    assert [aaa[y]["cumulative_imaged_km2"] for y in (2001, 2002, 2003, 2004)] == [
        32.0, 96.0, 96.0, 96.0]
    assert aaa[2002]["cumulative_fraction"] == 96.0 / 256.0
    assert math.isnan(aaa[2001]["revisit_years"])
    assert aaa[2002]["revisit_years"] == 1.0  # cell 1 in 2001 and 2002
    assert aaa[2004]["revisit_years"] == 1.5  # gaps 1 and 2 (cell 1), equal areas
    bbb = [r for r in rows if r["state"] == "BBB"]
    assert all(r["cumulative_imaged_km2"] == 0.0 for r in bbb) and len(bbb) == 4
