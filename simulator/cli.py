"""The ``openskies`` command line (also ``python -m simulator``).

Exit codes: 0 success, 2 bad input (a one-line cause on stderr), 1 unexpected failure.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from simulator import __version__
from simulator.errors import OpenSkiesError

EXIT_OK, EXIT_BUG, EXIT_BAD_INPUT = 0, 1, 2


def _cmd_registry(args: argparse.Namespace) -> int:
    from simulator.registry_report import snapshot_json, snapshot_text
    from simulator.treaty import load_registry

    registry = load_registry()
    snap = registry.snapshot(args.date)
    print(snapshot_json(snap) if args.json else snapshot_text(snap, registry))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="openskies",
        description=(
            "Simulate the Treaty on Open Skies: quotas, observation flights, routes and the "
            "territory their sensors imaged, before and after the US and Russian withdrawals."
        ),
        epilog="Run 'openskies COMMAND --help' for the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"openskies {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback of an unexpected error"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    registry = commands.add_parser(
        "registry",
        help="the treaty's state on a date: parties, groups, NATO, quotas, airfields",
        description=(
            "Print who is a State Party on a date, the groups and NATO members among them, "
            "each quota holder's passive quota (with the 75 %% rule through 2005), and the "
            "Open Skies airfields with their maximum flight distances."
        ),
    )
    registry.add_argument(
        "--date", default="2019-06-01", help="ISO date YYYY-MM-DD (default: %(default)s)"
    )
    registry.add_argument("--json", action="store_true", help="print JSON instead of text")
    registry.set_defaults(handler=_cmd_registry)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return args.handler(args)
    except OpenSkiesError as err:
        print(f"openskies: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("openskies: interrupted", file=sys.stderr)
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
