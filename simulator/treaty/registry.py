"""Who is what on which date: States Parties, groups, NATO, quotas, airfields, distances.

Pure functions of the tables in ``data/`` and a date. No SimPy, no geometry.

Vocabulary:

* a *State Party* is a state bound by the treaty on a date (ISO 3166-1 alpha-3 code);
* a *quota holder* is what holds passive and active quotas: a group with common quotas
  (``BY-RU``, Art. III Sec. II para 3), Benelux (``BENELUX``, deemed a single State Party by
  Art. XIV para 1), or a single State Party.

Date conventions: ``entry_into_force`` is the first day a state is a party; ``withdrawal_effective``
and a group's ``end`` are the first day it no longer is (the US is a party on 2020-11-21, not on
2020-11-22).
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from simulator.errors import UnknownCodeError
from simulator.treaty.airfields import AirfieldQueries
from simulator.treaty.answers import PassiveQuota, memo
from simulator.treaty.dates import (
    PHASE_IN_ACCEPT_FRACTION,
    PHASE_IN_END,
    TREATY_ENTRY_INTO_FORCE,
    DateLike,
    parse_date,
)
from simulator.treaty.snapshots import RecordQueries
from simulator.treaty.tables import (
    Airfield,
    Group,
    PassiveQuotaRow,
    State,
    TreatyTables,
    load_tables,
)


class Registry(AirfieldQueries, RecordQueries):
    """Date-based queries over the treaty tables. Build with :func:`load_registry`."""

    def __init__(self, tables: TreatyTables):
        self.tables = tables
        self._cache: dict[tuple, Any] = {}
        self._states: dict[str, State] = {s.iso3: s for s in tables.states}
        self._groups: dict[str, Group] = {g.id: g for g in tables.groups}
        self._quotas: dict[str, list[PassiveQuotaRow]] = {}
        for row in tables.passive_quotas:
            self._quotas.setdefault(row.party, []).append(row)
        self._airfields: dict[str, list[Airfield]] = {}
        for a in tables.airfields:
            self._airfields.setdefault(a.state, []).append(a)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the memo cache: it is rebuilt where needed, and shipping thousands
        of cached answers to every worker of an ensemble costs more than recomputing them."""
        state = self.__dict__.copy()
        state["_cache"] = {}
        return state

    # ------------------------------------------------------------------ codes
    @property
    def state_codes(self) -> tuple[str, ...]:
        """Every state code in the data, parties or not."""
        return tuple(sorted(self._states))

    @property
    def holder_codes(self) -> tuple[str, ...]:
        """Every code that can hold quotas: states and groups."""
        return tuple(sorted(set(self._states) | set(self._groups)))

    def state(self, code: str) -> State:
        """The record of one state; raises :class:`UnknownCodeError` with the valid codes."""
        try:
            return self._states[code]
        except (KeyError, TypeError):
            raise UnknownCodeError(code, self._states, "state code") from None

    def group(self, group_id: str) -> Group:
        """The record of one group (``BY-RU``, ``BENELUX``)."""
        try:
            return self._groups[group_id]
        except (KeyError, TypeError):
            raise UnknownCodeError(group_id, self._groups, "group id") from None

    def _check_holder(self, code: str) -> None:
        if code not in self._states and code not in self._groups:
            raise UnknownCodeError(code, self.holder_codes)

    # ------------------------------------------------------------- membership
    @memo
    def is_party(self, code: str, on: DateLike) -> bool:
        """Whether ``code`` is a State Party on the date (Art. XVII para 6; Art. XV para 2)."""
        state, day = self.state(code), parse_date(on)
        if state.kind != "state_party" or state.entry_into_force is None:
            return False
        if day < max(state.entry_into_force, TREATY_ENTRY_INTO_FORCE):
            return False
        return state.withdrawal_effective is None or day < state.withdrawal_effective

    @memo
    def states_parties(self, on: DateLike) -> tuple[str, ...]:
        """The States Parties on the date, sorted by code."""
        day = parse_date(on)
        return tuple(c for c in sorted(self._states) if self.is_party(c, day))

    @memo
    def parties_during(self, year: int) -> tuple[str, ...]:
        """States that are parties on at least one day of ``year``, sorted."""
        days = {dt.date(year, 1, 1), dt.date(year, 12, 31)}
        for s in self._states.values():
            for d in (s.entry_into_force, s.withdrawal_effective):
                if d is not None and d.year == year:
                    days.add(d)
                    days.add(d - dt.timedelta(days=1))
        found = {c for d in days if d.year == year for c in self.states_parties(d)}
        return tuple(sorted(found))

    def signatories(self, on: DateLike) -> tuple[str, ...]:
        """States that signed but are not parties on the date (e.g. Kyrgyzstan)."""
        day = parse_date(on)
        return tuple(
            c
            for c, s in sorted(self._states.items())
            if s.kind == "signatory" and not self.is_party(c, day)
        )

    @memo
    def is_nato_member(self, code: str, on: DateLike) -> bool:
        """Whether the state is a NATO member on the date."""
        since = self.state(code).nato_member_since
        return since is not None and since <= parse_date(on)

    @memo
    def nato_members(self, on: DateLike) -> tuple[str, ...]:
        """States Parties that are NATO members on the date."""
        day = parse_date(on)
        return tuple(c for c in self.states_parties(day) if self.is_nato_member(c, day))

    # ------------------------------------------------------------------ groups
    def _group_exists(self, group: Group, day: dt.date) -> bool:
        return group.start <= day and (group.end is None or day < group.end)

    def active_groups(self, on: DateLike) -> tuple[Group, ...]:
        """Groups in existence on the date with at least one member that is a party."""
        day = parse_date(on)
        return tuple(
            g
            for _, g in sorted(self._groups.items())
            if self._group_exists(g, day) and any(self.is_party(m, day) for m in g.members)
        )

    @memo
    def group_of(self, code: str, on: DateLike) -> str | None:
        """The id of the group the state belongs to on the date, or None."""
        self.state(code)
        day = parse_date(on)
        for gid, g in sorted(self._groups.items()):
            if code in g.members and self._group_exists(g, day):
                return gid
        return None

    # ----------------------------------------------------------- quota holders
    @memo
    def quota_holder(self, code: str, on: DateLike) -> str:
        """The quota holder a state belongs to on the date: its group's id, or its own code."""
        return self.group_of(code, on) or code

    @memo
    def quota_holders(self, on: DateLike) -> tuple[str, ...]:
        """The quota holders on the date: groups resolved, one entry per holder, sorted."""
        day = parse_date(on)
        return tuple(sorted({self.quota_holder(c, day) for c in self.states_parties(day)}))

    @memo
    def members(self, holder: str, on: DateLike) -> tuple[str, ...]:
        """The States Parties that make up the holder on the date (empty if none are)."""
        self._check_holder(holder)
        day = parse_date(on)
        if holder in self._groups:
            group = self._groups[holder]
            if not self._group_exists(group, day):
                return ()
            return tuple(m for m in group.members if self.is_party(m, day))
        if self.is_party(holder, day) and self.group_of(holder, day) is None:
            return (holder,)
        return ()

    def holder_name(self, holder: str) -> str:
        """A readable name for a state or group code."""
        self._check_holder(holder)
        return self._groups[holder].name if holder in self._groups else self._states[holder].name

    @memo
    def holder_is_nato(self, holder: str, on: DateLike) -> bool:
        """Whether every member of the holder is a NATO member on the date (Benelux: yes)."""
        members = self.members(holder, on)
        return bool(members) and all(self.is_nato_member(m, on) for m in members)

    @memo
    def passive_quota(self, holder: str, year: int) -> PassiveQuota:
        """The holder's passive quota in ``year``, with the 75 % phase-in limit through 2005."""
        self._check_holder(holder)
        rows = self._quotas.get(holder)
        if not rows:
            raise UnknownCodeError(holder, self._quotas, "quota holder (no passive quota known)")
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        in_year = [
            r
            for r in rows
            if (r.valid_from is None or r.valid_from <= last)
            and (r.valid_to is None or r.valid_to > first)
        ]
        row = max(in_year or rows, key=lambda r: r.valid_from or dt.date.min)
        limit = row.quota
        if last <= PHASE_IN_END:
            # Annex A Sec. II paras 1-2: 75 per cent, rounded down, until full implementation.
            limit = math.floor(PHASE_IN_ACCEPT_FRACTION * row.quota)
        return PassiveQuota(holder, year, row.quota, limit, row.status, row.source, row.reasoning)







    # ------------------------------------------------------------ change dates
    @functools.cached_property
    def membership_change_dates(self) -> tuple[dt.date, ...]:
        """Every date on which a membership answer can change, sorted.

        ``is_party``, ``is_nato_member``, ``group_of``, ``quota_holder``, ``members`` and
        ``states_parties`` are constant from one of these dates to the day before the next, so
        a caller may memoise them per period (see :meth:`membership_period`).
        """
        dates = {TREATY_ENTRY_INTO_FORCE}
        for state in self._states.values():
            found = (state.entry_into_force, state.withdrawal_effective, state.nato_member_since)
            dates.update(day for day in found if day is not None)
        for group in self._groups.values():
            dates.add(group.start)
            if group.end is not None:
                dates.add(group.end)
        return tuple(sorted(dates))

    def membership_period(self, on: DateLike) -> dt.date:
        """The first day of the period of constant membership that contains the date."""
        day = parse_date(on)
        index = bisect.bisect_right(self.membership_change_dates, day)
        return self.membership_change_dates[index - 1] if index else dt.date.min


    # ---------------------------------------------------------------- overrides
    def with_overrides(
        self,
        states: Mapping[str, Mapping[str, Any]] | None = None,
        groups: Mapping[str, Mapping[str, Any]] | None = None,
        passive_quotas: Mapping[str, int] | None = None,
    ) -> Registry:
        """A new registry with some facts replaced, e.g. by a scenario.

        ``states`` maps a code to fields of :class:`State` (``withdrawal_effective``,
        ``entry_into_force``, ``nato_member_since`` ...); ``groups`` maps a group id to fields of
        :class:`Group` (``end``, ``members`` ...); ``passive_quotas`` maps a holder to a quota,
        recorded with status ``scenario``.
        """
        tables = self.tables
        new_states = _replace_records(tables.states, "iso3", states or {}, self.state)
        new_groups = _replace_records(tables.groups, "id", groups or {}, self.group)
        quota_rows = [r for r in tables.passive_quotas if r.party not in (passive_quotas or {})]
        for holder, quota in sorted((passive_quotas or {}).items()):
            self._check_holder(holder)
            quota_rows.append(
                PassiveQuotaRow(holder, int(quota), "scenario", None, None, "scenario override")
            )
        return Registry(
            dataclasses.replace(
                tables,
                states=new_states,
                groups=new_groups,
                passive_quotas=tuple(quota_rows),
                data_hash=tables.data_hash,
            )
        )


_DATE_FIELDS = {"entry_into_force", "withdrawal_effective", "nato_member_since", "start", "end"}


def _replace_records(
    records: Iterable[Any], key: str, changes: Mapping[str, Mapping[str, Any]], check
) -> tuple[Any, ...]:
    for code in changes:
        check(code)
    out = []
    for record in records:
        fields = dict(changes.get(getattr(record, key), {}))
        for name, value in list(fields.items()):
            if name in _DATE_FIELDS and value is not None:
                fields[name] = parse_date(value)
            if name == "members":
                fields[name] = tuple(sorted(value))
        out.append(dataclasses.replace(record, **fields) if fields else record)
    return tuple(out)


@cache
def load_registry() -> Registry:
    """The registry built from the bundled data (cached; it is immutable)."""
    return Registry(load_tables())
