"""What an experiment varies: a sweep's ``KEY=V1,V2`` and a sensitivity analysis's
``KEY=LOW:HIGH``, checked against the scenario before anything runs.

Every varied key is a scenario key, exactly as ``--set`` takes it, and each value is read as TOML.
A sensitivity parameter maps SALib's continuous samples to scenario values by a documented
encoding (``docs/scenarios.md``, "Experiments"):

* a number key (float): the sample itself, within ``[LOW, HIGH]``;
* a whole-number key: the sample rounded to the nearest integer (``LOW`` and ``HIGH`` whole);
* a key with listed values, ``KEY=A|B|C`` (booleans and text, e.g. ``rules.nato_practice=
  true|false``): the range ``[0, n)`` split into ``n`` equal parts, one per value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.engine.operations import default_operations_dict, merge
from simulator.errors import OpenSkiesError
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario, ScenarioError


class ExperimentError(OpenSkiesError):
    """A bad experiment definition: one line naming the flag and the problem."""


def split_values(text: str) -> list[str]:
    """Split ``V1,V2,...`` at top-level commas (not inside brackets, braces or quotes)."""
    out, depth, quote, current = [], 0, "", []
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    out.append("".join(current).strip())
    return out


def value_at(sc: Scenario, key: str) -> Any:
    """The resolved value of a dotted scenario key (operations keys from their defaults when the
    scenario does not set them); raises KeyError when there is none."""
    parts = key.split(".")
    if parts[0] == "operations":
        node: Any = merge(default_operations_dict(), sc.model.operations)
        parts = parts[1:]
    else:
        node = sc.model
    for part in parts:
        if isinstance(node, dict):
            node = node[part]
        elif hasattr(node, part):
            node = getattr(node, part)
        else:
            raise KeyError(key)
    return node


def _reason(err: ScenarioError) -> str:
    """A scenario error's message without the file it names (the flag names the input)."""
    first = str(err).splitlines()[0]
    return first.split(": ", 1)[1] if first.startswith(("/", "<")) or ".toml:" in first else first


def check_overrides(sc: Scenario, flag: str, text: str, overrides: Sequence[str]) -> None:
    """Refuse, naming ``flag``, overrides the scenario's schema rejects (and ``run`` keys:
    the experiment's own options set the replications and the seed)."""
    for o in overrides:
        if o.strip().startswith(("run.", "run=")):
            raise ExperimentError(f"{flag} {text}: the run table is set by the experiment's "
                                  "--replications and --seed, not varied")
    try:
        load_scenario(dict(sc.document), tuple(overrides))
    except ScenarioError as err:
        raise ExperimentError(f"{flag} {text}: {_reason(err)}") from None


def _key_and_spec(flag: str, text: str, form: str, example: str) -> tuple[str, str]:
    """``KEY=SPEC`` split and stripped; refused, naming the flag, without ``=``."""
    if "=" not in text:
        raise ExperimentError(f"{flag} {text}: expected {form}, e.g. {flag} {example}")
    key, _, spec = text.partition("=")
    return key.strip(), spec.strip()


@dataclass(frozen=True)
class Varied:
    """A sweep's key and its values, as TOML texts."""

    key: str
    values: tuple[str, ...]


def parse_vary(sc: Scenario, text: str) -> Varied:
    """``KEY=V1,V2[,...]``, each value checked against the scenario's schema."""
    flag = "--vary"
    key, values = _key_and_spec(flag, text, "KEY=V1,V2", "rules.nato_practice=true,false")
    items = split_values(values)
    if not key or not all(items):
        raise ExperimentError(f"{flag} {text}: expected KEY=V1,V2 with no empty value")
    if len(set(items)) != len(items):
        raise ExperimentError(f"{flag} {text}: a value is listed twice")
    for v in items:
        check_overrides(sc, flag, text, [f"{key}={v}"])
    return Varied(key, tuple(items))


