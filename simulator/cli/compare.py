"""``openskies compare``: several scenarios (or variants of one) in one comparison folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from simulator.cli.common import EXIT_OK, UsageError, resolve_scenario
from simulator.cli.running import (
    add_run_options,
    check_run_options,
    checkpoint_dir,
    clear_checkpoint,
    dask_executor,
    output_for,
    run_loaded,
    stop_own_pool,
)


def register(commands: Any) -> None:
    """Add this module's sub-command(s) to the parser."""
    p = commands.add_parser(
        "compare",
        help="run several scenarios and compare them in one report",
        description="Run each scenario and write a comparison report (the four coverage "
        "measures side by side) with each scenario's own results folder inside.",
    )
    p.add_argument("scenarios", nargs="+", help="scenario files or bundled names")
    add_run_options(p)
    p.add_argument(
        "--set-for",
        action="append",
        default=[],
        metavar="N:KEY=VALUE",
        help="override KEY for the N-th scenario only (1 = the first), e.g. "
        "'compare baseline-2019 baseline-2019 --set-for 2:rules.nato_practice=false'; a "
        "variant of a scenario given twice is named NAME-N unless you set its name",
    )
    p.set_defaults(handler=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    from simulator.outputs.comparison_folder import write_comparison
    from simulator.outputs.folders import check_target, folder_lock
    from simulator.scenario.load import load_scenario

    check_run_options(args)
    paths = [resolve_scenario(a) for a in args.scenarios]
    if len(paths) < 2:
        raise UsageError("compare needs at least two scenarios")
    per: dict[int, list[str]] = {}
    for item in args.set_for:
        position, sep, override = item.partition(":")
        if not sep or not position.isdigit() or not 1 <= int(position) <= len(paths):
            raise UsageError(f"--set-for {item}: expected N:KEY=VALUE with N from 1 to "
                             f"{len(paths)} (the scenario's position on the command line)")
        per.setdefault(int(position), []).append(override)
    loaded = []
    for n, path in enumerate(paths, start=1):
        extra = per.get(n, [])
        if extra and not any(o.split("=", 1)[0].strip() == "name" for o in extra) and \
                paths.count(path) > 1:
            extra = [*extra, f"name={load_scenario(path).name}-{n}"]
        loaded.append((path, load_scenario(path, [*args.set, *extra])))
    seen: dict[str, Path] = {}
    for path, sc in loaded:
        if sc.name in seen:
            raise UsageError(
                f"compare: {seen[sc.name]} and {path} are both named {sc.name!r}, and each "
                "scenario gets a folder by its name; give one another name (in the file, or "
                "with --set-for N:name=...)"
            )
        seen[sc.name] = path
    out = output_for(args, Path("results") / "comparison")
    with folder_lock(out):
        check_target(out, args.force)
        executor, client = dask_executor(args)
        pool = None
        if executor is None:
            from simulator.experiments.ensemble import default_executor

            # one pool for all scenarios: workers keep their loaded territories and rule indexes
            most = max(args.replications or sc.model.run.replications for _, sc in loaded)
            pool = executor = default_executor(args.jobs, most)
        results = {}
        clean = False
        try:
            for path, sc in loaded:
                checkpoint = checkpoint_dir(args, out, sc.name)
                res = run_loaded(sc, args, executor, path.stem, checkpoint)
                results[res.name] = res
            clean = True
        finally:
            if client is not None:
                client.close()
            stop_own_pool(pool, clean)
        target = write_comparison(results, out, force=args.force,
                                  command=getattr(args, "command_line", None))
        clear_checkpoint(args)
    print(f"wrote {target}")
    print(f"report: {target / 'report.md'}")
    return EXIT_OK
