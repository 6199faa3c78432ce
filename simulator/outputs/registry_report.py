"""Plain-text and JSON renderings of a :class:`~simulator.treaty.TreatySnapshot`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from simulator.treaty import Registry, TreatySnapshot


def snapshot_text(snap: TreatySnapshot, registry: Registry) -> str:
    """A readable account of the treaty on one date."""
    lines = [f"Treaty on Open Skies on {snap.date.isoformat()}", ""]
    lines.append(f"States Parties ({len(snap.states_parties)}): {' '.join(snap.states_parties)}")
    if snap.signatories:
        lines.append(f"Signatories, not parties: {' '.join(snap.signatories)}")
    nato = snap.nato_members
    lines.append(f"NATO members among them ({len(nato)}): {' '.join(nato)}")
    for group in snap.groups:
        end = f", until {group.end - dt.timedelta(days=1)}" if group.end else ""
        lines.append(f"Group {group.id}: {' '.join(group.members)} ({group.treaty_basis}{end})")
    lines.append("")
    total = sum(h.passive_quota.quota for h in snap.holders)
    limit_total = sum(h.passive_quota.accept_limit for h in snap.holders)
    phase = any(h.passive_quota.phase_in for h in snap.holders)
    lines.append(
        f"Quota holders ({len(snap.holders)}), passive quotas for {snap.date.year}: total {total}"
        + (f", {limit_total} to accept under the 75 % rule (Annex A Sec. II)" if phase else "")
    )
    header = f"  {'holder':<8} {'NATO':<4} {'quota':>5} {'accept':>6}  {'status':<18} members"
    lines.append(header)
    assumptions: dict[str, list[str]] = {}
    for h in snap.holders:
        q = h.passive_quota
        members = " ".join(h.members) if h.members != (h.holder,) else ""
        lines.append(
            f"  {h.holder:<8} {'yes' if h.nato else 'no':<4} {q.quota:>5} {q.accept_limit:>6}  "
            f"{q.status:<18} {members}"
        )
        if q.status == "assumption":
            assumptions.setdefault(q.reasoning, []).append(f"{h.holder} {q.quota}")
    lines.append("")
    lines.append(
        "Open Skies airfields and maximum flight distances (Annex A Sec. III; later values)"
    )
    for h in snap.holders:
        for d in h.airfields:
            region = f" [{d.region}]" if d.region else ""
            flag = " (value seen later, back-dated)" if d.back_dated else ""
            seen = f"{d.basis}, {d.year_seen}" if d.year_seen else d.basis
            name = d.airfield[:44]
            lines.append(
                f"  {h.holder:<8} {name:<44} {d.distance_km:>7,.0f} km  ({seen}){region}{flag}"
            )
        if not h.airfields:
            lines.append(f"  {h.holder:<8} (no Open Skies airfield in the data)")
    anomalies = registry.first_distribution_anomalies()
    assumed_dates = [
        registry.state(c)
        for c in snap.states_parties
        if registry.state(c).entry_into_force_status == "assumption"
    ]
    if assumptions or anomalies or assumed_dates:
        lines.append("")
    if assumptions:
        lines.append("Assumed passive quotas (no treaty text or official statement found):")
        for reasoning, holders in assumptions.items():
            lines.append(f"  {', '.join(holders)}: {reasoning}")
    for state in assumed_dates:
        lines.append(
            f"Assumed entry into force: {state.iso3} {state.entry_into_force}: "
            f"{state.notes.split(' Override')[0]}"
        )
    if anomalies:
        lines.append("Known anomalies of the printed treaty text:")
        lines.extend(f"  {a.reference}: {a.message}" for a in anomalies)
    lines.append("")
    lines.append(f"data hash {snap.data_hash[:12]}")
    return "\n".join(lines)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def snapshot_json(snap: TreatySnapshot) -> str:
    """The snapshot as indented JSON."""
    return json.dumps(_plain(snap), indent=2, ensure_ascii=False)
