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
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from simulator.engine.fleets import MAX_FERRY_LEGS, aircraft_rows, load_fleet, load_lending
from simulator.engine.operations import merge
from simulator.errors import OpenSkiesError
from simulator.treaty.demand import CLASSES, bundled_demand, bundled_interest

MAX_YEAR = 2100
MIN_YEAR = 2002  # Art. XVII para 2: the treaty entered into force on 1 Jan 2002
MAX_REPLICATIONS = 10_000
MAX_FILE_BYTES = 10 * 2**20  # a scenario file is a few kB; refuse anything absurd
MAX_EXTENDS = 32  # longest chain of files extending each other
MAX_DEPTH = 32  # deepest nesting of tables and arrays in a scenario document
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(MAX_YEAR, 12, 31)


class ScenarioError(OpenSkiesError):
    """Bad scenario input; ``problems`` lists every ``file: key.path: message``."""

    def __init__(self, problems: Sequence[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))

    def __reduce__(self):
        return (type(self), (self.problems,))


# ----------------------------------------------------------------- the schema
def _in_range(day: dt.date) -> dt.date:
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(f"{day} is outside {FIRST_DATE}..{LAST_DATE}")
    return day


Day = Annotated[dt.date, AfterValidator(_in_range)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, allow_inf_nan=False)


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
    entry_into_force: Day | None = None
    withdrawal_effective: Day | None = None
    nato_member_since: Day | None = None
    stays: bool = Field(default=False, description="never withdraws (clears withdrawal_effective)")


class GroupChange(_Model):
    end: Day | None = None
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
    start: Day
    end: Day | None = None
    mutual: bool = True
    source: str = ""


class _Window(_Model):
    """A rule in force from ``start`` (inclusive) to ``end`` (exclusive, open if absent)."""

    start: Day
    end: Day | None = None
    source: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> _Window:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end {self.end} is not after start {self.start}")
        return self


class SuspensionSpec(_Window):
    state: str = Field(description="no quota flight by or over this state while in force")


class TransferSpec(_Model):
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    donor: str
    recipient: str
    flights: int = Field(ge=1)


class Rules(_Model):
    nato_practice: bool = True
    fifty_percent_rule: Literal["off", "transfers", "always"] = "always"
    shared_flight_charge: Literal["each", "lead"] = "each"
    deadlock_years: list[int] = Field(default_factory=list)
    no_agreement: dict[str, list[str]] = Field(default_factory=dict)
    refusals: list[RefusalSpec] = Field(default_factory=list)
    suspensions: list[SuspensionSpec] = Field(default_factory=list)
    transfers: list[TransferSpec] = Field(default_factory=list)
    max_observers_per_flight: int = Field(default=3, ge=1, le=10)


class RequestRow(_Model):
    observer: str
    observed: str
    flights: int = Field(ge=0)
    shared_with: list[str] = Field(default_factory=list)
    year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)


class InterestSpec(_Model):
    observer: str = Field(description="a quota holder code, or NATO, PARTNER or *")
    observed: str = Field(description="a quota holder code, or NATO, PARTNER or *")
    weight: float = Field(default=0.0, ge=0.0, description="0 removes the bundled row")
    request: Literal["share", "pair_cap"] = "share"
    first_year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)
    last_year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)


class Requests(_Model):
    model: Literal["historical", "interest", "explicit"] = "historical"
    utilisation: float = Field(default=1.0, ge=0.0, le=1.0)
    table: list[RequestRow] = Field(default_factory=list)
    # Overrides of the demand model's tables (simulator/treaty/data/observer_*.csv).
    demand_shares: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(
        default_factory=dict
    )
    joint: dict[str, str] = Field(default_factory=dict)
    interest: list[InterestSpec] = Field(default_factory=list)


class OutageSpec(_Window):
    aircraft: str = Field(description="an aircraft_id of the bundled fleet (a type row)")


class Fleet(_Model):
    outages: list[OutageSpec] = Field(default_factory=list)


