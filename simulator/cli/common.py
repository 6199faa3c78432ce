"""What every command shares: exit codes, the usage error, and finding a scenario by its path or
its bundled name."""

from __future__ import annotations

import difflib
import errno
import os
from pathlib import Path

from simulator.errors import OpenSkiesError
from simulator.scenario.bundled import bundled_scenarios

EXIT_OK, EXIT_BUG, EXIT_BAD_INPUT = 0, 1, 2
# errors of the machine, not of the program: a full disk, a read-only or forbidden folder
ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


class UsageError(OpenSkiesError):
    """Bad command-line input."""


def resolve_scenario(arg: str) -> Path:
    """A path to a scenario file, or the name of a bundled scenario."""
    path = Path(arg)
    bundled = bundled_scenarios()
    if arg in bundled and not path.is_file():
        return bundled[arg]  # a bundled name, also one with a folder (counterfactual/us-stays)
    if path.exists() or path.suffix == ".toml" or os.sep in arg:
        return path
    close = difflib.get_close_matches(arg, list(bundled), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; see 'openskies list'"
    raise UsageError(f"{arg}: no such file or bundled scenario{hint}")


def first_line(path: Path) -> str:
    """The first comment line of a scenario file: the question it answers."""
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                return line.lstrip("# ").strip()
    except OSError:
        pass
    return ""
