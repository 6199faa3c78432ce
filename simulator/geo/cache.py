"""The on-disk cache (masks, country shapes, route libraries, boundary trees): where it lives
and how files are written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import platformdirs

CACHE_ENV_VAR = "OPENSKIES_CACHE_DIR"
NO_CACHE_ENV_VAR = "OPENSKIES_NO_CACHE"  # set (to 1) when the cache folder is not usable


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
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, KeyError):
        return None


def load_bytes(path: Path) -> bytes | None:
    """The bytes of a file written by :func:`save_bytes_atomic`; None if missing or unreadable."""
    if os.environ.get(NO_CACHE_ENV_VAR):
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None
