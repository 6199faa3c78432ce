"""The ``openskies`` command line (also ``python -m simulator``).

Exit codes: 0 success, 2 bad input (a one-line cause and a hint on stderr), 1 an unexpected
failure (a bug: ``--debug`` shows the traceback), 130 interrupted by SIGINT (Ctrl-C), 143 stopped
by SIGTERM. An interrupted run leaves no results folder (and, with ``--resume``, a checkpoint
folder that the same command continues from).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from simulator import __version__
from simulator.bundled import bundled_dir as bundled_dir  # re-exported
from simulator.bundled import bundled_scenarios
from simulator.errors import OpenSkiesError

EXIT_OK, EXIT_BUG, EXIT_BAD_INPUT = 0, 1, 2
# errors of the machine, not of the program: a full disk, a read-only or forbidden folder
ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


class UsageError(OpenSkiesError):
    """Bad command-line input."""


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived: unwind like Ctrl-C, then exit 128 + the signal number."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def signals_interrupt() -> Iterator[dict[str, int]]:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` (once; later ones are only noted).

    Yields a dict that records the first signal under ``"signum"``. Handlers are installed only
    in the main thread and restored on exit.
    """
    seen: dict[str, int] = {}
    if threading.current_thread() is not threading.main_thread():
        yield seen
        return

    def handler(signum: int, _frame: object) -> None:
        if "signum" in seen:  # already unwinding: let the clean-up finish
            return
        seen["signum"] = signum
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield seen
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


# -------------------------------------------------------------- scenarios
def resolve_scenario(arg: str) -> Path:
    """A path to a scenario file, or the name of a bundled scenario."""
    path = Path(arg)
    bundled = bundled_scenarios()
    if arg in bundled and not path.is_file():
        return bundled[arg]  # a bundled name, also one with a folder (counterfactual/us-stays)
    if path.exists() or path.suffix == ".toml" or os.sep in arg:
        return path
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
            from simulator.assemble import request_warnings

            print(f"{arg}: ok ({sc.name}, {sc.years[0]}-{sc.years[-1]})")
            for warning in request_warnings(sc):
                print(f"{arg}: warning: {warning}", file=sys.stderr)
    return EXIT_BAD_INPUT if bad else EXIT_OK


def _check_run_options(args: argparse.Namespace) -> None:
    """The API's limits, reported with the flag's name."""
    from simulator.api import check_run_arguments

    for flag, key in (("--replications", "replications"), ("--seed", "seed"), ("--jobs", "jobs")):
        value = getattr(args, key, None)
        try:
            check_run_arguments(**{key: value})
        except ValueError as err:
            reason = str(err).split(": ", 1)[-1]
            raise UsageError(f"{flag} {value}: {reason}") from None


def _progress(total: int, label: str):
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


def _stop_pool(pool, clean: bool) -> None:
    from simulator.ensemble import stop_pool

    stop_pool(pool, clean)


def _run_loaded(sc, args: argparse.Namespace, executor, label: str, checkpoint: Path | None):
    """Run a loaded scenario with the command's options (own worker pool when needed)."""
    from simulator.api import run

    reps = args.replications or sc.model.run.replications
    if sc.model.geometry.enabled:
        from simulator.geo.cache import cache_problem, disable_cache

        problem = cache_problem()
        if problem:
            print(f"openskies: warning: cache folder not usable ({problem}); masks are "
                  "computed without it (set OPENSKIES_CACHE_DIR to a writable folder)",
                  file=sys.stderr)
            disable_cache()
    pool = None
    if executor is None and reps > 1:
        from simulator.ensemble import default_executor

        pool = executor = default_executor(args.jobs, reps)
    bar = _progress(reps + 1, label)  # the replications, then the figures and report
    clean = False
    try:
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
        clean = True
        return result
    finally:
        bar.close()
        _stop_pool(pool, clean)


def _output_for(args: argparse.Namespace, default: Path) -> Path:
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


def _checkpoint_dir(args: argparse.Namespace, out: Path, name: str | None = None) -> Path | None:
    """``.NAME.checkpoint`` beside the results folder (one sub-folder per scenario of a
    comparison), or None without ``--resume``."""
    if getattr(args, "resume", None) is None:
        return None
    folder = out.with_name(f".{out.name}.checkpoint")
    args.checkpoint = folder
    return folder / name if name is not None else folder


