"""Scenario documents out as TOML, through tomli-w (the resolved ``scenario.toml`` of a run)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import tomli_w


def _strip_none(value: Any) -> Any:
    """The document without absent (None) values, which TOML cannot hold."""
    if isinstance(value, Mapping):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_strip_none(v) for v in value]
    return value


def to_toml(document: Mapping[str, Any]) -> str:
    """A scenario document as TOML text that ``tomllib`` reads back to the same document."""
    return tomli_w.dumps(_strip_none(dict(document)))
