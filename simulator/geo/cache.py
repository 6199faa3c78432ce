"""The on-disk cache of rasterised masks: where it lives and how files are written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import platformdirs

CACHE_ENV_VAR = "OPENSKIES_CACHE_DIR"


def cache_dir() -> Path:
    """The cache root: ``$OPENSKIES_CACHE_DIR`` if set, else the user's cache directory."""
    override = os.environ.get(CACHE_ENV_VAR)
    root = Path(override) if override else Path(platformdirs.user_cache_dir("openskies"))
    return root


def save_npz_atomic(path: Path, **arrays: np.ndarray) -> None:
    """Write arrays to ``path`` as .npz via a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_npz(path: Path) -> dict[str, np.ndarray] | None:
    """Read an .npz written by :func:`save_npz_atomic`; None if missing or unreadable."""
    try:
        with np.load(path) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, KeyError):
        return None
