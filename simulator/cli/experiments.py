"""``openskies sweep`` and ``openskies sensitivity``: one scenario under many overrides, and
which assumptions drive its answer (DESIGN section 14)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from simulator.cli.common import EXIT_OK, resolve_scenario
from simulator.cli.running import (
    add_run_options,
    check_cache,
    check_run_options,
    checkpoint_dir,
    clear_checkpoint,
    dask_executor,
    output_for,
    workers,
)

SEEDS_HELP = ("'common' (default): every point runs from the same seed, so points differ only "
              "by their parameters; 'independent': a seed per point")


def register(commands: Any) -> None:
    """Add ``sweep`` and ``sensitivity`` to the parser."""
    p = commands.add_parser(
        "sweep",
        help="run a scenario at every combination of a few keys' values",
        description="Run a scenario at every combination of the values of the --vary keys "
        "(a full grid) and write runs.csv and runs.parquet (one row per point and "
        "replication, every headline measure), a figure and report.md.",
        epilog="Example: openskies sweep baseline-2019 --vary rules.nato_practice=true,false "
        "--replications 2",
    )
    p.add_argument("scenario", help="a scenario .toml file or a bundled name (see 'list')")
    p.add_argument("--vary", action="append", default=[], metavar="KEY=V1,V2",
                   help="a scenario key and its values, each read as TOML (repeatable)")
    p.add_argument("--seeds", choices=("common", "independent"), default="common",
                   help=SEEDS_HELP)
    add_run_options(p)
    p.set_defaults(handler=cmd_sweep)

    p = commands.add_parser(
        "sensitivity",
        help="which assumptions drive the answer (Morris or Sobol, with SALib)",
        description="Sample the --param ranges with SALib, run the scenario at every point and "
        "write indices.csv (the Morris or Sobol indices of each output with confidence "
        "intervals), runs.csv and runs.parquet, a figure and report.md.",
        epilog="Example: openskies sensitivity baseline-2019 --param "
        "operations.planning.use_share=0.6:1.0 --param "
        "operations.failures.breakdown_by_aircraft.USA-OC135B=0.2:0.7 --method morris --samples 10",
    )
    p.add_argument("scenario", help="a scenario .toml file or a bundled name (see 'list')")
    p.add_argument("--param", action="append", default=[], metavar="KEY=LOW:HIGH",
                   help="a number key and its range, or KEY=A|B for listed values (repeatable)")
    p.add_argument("--method", default="morris", metavar="morris|sobol",
                   help="Morris screening (default) or Sobol variance indices")
    p.add_argument("--samples", type=int, default=10, metavar="N",
                   help="Morris trajectories or Sobol base samples (a power of two); the "
                   "design has N (k + 1) or N (k + 2) points for k parameters (default 10)")
    p.add_argument("--output", dest="outputs", action="append", default=[],
                   metavar="MEASURE_ID", help="a headline measure id to analyse (repeatable; "
                   "default: flights_flown, imaged_km2, flights_over_RUS, imaged_share_RUS)")
    p.add_argument("--versus", metavar="SCENARIO",
                   help="analyse the difference SCENARIO minus this one at every point, e.g. "
                   "baseline-2019 --versus after-russia-withdrawal-2022 for the withdrawal's cost")
    p.add_argument("--seeds", choices=("common", "independent"), default="common",
                   help=SEEDS_HELP)
    add_run_options(p, folder_flags=("-o",))
    for action in p._actions:  # one replication per point unless asked
        if action.dest == "replications":
            action.help = "replications per point (default 1)"
    p.set_defaults(handler=cmd_sensitivity)


def _execute(args: argparse.Namespace, sc: Any, default_name: str, n_jobs: int, body) -> Path:
    """Lock the folder, start the executor and progress bar, run ``body``, save (as ``run``)."""
    from simulator.outputs.folders import check_target, folder_lock

    out = output_for(args, Path("results") / default_name)
    with folder_lock(out):
        check_target(out, args.force)  # refuse now, not after the runs
        check_cache(sc)
        executor, client = dask_executor(args)
        try:
            with workers(args, executor, n_jobs, default_name) as (executor, bar):
                experiment = body(executor, checkpoint_dir(args, out), lambda: bar.update(1))
        finally:
            if client is not None:
                client.close()
        target = experiment.save(out, force=args.force)
        clear_checkpoint(args)
    return target


def cmd_sweep(args: argparse.Namespace) -> int:
    from simulator.experiments.analyses import run_sweep
    from simulator.experiments.designs import grid_size
    from simulator.experiments.parameters import ExperimentError, parse_vary
    from simulator.scenario.load import load_scenario

    check_run_options(args)
    sc = load_scenario(resolve_scenario(args.scenario), args.set)
    if not args.vary:
        raise ExperimentError("--vary: give at least one KEY=V1,V2, e.g. --vary "
                              "rules.nato_practice=true,false")
    varied = [parse_vary(sc, text) for text in args.vary]
    reps = args.replications or sc.model.run.replications
    seed = sc.model.run.seed if args.seed is None else args.seed
    n_points = grid_size(varied)

    def body(executor, checkpoint, progress):
        return run_sweep(sc, varied, reps, seed, executor, checkpoint, progress, args.seeds,
                         args.command_line)

    target = _execute(args, sc, f"{sc.name}-sweep", n_points * reps, body)
    print(f"wrote {target} ({n_points} points x {reps} replication(s))")
    print(f"report: {target / 'report.md'}")
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from simulator.experiments.analyses import check_outputs, run_sensitivity
    from simulator.experiments.designs import check_samples, runs_needed
    from simulator.experiments.parameters import parse_param
    from simulator.scenario.load import load_scenario

    check_run_options(args)
    sc = load_scenario(resolve_scenario(args.scenario), args.set)
    params = [parse_param(sc, text) for text in args.param]
    check_samples(args.method, args.samples, len(params))
    check_outputs(args.outputs)
    versus = load_scenario(resolve_scenario(args.versus), args.set) if args.versus else None
    reps = args.replications or 1
    seed = sc.model.run.seed if args.seed is None else args.seed
    n_points = runs_needed(args.method, args.samples, len(params)) * (2 if versus else 1)

    def body(executor, checkpoint, progress):
        return run_sensitivity(sc, params, args.method, args.samples, reps, seed, args.outputs,
                               versus, executor, checkpoint, progress, args.seeds,
                               args.command_line)

    target = _execute(args, sc, f"{sc.name}-{args.method}", n_points * reps, body)
    print(f"wrote {target} ({n_points} points x {reps} replication(s), {args.method})")
    print(f"indices: {target / 'indices.csv'}")
    print(f"report: {target / 'report.md'}")
    return EXIT_OK
