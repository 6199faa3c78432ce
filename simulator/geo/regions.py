"""Named regions: separated parts of a territory and the areas observers are most interested in.

Two sourced tables of plain data (``data/regions.csv``, ``data/areas_of_interest.csv``):

* **regions** that change which maximum flight distance applies (Annex A Sec. III): a
  ``separate`` part observed from its own airfield under its own distance (Greenland, the Faroes,
  the Canaries), an ``including`` variant whose larger distance applies to routes over it (the
  Scilly and Shetland Islands, the Greek islands), and an ``exclave`` observed inside the
  mission's distance through a refuelling stop (Kaliningrad, Hawaii);
* **areas of interest**: a weight per region (and observer) that multiplies the value of
  imaging it in the route objective, so that observers go where the record says they went, not
  only where the new square kilometres are. A scenario can replace or clear the table.

Boxes are lon/lat ``lon_min;lat_min;lon_max;lat_max``, several joined by ``|``; a region is the
observed state's land inside them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from simulator.geo.grid import StateGrid
from simulator.memo import IdentityMemo

Box = tuple[float, float, float, float]
REGION_KINDS = ("separate", "including", "exclave")


@dataclass(frozen=True)
class Region:
    """A separated part or variant of a territory (one row of ``regions.csv``)."""

    region: str
    state: str
    kind: str
    stop_airfield: str | None
    boxes: tuple[Box, ...]
    source: str = ""


@dataclass(frozen=True)
class AreaOfInterest:
    """A weight on imaging part of a territory, for one observer or all (``*``)."""

    id: str
    observed: str
    observer: str
    name: str
    boxes: tuple[Box, ...]
    weight: float
    from_year: int | None = None
    until_year: int | None = None
    source: str = ""

    def applies(self, observer: str, year: int) -> bool:
        return (self.observer in ("*", observer)
                and (self.from_year is None or self.from_year <= year)
                and (self.until_year is None or year <= self.until_year))


def parse_boxes(text: str) -> tuple[Box, ...]:
    """``"a;b;c;d | e;f;g;h"`` as boxes, each checked for order and range."""
    boxes = []
    for part in str(text).split("|"):
        vals = tuple(float(v) for v in part.split(";"))
        if len(vals) != 4:
            raise ValueError(f"a box needs lon_min;lat_min;lon_max;lat_max, got {part.strip()!r}")
        lo_x, lo_y, hi_x, hi_y = vals
        if not (-180 <= lo_x < hi_x <= 180 and -90 <= lo_y < hi_y <= 90):
            raise ValueError(f"box {part.strip()!r} is out of order or out of range")
        boxes.append(vals)
    return tuple(boxes)  # type: ignore[return-value]


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("simulator.geo").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def load_regions() -> tuple[Region, ...]:
    """The bundled regions table."""
    out = []
    for r in _rows("regions.csv"):
        if r["kind"] not in REGION_KINDS:
            raise ValueError(f"regions.csv: kind {r['kind']!r} of {r['region']!r} unknown")
        out.append(Region(r["region"], r["state"], r["kind"], r["stop_airfield"] or None,
                          parse_boxes(r["bbox"]), r["source"]))
    return tuple(out)


def area_of_interest(row: dict[str, Any]) -> AreaOfInterest:
    """One area of interest from a CSV row or a scenario table."""
    def year(v: Any) -> int | None:
        return None if v in (None, "") else int(v)

    boxes = row["bbox"] if isinstance(row["bbox"], tuple) else parse_boxes(row["bbox"])
    weight = float(row["weight"])
    if not np.isfinite(weight) or weight < 0:
        raise ValueError(f"area of interest {row['id']!r}: weight must be >= 0")
    return AreaOfInterest(str(row["id"]), str(row["observed"]), str(row.get("observer") or "*"),
                          str(row.get("name") or row["id"]), boxes, weight,
                          year(row.get("from_year")), year(row.get("until_year")),
                          str(row.get("source") or ""))


@cache
def load_areas_of_interest() -> tuple[AreaOfInterest, ...]:
    """The bundled areas-of-interest table."""
    return tuple(area_of_interest(r) for r in _rows("areas_of_interest.csv"))


def in_boxes(lat: np.ndarray, lon: np.ndarray, boxes: tuple[Box, ...]) -> np.ndarray:
    """Which points lie in any of the boxes."""
    inside = np.zeros(len(lat), bool)
    for lo_x, lo_y, hi_x, hi_y in boxes:
        inside |= (lon >= lo_x) & (lon <= hi_x) & (lat >= lo_y) & (lat <= hi_y)
    return inside


def region_cells(grid: StateGrid, state: str, boxes: tuple[Box, ...]) -> np.ndarray:
    """Cells of the grid whose centre lies in the boxes and that hold some of ``state``'s land
    (memoised and read-only: missions ask for the same regions all year)."""

    def compute() -> np.ndarray:
        if state not in grid.member_bits:
            cells = np.zeros(grid.n_cells, bool)
        else:
            cells = in_boxes(grid.lat, grid.lon, boxes) & (grid.member_bits[state] != 0)
        cells.setflags(write=False)
        return cells

    return _REGION_CELLS.get((grid,), (state, tuple(boxes)), compute)


_REGION_CELLS: IdentityMemo[np.ndarray] = IdentityMemo(256)


_PRIORITY: IdentityMemo[np.ndarray] = IdentityMemo(256)


def interest_priority(grid: StateGrid, areas: tuple[AreaOfInterest, ...], observer: str,
                      year: int) -> np.ndarray | None:
    """Per cell, the weight of the areas of interest the observer has there (the largest if
    several overlap; 1 elsewhere); None when none applies (every cell weighs 1)."""
    use = tuple(a for a in areas if a.observed in grid.codes and a.applies(observer, year))
    if not use:
        return None

    def compute() -> np.ndarray:
        pr = np.ones(grid.n_cells)
        hit = np.zeros(grid.n_cells, bool)
        for a in sorted(use, key=lambda a: a.id):
            cells = region_cells(grid, a.observed, a.boxes)
            pr[cells] = np.where(hit[cells], np.maximum(pr[cells], a.weight), a.weight)
            hit |= cells
        pr.setflags(write=False)  # shared by every caller (and memoised by identity)
        return pr

    return _PRIORITY.get((grid,), use, compute)


__all__ = [
    "AreaOfInterest",
    "Region",
    "area_of_interest",
    "in_boxes",
    "interest_priority",
    "load_areas_of_interest",
    "load_regions",
    "parse_boxes",
    "region_cells",
]
