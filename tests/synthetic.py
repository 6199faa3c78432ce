"""Small synthetic treaties for property tests: a registry built from made-up tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from simulator.treaty.registry import Registry
from simulator.treaty.tables import Group, PassiveQuotaRow, State, TreatyTables


@dataclass(frozen=True)
class StateSpec:
    code: str
    quota: int
    joins: dt.date
    leaves: dt.date | None = None
    nato_since: dt.date | None = None


def make_registry(specs: list[StateSpec], group: tuple[str, str, dt.date | None] | None = None,
                  group_quota: int = 10) -> Registry:
    """A registry of ``specs``; ``group`` = (member, member, end) forms a common-quota group."""
    states = tuple(
        State(
            iso3=s.code, name=f"State {s.code}", kind="state_party", group=None,
            entry_into_force=s.joins, entry_into_force_status="confirmed",
            withdrawal_effective=s.leaves, nato_member_since=s.nato_since, source="synthetic",
        )
        for s in specs
    )
    groups: tuple[Group, ...] = ()
    quotas = [PassiveQuotaRow(s.code, s.quota, "treaty", None, None, "synthetic") for s in specs]
    if group is not None:
        a, b, end = group
        groups = (
            Group("GRP", "Synthetic group", "common_quota", "Art. III Sec. II para 3",
                  tuple(sorted((a, b))), dt.date(2002, 1, 1), end, "synthetic"),
        )
        quotas.append(PassiveQuotaRow("GRP", group_quota, "treaty", None, None, "synthetic"))
    return Registry(TreatyTables(states, groups, tuple(quotas), (), (), (), "synthetic"))
