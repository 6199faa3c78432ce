"""The treaty registry: facts pinned against the treaty text and the public record."""

from __future__ import annotations

import datetime as dt

import pytest

from simulator.errors import InvalidDateError, UnknownCodeError
from simulator.treaty import PHASE_IN_END, Registry


# ---------------------------------------------------------------- membership
@pytest.mark.parametrize(
    ("day", "count"), [("2019-06-01", 34), ("2021-06-01", 33), ("2022-06-01", 32)]
)
def test_number_of_states_parties(registry: Registry, day: str, count: int) -> None:
    assert len(registry.states_parties(day)) == count


def test_us_withdrawal_takes_effect_on_22_november_2020(registry: Registry) -> None:
    # Art. XV para 2: six months after the notice of 22 May 2020.
    assert registry.is_party("USA", "2020-11-21")
    assert not registry.is_party("USA", "2020-11-22")


def test_russian_withdrawal_ends_the_belarus_russia_group(registry: Registry) -> None:
    assert registry.is_party("RUS", "2021-12-17")
    assert registry.group_of("RUS", "2021-12-17") == "BY-RU"
    assert registry.quota_holder("BLR", "2021-12-17") == "BY-RU"
    assert not registry.is_party("RUS", "2021-12-18")
    assert registry.group_of("BLR", "2021-12-18") is None
    assert registry.quota_holder("BLR", "2021-12-18") == "BLR"
    assert registry.is_party("BLR", "2021-12-18")
    assert "BY-RU" not in registry.quota_holders("2022-01-01")
    assert [g.id for g in registry.active_groups("2022-01-01")] == ["BENELUX"]


def test_finland_and_sweden(registry: Registry) -> None:
    assert not registry.is_party("FIN", "2003-02-09")
    assert registry.is_party("FIN", "2003-02-10")
    assert not registry.is_nato_member("FIN", "2023-04-03")
    assert registry.is_nato_member("FIN", "2023-04-04")
    assert not registry.is_nato_member("SWE", "2024-03-06")
    assert registry.is_nato_member("SWE", "2024-03-07")


def test_sweden_entry_into_force_is_a_flagged_assumption(registry: Registry) -> None:
    sweden = registry.state("SWE")
    assert sweden.entry_into_force_status == "assumption"
    assert "ASSUMPTION" in sweden.notes


def test_kyrgyzstan_and_the_csfr_are_never_parties(registry: Registry) -> None:
    for day in ("1992-06-01", "2002-01-01", "2019-06-01"):
        assert not registry.is_party("KGZ", day)
        assert not registry.is_party("CSK", day)
    assert registry.signatories("2019-06-01") == ("KGZ",)


def test_nobody_is_a_party_before_entry_into_force(registry: Registry) -> None:
    assert registry.states_parties("2001-12-31") == ()
    assert len(registry.states_parties("2002-01-01")) == 26  # 34 less the eight acceders


def test_benelux_is_one_quota_holder_with_three_member_states(registry: Registry) -> None:
    assert registry.members("BENELUX", "2019-06-01") == ("BEL", "LUX", "NLD")
    assert {registry.quota_holder(c, "2019-06-01") for c in ("BEL", "LUX", "NLD")} == {"BENELUX"}
    assert registry.passive_quota("BENELUX", 2019).quota == 6
    assert registry.holder_is_nato("BENELUX", "2019-06-01")
    assert not registry.holder_is_nato("BY-RU", "2019-06-01")


def test_states_parties_and_holders_are_sorted(registry: Registry) -> None:
    parties = registry.states_parties("2019-06-01")
    assert list(parties) == sorted(parties)
    assert len(registry.quota_holders("2019-06-01")) == 31  # 34 parties, two groups


def test_nato_members_on_dates(registry: Registry) -> None:
    assert len(registry.nato_members("2019-06-01")) == 27
    assert "FIN" in registry.nato_members("2023-06-01")
    assert "SWE" in registry.nato_members("2024-06-01")
    assert "USA" not in registry.nato_members("2021-01-01")  # NATO, but no longer a party


