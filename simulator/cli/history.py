"""``openskies validate-history``: the treaty's recorded life, simulated and checked fact by
fact."""

from __future__ import annotations

import argparse
from typing import Any

from simulator.cli.common import EXIT_OK
from simulator.cli.running import add_run_options, run_and_save


def register(commands: Any) -> None:
    """Add this module's sub-command(s) to the parser."""
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
    add_run_options(p)
    p.set_defaults(handler=cmd_validate_history)


def cmd_validate_history(args: argparse.Namespace) -> int:
    from simulator.outputs.validation_report import attach_validation, summary_lines

    tables = []
    _, target = run_and_save(
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
