"""The ``openskies`` argument parser: global options, and each command module's sub-command."""

from __future__ import annotations

import argparse
from typing import Any

from simulator.cli import catalogue, compare, experiments, history, run, validate
from simulator.version import __version__

# the order of ``openskies --help``
COMMANDS = (run, compare, experiments, validate, history, catalogue)


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
    for module in COMMANDS:
        module.register(commands)
    return parser
