"""The designs of experiments: a sweep's full grid, and SALib's Morris and Sobol samples and
analyses (SALib samples and analyses; this module only feeds it and tabulates its indices).

Morris (elementary effects) screens many parameters with ``N (k + 1)`` runs: ``mu_star`` is the
mean absolute effect of moving one parameter across a quarter-to-half of its range (in the
output's units), ``sigma`` its spread (large against ``mu_star``: the effect depends on the other
parameters or is non-linear). Sobol apportions the output's variance with ``N (k + 2)`` runs:
``S1`` the share due to one parameter alone, ``ST`` with all its interactions.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from simulator.experiments.parameters import ExperimentError, Param, Varied
from simulator.experiments.points import Point

METHODS = ("morris", "sobol")
MORRIS_LEVELS = 4  # grid levels per parameter (SALib's default; the jump is 2/3 of the range)
MIN_SAMPLES = {"morris": 2, "sobol": 8}  # trajectories / base samples
INDEX_COLUMNS = {
    "morris": ("mu_star", "mu_star_conf", "sigma"),
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
}
CONF_LEVEL = 0.95
BOOTSTRAP = 1000  # resamples for the confidence intervals


def grid_points(varied: Sequence[Varied]) -> list[Point]:
    """Every combination of the varied values (the first key varies slowest)."""
    keys = [v.key for v in varied]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise ExperimentError(f"--vary {dup}: the key is varied twice; list all its values "
                              "in one --vary")
    combos = itertools.product(*(v.values for v in varied))
    return [Point(i, tuple(zip(keys, combo, strict=True))) for i, combo in enumerate(combos)]


def grid_size(varied: Sequence[Varied]) -> int:
    """How many points :func:`grid_points` gives."""
    return math.prod(len(v.values) for v in varied)


def problem(params: Sequence[Param]) -> dict[str, Any]:
    """SALib's problem definition."""
    keys = [p.key for p in params]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise ExperimentError(f"--param {dup}: the key is given twice")
    return {"num_vars": len(params), "names": keys, "bounds": [p.bounds for p in params]}


def check_samples(method: str, samples: int, n_params: int) -> None:
    """Refuse a method or sample count the analysis cannot use, naming the flag."""
    if method not in METHODS:
        raise ExperimentError(f"--method {method}: must be one of {', '.join(METHODS)}")
    if n_params < 1:
        raise ExperimentError("--param: give at least one parameter, e.g. --param "
                              "operations.planning.use_share=0.6:1.0")
    least = MIN_SAMPLES[method]
    if samples < least:
        what = "trajectories" if method == "morris" else "base samples"
        raise ExperimentError(f"--samples {samples}: {method} needs at least {least} {what}")
    if method == "sobol" and samples & (samples - 1):
        raise ExperimentError(f"--samples {samples}: sobol needs a power of two (Sobol' "
                              f"sequences balance only then), e.g. {1 << samples.bit_length()}")


def runs_needed(method: str, samples: int, n_params: int) -> int:
    """Points a design of ``samples`` has."""
    return samples * (n_params + 1) if method == "morris" else samples * (n_params + 2)


def sample(params: Sequence[Param], method: str, samples: int, seed: int) -> np.ndarray:
    """The design matrix, one row per point, in SALib's order (seeded: the same every time)."""
    check_samples(method, samples, len(params))
    prob = problem(params)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(prob, samples, num_levels=MORRIS_LEVELS, seed=seed)
    from SALib.sample import sobol

    return sobol.sample(prob, samples, calc_second_order=False, scramble=True, seed=seed)


def design_points(params: Sequence[Param], matrix: np.ndarray) -> list[Point]:
    """The scenario values of each row of a design matrix (the parameters' encoding)."""
    return [
        Point(i, tuple((p.key, p.value(float(x))) for p, x in zip(params, row, strict=True)))
        for i, row in enumerate(matrix)
    ]


def analyse(params: Sequence[Param], method: str, matrix: np.ndarray, outputs: pd.DataFrame,
            seed: int) -> pd.DataFrame:
    """``indices.csv``: one row per output and parameter. ``outputs`` has one column per
    output id and one row per design point (the mean over its replications). An output that is
    n/a or constant in every point gets no indices (nothing to apportion)."""
    prob = problem(params)
    rows = []
    for output in outputs.columns:
        y = outputs[output].to_numpy(float)
        if not _analysable(y):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if method == "morris":
                from SALib.analyze import morris

                res = morris.analyze(prob, matrix, y, conf_level=CONF_LEVEL,
                                     num_resamples=BOOTSTRAP, num_levels=MORRIS_LEVELS, seed=seed)
            else:
                from SALib.analyze import sobol

                res = sobol.analyze(prob, y, calc_second_order=False, conf_level=CONF_LEVEL,
                                    num_resamples=BOOTSTRAP, seed=seed)
        for i, p in enumerate(params):
            row = {"output": output, "parameter": p.key, "method": method}
            row.update({c: float(res[c][i]) for c in INDEX_COLUMNS[method]})
            rows.append(row)
    columns = ["output", "parameter", "method", *INDEX_COLUMNS[method]]
    return pd.DataFrame(rows, columns=columns)


def skipped_outputs(outputs: pd.DataFrame) -> list[str]:
    """Output ids :func:`analyse` leaves out (n/a somewhere, or the same in every point)."""
    return [o for o in outputs.columns if not _analysable(outputs[o].to_numpy(float))]


def _analysable(y: np.ndarray) -> bool:
    """An output with a value in every point that is not the same in all of them."""
    return bool(np.isfinite(y).all() and np.ptp(y) > 0)
