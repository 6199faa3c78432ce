"""``openskies run``: one scenario, one results folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from simulator.cli.common import EXIT_OK
from simulator.cli.running import add_run_options, run_and_save


def register(commands: Any) -> None:
    """Add this module's sub-command(s) to the parser."""
    p = commands.add_parser(
        "run",
        help="run one scenario and write a results folder",
        description="Run a scenario file (or a bundled scenario by name) and write tables, "
        "figures and report.md to a results folder.",
    )
    p.add_argument("scenario", help="a scenario .toml file or a bundled name (see 'list')")
    add_run_options(p)
    p.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    result, target = run_and_save(args, args.scenario, None, Path(args.scenario).stem)
    print(f"wrote {target} ({len(result.missions)} missions, {result.replications} replication(s))")
    print(f"report: {target / 'report.md'}")
    return EXIT_OK
