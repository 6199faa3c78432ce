"""Running scenarios from the command line: the run options, an executor (a worker pool of our
own, or Dask), a progress bar, and the results folder and checkpoint of a run.

The heavy rooms (the API, the engine, Dask) are imported inside the functions that need them,
so that ``openskies --help`` and ``openskies list`` start at once; none of those imports can
form a cycle, since nothing below imports the command line.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from simulator.cli.common import UsageError, resolve_scenario


def add_run_options(p: argparse.ArgumentParser, folder_flags: tuple[str, ...] = ("-o", "--output")
                    ) -> None:
    """The options of every command that runs: folder, replications, seed, workers, overrides,
    Dask and resume (``sensitivity`` keeps ``--output`` for its measure ids: ``-o`` only)."""
    p.add_argument(
        *folder_flags,
        dest="output",
        metavar="DIR",
        help="results folder (default: results/NAME); must not exist or be empty",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an existing results folder written by openskies",
    )
    p.add_argument(
        "--replications",
        type=int,
        metavar="N",
        help="replications (default: the scenario's run.replications)",
    )
    p.add_argument("--seed", type=int, metavar="S", help="base seed (default: run.seed)")
    p.add_argument(
        "--jobs",
        type=int,
        metavar="J",
        help="worker processes for replications (default: all cores)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario key, e.g. --set rules.nato_practice=false "
        "(repeatable; VALUE is read as TOML)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run replications on Dask: 'local' starts a LocalCluster, "
        "tcp://HOST:PORT uses a running scheduler (needs openskies[cluster])",
    )
    p.add_argument(
        "--resume",
        action="store_const",
        const=True,
        default=None,
        help="keep finished replications in a checkpoint folder and continue an "
        "interrupted ensemble from it",
    )


def check_run_options(args: argparse.Namespace) -> None:
    """The API's limits, reported with the flag's name."""
    from simulator.api import check_run_arguments

    for flag, key in (("--replications", "replications"), ("--seed", "seed"), ("--jobs", "jobs")):
        value = getattr(args, key, None)
        try:
            check_run_arguments(**{key: value})
        except ValueError as err:
            reason = str(err).split(": ", 1)[-1]
            raise UsageError(f"{flag} {value}: {reason}") from None


def progress_bar(total: int, label: str):
    """A tqdm bar on stderr, shown only on a terminal."""
    from tqdm import tqdm

    bar = tqdm(
        total=total,
        desc=label,
        unit="step",
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        leave=False,
    )
    return bar


def dask_executor(args: argparse.Namespace):
    if not getattr(args, "scheduler", None):
        return None, None
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError(
            "--scheduler needs the 'cluster' extra: pip install 'openskies[cluster]'"
        ) from None
    if args.scheduler == "local":
        cluster = LocalCluster(
            n_workers=args.jobs or os.cpu_count(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    else:
        client = Client(args.scheduler)
    return client.get_executor(), client


def stop_own_pool(pool, clean: bool) -> None:
    from simulator.experiments.ensemble import stop_pool

    stop_pool(pool, clean)


def check_cache(sc) -> None:
    """Warn, and compute without it, when the cache folder of masks and routes is unusable."""
    if sc.model.geometry.enabled:
        from simulator.geo.cache import cache_problem, disable_cache

        problem = cache_problem()
        if problem:
            print(f"openskies: warning: cache folder not usable ({problem}); masks are "
                  "computed without it (set OPENSKIES_CACHE_DIR to a writable folder)",
                  file=sys.stderr)
            disable_cache()


def run_loaded(sc, args: argparse.Namespace, executor, label: str, checkpoint: Path | None):
    """Run a loaded scenario with the command's options (own worker pool when needed)."""
    from simulator.api import run

    reps = args.replications or sc.model.run.replications
    check_cache(sc)
    # the replications, then the figures and report
    with workers(args, executor, reps, label, steps=reps + 1) as (executor, bar):
        result = run(
            sc,
            replications=args.replications,
            seed=args.seed,
            executor=executor,
            jobs=args.jobs,
            checkpoint=checkpoint,
            progress=lambda _: bar.update(1),
            command=getattr(args, "command_line", None),
            on_stage=lambda stage: bar.set_postfix_str(f"{stage} and report"),
        )
        bar.update(1)
    return result


@contextlib.contextmanager
def workers(args: argparse.Namespace, executor, n_jobs: int, label: str,
            steps: int | None = None) -> Iterator[tuple[Any, Any]]:
    """The executor for ``n_jobs`` jobs (the given one, e.g. Dask's, else a pool of our own
    when there is more than one) and a progress bar of ``steps`` (default ``n_jobs``); after
    an error or an interrupt our pool is stopped at once."""
    pool = None
    if executor is None and n_jobs > 1:
        from simulator.experiments.ensemble import default_executor

        pool = executor = default_executor(args.jobs, n_jobs)
    bar = progress_bar(steps or n_jobs, label)
    clean = False
    try:
        yield executor, bar
        clean = True
    finally:
        bar.close()
        stop_own_pool(pool, clean)


def output_for(args: argparse.Namespace, default: Path) -> Path:
    out = Path(args.output) if args.output else default
    try:
        full = out.resolve(strict=False)
    except (OSError, RuntimeError) as err:  # a symlink loop, a name the system refuses
        raise UsageError(f"-o {out}: not a usable folder name ({err}); choose another") from None
    if full.parent == full:
        raise UsageError(f"-o {out}: the root folder cannot be a results folder; choose a new "
                         "folder, e.g. -o results/run")
    args.target = out  # for the message if the run is interrupted
    return out


def checkpoint_dir(args: argparse.Namespace, out: Path, name: str | None = None) -> Path | None:
    """``.NAME.checkpoint`` beside the results folder (one sub-folder per scenario of a
    comparison), or None without ``--resume``."""
    if getattr(args, "resume", None) is None:
        return None
    folder = out.with_name(f".{out.name}.checkpoint")
    args.checkpoint = folder
    return folder / name if name is not None else folder


def clear_checkpoint(args: argparse.Namespace) -> None:
    folder = getattr(args, "checkpoint", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def run_and_save(
    args: argparse.Namespace,
    scenario_arg: str,
    default: str | None,
    label: str,
    before_save: Callable[[Any], None] | None = None,
) -> tuple[Any, Path]:
    """Load, lock the results folder, run, write it: the shared body of run and
    validate-history. Returns the result and the folder written."""
    from simulator.outputs.folders import check_target, folder_lock
    from simulator.scenario.load import load_scenario

    check_run_options(args)
    path = resolve_scenario(scenario_arg)
    sc = load_scenario(path, args.set)
    out = output_for(args, Path("results") / (default or sc.name))
    with folder_lock(out):
        check_target(out, args.force)  # refuse now, not after the simulation
        executor, client = dask_executor(args)
        try:
            result = run_loaded(sc, args, executor, label, checkpoint_dir(args, out))
        finally:
            if client is not None:
                client.close()
        if before_save is not None:
            before_save(result)
        target = result.save(out, force=args.force)
        clear_checkpoint(args)
    return result, target
