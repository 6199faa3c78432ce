"""The treaty's rules and data: no SimPy, no geometry."""

from simulator.treaty.registry import (
    PHASE_IN_END,
    TREATY_ENTRY_INTO_FORCE,
    PassiveQuota,
    Registry,
    TreatySnapshot,
    load_registry,
)

__all__ = [
    "PHASE_IN_END",
    "TREATY_ENTRY_INTO_FORCE",
    "PassiveQuota",
    "Registry",
    "TreatySnapshot",
    "load_registry",
]
