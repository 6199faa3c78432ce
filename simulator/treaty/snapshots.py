"""The registry's record queries: the printed first distribution and its anomalies (Annex A
Sec. II para 1), and the snapshot of the treaty on a date."""

from __future__ import annotations

from simulator.treaty.answers import Anomaly, HolderSnapshot, TreatySnapshot
from simulator.treaty.dates import TREATY_ENTRY_INTO_FORCE, DateLike, parse_date
from simulator.treaty.tables import FirstDistributionRow


class RecordQueries:
    """Mixed into :class:`~simulator.treaty.registry.Registry`, whose membership and quota
    queries it uses."""

    def first_distribution(self) -> tuple[FirstDistributionRow, ...]:
        """The first distribution of active quotas (Annex A Sec. II para 1), as printed."""
        return self.tables.first_distribution

    def first_distribution_received(self) -> dict[str, int]:
        """Flights over each observed holder in the first distribution, shared flights once."""
        totals: dict[str, int] = {}
        counted_shared: set[tuple[str, str]] = set()
        for row in self.tables.first_distribution:
            if row.shared_flight_id:
                # Annex A Sec. II: "one observation flight, shared with ..." counts once.
                key = (row.observed, row.shared_flight_id)
                if key in counted_shared:
                    continue
                counted_shared.add(key)
            totals[row.observed] = totals.get(row.observed, 0) + row.flights
        return dict(sorted(totals.items()))

    def first_distribution_anomalies(self) -> tuple[Anomaly, ...]:
        """Where the printed first distribution breaks the treaty's own 75 % rule."""
        found = []
        for holder, flights in self.first_distribution_received().items():
            limit = self.passive_quota(holder, TREATY_ENTRY_INTO_FORCE.year).accept_limit
            if flights > limit:
                found.append(
                    Anomaly(
                        code="first-distribution-over-75-percent",
                        message=(
                            f"the printed first distribution puts {flights} flights over "
                            f"{holder}, above its 75 % limit of {limit}"
                        ),
                        reference="Annex A Sec. II para 1",
                    )
                )
        return tuple(found)

    def snapshot(self, on: DateLike) -> TreatySnapshot:
        """The treaty's state on a date, for reports and the ``registry`` command."""
        day = parse_date(on)
        holders = tuple(
            HolderSnapshot(
                holder=h,
                name=self.holder_name(h),
                members=self.members(h, day),
                nato=self.holder_is_nato(h, day),
                passive_quota=self.passive_quota(h, day.year),
                airfields=self.max_flight_distances(h, day),
            )
            for h in self.quota_holders(day)
        )
        return TreatySnapshot(
            date=day,
            states_parties=self.states_parties(day),
            signatories=self.signatories(day),
            nato_members=self.nato_members(day),
            groups=self.active_groups(day),
            holders=holders,
            data_hash=self.tables.data_hash,
        )
