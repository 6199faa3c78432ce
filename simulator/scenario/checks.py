"""Checks a scenario's model must pass beyond its schema: codes the treaty's data knows, dates
in order, sensible operations values; and pydantic's errors turned into ``key.path: message``.

Each function returns a list of problems (never raises), so a file's every problem is reported
at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from simulator.engine.fleets import load_fleet
from simulator.engine.operations import default_operations_dict
from simulator.errors import OpenSkiesError, UnknownCodeError
from simulator.scenario.assemble import scenario_registry
from simulator.scenario.schema import (
    FIRST_DATE,
    LAST_DATE,
    MAX_YEAR,
    MIN_YEAR,
    Scenario,
    ScenarioModel,
)
from simulator.treaty import load_registry
from simulator.treaty.demand import CLASSES


def key_path(parts: Sequence[Any]) -> str:
    """A dotted key path; parts that are not plain names are quoted as in TOML."""
    out = []
    for part in parts:
        text = str(part)
        out.append(text if _BARE_KEY.fullmatch(text) else _toml_string(text))
    return ".".join(out) or "(top level)"


def pydantic_problems(err: ValidationError, doc: Mapping[str, Any]) -> list[str]:
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
            msg = f"{msg} (got {brief(e.get('input'))})"
        out.append(f"{loc}: {msg}")
    return out


def brief(value: Any) -> str:
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


def semantic_problems(model: ScenarioModel) -> list[str]:
    """State codes, years and references that pydantic cannot check alone."""
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
                out.append(f"{where}: unknown key {brief(key)}{hint}")
                continue
            expected = ref[key]
            share = "probability" in key or "fraction" in key
            if isinstance(expected, dict):
                if not isinstance(value, Mapping):
                    out.append(f"{where}: expected a table (got {brief(value)})")
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
                        f"(got {brief(value)})"
                    )
                elif key == "monthly_weights" and not any(v > 0 for v in value):
                    out.append(f"{where}: at least one month needs a weight > 0")
                elif key == "curtailed_fraction_flown" and value[0] > value[1]:
                    out.append(f"{where}: the first share must not exceed the second")
            elif isinstance(expected, int | float) and not isinstance(expected, bool):
                if not _number(value):
                    out.append(f"{where}: expected a number >= 0 (got {brief(value)})")
                elif share and value > 1:
                    out.append(f"{where}: must be between 0 and 1 (got {brief(value)})")

    walk(ops, defaults, ["operations"])
    return out


def _breakdown_problems(value: Any, where: str) -> list[str]:
    """``breakdown_by_aircraft``: a table of aircraft type -> probability."""
    if not isinstance(value, Mapping):
        return [f"{where}: expected a table of aircraft type = probability (got {brief(value)})"]
    return [
        f"{where}.{key_path([k])}: expected a probability between 0 and 1 (got {brief(v)})"
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
        return [f"{shape} (got {brief(value)})"]
    out = []
    for i, window in enumerate(value):
        if (
            not isinstance(window, list)
            or len(window) not in (2, 3)
            or (len(window) == 3 and not isinstance(window[2], str))
        ):
            out.append(f"{where}.{i}: expected [start, end, reason] (got {brief(window)})")
            continue
        days = [_as_day(d) for d in window[:2]]
        if None in days:
            out.append(
                f"{where}.{i}: start and end must be ISO dates YYYY-MM-DD within "
                f"{FIRST_DATE}..{LAST_DATE} (got {brief(window[:2])})"
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
