"""Scenario files in: TOML read safely, ``extends`` merged, ``--set`` applied, then validated.

A scenario file may say ``extends = "other.toml"`` (a path relative to it) or a bundled
scenario's name (``extends = "baseline-2019"``, from any folder); a dict scenario may too. The
base is merged under the file: tables merge key by key, anything else (values, arrays, arrays of
tables) replaces. ``--set KEY=VALUE`` overrides work the same way on the merged document. Every
problem is reported at once, as ``file: key.path: message``, through
:class:`~simulator.scenario.schema.ScenarioError`; nothing here raises anything else for bad
input.
"""

from __future__ import annotations

import copy
import dataclasses
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulator.engine.operations import merge
from simulator.scenario.assumptions import assumptions
from simulator.scenario.bundled import bundled_scenarios
from simulator.scenario.checks import brief, pydantic_problems, semantic_problems
from simulator.scenario.schema import (
    MAX_DEPTH,
    MAX_EXTENDS,
    MAX_FILE_BYTES,
    Scenario,
    ScenarioError,
    ScenarioModel,
)


def _too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether tables and arrays nest deeper than ``limit`` (checked without deep recursion)."""
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, Mapping):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return False


def parse_toml(text: str, shown: str) -> dict[str, Any]:
    """``tomllib.loads`` with every failure turned into a ScenarioError naming ``shown``."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{shown}: invalid TOML: {err}") from None
    except RecursionError:
        raise ScenarioError(
            f"{shown}: invalid TOML: arrays or tables nested too deeply (at most {MAX_DEPTH})"
        ) from None
    except ValueError as err:  # e.g. a time-zone offset that datetime rejects
        raise ScenarioError(f"{shown}: invalid TOML: {err}") from None
    if _too_deep(doc):
        raise ScenarioError(
            f"{shown}: arrays or tables nested too deeply (at most {MAX_DEPTH} levels)"
        )
    return doc


