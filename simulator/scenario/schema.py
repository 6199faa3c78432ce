"""The scenario file's schema: pydantic models of every table and key, and the validated Scenario.

Each key's description here is what ``docs/scenarios.md`` says about it (that file is generated
from these models). Cross-field rules that need the treaty's data live in
:mod:`simulator.scenario.checks`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from simulator.errors import OpenSkiesError
from simulator.scenario.fields import (
    FIRST_DATE,
    LAST_DATE,
    MAX_DEPTH,
    MAX_EXTENDS,
    MAX_FILE_BYTES,
    MAX_REPLICATIONS,
    MAX_YEAR,
    MIN_YEAR,
    Table,
)
from simulator.scenario.flight_tables import Fleet, Geometry, RestrictionSpec, Sharing
from simulator.scenario.treaty_tables import Membership, Requests, Rules
from simulator.scenario.write import to_toml


class ScenarioError(OpenSkiesError):
    """Bad scenario input; ``problems`` lists every ``file: key.path: message``."""

    def __init__(self, problems: Sequence[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))

    def __reduce__(self):
        return (type(self), (self.problems,))


class Period(Table):
    start: int = Field(ge=MIN_YEAR, le=MAX_YEAR, description="first simulated year")
    end: int = Field(ge=MIN_YEAR, le=MAX_YEAR, description="last simulated year (inclusive)")

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class RunOptions(Table):
    seed: int = Field(
        default=20020101, ge=0, lt=2**63,
        description="base seed: replication i draws from "
        "numpy.random.SeedSequence(seed).spawn(n)[i], so the same seed gives "
        "byte-identical results on any number of workers (--seed overrides)",
    )
    replications: int = Field(
        default=1, ge=1, le=MAX_REPLICATIONS,
        description="independent replications, each with its own random stream (--replications "
        "overrides)",
    )


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


class ScenarioModel(Table):
    name: Annotated[str, AfterValidator(_check_name)] = Field(
        default="scenario",
        description="the scenario's name; it names the results folder (default: the file's name)",
    )
    description: str = Field(
        default="",
        description="what the scenario is and what question it answers (shown in reports)",
    )
    extends: str | None = Field(
        default=None,
        description="a scenario this one is based on: a path relative to this file, or a bundled "
        "name such as \"baseline-2019\"",
    )
    period: Period = Field(description="the simulated years")
    run: RunOptions = Field(
        default_factory=RunOptions,
        description="how many replications and which seed",
    )
    membership: Membership = Field(
        default_factory=Membership,
        description="changes to who is a party, to groups, NATO and passive quotas",
    )
    rules: Rules = Field(
        default_factory=Rules,
        description="quota rules and their readings, refusals, suspensions and transfers",
    )
    requests: Requests = Field(
        default_factory=Requests,
        description="where each year's requests for active quota come from",
    )
    restrictions: list[RestrictionSpec] = Field(
        default_factory=list,
        description="limits on routes: [[restrictions]] rows",
    )
    operations: dict[str, Any] = Field(
        default_factory=dict,
        description="overrides of the mission model's operational values (see the operations table"
        " below)",
    )
    fleet: Fleet = Field(
        default_factory=Fleet,
        description="the aircraft fleet's outages",
    )
    geometry: Geometry = Field(default_factory=Geometry, description="routes and imaged area")
    sharing: Sharing = Field(
        default_factory=Sharing,
        description="data-sharing policy for effective coverage",
    )


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
        return to_toml(self.document)


__all__ = [
    "FIRST_DATE", "LAST_DATE", "MAX_DEPTH", "MAX_EXTENDS", "MAX_FILE_BYTES", "MAX_REPLICATIONS",
    "MAX_YEAR", "MIN_YEAR", "Scenario", "ScenarioError", "ScenarioModel",
]
