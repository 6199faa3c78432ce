"""Everything one engine run needs, as frozen plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.engine.fleets import Aircraft, Lending, load_fleet, load_lending
from simulator.engine.operations import Operations, load_operations
from simulator.treaty.distribution import ReviewOutcome
from simulator.treaty.quotas import QuotaRules
from simulator.treaty.registry import Registry, load_registry


@dataclass(frozen=True)
class EngineConfig:
    """The model's inputs for one scenario (replications differ only in their seeds)."""

    years: tuple[int, ...]
    registry: Registry = field(default_factory=load_registry)
    rules: QuotaRules = field(default_factory=QuotaRules)
    review: ReviewOutcome = field(default_factory=ReviewOutcome)
    request_model: str = "historical"
    request_params: Mapping[str, Any] = field(default_factory=dict)
    operations: Operations = field(default_factory=load_operations)
    fleet: tuple[Aircraft, ...] = field(default_factory=load_fleet)
    lending: tuple[Lending, ...] = field(default_factory=load_lending)
    geometry: bool = True
    geo: Mapping[str, Any] = field(default_factory=dict)  # options for the route service