class RestrictionSpec(_Model):
    name: str
    kind: Literal["distance_cap", "no_fly"]
    state: str
    region: Literal["kaliningrad", "hawaii", "abkhazia_south_ossetia_border"] | None = None
    bbox: tuple[float, float, float, float] | None = None
    polygon: list[tuple[float, float]] | None = None
    max_km: float | None = Field(default=None, ge=0)
    buffer_km: float = Field(default=0.0, ge=0)
    start: Day | None = None
    end: Day | None = None
    source: str = ""

    @model_validator(mode="after")
    def _shape(self) -> RestrictionSpec:
        given = [x for x in (self.region, self.bbox, self.polygon) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of region, bbox or polygon")
        if self.kind == "distance_cap" and self.max_km is None:
            raise ValueError("a distance_cap needs max_km")
        return self


class AreaOfInterestSpec(_Model):
    id: str = Field(min_length=1)
    observed: str = Field(description="a state code (ISO 3166-1 alpha-3)")
    observer: str = Field(default="*", description="a quota holder code, or * for every one")
    name: str = ""
    bbox: list[tuple[float, float, float, float]] = Field(
        min_length=1, description="boxes lon_min, lat_min, lon_max, lat_max")
    weight: float = Field(ge=0.0, description="multiplies the value of imaging the area")
    from_year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)
    until_year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)
    source: str = ""

    @field_validator("bbox")
    @classmethod
    def _boxes(cls, boxes: list[tuple[float, float, float, float]]):
        for i, (x0, y0, x1, y1) in enumerate(boxes):
            if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
                raise ValueError(f"box {i}: need -180 <= lon_min < lon_max <= 180 and "
                                 "-90 <= lat_min < lat_max <= 90")
        return boxes


class Geometry(_Model):
    enabled: bool = True
    resolution_km: float = Field(default=25.0, gt=0.5, le=200.0)
    # None: the bundled table (simulator/geo/data/areas_of_interest.csv); [] clears it.
    areas_of_interest: list[AreaOfInterestSpec] | None = None
    # Transit legs with sensors off: charged for their km over the observed territory only
    # (Art. II para 11 reading, the default) or in full.
    transit_charge: Literal["territory", "full"] = "territory"


class Sharing(_Model):
    policy: Literal["none", "treaty", "allies"] = "treaty"
    recipients: list[str] = Field(default_factory=list)


def _check_name(name: str) -> str:
    """A scenario name names a results folder: one plain path component, never a path."""
    if not name.strip():
        raise ValueError("must not be empty (it names the results folder)")
    if len(name) > 100:
        raise ValueError("at most 100 characters")
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith("."):
        raise ValueError(f"{name!r} is not a plain name: no '/', '\\', leading '.', '.' or '..'")
    if any(ord(c) < 32 or c == "\x7f" for c in name):
        raise ValueError("must not contain control characters")
    return name


class ScenarioModel(_Model):
    name: Annotated[str, AfterValidator(_check_name)] = "scenario"
    description: str = ""
    extends: str | None = None
    period: Period
    run: RunOptions = Field(default_factory=RunOptions)
    membership: Membership = Field(default_factory=Membership)
    rules: Rules = Field(default_factory=Rules)
    requests: Requests = Field(default_factory=Requests)
    restrictions: list[RestrictionSpec] = Field(default_factory=list)
    operations: dict[str, Any] = Field(default_factory=dict)
    fleet: Fleet = Field(default_factory=Fleet)
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
    overrides: tuple[str, ...] = field(default=())  # the --set KEY=VALUE applied, in order

    @property
    def years(self) -> tuple[int, ...]:
        """The simulated years."""
        return tuple(range(self.model.period.start, self.model.period.end + 1))

    def to_toml(self) -> str:
        """The resolved scenario as TOML (written to ``scenario.toml`` in results)."""
        return dumps_toml(_strip_none(dict(self.document)))


