"""The on-disk cache (masks, country shapes, route libraries, boundary trees, leg footprints,
stop budgets): where it lives, how files are written, and how big it may grow.

Every entry can be rebuilt, so the cache is kept under a size (``$OPENSKIES_CACHE_MAX_MB``,
default :data:`DEFAULT_MAX_MB`): once a write takes it over, the entries used least recently
(reading one refreshes its modification time) are deleted until it is under three quarters of
that. A run's results never depend on what the cache holds.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import platformdirs

CACHE_ENV_VAR = "OPENSKIES_CACHE_DIR"
NO_CACHE_ENV_VAR = "OPENSKIES_NO_CACHE"  # set (to 1) when the cache folder is not usable
MAX_MB_ENV_VAR = "OPENSKIES_CACHE_MAX_MB"
DEFAULT_MAX_MB = 2048.0
KEEP_SHARE = 0.75  # pruning stops under this share of the limit (so it does not run each write)


def cache_dir() -> Path:
    """The cache root: ``$OPENSKIES_CACHE_DIR`` if set, else the user's cache directory."""
    override = os.environ.get(CACHE_ENV_VAR)
    root = Path(override) if override else Path(platformdirs.user_cache_dir("openskies"))
    return root


def cache_problem() -> str | None:
    """Why the cache folder cannot be used (None if it can): tried by writing a file there."""
    root = cache_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=root, prefix=".probe.")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        return f"{root}: {err.strerror or err}"
    return None


def disable_cache() -> None:
    """Compute masks without the disk cache, in this process and the workers it starts."""
    os.environ[NO_CACHE_ENV_VAR] = "1"


def save_npz_atomic(path: Path, **arrays: np.ndarray) -> None:
    """Write arrays to ``path`` as .npz via a temporary file and an atomic rename; a cache
    that cannot be written is skipped (the caller has the arrays)."""
    _write_atomic(path, lambda fh: np.savez(fh, **arrays))


def save_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as :func:`save_npz_atomic` writes arrays."""
    _write_atomic(path, lambda fh: fh.write(data))


def _write_atomic(path: Path, write: Callable[[BinaryIO], object]) -> None:
    if os.environ.get(NO_CACHE_ENV_VAR):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
        _account(path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)  # e.g. the disk is full: the caller has the data
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_npz(path: Path) -> dict[str, np.ndarray] | None:
    """Read an .npz written by :func:`save_npz_atomic`; None if missing or unreadable."""
    if os.environ.get(NO_CACHE_ENV_VAR):
        return None
    try:
        with np.load(path) as data:
            found = {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, KeyError):
        return None
    _used(path)
    return found


def load_bytes(path: Path) -> bytes | None:
    """The bytes of a file written by :func:`save_bytes_atomic`; None if missing or unreadable."""
    if os.environ.get(NO_CACHE_ENV_VAR):
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    _used(path)
    return data


def max_bytes() -> float:
    """The size the cache is kept under (``$OPENSKIES_CACHE_MAX_MB``; a bad value: default)."""
    try:
        mb = float(os.environ.get(MAX_MB_ENV_VAR, DEFAULT_MAX_MB))
    except ValueError:
        mb = DEFAULT_MAX_MB
    return (mb if mb > 0 else DEFAULT_MAX_MB) * 1e6


def prune(root: Path, limit: float, keep: Path | None = None) -> float:
    """Delete the least recently used files under ``root`` (never ``keep``) until they take
    less than ``KEEP_SHARE`` of ``limit`` bytes, if they take more than ``limit``; return
    the bytes left."""
    files = []
    for path in root.rglob("*"):
        try:
            st = path.stat()
        except OSError:
            continue  # deleted meanwhile (another process pruning)
        if path.is_file() and not path.name.startswith(".probe."):
            files.append((st.st_mtime, str(path), st.st_size))
    total = float(sum(size for _, _, size in files))
    if total <= limit:
        return total
    for _, name, size in sorted(files):
        if total < KEEP_SHARE * limit:
            break
        if keep is not None and name == str(keep):
            continue
        Path(name).unlink(missing_ok=True)
        total -= size
    return total


_written: dict[str, float] = {}  # per cache root: its size when last measured, plus writes since


def _account(path: Path) -> None:
    """Count a written file against the limit; measure and prune when it may be exceeded."""
    root = cache_dir()
    key = str(root)
    try:
        size = path.stat().st_size
    except OSError:
        return
    limit = max_bytes()
    if key not in _written:
        _written[key] = prune(root, limit, keep=path)
        return
    _written[key] += size
    if _written[key] > limit:
        _written[key] = prune(root, limit, keep=path)


def _used(path: Path) -> None:
    """Mark an entry as used now (least recently used entries go first)."""
    with contextlib.suppress(OSError):  # a read-only cache still serves
        os.utime(path)
