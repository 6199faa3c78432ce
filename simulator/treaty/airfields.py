"""The registry's airfield queries: each holder's Open Skies airfields and the maximum flight
distance in force from each on a date (Annex A Sec. III; Annex E para 1)."""

from __future__ import annotations

from simulator.treaty.answers import ResolvedDistance, memo
from simulator.treaty.dates import DateLike, parse_date
from simulator.treaty.tables import Airfield


class AirfieldQueries:
    """Mixed into :class:`~simulator.treaty.registry.Registry`, whose tables and holder checks
    it uses."""

    def _holder_states(self, holder: str) -> tuple[str, ...]:
        return self._groups[holder].members if holder in self._groups else (holder,)

    @memo
    def airfields(
        self, holder: str, on: DateLike | None = None, role: str = "open_skies_airfield"
    ) -> tuple[Airfield, ...]:
        """The holder's sites with a role flag (see :class:`Airfield`) designated by ``on``."""
        self._check_holder(holder)
        day = parse_date(on) if on is not None else None
        sites = [a for s in self._holder_states(holder) for a in self._airfields.get(s, [])]
        found = [a for a in sites if getattr(a, role)]
        valid = [a for a in found if day is None or a.valid_from is None or a.valid_from <= day]
        if not valid and found:
            # Annex E para 1: every party designates an Open Skies airfield. A holder whose
            # known sites were all designated later (Belarus's, dated to the BY-RU group's
            # historical end, when a scenario ends the group earlier) uses the first of them,
            # back-dated, as max_flight_distances does with distances seen later.
            first = min(a.valid_from for a in found if a.valid_from is not None)
            valid = [a for a in found if a.valid_from == first]
        return tuple(sorted(valid, key=lambda a: a.airfield_id))

    @memo
    def max_flight_distances(self, holder: str, on: DateLike) -> tuple[ResolvedDistance, ...]:
        """The maximum flight distance in force from each Open Skies airfield on the date.

        Annex A Sec. III lists distances per airfield; later values are the ones reported for
        individual flights. For each airfield and region, the value seen most recently on or
        before the date's year applies; a value with no airfield applies to all of the party's
        airfields. When the only known value was seen later, it is used and flagged back-dated.
        """
        self._check_holder(holder)
        day = parse_date(on)
        states = set(self._holder_states(holder))
        rows = [r for r in self.tables.max_flight_distances if r.party in {holder, *states}]
        by_id = {a.airfield_id: a for a in self.tables.airfields}
        keys: set[tuple[str, str | None]] = {
            (a.airfield_id, None) for a in self.airfields(holder, day)
        }
        keys |= {(r.airfield_id, r.region) for r in rows if r.airfield_id and r.region}
        resolved = []
        for airfield_id, region in sorted(keys, key=lambda k: (k[0], k[1] or "")):
            if by_id[airfield_id].state not in states:
                continue
            located = by_id[airfield_id].state
            candidates = [
                r
                for r in rows
                if (r.airfield_id == airfield_id and r.region == region)
                or (
                    r.airfield_id is None
                    and region is None
                    and located in self._holder_states(r.party)
                )
            ]
            if not candidates:
                continue
            seen = [r for r in candidates if (r.year_seen or 0) <= day.year]
            # Latest value wins; an airfield's own value beats a party-wide one of the same year.
            pick_from = seen or candidates
            chooser = max if seen else min
            best = chooser(pick_from, key=lambda r: ((r.year_seen or 0), r.airfield_id is not None))
            resolved.append(
                ResolvedDistance(
                    airfield_id=airfield_id,
                    airfield=by_id[airfield_id].name,
                    region=region,
                    distance_km=best.distance_km,
                    basis=best.basis,
                    year_seen=best.year_seen,
                    back_dated=not seen,
                    source=best.source,
                )
            )
        return tuple(resolved)
