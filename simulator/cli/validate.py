"""``openskies validate``: check scenario files without running them."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from simulator.cli.common import EXIT_BAD_INPUT, EXIT_OK, resolve_scenario


def register(commands: Any) -> None:
    """Add this module's sub-command(s) to the parser."""
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
    p.set_defaults(handler=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    from simulator.scenario.load import load_scenario
    from simulator.scenario.schema import ScenarioError

    bad = 0
    for arg in args.scenarios:
        try:
            sc = load_scenario(resolve_scenario(arg), args.set)
        except ScenarioError as err:
            bad += 1
            for problem in err.problems:
                print(problem, file=sys.stderr)
        else:
            from simulator.scenario.assemble import request_warnings

            print(f"{arg}: ok ({sc.name}, {sc.years[0]}-{sc.years[-1]})")
            for warning in request_warnings(sc):
                print(f"{arg}: warning: {warning}", file=sys.stderr)
    return EXIT_BAD_INPUT if bad else EXIT_OK