# -------------------------------------------------------------------- quotas
def test_1992_passive_quotas_sum_to_225(registry: Registry) -> None:
    annex_a = [r for r in registry.tables.passive_quotas if r.status == "treaty"]
    assert sum(r.quota for r in annex_a) == 225
    assert len(annex_a) == 21


def test_phase_in_rule_caps_acceptance_at_75_percent_through_2005(registry: Registry) -> None:
    assert dt.date(2005, 12, 31) == PHASE_IN_END
    q2005 = registry.passive_quota("BY-RU", 2005)
    assert (q2005.quota, q2005.accept_limit, q2005.phase_in) == (42, 31, True)
    q2006 = registry.passive_quota("BY-RU", 2006)
    assert (q2006.quota, q2006.accept_limit, q2006.phase_in) == (42, 42, False)
    assert registry.passive_quota("PRT", 2003).accept_limit == 1
    assert registry.passive_quota("UKR", 2002).accept_limit == 9


def test_every_quota_holder_on_every_date_has_a_quota_with_a_status(registry: Registry) -> None:
    for year in range(2002, 2026):
        for holder in registry.quota_holders(dt.date(year, 7, 1)):
            quota = registry.passive_quota(holder, year)
            assert quota.quota > 0
            assert quota.status in {"treaty", "official statement", "assumption"}
            assert quota.source


def test_unconfirmed_quotas_are_explained_assumptions(registry: Registry) -> None:
    unconfirmed = {"SWE", "LVA", "LTU", "HRV", "SVN", "BIH", "GEO", "CZE", "SVK", "BLR"}
    for holder in sorted(unconfirmed):
        quota = registry.passive_quota(holder, 2022)
        assert quota.status == "assumption", holder
        assert len(quota.reasoning) > 40, holder
    assert registry.passive_quota("FIN", 2019).status == "official statement"
    assert registry.passive_quota("EST", 2019).status == "official statement"


def test_scenario_can_override_membership_and_quotas(registry: Registry) -> None:
    stays = registry.with_overrides(
        states={"USA": {"withdrawal_effective": None}}, passive_quotas={"SWE": 5}
    )
    assert stays.is_party("USA", "2022-06-01")
    assert len(stays.states_parties("2021-06-01")) == 34
    quota = stays.passive_quota("SWE", 2019)
    assert (quota.quota, quota.status) == (5, "scenario")
    russia_stays = registry.with_overrides(
        states={"RUS": {"withdrawal_effective": None}}, groups={"BY-RU": {"end": None}}
    )
    assert russia_stays.quota_holder("BLR", "2023-01-01") == "BY-RU"
    # the original registry is unchanged
    assert not registry.is_party("USA", "2022-06-01")


# ---------------------------------------------------------- first distribution
def test_first_distribution_totals(registry: Registry) -> None:
    received = registry.first_distribution_received()
    assert received["BY-RU"] == 28
    assert received["USA"] == 4
    assert received["UKR"] == 9  # two shared flights counted once each
    assert len(registry.first_distribution()) == 58


def test_first_distribution_poland_anomaly_is_reported_not_raised(registry: Registry) -> None:
    anomalies = registry.first_distribution_anomalies()
    assert len(anomalies) == 1
    assert "POL" in anomalies[0].message
    assert "5 flights" in anomalies[0].message and "limit of 4" in anomalies[0].message


def test_us_has_eight_of_its_flights_over_belarus_russia(registry: Registry) -> None:
    us = {r.observed: r.flights for r in registry.first_distribution() if r.observer == "USA"}
    assert us == {"BY-RU": 8, "UKR": 1}


# ------------------------------------------------------- airfields, distances
def test_open_skies_airfields_have_coordinates_and_quality(registry: Registry) -> None:
    for holder in registry.quota_holders("2019-06-01"):
        fields = registry.airfields(holder, "2019-06-01")
        assert fields, holder
        for a in fields:
            assert a.lat is not None and a.lon is not None
            assert -90 <= a.lat <= 90 and -180 <= a.lon <= 180
            assert a.coord_quality in {"printed", "corrected", "approximate"}


def test_flagged_coordinate_corrections(registry: Registry) -> None:
    by_id = {a.airfield_id: a for a in registry.tables.airfields}
    for site in ("DEU-wunstorf", "GBR-leuchars", "CSK-bratislava-international", "TUR-diyarbakir"):
        assert by_id[site].coord_quality == "corrected"
    assert by_id["ROU-urlati"].coord_quality == "unparsed"
    assert by_id["GBR-leuchars"].lat == pytest.approx(56.373)


