"""Scenario files: TOML in, validated at the boundary with pydantic, frozen plain data out.

A scenario file may ``extends = "other.toml"`` (a path relative to it) and override a few keys;
tables merge key by key, everything else replaces. ``--set KEY=VALUE`` overrides work the same
way on the merged document. Every problem is reported at once, as ``file: key.path: message``,
through :class:`ScenarioError`; nothing here raises anything else for bad input.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from simulator.engine.operations import merge
from simulator.errors import OpenSkiesError

MAX_YEAR = 2100
MIN_YEAR = 2002  # Art. XVII para 2: the treaty entered into force on 1 Jan 2002
MAX_REPLICATIONS = 10_000


class ScenarioError(OpenSkiesError):
    """Bad scenario input; ``problems`` lists every ``file: key.path: message``."""

    def __init__(self, problems: Sequence[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))

    def __reduce__(self):
        return (type(self), (self.problems,))


# ----------------------------------------------------------------- the schema
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Period(_Model):
    start: int = Field(ge=MIN_YEAR, le=MAX_YEAR, description="first simulated year")
    end: int = Field(ge=MIN_YEAR, le=MAX_YEAR, description="last simulated year (inclusive)")

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class RunOptions(_Model):
    seed: int = Field(default=20020101, ge=0, lt=2**63)
    replications: int = Field(default=1, ge=1, le=MAX_REPLICATIONS)


class StateChange(_Model):
    entry_into_force: dt.date | None = None
    withdrawal_effective: dt.date | None = None
    nato_member_since: dt.date | None = None
    stays: bool = Field(default=False, description="never withdraws (clears withdrawal_effective)")


class GroupChange(_Model):
    end: dt.date | None = None
    persists: bool = Field(default=False, description="the group never ends")


class Membership(_Model):
    states: dict[str, StateChange] = Field(default_factory=dict)
    groups: dict[str, GroupChange] = Field(default_factory=dict)
    passive_quotas: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _positive_quotas(self) -> Membership:
        bad = [k for k, v in self.passive_quotas.items() if v < 0]
        if bad:
            raise ValueError(f"passive quotas must be >= 0: {', '.join(sorted(bad))}")
        return self


class RefusalSpec(_Model):
    observed: str
    observer: str
    start: dt.date
    end: dt.date | None = None
    mutual: bool = True
    source: str = ""


class TransferSpec(_Model):
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    donor: str
    recipient: str
    flights: int = Field(ge=1)


class Rules(_Model):
    nato_practice: bool = True
    fifty_percent_rule: Literal["off", "transfers", "always"] = "transfers"
    shared_flight_charge: Literal["each", "lead"] = "each"
    deadlock_years: list[int] = Field(default_factory=list)
    no_agreement: dict[str, list[str]] = Field(default_factory=dict)
    refusals: list[RefusalSpec] = Field(default_factory=list)
    transfers: list[TransferSpec] = Field(default_factory=list)


class RequestRow(_Model):
    observer: str
    observed: str
    flights: int = Field(ge=0)
    shared_with: list[str] = Field(default_factory=list)
    year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)


class Requests(_Model):
    model: Literal["historical", "interest", "explicit"] = "historical"
    utilisation: float = Field(default=1.0, ge=0.0, le=1.0)
    table: list[RequestRow] = Field(default_factory=list)


class RestrictionSpec(_Model):
    name: str
    kind: Literal["distance_cap", "no_fly"]
    state: str
    region: Literal["kaliningrad", "hawaii", "abkhazia_south_ossetia_border"] | None = None
    bbox: tuple[float, float, float, float] | None = None
    polygon: list[tuple[float, float]] | None = None
    max_km: float | None = Field(default=None, ge=0)
    buffer_km: float = Field(default=0.0, ge=0)
    start: dt.date | None = None
    end: dt.date | None = None
    source: str = ""

    @model_validator(mode="after")
    def _shape(self) -> RestrictionSpec:
        given = [x for x in (self.region, self.bbox, self.polygon) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of region, bbox or polygon")
        if self.kind == "distance_cap" and self.max_km is None:
            raise ValueError("a distance_cap needs max_km")
        return self


class Geometry(_Model):
    enabled: bool = True
    resolution_km: float = Field(default=25.0, gt=0.5, le=200.0)


class Sharing(_Model):
    policy: Literal["none", "treaty", "allies"] = "treaty"
    recipients: list[str] = Field(default_factory=list)


class ScenarioModel(_Model):
    name: str = ""
    description: str = ""
    extends: str | None = None
    period: Period
    run: RunOptions = Field(default_factory=RunOptions)
    membership: Membership = Field(default_factory=Membership)
    rules: Rules = Field(default_factory=Rules)
    requests: Requests = Field(default_factory=Requests)
    restrictions: list[RestrictionSpec] = Field(default_factory=list)
    operations: dict[str, Any] = Field(default_factory=dict)
    geometry: Geometry = Field(default_factory=Geometry)
    sharing: Sharing = Field(default_factory=Sharing)


# ----------------------------------------------------------- the frozen result
@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the merged document and its typed model."""

    name: str
    source: str  # the file it came from, or "<dict>"
    document: Mapping[str, Any]  # resolved (extends merged, overrides applied)
    model: ScenarioModel
    assumptions: tuple[str, ...] = field(default=())

    @property
    def years(self) -> tuple[int, ...]:
        """The simulated years."""
        return tuple(range(self.model.period.start, self.model.period.end + 1))

    def to_toml(self) -> str:
        """The resolved scenario as TOML (written to ``scenario.toml`` in results)."""
        return dumps_toml(_strip_none(dict(self.document)))


