"""Largest-remainder (Hamilton) apportionment: the fair, deterministic way we share out flights."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def largest_remainder(total: int, weights: Mapping[K, float]) -> dict[K, int]:
    """Split ``total`` whole flights in proportion to ``weights``.

    Each key gets the floor of its exact share; the flights left over go one each to the keys
    with the largest remainders, ties broken by the larger weight and then by key order. Keys
    with zero weight get nothing; if all weights are zero, nothing is shared out.
    """
    keys = sorted(weights, key=_sort_key)
    weight_sum = float(sum(max(weights[k], 0.0) for k in keys))
    if total <= 0 or weight_sum <= 0:
        return {k: 0 for k in keys}
    exact = {k: total * max(weights[k], 0.0) / weight_sum for k in keys}
    shares = {k: math.floor(exact[k] + 1e-9) for k in keys}
    left = total - sum(shares.values())
    order = sorted(
        (k for k in keys if weights[k] > 0),
        key=lambda k: (-(exact[k] - shares[k]), -weights[k], _sort_key(k)),
    )
    for k in order[:left]:
        shares[k] += 1
    return shares


def _sort_key(key: object) -> str:
    return repr(key)