def test_maximum_flight_distances_follow_the_record(registry: Registry) -> None:
    def km(holder: str, day: str) -> dict[str, float]:
        return {
            d.airfield_id: d.distance_km
            for d in registry.max_flight_distances(holder, day)
            if d.region is None
        }

    assert km("BY-RU", "2010-06-01")["RUS-kubinka"] == 5000  # Annex A Sec. III
    assert km("BY-RU", "2010-06-01")["RUS-vorkuta"] == 6500
    assert km("BY-RU", "2019-06-01")["RUS-kubinka"] == 5500  # reported from 2017
    assert km("USA", "2010-06-01")["USA-travis-afb"] == 4000
    assert km("USA", "2019-06-01")["USA-travis-afb"] == 4250
    assert km("FIN", "2019-06-01") == {"FIN-helsinki-vantaa": 1400}
    assert km("UKR", "2019-06-01") == {"UKR-borispol-kiev": 2100}
    assert "BLR-minsk-national" not in km("BY-RU", "2019-06-01")
    assert km("BLR", "2022-06-01") == {"BLR-minsk-national": 1150}


def test_regional_distances_are_kept_apart(registry: Registry) -> None:
    regions = {
        d.region: d.distance_km
        for d in registry.max_flight_distances("DNK", "2010-06-01")
        if d.region
    }
    assert regions == {"metropolitan Denmark": 800, "Faroe Islands": 250, "Greenland": 5600}


# -------------------------------------------------------------------- errors
def test_unknown_code_names_the_value_and_lists_choices(registry: Registry) -> None:
    with pytest.raises(UnknownCodeError) as info:
        registry.is_party("RUSS", "2019-06-01")
    message = str(info.value)
    assert "'RUSS'" in message
    assert "Did you mean 'RUS'" in message
    assert "Valid choices:" in message and "USA" in message
    with pytest.raises(UnknownCodeError, match="'XYZ'"):
        registry.passive_quota("XYZ", 2019)
    with pytest.raises(UnknownCodeError, match="Valid choices"):
        registry.members("NATO", "2019-06-01")


@pytest.mark.parametrize("bad", ["2019-13-01", "2019-02-30", "01/06/2019", "", "yesterday", 2019])
def test_malformed_date_names_the_value_and_the_format(registry: Registry, bad: object) -> None:
    with pytest.raises(InvalidDateError) as info:
        registry.states_parties(bad)  # type: ignore[arg-type]
    assert repr(bad) in str(info.value)
    assert "YYYY-MM-DD" in str(info.value)


def test_dates_and_datetimes_are_accepted(registry: Registry) -> None:
    assert registry.states_parties(dt.date(2019, 6, 1)) == registry.states_parties(
        dt.datetime(2019, 6, 1, 12, 0)
    )


# ------------------------------------------------------------ change dates
def test_membership_answers_are_constant_within_each_period(registry: Registry) -> None:
    """The engine memoises membership answers per period; check that this is sound on every
    fifth day of 1992-2030 and on the days around every change, against the first day of the
    day's period."""
    changes = registry.membership_change_dates
    assert list(changes) == sorted(set(changes))
    assert dt.date(2021, 12, 18) in changes  # Russia's withdrawal
    codes = registry.state_codes
    holders = registry.holder_codes
    days = {dt.date(1992, 1, 1) + dt.timedelta(days=n) for n in range(0, 14_000, 5)}
    days |= {c + dt.timedelta(days=n) for c in changes for n in (-2, -1, 0, 1, 2)}
    for day in sorted(days):
        start = registry.membership_period(day)
        assert start <= day
        if start != day:
            assert registry.states_parties(day) == registry.states_parties(start)
            assert registry.nato_members(day) == registry.nato_members(start)
            assert [registry.quota_holder(c, day) for c in codes] == [
                registry.quota_holder(c, start) for c in codes
            ]
            assert [registry.members(h, day) for h in holders] == [
                registry.members(h, start) for h in holders
            ]
