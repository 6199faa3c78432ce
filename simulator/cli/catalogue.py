"""``openskies list`` (the bundled scenarios) and ``openskies registry`` (the treaty on a date)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from simulator.cli.common import EXIT_BAD_INPUT, EXIT_OK, first_line
from simulator.scenario.bundled import bundled_scenarios


def register(commands: Any) -> None:
    """Add this module's sub-command(s) to the parser."""
    p = commands.add_parser(
        "list",
        help="list the bundled scenarios",
        description="List the bundled scenarios with the question each answers.",
    )
    p.set_defaults(handler=cmd_list)

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
    p.set_defaults(handler=cmd_registry)


def cmd_list(args: argparse.Namespace) -> int:
    found = bundled_scenarios()
    if not found:
        print("no bundled scenarios found (looked for a 'scenarios/' folder)", file=sys.stderr)
        return EXIT_BAD_INPUT
    width = max(len(n) for n in found)
    for name, path in found.items():
        print(f"{name:<{width}}  {first_line(path)}")
    return EXIT_OK


def cmd_registry(args: argparse.Namespace) -> int:
    from simulator.outputs.registry_report import snapshot_json, snapshot_text
    from simulator.treaty import load_registry

    registry = load_registry()
    snap = registry.snapshot(args.date)
    print(snapshot_json(snap) if args.json else snapshot_text(snap, registry))
    return EXIT_OK
