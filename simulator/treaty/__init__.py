"""The treaty's rules and data: no SimPy, no geometry."""

from simulator.treaty.distribution import (
    Distribution,
    Grant,
    ReviewOutcome,
    distribute,
    distribute_years,
    to_rows,
)
from simulator.treaty.quotas import QuotaRules, Refusal, Transfer, access
from simulator.treaty.registry import (
    PHASE_IN_END,
    TREATY_ENTRY_INTO_FORCE,
    PassiveQuota,
    Registry,
    TreatySnapshot,
    load_registry,
)
from simulator.treaty.requests import REQUEST_MODELS, Request, requests_for_year

__all__ = [
    "PHASE_IN_END",
    "REQUEST_MODELS",
    "TREATY_ENTRY_INTO_FORCE",
    "Distribution",
    "Grant",
    "PassiveQuota",
    "QuotaRules",
    "Refusal",
    "Registry",
    "Request",
    "ReviewOutcome",
    "Transfer",
    "TreatySnapshot",
    "access",
    "distribute",
    "distribute_years",
    "load_registry",
    "requests_for_year",
    "to_rows",
]
