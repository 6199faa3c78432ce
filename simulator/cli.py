"""The ``openskies`` command line (also ``python -m simulator``).

Exit codes: 0 success, 2 bad input (a one-line cause and a hint on stderr), 1 an unexpected
failure (a bug: ``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from simulator import __version__
from simulator.errors import OpenSkiesError

EXIT_OK, EXIT_BUG, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(OpenSkiesError):
    """Bad command-line input."""


# -------------------------------------------------------------- scenarios
def bundled_dir() -> Path | None:
    """The bundled ``scenarios/`` folder (current directory first, then the source tree)."""
    for candidate in (Path.cwd() / "scenarios", Path(__file__).resolve().parents[1] / "scenarios"):
        if candidate.is_dir():
            return candidate
    return None


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenario files by name (``counterfactual/us-stays`` for sub-folders)."""
    root = bundled_dir()
    if root is None:
        return {}
    return {
        p.relative_to(root).with_suffix("").as_posix(): p
        for p in sorted(root.rglob("*.toml"))
        if not p.name.startswith("_")
    }


def resolve_scenario(arg: str) -> Path:
    """A path to a scenario file, or the name of a bundled scenario."""
    path = Path(arg)
    if path.exists() or path.suffix == ".toml" or os.sep in arg:
        return path
    bundled = bundled_scenarios()
    if arg in bundled:
        return bundled[arg]
    import difflib

    close = difflib.get_close_matches(arg, list(bundled), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; see 'openskies list'"
    raise UsageError(f"{arg}: no such file or bundled scenario{hint}")


def _first_line(path: Path) -> str:
    """The first comment line of a scenario file: the question it answers."""
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                return line.lstrip("# ").strip()
    except OSError:
        pass
    return ""


# --------------------------------------------------------------- commands
def _cmd_registry(args: argparse.Namespace) -> int:
    from simulator.registry_report import snapshot_json, snapshot_text
    from simulator.treaty import load_registry

    registry = load_registry()
    snap = registry.snapshot(args.date)
    print(snapshot_json(snap) if args.json else snapshot_text(snap, registry))
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    found = bundled_scenarios()
    if not found:
        print("no bundled scenarios found (looked for a 'scenarios/' folder)", file=sys.stderr)
        return EXIT_BAD_INPUT
    width = max(len(n) for n in found)
    for name, path in found.items():
        print(f"{name:<{width}}  {_first_line(path)}")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from simulator.scenario import ScenarioError, load_scenario

    bad = 0
    for arg in args.scenarios:
        try:
            sc = load_scenario(resolve_scenario(arg), args.set)
        except ScenarioError as err:
            bad += 1
            for problem in err.problems:
                print(problem, file=sys.stderr)
        else:
            print(f"{arg}: ok ({sc.name}, {sc.years[0]}-{sc.years[-1]})")
    return EXIT_BAD_INPUT if bad else EXIT_OK


def _check_run_options(args: argparse.Namespace) -> None:
    if args.replications is not None and args.replications < 1:
        raise UsageError(f"--replications {args.replications}: must be at least 1")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: must be at least 1 (default: all cores)")
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed {args.seed}: must be 0 or more")


def _progress(total: int, label: str):
    """A tqdm bar on stderr, shown only on a terminal."""
    from tqdm import tqdm

    bar = tqdm(
        total=total,
        desc=label,
        unit="rep",
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        leave=False,
    )
    return bar


def _executor(args: argparse.Namespace):
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


def _run_one(path: Path, args: argparse.Namespace, executor, label: str):
    from simulator.api import run
    from simulator.scenario import load_scenario

    sc = load_scenario(path, args.set)
    reps = args.replications or sc.model.run.replications
    bar = _progress(reps, label)
    try:
        checkpoint = (
            _checkpoint_dir(args, sc.name) if getattr(args, "resume", None) is not None else None
        )
        return run(
            sc,
            replications=args.replications,
            seed=args.seed,
            executor=executor,
            jobs=args.jobs,
            checkpoint=checkpoint,
            progress=lambda _: bar.update(1),
        )
    finally:
        bar.close()


def _checkpoint_dir(args: argparse.Namespace, name: str) -> Path:
    out = Path(args.output or Path("results") / name)
    return out.with_name(f".{out.name}.checkpoint")


def _cmd_run(args: argparse.Namespace) -> int:
    _check_run_options(args)
    path = resolve_scenario(args.scenario)
    executor, client = _executor(args)
    try:
        result = _run_one(path, args, executor, path.stem)
    finally:
        if client is not None:
            client.close()
    out = Path(args.output or Path("results") / result.name)
    target = result.save(out, force=args.force)
    _clear_checkpoint(args, result.name)
    print(f"wrote {target} ({len(result.missions)} missions, {result.replications} replication(s))")
    print(f"report: {target / 'report.md'}")
    return EXIT_OK


def _clear_checkpoint(args: argparse.Namespace, name: str) -> None:
    import shutil

    if getattr(args, "resume", None) is not None:
        shutil.rmtree(_checkpoint_dir(args, name), ignore_errors=True)


def _cmd_compare(args: argparse.Namespace) -> int:
    from simulator.compare import write_comparison

    _check_run_options(args)
    paths = [resolve_scenario(a) for a in args.scenarios]
    if len(paths) < 2:
        raise UsageError("compare needs at least two scenarios")
    executor, client = _executor(args)
    pool = None
    if executor is None:
        from simulator.ensemble import default_executor

        # one pool for all scenarios: workers keep their loaded territories and rule indexes
        pool = executor = default_executor(args.jobs)
    results = {}
    try:
        for path in paths:
            res = _run_one(path, args, executor, path.stem)
            results[res.name] = res
    finally:
        if client is not None:
            client.close()
        if pool is not None:
            pool.shutdown()
    out = Path(args.output or Path("results") / "comparison")
    target = write_comparison(results, out, force=args.force)
    print(f"wrote {target}")
    print(f"report: {target / 'report.md'}")
    return EXIT_OK


def _cmd_validate_history(args: argparse.Namespace) -> int:
    from simulator.validation import attach_validation, summary_lines

    _check_run_options(args)
    path = resolve_scenario(args.scenario)
    executor, client = _executor(args)
    try:
        result = _run_one(path, args, executor, "history")
    finally:
        if client is not None:
            client.close()
    table = attach_validation(result)
    out = Path(args.output or Path("results") / "history-validation")
    target = result.save(out, force=args.force)
    _clear_checkpoint(args, result.name)
    for line in summary_lines(table):
        print(line)
    held = int(table["holds"].sum())
    print(f"{held} of {len(table)} facts hold; report: {target / 'report.md'}")
    return EXIT_OK


# ------------------------------------------------------------------ parser
def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-o",
        "--output",
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="openskies",
        description=(
            "Simulate the Treaty on Open Skies: quotas, observation flights, routes and the "
            "territory their sensors imaged, before and after the US and Russian withdrawals."
        ),
        epilog=(
            "Start with 'openskies list', then 'openskies run baseline-2019'. "
            "Run 'openskies COMMAND --help' for the options of one command."
        ),
    )
    parser.add_argument("--version", action="version", version=f"openskies {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback of an unexpected error"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = commands.add_parser(
        "run",
        help="run one scenario and write a results folder",
        description="Run a scenario file (or a bundled scenario by name) and write tables, "
        "figures and report.md to a results folder.",
    )
    p.add_argument("scenario", help="a scenario .toml file or a bundled name (see 'list')")
    _run_options(p)
    p.set_defaults(handler=_cmd_run)

    p = commands.add_parser(
        "compare",
        help="run several scenarios and compare them in one report",
        description="Run each scenario and write a comparison report (the four coverage "
        "measures side by side) with each scenario's own results folder inside.",
    )
    p.add_argument("scenarios", nargs="+", help="scenario files or bundled names")
    _run_options(p)
    p.set_defaults(handler=_cmd_compare)

    p = commands.add_parser(
        "validate",
        help="check scenario files without running them",
        description="Check scenario files; print every problem as 'file: key.path: message'.",
    )
    p.add_argument("scenarios", nargs="+", help="scenario files or bundled names")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="check with these overrides applied",
    )
    p.set_defaults(handler=_cmd_validate)

    p = commands.add_parser(
        "validate-history",
        help="run the 2002-2024 history and compare it with the public record",
        description="Run scenarios/history-2002-2024.toml (or another scenario) and write a "
        "results folder whose report puts the simulated record beside the real one: each "
        "fact, its tolerance, and whether it holds.",
    )
    p.add_argument(
        "scenario",
        nargs="?",
        default="history-2002-2024",
        help="the history scenario (default: %(default)s)",
    )
    _run_options(p)
    p.set_defaults(handler=_cmd_validate_history)

    p = commands.add_parser(
        "list",
        help="list the bundled scenarios",
        description="List the bundled scenarios with the question each answers.",
    )
    p.set_defaults(handler=_cmd_list)

    p = commands.add_parser(
        "registry",
        help="the treaty's state on a date: parties, groups, NATO, quotas, airfields",
        description=(
            "Print who is a State Party on a date, the groups and NATO members among them, "
            "each quota holder's passive quota (with the 75 %% rule through 2005), and the "
            "Open Skies airfields with their maximum flight distances."
        ),
    )
    p.add_argument(
        "--date", default="2019-06-01", help="ISO date YYYY-MM-DD (default: %(default)s)"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(handler=_cmd_registry)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 for --help
        return int(exc.code or 0)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return args.handler(args)
    except OpenSkiesError as err:
        text = str(err)
        first, *rest = text.splitlines() or [""]
        print(f"openskies: error: {first}", file=sys.stderr)
        for line in rest:
            print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("openskies: interrupted; nothing was written over existing results", file=sys.stderr)
        return 130
    except Exception as err:  # a bug: say so, and show the traceback on request
        if args.debug:
            traceback.print_exc()
        else:
            print(
                f"openskies: unexpected error ({type(err).__name__}: {err}); "
                "rerun with --debug for the traceback and please report it",
                file=sys.stderr,
            )
        return EXIT_BUG
