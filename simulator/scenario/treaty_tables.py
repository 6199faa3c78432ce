"""The scenario tables of the treaty's side: ``[membership]``, ``[rules]`` and ``[requests]``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from simulator.scenario.fields import MAX_YEAR, MIN_YEAR, Day, Table, Window


class StateChange(Table):
    entry_into_force: Day | None = Field(
        default=None,
        description="day the treaty enters into force for the state, which becomes a State Party "
        "(replaces the bundled date)",
    )
    withdrawal_effective: Day | None = Field(
        default=None,
        description="day its withdrawal takes effect (Art. XV para 2: notice at least six months "
        "ahead); no longer a party from that day",
    )
    nato_member_since: Day | None = Field(
        default=None,
        description="day it joins NATO; from then on NATO members do not fly over it nor it over "
        "them, under rules.nato_practice",
    )
    stays: bool = Field(
        default=False,
        description="never withdraws: clears a bundled withdrawal_effective (e.g. the US staying "
        "in)",
    )


class GroupChange(Table):
    end: Day | None = Field(
        default=None,
        description="day the group of States Parties (Art. III Sec. II) stops holding one quota; "
        "its members then hold their own",
    )
    persists: bool = Field(
        default=False,
        description="the group never ends: clears a bundled end (e.g. Belarus and Russia after "
        "Russia's withdrawal)",
    )


class Membership(Table):
    states: dict[str, StateChange] = Field(
        default_factory=dict,
        description="changes to a state's bundled membership dates, by ISO 3166-1 alpha-3 code: "
        "[membership.states.CODE]",
    )
    groups: dict[str, GroupChange] = Field(
        default_factory=dict,
        description="changes to a group of States Parties, by its holder code: "
        "[membership.groups.CODE], e.g. \"BY-RU\"",
    )
    passive_quotas: dict[str, int] = Field(
        default_factory=dict,
        description="passive quota by quota holder code (Annex A Sec. I), replacing the bundled "
        "value in every year, e.g. { FIN = 5 }",
    )

    @model_validator(mode="after")
    def _positive_quotas(self) -> Membership:
        bad = [k for k, v in self.passive_quotas.items() if v < 0]
        if bad:
            raise ValueError(f"passive quotas must be >= 0: {', '.join(sorted(bad))}")
        return self


class RefusalSpec(Table):
    observed: str = Field(
        description="the state or quota holder that refuses observation flights over it (a code)",
    )
    observer: str = Field(description="the quota holder it refuses (a code)")
    start: Day = Field(description="first day of the refusal")
    end: Day | None = Field(
        default=None,
        description="day the refusal ends (exclusive); absent: open-ended",
    )
    mutual: bool = Field(
        default=True,
        description="the refused observer also flies none over the refusing party in return (as "
        "Russia over Georgia from 2012)",
    )
    source: str = Field(
        default="",
        description="where the refusal is recorded (free text; the report lists it)",
    )


class SuspensionSpec(Window):
    state: str = Field(description="no quota flight by or over this state while in force")


class TransferSpec(Table):
    year: int = Field(
        ge=MIN_YEAR, le=MAX_YEAR,
        description="the year whose distribution the transfer changes",
    )
    donor: str = Field(
        description="the quota holder that gives up part of its active quota (Art. III Sec. I para"
        " 9)",
    )
    recipient: str = Field(
        description="the quota holder that receives it; the 50 % rule then applies to its flights "
        "(para 9 refers to para 10)",
    )
    flights: int = Field(
        ge=1,
        description="active quota flights transferred; at most the donor's active quota",
    )


class Rules(Table):
    nato_practice: bool = Field(
        default=True,
        description="NATO members do not fly over each other (the alliance's practice; the treaty "
        "allows it)",
    )
    fifty_percent_rule: Literal["off", "transfers", "always"] = Field(
        default="always",
        description="where Art. III Sec. I para 10 (at most 50 %, rounded up, of the observer's "
        "active or the observed's passive quota, whichever is less) binds: always, "
        "only for recipients of transfers, or never (UNCONFIRMED scope, an "
        "interpretation)",
    )
    shared_flight_charge: Literal["each", "lead"] = Field(
        default="each",
        description="how a shared flight is charged to its observers' active quotas: each observer"
        " one flight, or the lead only (the treaty is silent: an assumption)",
    )
    deadlock_years: list[int] = Field(
        default_factory=list,
        description="years in which the annual review reached no consensus: no distribution, no "
        "quota flights (2018)",
    )
    no_agreement: dict[str, list[str]] = Field(
        default_factory=dict,
        description="year -> observed holders on which the distribution found no agreement in "
        "three weeks; last year's flights over them stay (Art. III Sec. I para 7), "
        "e.g. { 2019 = [\"USA\"] }",
    )
    refusals: list[RefusalSpec] = Field(
        default_factory=list,
        description="bilateral refusals outside the treaty: [[rules.refusals]] rows",
    )
    suspensions: list[SuspensionSpec] = Field(
        default_factory=list,
        description="periods with no quota flight by or over a state: [[rules.suspensions]] rows",
    )
    transfers: list[TransferSpec] = Field(
        default_factory=list,
        description="transfers of active quota (Art. III Sec. I para 9): [[rules.transfers]] rows",
    )
    max_observers_per_flight: int = Field(
        default=3, ge=1, le=10,
        description="most observing holders sharing one flight (an assumption; the treaty sets no "
        "number)",
    )


class RequestRow(Table):
    observer: str = Field(description="the requesting quota holder (a code)")
    observed: str = Field(description="the quota holder to be observed (a code)")
    flights: int = Field(ge=0, description="flights requested over it")
    shared_with: list[str] = Field(
        default_factory=list,
        description="co-observers sharing these flights (codes)",
    )
    year: int | None = Field(
        default=None, ge=MIN_YEAR, le=MAX_YEAR,
        description="the year the row applies to; absent: every year",
    )


class InterestSpec(Table):
    observer: str = Field(description="a quota holder code, or NATO, PARTNER or * (every holder)")
    observed: str = Field(description="a quota holder code, or NATO, PARTNER or * (every holder)")
    weight: float = Field(
        default=0.0, ge=0.0,
        description="relative weight of the pair in the observer's requests; 0 removes the bundled"
        " row",
    )
    request: Literal["share", "pair_cap"] = Field(
        default="share",
        description="share: a weighted part of the observer's demand; pair_cap: ask for the "
        "per-pair cap over this target first",
    )
    first_year: int | None = Field(
        default=None, ge=MIN_YEAR, le=MAX_YEAR,
        description="first year the row applies (absent: from the start)",
    )
    last_year: int | None = Field(
        default=None, ge=MIN_YEAR, le=MAX_YEAR,
        description="last year the row applies (absent: to the end)",
    )


class Requests(Table):
    model: Literal["historical", "interest", "explicit"] = Field(
        default="historical",
        description="where requests come from: historical (the record's pattern: sourced demand "
        "shares and interest), interest (each holder asks utilisation x its quota, "
        "spread by passive quotas) or explicit (the table below)",
    )
    utilisation: float = Field(
        default=1.0, ge=0.0, le=1.0,
        description="share of its active quota each holder requests under the interest model",
    )
    table: list[RequestRow] = Field(
        default_factory=list,
        description="the explicit model's requests: [[requests.table]] rows",
    )
    # Overrides of the demand model's tables (simulator/treaty/data/observer_*.csv).
    demand_shares: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(
        default_factory=dict,
        description="historical model: share of its entitlement an observer requests, by holder "
        "code or * for every one, replacing simulator/treaty/data/observer_demand.csv "
        "in every year",
    )
    joint: dict[str, str] = Field(
        default_factory=dict,
        description="historical model: observer -> the lead whose flights it joins as co-observer "
        "(\"\" for none), replacing the bundled joint_lead",
    )
    interest: list[InterestSpec] = Field(
        default_factory=list,
        description="historical model: rows added to or replacing the bundled interest table "
        "(simulator/treaty/data/observer_interest.csv): [[requests.interest]]",
    )