# ---------------------------------------------------------------- loading
def _read(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    """Read a file and everything it extends; raise ScenarioError naming the file."""
    shown = str(path)
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ScenarioError(f"{shown}: extends: cyclic extends ({cycle})")
    if not path.exists():
        where = f"{chain[-1]}: extends" if chain else shown
        raise ScenarioError(f"{where}: file not found: {shown}")
    if path.is_dir():
        raise ScenarioError(f"{shown}: is a directory, not a scenario file")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ScenarioError(f"{shown}: cannot read: {err.strerror or err}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{shown}: not a text file (expected UTF-8 TOML)") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{shown}: invalid TOML: {err}") from None
    parent = doc.get("extends")
    if parent is None:
        return doc
    if not isinstance(parent, str) or not parent:
        raise ScenarioError(f"{shown}: extends: must be a file name, got {parent!r}")
    base = _read((path.parent / parent).resolve(), (*chain, path))
    return merge(base, {k: v for k, v in doc.items() if k != "extends"})


def parse_override(text: str) -> tuple[list[str], Any]:
    """``KEY=VALUE`` with a dotted key; the value is read as TOML, else taken as a string."""
    if "=" not in text:
        raise ScenarioError(f"--set {text}: expected KEY=VALUE, e.g. --set run.replications=10")
    key, _, value = text.partition("=")
    path = [p.strip() for p in key.strip().split(".")]
    if not all(path):
        raise ScenarioError(f"--set {text}: empty part in key {key!r}")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
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
    """Read, merge, override and validate a scenario file or dict."""
    if isinstance(source, Mapping):
        shown, doc = "<dict>", copy.deepcopy(dict(source))
        if doc.get("extends"):
            raise ScenarioError(f"{shown}: extends: only scenario files can extend others")
    else:
        path = Path(source)
        shown = str(source)
        doc = _read(path.resolve(), ())
        doc.pop("extends", None)
    doc = apply_overrides(doc, overrides)
    doc.setdefault("name", Path(shown).stem if shown != "<dict>" else "scenario")
    try:
        model = ScenarioModel.model_validate(doc)
    except ValidationError as err:
        raise ScenarioError([f"{shown}: {p}" for p in _pydantic_problems(err, doc)]) from None
    problems = [f"{shown}: {p}" for p in _semantic_problems(model)]
    if problems:
        raise ScenarioError(problems)
    return Scenario(model.name, shown, doc, model, tuple(_assumptions(model)))


def _pydantic_problems(err: ValidationError, doc: Mapping[str, Any]) -> list[str]:
    out = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            parent_loc, name = e["loc"][:-1], str(e["loc"][-1])
            fields = _fields_at(parent_loc)
            close = difflib.get_close_matches(name, fields, n=1, cutoff=0.6)
            msg = f"unknown key {name!r}" + (f"; did you mean {close[0]!r}?" if close else "")
            if fields:
                msg += f" (valid keys: {', '.join(sorted(fields))})"
        elif e["type"] == "missing":
            msg = "required key is missing"
        else:
            msg = f"{msg} (got {_short(e.get('input'))})"
        out.append(f"{loc}: {msg}")
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_at(loc: Sequence[Any]) -> list[str]:
    """Field names of the model reached by ``loc`` (for unknown-key suggestions)."""
    model: Any = ScenarioModel
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        info = model.model_fields.get(str(part)) if hasattr(model, "model_fields") else None
        if info is None:
            # a dict of models (membership.states.USA): stay on the value type
            continue
        model = _inner_model(info.annotation)
    return list(model.model_fields) if hasattr(model, "model_fields") else []


def _inner_model(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", ())
    for arg in (annotation, *args):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        inner = _inner_model(arg) if getattr(arg, "__args__", ()) else None
        if inner is not None:
            return inner
    return None


def _semantic_problems(model: ScenarioModel) -> list[str]:
    """State codes, years and references that pydantic cannot check alone."""
    from simulator.treaty import load_registry

    reg = load_registry()
    states, holders = set(reg.state_codes), set(reg.holder_codes)
    out: list[str] = []

    def code(value: str, where: str, valid: set[str]) -> None:
        if value not in valid:
            close = difflib.get_close_matches(value.upper(), sorted(valid), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            out.append(f"{where}: unknown state code {value!r}{hint}")

    for c in model.membership.states:
        code(c, f"membership.states.{c}", states)
    for g in model.membership.groups:
        code(g, f"membership.groups.{g}", {gr.id for gr in reg.tables.groups})
    for h in model.membership.passive_quotas:
        code(h, f"membership.passive_quotas.{h}", holders)
    for i, r in enumerate(model.rules.refusals):
        code(r.observed, f"rules.refusals.{i}.observed", states)
        code(r.observer, f"rules.refusals.{i}.observer", states)
    for i, t in enumerate(model.rules.transfers):
        code(t.donor, f"rules.transfers.{i}.donor", holders)
        code(t.recipient, f"rules.transfers.{i}.recipient", holders)
    for year, codes in model.rules.no_agreement.items():
        if not year.isdigit() or not MIN_YEAR <= int(year) <= MAX_YEAR:
            out.append(f"rules.no_agreement.{year}: not a year")
        for c in codes:
            code(c, f"rules.no_agreement.{year}", holders)
    for y in model.rules.deadlock_years:
        if not MIN_YEAR <= y <= MAX_YEAR:
            out.append(f"rules.deadlock_years: {y} is not a year between {MIN_YEAR} and {MAX_YEAR}")
    for i, row in enumerate(model.requests.table):
        code(row.observer, f"requests.table.{i}.observer", holders)
        code(row.observed, f"requests.table.{i}.observed", holders)
        for c in row.shared_with:
            code(c, f"requests.table.{i}.shared_with", holders)
    if model.requests.model == "explicit" and not model.requests.table:
        out.append("requests.table: the explicit model needs a table of requests")
    for i, r in enumerate(model.restrictions):
        code(r.state, f"restrictions.{i}.state", states)
        if r.start and r.end and r.end <= r.start:
            out.append(f"restrictions.{i}.end: {r.end} is not after start {r.start}")
    for c in model.sharing.recipients:
        code(c, "sharing.recipients", states)
    out += _operations_problems(model.operations)
    return out


def _operations_problems(ops: Mapping[str, Any]) -> list[str]:
    """Operations overrides must name keys of the defaults, with values of the same kind."""
    from simulator.engine.operations import default_operations_dict

    defaults = default_operations_dict()
    out: list[str] = []

    def walk(node: Mapping[str, Any], ref: Mapping[str, Any], path: str) -> None:
        for key, value in node.items():
            where = f"{path}.{key}"
            if key not in ref:
                if path == "operations.failures" and key == "breakdown_by_aircraft":
                    continue
                close = difflib.get_close_matches(key, list(ref), n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                out.append(f"{where}: unknown key {key!r}{hint}")
                continue
            expected = ref[key]
            if isinstance(expected, dict):
                if not isinstance(value, Mapping):
                    out.append(f"{where}: expected a table")
                else:
                    walk(value, expected, where)
            elif isinstance(expected, list) and expected and isinstance(expected[0], float | int):
                if not (
                    isinstance(value, list)
                    and len(value) == len(expected)
                    and all(isinstance(v, int | float) and v >= 0 for v in value)
                ):
                    out.append(f"{where}: expected {len(expected)} numbers >= 0")
            elif isinstance(expected, int | float) and not isinstance(expected, bool):
                if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                    out.append(f"{where}: expected a number >= 0 (got {_short(value)})")
                elif "probability" in key and value > 1:
                    out.append(f"{where}: a probability must be between 0 and 1")

    walk(ops, defaults, "operations")
    return out


def _assumptions(model: ScenarioModel) -> list[str]:
    """Every flagged assumption of the data this scenario depends on, for its report."""
    from simulator.treaty import load_registry

    reg = load_registry()
    out = []
    overridden = set(model.membership.passive_quotas)
    for row in reg.tables.passive_quotas:
        if row.status == "assumption" and row.party not in overridden:
            out.append(f"passive quota of {row.party} = {row.quota}: {row.reasoning}")
    for s in reg.tables.states:
        if s.entry_into_force_status == "assumption" and s.iso3 not in model.membership.states:
            out.append(
                f"entry into force of {s.iso3} on {s.entry_into_force}: "
                f"{s.notes.split(' Override')[0]}"
            )
    for d in reg.tables.max_flight_distances:
        if d.basis == "assumption":
            out.append(
                f"maximum flight distance {d.label} ({d.party}) = {d.distance_km:,.0f} km: {d.note}"
            )
    return out


# ------------------------------------------------------------------ TOML out
def _strip_none(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value]
    return value


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else f'"{k}"'


def dumps_toml(doc: Mapping[str, Any], prefix: str = "") -> str:
    """A small TOML writer for scenario documents (tables, arrays of tables, scalars)."""
    lines: list[str] = []
    tables: list[tuple[str, Any]] = []
    for key, value in doc.items():
        if isinstance(value, Mapping) or (
            isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value)
        ):
            tables.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_toml_value(value)}")
    for key, value in tables:
        name = f"{prefix}{_key(key)}"
        if isinstance(value, Mapping):
            lines.append(f"\n[{name}]")
            lines.append(dumps_toml(value, f"{name}.").rstrip("\n"))
        else:
            for item in value:
                lines.append(f"\n[[{name}]]")
                lines.append(dumps_toml(item, f"{name}.").rstrip("\n"))
    return "\n".join(line for line in lines if line != "") + "\n"
