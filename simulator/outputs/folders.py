"""Results folders on disk: written whole or not at all, locked, never mistaken for a user's.

A results folder (DESIGN section 6) is written into a temporary sibling folder and renamed into
place, so an interrupted run never leaves a folder that looks complete. A marker file lists what
this tool wrote, so ``--force`` replaces only folders it made and nothing a user put there.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from simulator.errors import OpenSkiesError

FILES = (
    "scenario.toml",
    "manifest.json",
    "quotas.csv",
    "missions.csv",
    "coverage.csv",
    "access.csv",
    "sharing.csv",
    "routes.geojson",
    "headline.csv",
    "pairs.csv",
    "summary.json",
    "report.md",
)
MARKER = ".openskies-results"  # marks folders this tool wrote (and may replace with --force)
TEMP_TAG = ".openskies-temporary"  # inside the temporary folders this tool makes, only there


class OutputError(OpenSkiesError):
    """A results folder that cannot be written."""


def lock_path(target: Path) -> Path:
    """The lock file that guards ``target`` (and its checkpoint): ``.NAME.lock`` beside it."""
    return target.with_name(f".{target.name}.lock")


_HELD: dict[Path, int] = {}  # locks this process holds -> nesting depth (locks are re-entrant)


@contextlib.contextmanager
def folder_lock(target: Path) -> Iterator[Path]:
    """Hold the lock of a results folder; refuse at once if another process holds it.

    The lock is an ``flock`` on ``.NAME.lock`` next to the folder: the operating system
    releases it when its process dies, so a killed run never blocks the next one.
    """
    target = Path(target).resolve()
    if target in _HELD:
        _HELD[target] += 1
        try:
            yield target
        finally:
            _HELD[target] -= 1
        return
    path = lock_path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as err:
        raise OutputError(
            f"{err.filename or target.parent}: exists and is not a folder; "
            "choose another folder with -o"
        ) from None
    except OSError as err:
        raise OutputError(
            f"{target.parent}: cannot write here: {err.strerror or err}; "
            "choose another folder with -o"
        ) from None
    fd = _acquire(path, target)
    _HELD[target] = 1
    try:
        yield target
    finally:
        del _HELD[target]
        with contextlib.suppress(OSError):
            os.unlink(path)  # while still locked: the next run creates a fresh file
        os.close(fd)


def _acquire(path: Path, target: Path) -> int:
    """Open and lock ``path``; retry if the file was replaced while we waited for it."""
    while True:
        try:
            # never follow a symlink planted in the lock's place (it would be written through)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as err:
            if err.errno == errno.ELOOP:
                raise OutputError(
                    f"{path}: is a symbolic link, not an openskies lock; remove it or choose "
                    "another folder with -o"
                ) from None
            raise OutputError(
                f"{target.parent}: cannot write here: {err.strerror or err}; "
                "choose another folder with -o"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OutputError(
                    f"{target}: another openskies run is writing this folder (it holds "
                    f"{path.name}); wait for it to finish or choose another folder with -o"
                ) from None
            raise OutputError(f"{path}: cannot lock: {err.strerror or err}") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)  # the holder removed the file as it finished: lock the new one


def check_target(target: Path, force: bool) -> None:
    """Refuse a target that exists and may not be replaced (before any work is done): with
    ``--force`` only a folder whose every entry openskies wrote (its marker lists them)."""
    target = Path(target).resolve()
    if target.parent == target:
        raise OutputError(f"{target}: the root folder cannot be a results folder; choose a "
                          "new folder with -o, e.g. -o results/run")
    here = Path.cwd().resolve() if _cwd_exists() else None
    if here is not None and (here == target or target in here.parents):
        raise OutputError(f"{target}: is the current folder or holds it, and a results folder "
                          "is replaced as a whole; choose a new folder with -o, e.g. -o run1")
    if target.exists() and not target.is_dir():
        raise OutputError(
            f"{target}: exists and is not a folder; choose another results folder with -o"
        )
    if target.exists() and any(target.iterdir()):
        if not force:
            raise OutputError(
                f"{target}: folder exists and is not empty; choose another with -o or "
                "pass --force to replace a results folder written by openskies"
            )
        if not (target / MARKER).is_file():
            raise OutputError(
                f"{target}: not a results folder written by openskies; refusing to replace it "
                "even with --force (files there were not written by this tool)"
            )
        foreign = foreign_entries(target)
        if foreign:
            shown = ", ".join(foreign[:3]) + (
                f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            raise OutputError(
                f"{target}: --force would delete {shown}, which openskies did not write; move "
                "them away or choose another folder with -o"
            )


def _cwd_exists() -> bool:
    try:
        Path.cwd()
    except OSError:
        return False
    return True


def _entries(folder: Path) -> list[str]:
    """Every file and folder under ``folder``, relative, sorted (symlinks not followed)."""
    out = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        rel = Path(root).relative_to(folder)
        out += [(rel / d).as_posix() for d in dirs] + [(rel / f).as_posix() for f in files]
    return sorted(out)


def write_marker(folder: Path) -> None:
    """The marker of a folder openskies wrote: the list of every entry in it."""
    entries = [e for e in _entries(folder) if e != MARKER]
    (folder / MARKER).write_text(
        json.dumps({"written_by": "openskies", "entries": entries}, indent=0) + "\n",
        encoding="utf-8")


def foreign_entries(folder: Path) -> list[str]:
    """Entries of a results folder that its marker does not list (a user's notes, another
    run's folder moved inside); everything but the marker if it lists nothing."""
    try:
        listed = set(json.loads((folder / MARKER).read_text(encoding="utf-8"))["entries"])
    except (OSError, ValueError, KeyError, TypeError):
        # a marker of an earlier version lists nothing: its own files and figures only
        return [e for e in _entries(folder) if e != MARKER and not _legacy_entry(e)]
    return [e for e in _entries(folder) if e != MARKER and e not in listed]


def _legacy_entry(entry: str) -> bool:
    parts = entry.split("/")
    if len(parts) == 1:
        return parts[0] in (*FILES, "figures", "validation.csv", "cumulative.csv")
    return len(parts) == 2 and parts[0] == "figures" and parts[1].endswith(".png")


def _clean_leftovers(target: Path) -> None:
    """Under the lock: remove temporary folders a killed run left, restore a half-swapped one.
    Only folders this tool made are touched: each carries ``TEMP_TAG`` inside."""
    pattern = f".{glob_escape(target.name)}.*"
    olds = sorted(p for p in target.parent.glob(pattern + ".old")
                  if p.is_dir() and not p.is_symlink() and (p / TEMP_TAG).is_file())
    if olds and not target.exists():
        os.replace(olds[-1], target)  # killed between the two renames: put it back
        with contextlib.suppress(OSError):
            (target / TEMP_TAG).unlink()
        olds = olds[:-1]
    for stale in [*target.parent.glob(pattern + ".partial"), *olds]:
        if stale.is_dir() and not stale.is_symlink() and (stale / TEMP_TAG).is_file():
            shutil.rmtree(stale, ignore_errors=True)


def glob_escape(name: str) -> str:
    """``name`` with glob metacharacters escaped."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


@contextlib.contextmanager
def atomic_folder(target: Path, force: bool) -> Iterator[Path]:
    """Yield a temporary sibling of ``target`` to fill; rename it into place on success.

    An existing non-empty ``target`` is refused unless ``force``, and even then only if it
    carries the marker of a folder openskies wrote. The folder's lock is held throughout, so
    two runs never write the same folder. On any failure (or an interrupt) the temporary
    folder is removed and ``target`` is left as it was.
    """
    target = Path(target).resolve()
    with folder_lock(target):
        _clean_leftovers(target)
        check_target(target, force)
        parent = target.parent
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=parent))
            tmp.chmod(0o755)
            (tmp / TEMP_TAG).write_text("openskies temporary folder\n", encoding="utf-8")
        except OSError as err:
            raise OutputError(
                f"{parent}: cannot write here: {err.strerror or err}; choose another folder with -o"
            ) from None
        try:
            yield tmp
            (tmp / TEMP_TAG).unlink()
            write_marker(tmp)
            _swap(tmp, target)
        except OSError as err:
            shutil.rmtree(tmp, ignore_errors=True)
            hint = (
                "free some space and run again"
                if err.errno in (errno.ENOSPC, errno.EDQUOT)
                else "check the folder's permissions or choose another with -o"
            )
            raise OutputError(
                f"{target}: could not write results: {err.strerror or err}; nothing was "
                f"changed there ({hint})"
            ) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _swap(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` to ``target``, replacing an old folder; put the old one back on failure.
    The old folder is first renamed to a fresh, tagged ``.NAME.XXXX.old`` (never a name a user
    may have chosen)."""
    if not target.exists():
        os.replace(tmp, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.rmdir(old)  # the unique name is reserved by us; the rename needs it free
    (target / TEMP_TAG).write_text("openskies: being replaced\n", encoding="utf-8")
    os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        if not target.exists():
            os.replace(old, target)
            with contextlib.suppress(OSError):
                (target / TEMP_TAG).unlink()
        raise
    shutil.rmtree(old, ignore_errors=True)