def _clear_checkpoint(args: argparse.Namespace) -> None:
    import shutil

    folder = getattr(args, "checkpoint", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _run_and_save(
    args: argparse.Namespace,
    scenario_arg: str,
    default: str | None,
    label: str,
    before_save: Callable[[Any], None] | None = None,
) -> tuple[Any, Path]:
    """Load, lock the results folder, run, write it: the shared body of run and
    validate-history. Returns the result and the folder written."""
    from simulator.results import check_target, folder_lock
    from simulator.scenario import load_scenario

    _check_run_options(args)
    path = resolve_scenario(scenario_arg)
    sc = load_scenario(path, args.set)
    out = _output_for(args, Path("results") / (default or sc.name))
    with folder_lock(out):
        check_target(out, args.force)  # refuse now, not after the simulation
        executor, client = _executor(args)
        try:
            result = _run_loaded(sc, args, executor, label, _checkpoint_dir(args, out))
        finally:
            if client is not None:
                client.close()
        if before_save is not None:
            before_save(result)
        target = result.save(out, force=args.force)
        _clear_checkpoint(args)
    return result, target


def _cmd_run(args: argparse.Namespace) -> int:
    result, target = _run_and_save(args, args.scenario, None, Path(args.scenario).stem)
    print(f"wrote {target} ({len(result.missions)} missions, {result.replications} replication(s))")
    print(f"report: {target / 'report.md'}")
    return EXIT_OK


def _cmd_compare(args: argparse.Namespace) -> int:
    from simulator.compare import write_comparison
    from simulator.results import check_target, folder_lock
    from simulator.scenario import load_scenario

    _check_run_options(args)
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
    out = _output_for(args, Path("results") / "comparison")
    with folder_lock(out):
        check_target(out, args.force)
        executor, client = _executor(args)
        pool = None
        if executor is None:
            from simulator.ensemble import default_executor

            # one pool for all scenarios: workers keep their loaded territories and rule indexes
            most = max(args.replications or sc.model.run.replications for _, sc in loaded)
            pool = executor = default_executor(args.jobs, most)
        results = {}
        clean = False
        try:
            for path, sc in loaded:
                checkpoint = _checkpoint_dir(args, out, sc.name)
                res = _run_loaded(sc, args, executor, path.stem, checkpoint)
                results[res.name] = res
            clean = True
        finally:
            if client is not None:
                client.close()
            _stop_pool(pool, clean)
        target = write_comparison(results, out, force=args.force,
                                  command=getattr(args, "command_line", None))
        _clear_checkpoint(args)
    print(f"wrote {target}")
    print(f"report: {target / 'report.md'}")
    return EXIT_OK


def _cmd_validate_history(args: argparse.Namespace) -> int:
    from simulator.validation import attach_validation, summary_lines

    tables = []
    _, target = _run_and_save(
        args,
        args.scenario,
        "history-validation",
        "history",
        before_save=lambda result: tables.append(attach_validation(result)),
    )
    table = tables[0]
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
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show the full traceback of an unexpected error")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    real_add = commands.add_parser

    def add_parser(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return real_add(name, parents=[debug], **kwargs)

    commands.add_parser = add_parser  # type: ignore[method-assign]

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
    p.add_argument(
        "--set-for",
        action="append",
        default=[],
        metavar="N:KEY=VALUE",
        help="override KEY for the N-th scenario only (1 = the first), e.g. "
        "'compare baseline-2019 baseline-2019 --set-for 2:rules.nato_practice=false'; a "
        "variant of a scenario given twice is named NAME-N unless you set its name",
    )
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
            "each quota holder's passive quota (with the 75 per cent rule through 2005), and the "
            "Open Skies airfields with their maximum flight distances."
        ),
    )
    p.add_argument(
        "--date", default="2019-06-01", help="ISO date YYYY-MM-DD (default: %(default)s)"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(handler=_cmd_registry)
    return parser


def _interrupted_message(args: argparse.Namespace, signum: int) -> str:
    name = signal.Signals(signum).name
    checkpoint = getattr(args, "checkpoint", None)
    target = getattr(args, "target", None)
    if checkpoint is not None and checkpoint.exists():
        return (
            f"openskies: interrupted by {name}; finished replications are kept in {checkpoint}; "
            "run the same command with --resume to continue"
        )
    if target is not None:
        return (
            f"openskies: interrupted by {name}; nothing was written to {target}; run the same "
            "command again (add --resume to keep finished replications if it is interrupted)"
        )
    return f"openskies: interrupted by {name}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 for --help
        return int(exc.code or 0)
    args.command_line = ["openskies", *(sys.argv[1:] if argv is None else argv)]
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    with signals_interrupt() as seen:
        try:
            return args.handler(args)
        except KeyboardInterrupt as err:
            signum = getattr(err, "signum", None) or seen.get("signum", signal.SIGINT)
            print(_interrupted_message(args, signum), file=sys.stderr)
            return 128 + signum
        except OpenSkiesError as err:
            text = str(err)
            first, *rest = text.splitlines() or [""]
            print(f"openskies: error: {first}", file=sys.stderr)
            for line in rest:
                print(line, file=sys.stderr)
            return EXIT_BAD_INPUT
        except BrokenPipeError:
            # the reader went away (``openskies list | head -1``): stop quietly, and keep
            # Python from complaining when it flushes stdout at exit
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_OK
        except OSError as err:
            if "signum" in seen:  # e.g. a worker pool broken by the same Ctrl-C
                print(_interrupted_message(args, seen["signum"]), file=sys.stderr)
                return 128 + seen["signum"]
            if err.errno not in ENVIRONMENT_ERRNOS:
                return _bug(args, err)
            where = f"{err.filename}: " if err.filename else ""
            print(
                f"openskies: error: {where}{err.strerror or err}; free some space or check the "
                "folder's permissions, then run again",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        except Exception as err:  # a bug: say so, and show the traceback on request
            if "signum" in seen:
                print(_interrupted_message(args, seen["signum"]), file=sys.stderr)
                return 128 + seen["signum"]
            return _bug(args, err)


def _bug(args: argparse.Namespace, err: BaseException) -> int:
    if args.debug:
        traceback.print_exc()
    else:
        print(
            f"openskies: unexpected error ({type(err).__name__}: {err}); "
            "rerun with --debug for the traceback and please report it",
            file=sys.stderr,
        )
    return EXIT_BUG