@dataclass(frozen=True)
class Param:
    """A sensitivity parameter: a scenario key and the range SALib samples (see module doc)."""

    key: str
    kind: str  # "float", "int" or "choice"
    low: float
    high: float
    choices: tuple[str, ...] = ()

    @property
    def bounds(self) -> list[float]:
        return [0.0, float(len(self.choices))] if self.kind == "choice" else [self.low, self.high]

    def value(self, x: float) -> str:
        """The scenario value (TOML text) of a sample ``x``."""
        if self.kind == "choice":
            return self.choices[min(max(math.floor(x), 0), len(self.choices) - 1)]
        if self.kind == "int":
            return str(int(min(max(round(x), self.low), self.high)))
        return repr(float(min(max(x, self.low), self.high)))


def parse_param(sc: Scenario, text: str) -> Param:
    """``KEY=LOW:HIGH`` for a number key, or ``KEY=A|B[|...]`` for listed values."""
    flag = "--param"
    key, spec = _key_and_spec(flag, text, "KEY=LOW:HIGH", "operations.planning.use_share=0.6:1.0")
    if "|" in spec:
        choices = tuple(c.strip() for c in spec.split("|"))
        if len(choices) < 2 or not all(choices) or len(set(choices)) != len(choices):
            raise ExperimentError(f"{flag} {text}: list two or more different values, "
                                  "e.g. true|false")
        for c in choices:
            check_overrides(sc, flag, text, [f"{key}={c}"])
        return Param(key, "choice", 0.0, float(len(choices)), choices)
    if ":" not in spec:
        raise ExperimentError(f"{flag} {text}: expected KEY=LOW:HIGH (a range) or KEY=A|B "
                              "(listed values)")
    low_text, _, high_text = spec.partition(":")
    low, high = _number(flag, text, low_text), _number(flag, text, high_text)
    check_overrides(sc, flag, text, [f"{key}={low_text.strip()}"])  # an unknown key, say
    try:
        current = value_at(sc, key)
    except KeyError:
        current = None
    if current is not None and (isinstance(current, bool) or
                                not isinstance(current, int | float)):
        what = "a boolean" if isinstance(current, bool) else "not a single number"
        raise ExperimentError(f"{flag} {text}: {key} is {what}; a range needs a number key "
                              "(list values instead, e.g. KEY=true|false, or use sweep --vary)")
    if not low < high:
        raise ExperimentError(f"{flag} {text}: LOW must be less than HIGH")
    # a whole-number key with whole bounds is sampled as whole numbers; with fractional bounds,
    # or a key the scenario leaves unset (an entry of a table), as numbers if the schema takes
    # them (checked at both bounds below)
    kind = "int" if isinstance(current, int) and low == int(low) and high == int(high) \
        else "float"
    for bound in (low, high):
        shown = str(int(bound)) if kind == "int" else repr(bound)
        check_overrides(sc, flag, text, [f"{key}={shown}"])
    return Param(key, kind, low, high)


def _number(flag: str, text: str, part: str) -> float:
    try:
        value = float(part)
    except ValueError:
        raise ExperimentError(f"{flag} {text}: {part.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ExperimentError(f"{flag} {text}: {part.strip()!r} is not a finite number")
    return value


def toml_text(value: Any) -> str:
    """A Python value as TOML text (strings quoted), or a TOML text as given."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    return text if text[:1] in "\"'[{" or text in ("true", "false") else f'"{text}"'


def range_text(spec: Any) -> str:
    """``(low, high)`` as ``LOW:HIGH``; a list of values as ``A|B``."""
    if isinstance(spec, str):
        return spec
    values = list(spec)
    if len(values) == 2 and all(isinstance(v, int | float) and not isinstance(v, bool)
                                for v in values):
        return f"{values[0]!r}:{values[1]!r}"
    return "|".join(toml_text(v) for v in values)


def params_from(sc: Scenario, params: Mapping[str, Any]) -> list[Param]:
    """Parameters from Python: key -> ``(low, high)`` or a list of values (see module doc)."""
    return [parse_param(sc, f"{k}={range_text(v)}") for k, v in params.items()]
