"""Checksums of every output of every bundled scenario, to show that a refactoring changed nothing.

    python benchmarks/output_checksums.py OUT.json [--replications N] [--jobs J]
    python benchmarks/output_checksums.py --diff BEFORE.json AFTER.json

The first form runs each bundled scenario (its own settings, geometry included, a few
replications) through the command line into a scratch folder and writes one SHA-256 per file;
the second prints a table of both sets and says which files differ.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bundled_names() -> list[str]:
    """Every scenario under scenarios/ except the shared treaty base, by bundled name."""
    folder = ROOT / "scenarios"
    paths = sorted(folder.rglob("*.toml"))
    return [str(p.relative_to(folder).with_suffix("")) for p in paths if not p.name.startswith("_")]


def digest_file(path: Path) -> str:
    """SHA-256 of a file; a manifest's wall-clock timings are left out, nothing else is."""
    data = path.read_bytes()
    if path.name == "manifest.json":
        manifest = json.loads(data)
        manifest.pop("timings_seconds", None)
        data = json.dumps(manifest, sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()


def digest_folder(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below folder, by relative path."""
    return {
        str(p.relative_to(folder)): digest_file(p) for p in sorted(folder.rglob("*")) if p.is_file()
    }


def run_all(replications: int, jobs: int) -> dict[str, dict[str, str]]:
    """Run every bundled scenario and digest its results folder."""
    sums: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name in bundled_names():
            out = Path(name.replace("/", "-"))  # relative: the manifest records the command
            cmd = [sys.executable, "-m", "simulator", "run", name, "-o", str(out),
                   "--replications", str(replications), "--seed", "7", "--jobs", str(jobs)]
            subprocess.run(cmd, check=True, cwd=scratch, stdout=subprocess.DEVNULL)
            sums[name] = digest_folder(Path(scratch) / out)
            print(f"{name}: {len(sums[name])} files", file=sys.stderr)
    return sums


def diff(before: dict, after: dict) -> int:
    """Print one row per file; return the number of files that differ or are missing."""
    print("| scenario | files | identical | differ |")
    print("|---|---|---|---|")
    bad = 0
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {}), after.get(name, {})
        files = sorted(set(old) | set(new))
        differ = [f for f in files if old.get(f) != new.get(f)]
        bad += len(differ)
        shown = ", ".join(differ) or "-"
        print(f"| {name} | {len(files)} | {len(files) - len(differ)} | {shown} |")
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path)
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--diff", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.diff:
        before, after = (json.loads(p.read_text()) for p in args.diff)
        return 1 if diff(before, after) else 0
    if args.out is None:
        parser.error("give OUT.json or --diff BEFORE AFTER")
    sums = run_all(args.replications, args.jobs)
    args.out.write_text(json.dumps(sums, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
