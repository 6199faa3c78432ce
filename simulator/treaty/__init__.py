"""The treaty's rules and data: the registry of who is a party, in which group and NATO on a
date, passive and active quotas, requests, the demand model and the annual distribution, each
rule citing its article. Data files are in ``data/`` with their sources.

Imports nothing of the package but ``simulator.errors``: no SimPy, no geometry, no scenario.
"""

from simulator.treaty.answers import PassiveQuota, TreatySnapshot
from simulator.treaty.dates import PHASE_IN_END, TREATY_ENTRY_INTO_FORCE
from simulator.treaty.distribution import (
    Distribution,
    Grant,
    ReviewOutcome,
    distribute,
    distribute_years,
    to_rows,
)
from simulator.treaty.quotas import QuotaRules, Refusal, Transfer, access
from simulator.treaty.registry import Registry, load_registry
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
