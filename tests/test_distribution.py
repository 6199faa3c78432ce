"""The annual quota distribution: pinned cases and property tests of every constraint."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.errors import OpenSkiesError, UnknownCodeError
from simulator.treaty import Registry
from simulator.treaty.apportion import largest_remainder
from simulator.treaty.distribution import (
    Distribution,
    ReviewOutcome,
    distribute,
    distribute_years,
    to_rows,
)
from simulator.treaty.quotas import (
    QuotaRules,
    Refusal,
    Transfer,
    accept_limit,
    access,
    fifty_percent_cap,
    holder_pair_access,
    holders_in_year,
    observer_capacity,
)
from simulator.treaty.requests import Request, requests_for_year
from tests.synthetic import StateSpec, make_registry

GEORGIA = Refusal("GEO", "RUS", dt.date(2012, 4, 1), source="civil.ge; GIP 2018")
HISTORY_RULES = QuotaRules(refusals=(GEORGIA,))
DEADLOCK_2018 = ReviewOutcome(deadlock_years=frozenset({2018}))


@pytest.fixture(scope="module")
def history(registry: Registry) -> list[Distribution]:
    return distribute_years(registry, range(2002, 2025), HISTORY_RULES, DEADLOCK_2018)


def by_year(dists: list[Distribution]) -> dict[int, Distribution]:
    return {d.year: d for d in dists}


# ----------------------------------------------------------------- apportion
def test_largest_remainder_is_exact_and_fair() -> None:
    assert largest_remainder(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    assert largest_remainder(5, {"a": 3, "b": 1}) == {"a": 4, "b": 1}
    assert largest_remainder(0, {"a": 3}) == {"a": 0}
    assert largest_remainder(3, {"a": 0, "b": 0}) == {"a": 0, "b": 0}


@given(st.integers(0, 60), st.dictionaries(st.sampled_from("abcdefgh"), st.integers(0, 40)))
def test_largest_remainder_properties(total: int, weights: dict[str, int]) -> None:
    shares = largest_remainder(total, weights)
    if sum(weights.values()) > 0:
        assert sum(shares.values()) == total
        for k, w in weights.items():
            exact = total * w / sum(weights.values())
            assert math.floor(exact) <= shares[k] <= math.ceil(exact)
    else:
        assert sum(shares.values()) == 0


# -------------------------------------------------------------- pinned cases
def test_us_request_of_21_over_russia_in_2020_is_feasible(registry: Registry) -> None:
    assert fifty_percent_cap(42, 42) == 21
    dist = distribute(registry, 2020, [Request("USA", "BY-RU", 21)])
    assert dist.rows() == [
        {"year": 2020, "observer": "USA", "observed": "BY-RU", "flights": 21, "shared_with": ""}
    ]
    assert dist.notes == ()


def test_always_mode_caps_each_pair_from_the_entitlement_once(registry: Registry) -> None:
    # F37: 50 % of the total active quota entitlement (42 for the US), not of the flights granted
    rules = QuotaRules(fifty_percent_rule="always")
    requests = [Request("USA", "BY-RU", 25), Request("USA", "UKR", 3)]
    dist = distribute(registry, 2020, requests, rules)
    got = {r["observed"]: r["flights"] for r in dist.rows()}
    assert got == {"BY-RU": 21, "UKR": 3}
    assert any("50 % rule" in n for n in dist.notes)


def test_what_the_pair_cap_frees_goes_to_other_requests_over_the_target(registry) -> None:
    rules = QuotaRules(fifty_percent_rule="always")
    requests = [Request("USA", "BY-RU", 30), Request("DEU", "BY-RU", 6), Request("GBR", "BY-RU", 6)]
    dist = distribute(registry, 2020, requests, rules)
    got = {r["observer"]: r["flights"] for r in dist.rows()}
    assert got == {"USA": 21, "DEU": 6, "GBR": 6}  # the cap comes before the accept limit


def test_transfers_mode_caps_a_recipient_of_transferred_quota(registry: Registry) -> None:
    rules = QuotaRules(fifty_percent_rule="transfers", transfers=(Transfer(2019, "DEU", "FIN", 2),))
    assert observer_capacity(registry, "FIN", 2019, rules) == 7
    assert observer_capacity(registry, "DEU", 2019, rules) == 10
    dist = distribute(registry, 2019, [Request("FIN", "BY-RU", 7)], rules)
    assert dist.received()["BY-RU"] == fifty_percent_cap(7, 42) == 4
    # without the transfer the same request is not capped by the 50 % rule
    plain = QuotaRules(fifty_percent_rule="transfers")
    assert distribute(registry, 2019, [Request("FIN", "BY-RU", 5)], plain).received()["BY-RU"] == 5


def test_no_nato_pair_while_the_practice_is_on(registry: Registry, history) -> None:
    for dist in history:
        for row in dist.rows():
            ok, reason = holder_pair_access(
                registry, row["observer"], row["observed"], dist.last_year, HISTORY_RULES
            )
            assert ok, (dist.year, row, reason)
            assert not (
                registry.holder_is_nato(row["observer"], dt.date(dist.last_year, 12, 31))
                and registry.holder_is_nato(row["observed"], dt.date(dist.last_year, 12, 31))
            )


def test_nato_pairs_are_allocated_when_the_practice_is_off(registry: Registry) -> None:
    rules = QuotaRules(nato_practice=False)
    dist = distribute(registry, 2019, requests_for_year(registry, 2019, rules, "interest"), rules)
    nato_pairs = [
        r
        for r in dist.rows()
        if registry.holder_is_nato(r["observer"], "2019-06-01")
        and registry.holder_is_nato(r["observed"], "2019-06-01")
    ]
    assert len(nato_pairs) > 20


def test_withdrawn_states_get_nothing_after_their_effective_date(history) -> None:
    years = by_year(history)
    assert any("USA" in (r["observer"], r["observed"]) for r in years[2020].rows())
    for year in range(2021, 2025):
        for row in years[year].rows():
            assert "USA" not in (row["observer"], row["observed"], *row["shared_with"].split())
    assert any("BY-RU" in (r["observer"], r["observed"]) for r in years[2021].rows())
    for year in range(2022, 2025):
        for row in years[year].rows():
            assert "BY-RU" not in (row["observer"], row["observed"])
        assert years[year].received().get("BLR", 0) > 0  # Belarus observed on its own


def test_2018_deadlock_gives_zero_flights(history) -> None:
    dist = by_year(history)[2018]
    assert dist.status == "deadlock"
    assert dist.total_flights == 0 and dist.rows() == []
    assert by_year(history)[2019].total_flights > 90


def test_without_the_deadlock_switch_2018_has_flights(registry: Registry) -> None:
    dists = distribute_years(registry, [2017, 2018], HISTORY_RULES)
    assert by_year(dists)[2018].total_flights > 90


def test_fallback_keeps_last_years_rows_for_a_state_without_agreement(registry: Registry) -> None:
    review = ReviewOutcome(
        deadlock_years=frozenset({2018}), no_agreement={2019: frozenset({"UKR"})}
    )
    years = by_year(distribute_years(registry, range(2016, 2020), HISTORY_RULES, review))
    over_ukr = lambda d: [  # noqa: E731
        (r["observer"], r["flights"], r["shared_with"]) for r in d.rows() if r["observed"] == "UKR"
    ]
    assert years[2019].status == "fallback"
    assert over_ukr(years[2019]) == over_ukr(years[2017])  # 2018 had no distribution
    assert any("UKR" in n for n in years[2019].notes)
    others = [r for r in years[2019].rows() if r["observed"] != "UKR"]
    assert others  # the rest of the distribution is agreed as usual


def test_fallback_in_the_first_year_means_no_flights_over_that_state(registry: Registry) -> None:
    review = ReviewOutcome(no_agreement={2010: frozenset({"UKR"})})
    dist = distribute(registry, 2010, [Request("DEU", "UKR", 2)], review=review)
    assert dist.received() == {}
    assert "no earlier distribution" in dist.notes[0]


def test_first_distribution_years_respect_the_75_percent_rule(registry: Registry, history) -> None:
    years = by_year(history)
    assert 2003 not in years and years[2002].last_year == 2003  # one period (F05)
    for year in (2002, 2004, 2005):
        for holder, flights in years[year].received().items():
            assert flights <= accept_limit(registry, holder, year), (year, holder)
    assert years[2002].received()["POL"] <= 4  # the printed 5 is settled, not a crash
    assert years[2002].received()["UKR"] == 9


def test_shared_flights_count_once_against_the_observed_state(history) -> None:
    rows = [r for r in by_year(history)[2002].rows() if r["observed"] == "UKR"]
    shared = {(r["observer"], r["shared_with"]) for r in rows if r["shared_with"]}
    assert ("USA", "CAN") in shared and ("CAN", "USA") in shared
    assert ("ITA", "TUR") in shared and ("TUR", "ITA") in shared
    assert (
        by_year(history)[2002].received()["UKR"]
        == sum(r["flights"] for r in rows)
        - sum(r["flights"] for r in rows if r["shared_with"]) // 2
    )


def test_full_implementation_opens_the_full_passive_quotas(registry, history) -> None:
    years = by_year(history)
    assert years[2005].received()["BY-RU"] <= 31  # 75 % of 42 through 2005
    assert 31 < years[2006].received()["BY-RU"] <= 42
    assert years[2006].total_flights > years[2005].total_flights
    # from 2014 the US asks for the per-pair maximum over Russia-Belarus (F42)
    rows = years[2019].rows()
    us = [r["flights"] for r in rows if (r["observer"], r["observed"]) == ("USA", "BY-RU")]
    assert sum(us) == 21


def test_sweden_gets_its_sourced_2003_accession_quota(history) -> None:
    rows = by_year(history)[2002].rows()  # the first period, 2002-2003
    swe = {r["observed"]: r["flights"] for r in rows if r["observer"] == "SWE"}
    assert swe == {"BY-RU": 1, "FIN": 1}


def test_georgia_and_russia_do_not_observe_each_other_after_april_2012(registry, history) -> None:
    for dist in history:
        pairs = {(r["observer"], r["observed"]) for r in dist.rows()}
        if dist.year >= 2012:
            assert ("GEO", "BY-RU") not in pairs and ("BY-RU", "GEO") not in pairs
    assert holder_pair_access(registry, "BY-RU", "GEO", 2011, HISTORY_RULES)[0]
    assert not holder_pair_access(registry, "BY-RU", "GEO", 2013, HISTORY_RULES)[0]


def test_access_by_date(registry: Registry) -> None:
    rules = HISTORY_RULES
    assert access(registry, "USA", "RUS", "2019-06-01", rules) == (True, "allowed")
    assert access(registry, "USA", "DEU", "2019-06-01", rules) == (False, "nato_practice")
    assert access(registry, "BEL", "NLD", "2019-06-01", rules) == (False, "same_quota_holder")
    assert access(registry, "GEO", "RUS", "2013-06-01", rules) == (False, "refusal")
    assert access(registry, "BLR", "GEO", "2013-06-01", rules) == (True, "allowed")
    assert access(registry, "USA", "RUS", "2021-06-01", rules) == (False, "not_a_party")
    assert access(registry, "FIN", "DEU", "2023-04-03", rules) == (True, "allowed")
    assert access(registry, "FIN", "DEU", "2023-04-04", rules) == (False, "nato_practice")


def test_holders_in_year(registry: Registry) -> None:
    assert "FIN" in holders_in_year(registry, 2003)  # accession in February
    assert "BLR" not in holders_in_year(registry, 2021)  # only after the group ends
    assert "BLR" in holders_in_year(registry, 2022)
    assert "USA" in holders_in_year(registry, 2020) and "USA" not in holders_in_year(registry, 2021)


def test_unknown_codes_and_models_are_reported(registry: Registry) -> None:
    with pytest.raises(UnknownCodeError, match="'XXX'"):
        distribute(registry, 2019, [Request("XXX", "BY-RU", 1)])
    with pytest.raises(OpenSkiesError, match="unknown request model 'magic'"):
        requests_for_year(registry, 2019, QuotaRules(), "magic")
    with pytest.raises(ValueError, match="fifty_percent_rule"):
        QuotaRules(fifty_percent_rule="sometimes")


def test_distribution_is_deterministic_and_tidy(registry: Registry, history) -> None:
    again = distribute_years(registry, range(2002, 2025), HISTORY_RULES, DEADLOCK_2018)
    assert to_rows(again) == to_rows(history)
    rows = to_rows(history)
    assert list(rows[0]) == ["year", "observer", "observed", "flights", "shared_with"]
    assert all(r["flights"] > 0 for r in rows)


def test_explicit_model_reads_a_table(registry: Registry) -> None:
    table = [
        {"observer": "DEU", "observed": "BY-RU", "flights": 3},
        {"observer": "FRA", "observed": "UKR", "flights": 1, "shared_with": "DEU", "year": 2019},
        {"observer": "FRA", "observed": "UKR", "flights": 5, "year": 2020},
    ]
    reqs = requests_for_year(registry, 2019, QuotaRules(), "explicit", {"table": table})
    dist = distribute(registry, 2019, reqs)
    assert dist.received() == {"BY-RU": 3, "UKR": 1}
    assert dist.charged(QuotaRules()) == {"DEU": 4, "FRA": 1}


# ------------------------------------------------------------ property tests
CODES = ("AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG")


@st.composite
def treaties(draw):
    n = draw(st.integers(2, len(CODES)))
    specs = []
    for code in CODES[:n]:
        joins = draw(st.dates(dt.date(2002, 1, 1), dt.date(2008, 12, 31)))
        leaves = draw(st.none() | st.dates(dt.date(2003, 1, 1), dt.date(2012, 12, 31)))
        if leaves is not None and leaves <= joins:
            leaves = None
        nato = draw(st.none() | st.dates(dt.date(1999, 1, 1), dt.date(2012, 12, 31)))
        specs.append(StateSpec(code, draw(st.integers(1, 20)), joins, leaves, nato))
    group = None
    if n >= 4 and draw(st.booleans()):
        end = draw(st.none() | st.dates(dt.date(2004, 1, 1), dt.date(2012, 12, 31)))
        group = (CODES[0], CODES[1], end)
    registry = make_registry(specs, group, draw(st.integers(2, 30)))
    year = draw(st.integers(2002, 2012))
    holders = sorted(set(CODES[:n]) | ({"GRP"} if group else set()))
    req = st.builds(
        Request,
        st.sampled_from(holders),
        st.sampled_from(holders),
        st.integers(0, 25),
        st.lists(st.sampled_from(holders), max_size=2, unique=True).map(tuple),
    )
    requests = draw(st.lists(req, max_size=14))
    requests = [
        r for r in requests if r.observer not in r.shared_with and r.observed not in r.observers
    ]
    state_pairs = st.tuples(st.sampled_from(CODES[:n]), st.sampled_from(CODES[:n]))
    holder_pairs = st.tuples(st.sampled_from(holders), st.sampled_from(holders))
    refusals = tuple(
        Refusal(b, a, draw(st.dates(dt.date(2002, 1, 1), dt.date(2012, 12, 31))))
        for a, b in draw(st.lists(state_pairs, max_size=2))
        if a != b
    )
    transfers = tuple(
        Transfer(year, a, b, draw(st.integers(1, 3)))
        for a, b in draw(st.lists(holder_pairs, max_size=2))
        if a != b
    )
    rules = QuotaRules(
        nato_practice=draw(st.booleans()),
        fifty_percent_rule=draw(st.sampled_from(["off", "transfers", "always"])),
        refusals=refusals,
        transfers=transfers,
        shared_flight_charge=draw(st.sampled_from(["each", "lead"])),
    )
    return registry, year, requests, rules


def violations(registry, year, grants, rules) -> list[str]:
    """Every constraint of the distribution, checked on a list of (observers, observed, n)."""
    found = []
    holders = set(holders_in_year(registry, year))
    charged: dict[str, int] = {}
    received: dict[str, int] = {}
    for observers, observed, n in grants:
        if n < 0:
            found.append("negative")
        for o in observers:
            if o not in holders or observed not in holders:
                found.append(f"non-holder {o}->{observed}")
            elif not holder_pair_access(registry, o, observed, year, rules)[0]:
                found.append(f"disallowed {o}->{observed}")
        payers = observers if rules.shared_flight_charge == "each" else observers[:1]
        for o in payers:
            charged[o] = charged.get(o, 0) + n
        received[observed] = received.get(observed, 0) + n
    for o, n in charged.items():
        if o in holders and n > observer_capacity(registry, o, year, rules):
            found.append(f"capacity {o}")
    for t, n in received.items():
        if t in holders and n > accept_limit(registry, t, year):
            found.append(f"accept limit {t}")
    pair: dict[tuple[str, str], int] = {}  # flights charged to each observer over a target
    for observers, observed, n in grants:
        payers = observers if rules.shared_flight_charge == "each" else observers[:1]
        for o in payers:
            pair[(o, observed)] = pair.get((o, observed), 0) + n
    for (o, t), n in pair.items():
        if o not in holders or t not in holders:
            continue
        quota = registry.passive_quota(t, year).quota
        mode = rules.fifty_percent_rule
        entitled = observer_capacity(registry, o, year, rules)
        if mode == "always" and n > fifty_percent_cap(entitled, quota):
            found.append(f"50 % always {o}->{t}")
        recipient = any(tr.recipient == o and tr.year == year for tr in rules.transfers)
        capped = fifty_percent_cap(observer_capacity(registry, o, year, rules), quota)
        if mode == "transfers" and recipient and n > capped:
            found.append(f"50 % transfers {o}->{t}")
    return found


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(treaties())
def test_no_constraint_is_ever_violated(case) -> None:
    registry, year, requests, rules = case
    dist = distribute(registry, year, requests, rules)
    grants = [(g.observers, g.observed, g.flights) for g in dist.grants]
    assert violations(registry, year, grants, rules) == []
    # grants never exceed what was asked for over a target
    asked: dict[str, int] = {}
    for r in requests:
        asked[r.observed] = asked.get(r.observed, 0) + max(r.flights, 0)
    for target, n in dist.received().items():
        assert n <= asked[target]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(treaties())
def test_undersubscribed_requests_are_granted_in_full(case) -> None:
    registry, year, requests, rules = case
    merged: dict[tuple[tuple[str, ...], str], int] = {}
    for r in requests:
        if r.flights > 0:
            merged[(r.observers, r.observed)] = merged.get((r.observers, r.observed), 0) + r.flights
    # keep only requests within every limit (scale them down to one flight each if need be)
    small = {k: min(v, 1) for k, v in merged.items()}
    grants = [(k[0], k[1], n) for k, n in small.items()]
    if violations(registry, year, grants, rules):
        return  # not an undersubscribed case
    dist = distribute(
        registry, year, [Request(k[0][0], k[1], n, k[0][1:]) for k, n in small.items()], rules
    )
    assert {(g.observers, g.observed): g.flights for g in dist.grants} == {
        k: n for k, n in small.items() if n > 0
    }


# ------------------------------------------------------------ the demand model
def test_a_deadlock_or_no_agreement_in_2003_reaches_the_first_period(registry: Registry) -> None:
    blocked = ReviewOutcome(frozenset({2003}))
    dead = distribute_years(registry, [2002, 2003], HISTORY_RULES, blocked)
    assert [d.status for d in dead] == ["deadlock"]
    stuck = ReviewOutcome(no_agreement={2003: frozenset({"UKR"})})
    first = distribute_years(registry, [2002, 2003], HISTORY_RULES, stuck)[0]
    assert "UKR" not in first.received()


def test_scenario_overrides_of_the_demand_tables_apply(registry: Registry) -> None:
    from simulator.treaty.demand import DemandModel

    overrides = {"joint": {"FIN": "NOR", "EST": ""}, "demand_shares": {"*": 0.2}}
    model = DemandModel.from_params(overrides)
    assert model.joint_lead("FIN", 2010) == "NOR"
    assert model.joint_lead("EST", 2010) == ""
    assert model.joint_lead("LTU", 2010) == "USA"  # bundled rows stay where not overridden
    assert model.share("DEU", 2010) == 0.2 and model.share("BY-RU", 2010) == 0.85
    rows = [{"observer": "DEU", "observed": "GEO", "weight": 50.0}]
    reqs = requests_for_year(registry, 2010, HISTORY_RULES, "historical", {"interest": rows})
    deu = {r.observed: r.flights for r in reqs if r.observer == "DEU" and not r.shared_with}
    assert deu.get("GEO", 0) == fifty_percent_cap(12, 4)  # capped at the pair maximum


def test_the_fifty_percent_mode_reaches_the_demand_model(registry: Registry) -> None:
    params = {"demand_shares": {"USA": 1.0}}
    capped = requests_for_year(registry, 2015, QuotaRules(), "historical", params)
    free = requests_for_year(
        registry, 2015, QuotaRules(fifty_percent_rule="off"), "historical", params
    )

    def us_over_russia(reqs):
        return sum(r.flights for r in reqs if r.observer == "USA" and r.observed == "BY-RU")

    assert us_over_russia(capped) == 21
    assert us_over_russia(free) > 21


def test_oversubscribed_targets_join_flights_before_cutting(registry: Registry) -> None:
    requests = [Request(o, "GEO", 2) for o in ("CAN", "DEU", "FRA", "GBR")]
    dist = distribute(registry, 2010, requests, HISTORY_RULES)
    assert dist.received()["GEO"] == 4  # Georgia's passive quota
    charged = dist.charged(HISTORY_RULES)
    assert all(charged[o] == 2 for o in ("CAN", "DEU", "FRA", "GBR"))  # nobody was cut
    assert any(len(g.observers) > 1 for g in dist.grants)
    assert any("joined" in n for n in dist.notes)