# ---------------------------------------------------------------- loading
def key_path(parts: Sequence[Any]) -> str:
    """A dotted key path; parts that are not plain names are quoted as in TOML."""
    out = []
    for part in parts:
        text = str(part)
        out.append(text if _BARE_KEY.fullmatch(text) else _toml_string(text))
    return ".".join(out) or "(top level)"


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
    what = shown if where == shown else f"{where} {_short(shown)}"
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
    from simulator.bundled import bundled_scenarios

    try:
        candidate = (folder / parent).resolve()
    except (OSError, ValueError, RuntimeError) as err:
        raise ScenarioError(
            f"{shown}: extends: not a usable file name {_short(parent)} ({err})"
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
        raise ScenarioError(f"{shown}: extends: must be a file name, got {_short(parent)}")
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
    """Read, merge, override and validate a scenario file or dict."""
    if isinstance(source, Mapping):
        shown, doc = "<dict>", copy.deepcopy(dict(source))
        parent = doc.pop("extends", None)
        if parent is not None:
            if not isinstance(parent, str) or not parent.strip():
                raise ScenarioError(f"{shown}: extends: must be a file or bundled name, got "
                                    f"{_short(parent)}")
            doc = merge(_read(extends_path(parent, Path.cwd(), shown), ()), doc)
    else:
        shown = str(source)
        try:
            path = Path(source).resolve()
        except (OSError, ValueError, RuntimeError) as err:
            raise ScenarioError(f"{shown}: not a usable file name ({err})") from None
        doc = _read(path, ())
        doc.pop("extends", None)
    doc = apply_overrides(doc, overrides)
    if overrides and _too_deep(doc):
        raise ScenarioError(f"{shown}: --set: values nested too deeply (at most {MAX_DEPTH})")
    doc.setdefault("name", Path(shown).stem if shown != "<dict>" else "scenario")
    try:
        model = ScenarioModel.model_validate(doc)
    except ValidationError as err:
        raise ScenarioError([f"{shown}: {p}" for p in _pydantic_problems(err, doc)]) from None
    problems = [f"{shown}: {p}" for p in _semantic_problems(model)]
    if problems:
        raise ScenarioError(problems)
    return Scenario(model.name, shown, doc, model, tuple(_assumptions(model)), tuple(overrides))


def _pydantic_problems(err: ValidationError, doc: Mapping[str, Any]) -> list[str]:
    out = []
    for e in err.errors():
        loc = key_path(e["loc"])
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
    try:
        text = repr(value)
    except RecursionError:
        text = f"<deeply nested {type(value).__name__}>"
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
    """The pydantic model inside an annotation (``X``, ``X | None``, ``list[X]``, ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if arg is annotation:
            continue
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


def _semantic_problems(model: ScenarioModel) -> list[str]:
    """State codes, years and references that pydantic cannot check alone."""
    from simulator.treaty import load_registry

    reg = load_registry()
    states, holders = set(reg.state_codes), set(reg.holder_codes)
    out: list[str] = []

    def code(value: str, where: str, valid: set[str], what: str = "state code") -> None:
        if value not in valid:
            close = difflib.get_close_matches(value.upper(), sorted(valid), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            out.append(f"{where}: unknown {what} {value!r}{hint}")

    for c, change in model.membership.states.items():
        where = key_path(["membership", "states", c])
        code(c, where, states)
        if c in states:
            entry = change.entry_into_force or reg.state(c).entry_into_force
            gone = None if change.stays else change.withdrawal_effective
            if entry is not None and gone is not None and gone <= entry:
                out.append(f"{where}.withdrawal_effective: {gone} is not after its entry into "
                           f"force ({entry})")
    for g in model.membership.groups:
        code(g, key_path(["membership", "groups", g]), {gr.id for gr in reg.tables.groups})
    for h in model.membership.passive_quotas:
        code(h, key_path(["membership", "passive_quotas", h]), holders)
    for i, r in enumerate(model.rules.refusals):
        code(r.observed, f"rules.refusals.{i}.observed", states)
        code(r.observer, f"rules.refusals.{i}.observer", states)
        if r.observer == r.observed:
            out.append(f"rules.refusals.{i}: a state cannot refuse itself ({r.observer})")
        if r.end is not None and r.end <= r.start:
            out.append(f"rules.refusals.{i}.end: {r.end} is not after start {r.start}")
    for i, sp in enumerate(model.rules.suspensions):
        code(sp.state, f"rules.suspensions.{i}.state", states)
    classes = set(CLASSES)
    req = model.requests
    demand_keys = [k for k in ("demand_shares", "joint", "interest") if getattr(req, k)]
    if req.model != "historical":
        out += [f"requests.{k}: used only by the historical model" for k in demand_keys]
    elif "utilisation" in req.model_fields_set:
        out.append(
            "requests.utilisation: used only by the interest model; the historical model "
            "reads requests.demand_shares"
        )
    for key in model.requests.demand_shares:
        code(key, f"requests.demand_shares.{key_path([key])}", holders | {"*"})
    for key, lead in model.requests.joint.items():
        code(key, f"requests.joint.{key_path([key])}", holders)
        if lead:
            code(lead, f"requests.joint.{key_path([key])}", holders)
    for i, row in enumerate(model.geometry.areas_of_interest or ()):
        code(row.observed, f"geometry.areas_of_interest.{i}.observed", set(states))
        code(row.observer, f"geometry.areas_of_interest.{i}.observer", holders | {"*"})
    for i, row in enumerate(model.requests.interest):
        code(row.observer, f"requests.interest.{i}.observer", holders | classes)
        code(row.observed, f"requests.interest.{i}.observed", holders | classes)
    types = {a.base_id for a in load_fleet()}
    for i, o in enumerate(model.fleet.outages):
        code(o.aircraft, f"fleet.outages.{i}.aircraft", types, "aircraft id")
    for i, t in enumerate(model.rules.transfers):
        code(t.donor, f"rules.transfers.{i}.donor", holders)
        code(t.recipient, f"rules.transfers.{i}.recipient", holders)
        if t.donor == t.recipient:
            out.append(f"rules.transfers.{i}: donor and recipient are both {t.donor}")
        elif t.donor in holders:
            quota = model.membership.passive_quotas.get(t.donor)
            if quota is None:
                try:
                    quota = reg.passive_quota(t.donor, t.year).quota
                except OpenSkiesError:
                    quota = None
            if quota is not None and t.flights > quota:
                # an active quota never exceeds the passive quota (Art. III Sec. I para 4)
                out.append(f"rules.transfers.{i}.flights: {t.flights} is more than {t.donor}'s "
                           f"whole quota ({quota}); a transfer moves active quota flights")
    for year, codes in model.rules.no_agreement.items():
        where = key_path(["rules", "no_agreement", year])
        if not re.fullmatch(r"[0-9]{4}", year) or not MIN_YEAR <= int(year) <= MAX_YEAR:
            out.append(f"{where}: not a year between {MIN_YEAR} and {MAX_YEAR}")
        for c in codes:
            code(c, where, holders)
    for y in model.rules.deadlock_years:
        if not MIN_YEAR <= y <= MAX_YEAR:
            out.append(f"rules.deadlock_years: {y} is not a year between {MIN_YEAR} and {MAX_YEAR}")
    for i, row in enumerate(model.requests.table):
        code(row.observer, f"requests.table.{i}.observer", holders)
        code(row.observed, f"requests.table.{i}.observed", holders)
        for c in row.shared_with:
            code(c, f"requests.table.{i}.shared_with", holders)
        if row.observer == row.observed or row.observer in row.shared_with:
            out.append(f"requests.table.{i}: {row.observer} cannot observe itself or share a "
                       "flight with itself")
    if model.requests.model == "explicit" and not model.requests.table:
        out.append("requests.table: the explicit model needs a table of requests")
    for i, r in enumerate(model.restrictions):
        code(r.state, f"restrictions.{i}.state", states)
        if r.start and r.end and r.end <= r.start:
            out.append(f"restrictions.{i}.end: {r.end} is not after start {r.start}")
    for c in model.sharing.recipients:
        code(c, "sharing.recipients", states)
    out += _operations_problems(model.operations)
    if not out:
        out += _membership_problems(model)
    return out


def _membership_problems(model: ScenarioModel) -> list[str]:
    """Every quota holder during the period needs a passive quota (e.g. a state that stays
    while the group it belonged to ends)."""
    from simulator.assemble import scenario_registry  # assemble imports this module
    from simulator.errors import UnknownCodeError

    try:
        reg = scenario_registry(Scenario(model.name, "", {}, model))
    except (OpenSkiesError, ValueError) as err:
        return [f"membership: {err}"]
    years = range(model.period.start, model.period.end + 1)
    changes = reg.membership_change_dates
    missing: dict[str, int] = {}
    for year in years:
        days = [dt.date(year, 1, 1), *(d for d in changes if d.year == year)]
        for day in days:
            for holder in reg.quota_holders(day):
                try:
                    reg.passive_quota(holder, year)
                except UnknownCodeError:
                    missing.setdefault(holder, year)
    return [
        f"membership.passive_quotas.{holder}: {holder} holds quota on its own in {year} but has "
        f"no passive quota; set one here (or keep its group with "
        f"membership.groups.GROUP.persists = true)"
        for holder, year in sorted(missing.items())
    ]


def _number(value: Any) -> bool:
    """A finite number >= 0 (booleans are not numbers here)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _operations_problems(ops: Mapping[str, Any]) -> list[str]:
    """Operations overrides must name keys of the defaults, with values of the same kind."""
    from simulator.engine.operations import default_operations_dict

    defaults = default_operations_dict()
    out: list[str] = []

    def walk(node: Mapping[str, Any], ref: Mapping[str, Any], path: list[str]) -> None:
        for key, value in node.items():
            where = key_path([*path, key])
            if path == ["operations", "failures"] and key == "breakdown_by_aircraft":
                out.extend(_breakdown_problems(value, where))
                continue
            if key not in ref:
                close = difflib.get_close_matches(key, list(ref), n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                out.append(f"{where}: unknown key {_short(key)}{hint}")
                continue
            expected = ref[key]
            share = "probability" in key or "fraction" in key
            if isinstance(expected, dict):
                if not isinstance(value, Mapping):
                    out.append(f"{where}: expected a table (got {_short(value)})")
                else:
                    walk(value, expected, [*path, key])
            elif key in ("windows", "closed_windows"):
                out.extend(_window_problems(value, where))
            elif isinstance(expected, list) and expected and isinstance(expected[0], float | int):
                if not (
                    isinstance(value, list)
                    and len(value) == len(expected)
                    and all(_number(v) and (not share or v <= 1) for v in value)
                ):
                    upper = " and <= 1" if share else ""
                    out.append(
                        f"{where}: expected {len(expected)} numbers >= 0{upper} "
                        f"(got {_short(value)})"
                    )
                elif key == "monthly_weights" and not any(v > 0 for v in value):
                    out.append(f"{where}: at least one month needs a weight > 0")
                elif key == "curtailed_fraction_flown" and value[0] > value[1]:
                    out.append(f"{where}: the first share must not exceed the second")
            elif isinstance(expected, int | float) and not isinstance(expected, bool):
                if not _number(value):
                    out.append(f"{where}: expected a number >= 0 (got {_short(value)})")
                elif share and value > 1:
                    out.append(f"{where}: must be between 0 and 1 (got {_short(value)})")

    walk(ops, defaults, ["operations"])
    return out


def _breakdown_problems(value: Any, where: str) -> list[str]:
    """``breakdown_by_aircraft``: a table of aircraft type -> probability."""
    if not isinstance(value, Mapping):
        return [f"{where}: expected a table of aircraft type = probability (got {_short(value)})"]
    return [
        f"{where}.{key_path([k])}: expected a probability between 0 and 1 (got {_short(v)})"
        for k, v in value.items()
        if not (_number(v) and v <= 1)
    ]


def _window_problems(value: Any, where: str) -> list[str]:
    """``pauses.windows``: ``[start, end, reason]`` with ISO dates, start before end."""
    shape = (
        f"{where}: expected a list of [start, end, reason], "
        'e.g. [["2020-03-15", "2020-08-01", "COVID-19"]]'
    )
    if not isinstance(value, list):
        return [f"{shape} (got {_short(value)})"]
    out = []
    for i, window in enumerate(value):
        if (
            not isinstance(window, list)
            or len(window) not in (2, 3)
            or (len(window) == 3 and not isinstance(window[2], str))
        ):
            out.append(f"{where}.{i}: expected [start, end, reason] (got {_short(window)})")
            continue
        days = [_as_day(d) for d in window[:2]]
        if None in days:
            out.append(
                f"{where}.{i}: start and end must be ISO dates YYYY-MM-DD within "
                f"{FIRST_DATE}..{LAST_DATE} (got {_short(window[:2])})"
            )
        elif days[1] <= days[0]:
            out.append(f"{where}.{i}: end {days[1]} is not after start {days[0]}")
    return out


def _as_day(value: Any) -> dt.date | None:
    """A date from a TOML date or an ISO string, if it is one within the allowed range."""
    if isinstance(value, dt.datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip()) if len(value.strip()) == 10 else None
        except ValueError:
            value = None
    if isinstance(value, dt.date) and FIRST_DATE <= value <= LAST_DATE:
        return value
    return None


def _assumptions(model: ScenarioModel) -> list[str]:
    """Every assumption and interpretation this scenario depends on, for its report, each as
    ``"Group: text"`` (the report groups them)."""
    from simulator.treaty import load_registry

    reg = load_registry()
    out = []
    overridden = set(model.membership.passive_quotas)
    for row in reg.tables.passive_quotas:
        if row.status == "assumption" and row.party not in overridden:
            out.append(f"Quotas: passive quota of {row.party} = {row.quota}: {row.reasoning}")
    for s in reg.tables.states:
        if s.entry_into_force_status == "assumption" and s.iso3 not in model.membership.states:
            out.append(
                f"Membership: entry into force of {s.iso3} on {s.entry_into_force}: "
                f"{s.notes.split(' Override')[0]}"
            )
    start = model.period.start
    for d in reg.tables.max_flight_distances:
        if d.basis == "assumption":
            out.append(
                f"Distances: maximum flight distance {d.label} ({d.party}) = "
                f"{d.distance_km:,.0f} km: {d.note}"
            )
        elif d.basis == "reported" and d.year_seen is not None and d.year_seen > start:
            out.append(
                f"Distances: {d.label} ({d.party}) {d.distance_km:,.0f} km, reported in "
                f"{d.year_seen}, is used back to {start} when no earlier value is known "
                "(back-dated)"
            )
    if model.requests.model == "historical":
        out += [f"Demand: {a}" for a in _demand_assumptions(model)]
    out += [f"Geometry: {a}" for a in _geometry_assumptions(model)]
    out += [f"Operations: {a}" for a in _operations_assumptions(model)]
    for a in aircraft_rows():
        if "ASSUMPTION" in a["notes"]:
            out.append(f"Fleet: {a['type']} ({a['owner']}, {a['units']} airframe(s)): "
                       f"{a['notes'].split('ASSUMPTION:', 1)[-1].strip()}")
    assumed = sum(1 for row in load_lending() if "ASSUMPTION" in row.source)
    out.append(
        f"Fleet: aircraft lending: {assumed} of {len(load_lending())} rows of "
        "aircraft_lending.csv are assumptions; nobody lends to Russia or Belarus (none on record)"
    )
    out.append(
        f"Fleet: an aircraft ferries to a point of entry in at most {MAX_FERRY_LEGS} unrefuelled "
        "legs; a breakdown is made good only by another airframe of the same provider"
    )
    rules = model.rules
    out += [
        f"Interpretation: at most {rules.max_observers_per_flight} observing parties share a "
        "flight when requests over a party exceed its passive quota "
        "(rules.max_observers_per_flight)",
        f"Interpretation: the 50 % rule (Art. III Sec. I para 6) is read as "
        f"'{rules.fifty_percent_rule}' (rules.fifty_percent_rule: off, transfers, always)",
        f"Interpretation: a shared flight is charged to '{rules.shared_flight_charge}' observer(s)"
        " against their active quotas (rules.shared_flight_charge: each, lead)",
        "Interpretation: NATO members do not observe each other (a practice, not treaty text)"
        if rules.nato_practice else "Interpretation: the NATO practice is off in this scenario",
    ]
    return out


def _operations_assumptions(model: ScenarioModel) -> list[str]:
    """The ASSUMPTION rows of operations.toml, with the value this scenario uses."""
    from importlib import resources

    text = resources.files("simulator.engine").joinpath("data/operations.toml").read_text("utf-8")
    out, table = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            table = stripped.strip("[]")
        if "ASSUMPTION" not in line or "=" not in line.split("#", 1)[0]:
            continue
        key, rest = line.split("=", 1)
        key = key.strip()
        value, _, why = rest.partition("#")
        why = why.split("ASSUMPTION", 1)[-1].lstrip(": ").strip()
        given = model.operations.get(table, {}) if isinstance(model.operations, dict) else {}
        used = given.get(key, value.strip()) if isinstance(given, dict) else value.strip()
        note = " (set by the scenario)" if isinstance(given, dict) and key in given else ""
        out.append(f"{table}.{key} = {used}{note}: {why}")
    return out


def _geometry_assumptions(model: ScenarioModel) -> list[str]:
    """The route objective's areas of interest and the reading of transit legs."""
    if not model.geometry.enabled:
        return []
    aois = model.geometry.areas_of_interest
    if aois is None:
        from simulator.geo.regions import load_areas_of_interest

        out = [
            f"area of interest {a.name} ({a.observed}, observer {a.observer}): weight "
            f"{a.weight:g} (assumption: {a.source})"
            for a in load_areas_of_interest()
        ]
    else:
        out = [f"areas of interest: {len(aois)} set by the scenario (bundled table replaced)"]
    charge = ("in full" if model.geometry.transit_charge == "full"
              else "for their km over the observed territory only (Art. II para 11)")
    out.append(
        "transit legs with sensors off (to Kaliningrad, Hawaii, Greenland, the Faroes, the "
        f"Canaries) are charged {charge} against the maximum flight distance "
        "(geometry.transit_charge)"
    )
    out.append(
        "Kaliningrad is reached through an assumed refuelling stop at Khrabrovo (Russia's "
        "Annex E list names none; airfields.csv)"
    )
    return out


def _demand_assumptions(model: ScenarioModel) -> list[str]:
    """The demand model's calibrated values and flagged rows, as the run uses them."""
    out = []
    for row in bundled_demand():
        if row.share is not None and row.observer not in model.requests.demand_shares:
            out.append(
                f"demand share of {row.observer} = {row.share:g} from {row.first_year} "
                f"({row.basis}: {row.source})"
            )
        if row.joint_lead and row.observer not in model.requests.joint:
            out.append(
                f"{row.observer} joins {row.joint_lead}'s flights ({row.basis}: {row.source})"
            )
    for observer, share in sorted(model.requests.demand_shares.items()):
        out.append(f"demand share of {observer} = {share:g} (set by the scenario)")
    flagged = [r for r in bundled_interest() if r.basis == "assumption"]
    out.append(
        f"observer interest: {len(flagged)} of {len(bundled_interest())} rows of "
        "observer_interest.csv are assumptions (class weights of NATO and partner observers "
        f"and targets); the scenario overrides {len(model.requests.interest)}"
    )
    return out


# ------------------------------------------------------------------ TOML out
def _strip_none(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value]
    return value


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _key(k: str) -> str:
    return k if _BARE_KEY.fullmatch(k) else _toml_string(k)


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
