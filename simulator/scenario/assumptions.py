"""The assumptions a scenario runs under, grouped for the report (``Group: text``): every
flagged value of the treaty's data, the operations table, the fleet and the geometry that the
scenario uses, with the value used and where it comes from.
"""

from __future__ import annotations

from simulator.engine.fleets import MAX_FERRY_LEGS, aircraft_rows, load_lending
from simulator.geo.regions import load_areas_of_interest
from simulator.scenario.schema import ScenarioModel
from simulator.treaty import load_registry
from simulator.treaty.demand import bundled_demand, bundled_interest


def assumptions(model: ScenarioModel) -> list[str]:
    """Every assumption and interpretation this scenario depends on, for its report, each as
    ``"Group: text"`` (the report groups them)."""
    reg = load_registry()
    out = []
    overridden = set(model.membership.passive_quotas)
    for row in reg.tables.passive_quotas:
        if row.status == "assumption" and row.party not in overridden:
            out.append(f"Quotas: passive quota of {row.party} = {row.quota}: {row.reasoning}")
    for s in reg.tables.states:
        if s.entry_into_force_status == "assumption" and s.iso3 not in model.membership.states:
            out.append(
                f"Membership: entry into force of {s.iso3} on {s.entry_into_force}: "
                f"{s.notes.split(' Override')[0]}"
            )
    start = model.period.start
    for d in reg.tables.max_flight_distances:
        if d.basis == "assumption":
            out.append(
                f"Distances: maximum flight distance {d.label} ({d.party}) = "
                f"{d.distance_km:,.0f} km: {d.note}"
            )
        elif d.basis == "reported" and d.year_seen is not None and d.year_seen > start:
            out.append(
                f"Distances: {d.label} ({d.party}) {d.distance_km:,.0f} km, reported in "
                f"{d.year_seen}, is used back to {start} when no earlier value is known "
                "(back-dated)"
            )
    if model.requests.model == "historical":
        out += [f"Demand: {a}" for a in _demand_assumptions(model)]
    out += [f"Geometry: {a}" for a in _geometry_assumptions(model)]
    out += [f"Operations: {a}" for a in _operations_assumptions(model)]
    for a in aircraft_rows():
        if "ASSUMPTION" in a["notes"]:
            out.append(f"Fleet: {a['type']} ({a['owner']}, {a['units']} airframe(s)): "
                       f"{a['notes'].split('ASSUMPTION:', 1)[-1].strip()}")
    assumed = sum(1 for row in load_lending() if "ASSUMPTION" in row.source)
    out.append(
        f"Fleet: aircraft lending: {assumed} of {len(load_lending())} rows of "
        "aircraft_lending.csv are assumptions; nobody lends to Russia or Belarus (none on record)"
    )
    out.append(
        f"Fleet: an aircraft ferries to a point of entry in at most {MAX_FERRY_LEGS} unrefuelled "
        "legs; a breakdown is made good only by another airframe of the same provider"
    )
    rules = model.rules
    out += [
        f"Interpretation: at most {rules.max_observers_per_flight} observing parties share a "
        "flight when requests over a party exceed its passive quota "
        "(rules.max_observers_per_flight)",
        f"Interpretation: the 50 % rule (Art. III Sec. I para 6) is read as "
        f"'{rules.fifty_percent_rule}' (rules.fifty_percent_rule: off, transfers, always)",
        f"Interpretation: a shared flight is charged to '{rules.shared_flight_charge}' observer(s)"
        " against their active quotas (rules.shared_flight_charge: each, lead)",
        "Interpretation: NATO members do not observe each other (a practice, not treaty text)"
        if rules.nato_practice else "Interpretation: the NATO practice is off in this scenario",
    ]
    return out


def _operations_assumptions(model: ScenarioModel) -> list[str]:
    """The ASSUMPTION rows of operations.toml, with the value this scenario uses."""
    from importlib import resources

    text = resources.files("simulator.engine").joinpath("data/operations.toml").read_text("utf-8")
    out, table = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            table = stripped.strip("[]")
        if "ASSUMPTION" not in line or "=" not in line.split("#", 1)[0]:
            continue
        key, rest = line.split("=", 1)
        key = key.strip()
        value, _, why = rest.partition("#")
        why = why.split("ASSUMPTION", 1)[-1].lstrip(": ").strip()
        given = model.operations.get(table, {}) if isinstance(model.operations, dict) else {}
        used = given.get(key, value.strip()) if isinstance(given, dict) else value.strip()
        note = " (set by the scenario)" if isinstance(given, dict) and key in given else ""
        out.append(f"{table}.{key} = {used}{note}: {why}")
    return out


def _geometry_assumptions(model: ScenarioModel) -> list[str]:
    """The route objective's areas of interest and the reading of transit legs."""
    if not model.geometry.enabled:
        return []
    aois = model.geometry.areas_of_interest
    if aois is None:
        out = [
            f"area of interest {a.name} ({a.observed}, observer {a.observer}): weight "
            f"{a.weight:g} (assumption: {a.source})"
            for a in load_areas_of_interest()
        ]
    else:
        out = [f"areas of interest: {len(aois)} set by the scenario (bundled table replaced)"]
    charge = ("in full" if model.geometry.transit_charge == "full"
              else "for their km over the observed territory only (Art. II para 11)")
    out.append(
        "transit legs with sensors off (to Kaliningrad, Hawaii, Greenland, the Faroes, the "
        f"Canaries) are charged {charge} against the maximum flight distance "
        "(geometry.transit_charge)"
    )
    out.append(
        "Kaliningrad is reached through an assumed refuelling stop at Khrabrovo (Russia's "
        "Annex E list names none; airfields.csv)"
    )
    return out


def _demand_assumptions(model: ScenarioModel) -> list[str]:
    """The demand model's calibrated values and flagged rows, as the run uses them."""
    out = []
    for row in bundled_demand():
        if row.share is not None and row.observer not in model.requests.demand_shares:
            out.append(
                f"demand share of {row.observer} = {row.share:g} from {row.first_year} "
                f"({row.basis}: {row.source})"
            )
        if row.joint_lead and row.observer not in model.requests.joint:
            out.append(
                f"{row.observer} joins {row.joint_lead}'s flights ({row.basis}: {row.source})"
            )
    for observer, share in sorted(model.requests.demand_shares.items()):
        out.append(f"demand share of {observer} = {share:g} (set by the scenario)")
    flagged = [r for r in bundled_interest() if r.basis == "assumption"]
    out.append(
        f"observer interest: {len(flagged)} of {len(bundled_interest())} rows of "
        "observer_interest.csv are assumptions (class weights of NATO and partner observers "
        f"and targets); the scenario overrides {len(model.requests.interest)}"
    )
    return out
