"""The bundled scenarios: the ``scenarios/`` folder and its files by name."""

from __future__ import annotations

from pathlib import Path


def bundled_dir() -> Path | None:
    """The bundled ``scenarios/`` folder (current directory first, then the source tree)."""
    for candidate in (Path.cwd() / "scenarios", Path(__file__).resolve().parents[2] / "scenarios"):
        if candidate.is_dir():
            return candidate
    return None


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenario files by name (``counterfactual/us-stays`` for sub-folders)."""
    root = bundled_dir()
    if root is None:
        return {}
    return {
        p.relative_to(root).with_suffix("").as_posix(): p
        for p in sorted(root.rglob("*.toml"))
        if not p.name.startswith("_")
    }


__all__ = ["bundled_dir", "bundled_scenarios"]