def _read_text(path: Path, shown: str, where: str) -> str:
    """The UTF-8 text of a regular, reasonably small file."""
    what = shown if where == shown else f"{where} {brief(shown)}"
    try:
        if not path.exists():
            raise ScenarioError(f"{where}: file not found: {shown}")
        if path.is_dir():
            raise ScenarioError(f"{what}: is a directory, not a scenario file")
        if not path.is_file():
            raise ScenarioError(f"{what}: not a regular file")
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise ScenarioError(
            f"{what}: cannot read: {err.strerror or err}; check that the file exists and "
            "that you may read it"
        ) from None
    except ValueError as err:  # an embedded NUL byte in the name
        raise ScenarioError(f"{where}: not a usable file name ({err})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(f"{shown}: too large for a scenario file (over {MAX_FILE_BYTES} bytes)")
    try:
        return raw.decode("utf-8-sig")  # a byte-order mark some editors write is not TOML
    except UnicodeDecodeError:
        raise ScenarioError(f"{shown}: not a text file (expected UTF-8 TOML)") from None


def extends_path(parent: str, folder: Path, shown: str) -> Path:
    """The file ``extends`` names: a path relative to ``folder``, or else a bundled scenario's
    name (``extends = "baseline-2019"`` works from any folder)."""
    try:
        candidate = (folder / parent).resolve()
    except (OSError, ValueError, RuntimeError) as err:
        raise ScenarioError(
            f"{shown}: extends: not a usable file name {brief(parent)} ({err})"
        ) from None
    try:
        present = candidate.exists()
    except OSError:  # e.g. a name too long for the system: the reader reports it
        present = True
    if not present:
        bundled = bundled_scenarios()
        name = parent.removesuffix(".toml")
        if name in bundled:
            return bundled[name].resolve()
    return candidate


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # e.g. a name too long for the system: the reader reports it
        return True


def _read(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    """Read a file and everything it extends; raise ScenarioError naming the file."""
    shown = str(path)
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ScenarioError(f"{chain[-1]}: extends: cyclic extends ({cycle})")
    if len(chain) > MAX_EXTENDS:
        raise ScenarioError(
            f"{chain[-1]}: extends: more than {MAX_EXTENDS} files extend each other"
        )
    where = f"{chain[-1]}: extends" if chain else shown
    doc = parse_toml(_read_text(path, shown, where), shown)
    parent = doc.get("extends")
    if parent is None:
        return doc
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(f"{shown}: extends: must be a file name, got {brief(parent)}")
    base_path = extends_path(parent, path.parent, shown)
    base = _read(base_path, (*chain, path))
    return merge(base, {k: v for k, v in doc.items() if k != "extends"})


def parse_override(text: str) -> tuple[list[str], Any]:
    """``KEY=VALUE`` with a dotted key; the value is read as TOML, else taken as a string."""
    shown = f"--set {text if text.isprintable() else repr(text)}"
    if "=" not in text:
        raise ScenarioError(f"{shown}: expected KEY=VALUE, e.g. --set run.replications=10")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ScenarioError(f"{shown}: not valid UTF-8 text") from None
    key, _, value = text.partition("=")
    path = [p.strip() for p in key.strip().split(".")]
    if not all(path):
        raise ScenarioError(f"{shown}: empty part in key {key!r}")
    try:
        parsed = parse_toml(f"v = {value.strip()}", shown)["v"]
    except ScenarioError as err:
        if "nested too deeply" in str(err):
            raise
        parsed = value.strip()
    except KeyError:  # the value ended the line and started another key or table
        parsed = value.strip()
    return path, parsed


def apply_overrides(doc: Mapping[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """The document with every ``--set`` applied."""
    out = copy.deepcopy(dict(doc))
    for text in overrides:
        path, value = parse_override(text)
        node = out
        for part in path[:-1]:
            nxt = node.get(part)
            if not isinstance(nxt, dict):
                nxt = {}
                node[part] = nxt
            node = nxt
        node[path[-1]] = value
    return out


def load_scenario(
    source: str | Path | Mapping[str, Any], overrides: Sequence[str] = ()
) -> Scenario:
    """Read, merge, override and validate a scenario: a file, a bundled scenario's name (when no
    such file exists) or a dict (which may say ``extends`` too)."""
    if isinstance(source, Mapping):
        shown, doc = "<dict>", copy.deepcopy(dict(source))
        parent = doc.pop("extends", None)
        if parent is not None:
            if not isinstance(parent, str) or not parent.strip():
                raise ScenarioError(f"{shown}: extends: must be a file or bundled name, got "
                                    f"{brief(parent)}")
            doc = merge(_read(extends_path(parent, Path.cwd(), shown), ()), doc)
    else:
        shown = str(source)
        try:
            path = Path(source).resolve()
        except (OSError, ValueError, RuntimeError) as err:
            raise ScenarioError(f"{shown}: not a usable file name ({err})") from None
        path = extends_path(shown, Path.cwd(), shown) if not _exists(path) else path
        doc = _read(path, ())
        doc.pop("extends", None)
    doc = apply_overrides(doc, overrides)
    if overrides and _too_deep(doc):
        raise ScenarioError(f"{shown}: --set: values nested too deeply (at most {MAX_DEPTH})")
    doc.setdefault("name", Path(shown).stem if shown != "<dict>" else "scenario")
    try:
        model = ScenarioModel.model_validate(doc)
    except ValidationError as err:
        raise ScenarioError([f"{shown}: {p}" for p in pydantic_problems(err, doc)]) from None
    problems = [f"{shown}: {p}" for p in semantic_problems(model)]
    if problems:
        raise ScenarioError(problems)
    return Scenario(model.name, shown, doc, model, tuple(assumptions(model)), tuple(overrides))


def with_overrides(sc: Scenario, overrides: Sequence[str]) -> Scenario:
    """``sc`` with more ``--set``-style overrides, keeping its source and recording them."""
    if not overrides:
        return sc
    again = load_scenario(dict(sc.document), tuple(overrides))
    return dataclasses.replace(again, source=sc.source, overrides=(*sc.overrides, *overrides))
