"""``routes.geojson``: the observation track of every flown mission (DESIGN section 12).

RFC 7946: a FeatureCollection in WGS84 longitude/latitude, one Feature per flown mission with
its observation track (the legs flown with sensors on) as a LineString, or a MultiLineString
where it has several parts: a mission through a refuelling stop observes the exclave and the
mainland in separate parts, and a track that crosses the antimeridian is split there (RFC 7946
section 3.1.9: never drawn the long way round). Properties: ``replication, mission_id,
observer, observed, airfield, distance_km, imaged_km2, transit_km`` (``distance_km`` is all of
the flight, ``transit_km`` the part of it flown with sensors off).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

PROPERTIES = (
    "replication",
    "mission_id",
    "observer",
    "observed",
    "airfield",
    "distance_km",
    "imaged_km2",
    "transit_km",
)


def split_at_antimeridian(track: Sequence[Sequence[float]],
                          rounded: bool = False) -> list[list[list[float]]]:
    """``[[lon, lat], ...]`` as one or more parts, cut where a leg crosses 180 degrees (the
    crossing latitude interpolated along the leg in unwrapped longitude); coordinates rounded
    to 6 decimals (``rounded``: they already are, as the engine's tracks, and are kept)."""
    lons = [p[0] for p in track]
    if all(abs(b - a) <= 180.0 for a, b in itertools.pairwise(lons)):  # no crossing
        if rounded:
            line = [p if isinstance(p, list) else list(p) for p in track]
        else:
            line = [[round(float(lon), 6), round(float(lat), 6)] for lon, lat in track]
        return [line] if len(line) >= 2 else []
    parts: list[list[list[float]]] = [[]]
    for i, (lon, lat) in enumerate(track):
        if i and abs(lon - track[i - 1][0]) > 180.0:
            lon0, lat0 = track[i - 1]
            east = lon0 > 0  # crossing eastward from +179 to -179
            unwrapped = lon + 360.0 if east else lon - 360.0
            edge = 180.0 if east else -180.0
            t = (edge - lon0) / (unwrapped - lon0)
            cross = lat0 + t * (lat - lat0)
            parts[-1].append([edge, round(cross, 6)])
            parts.append([[-edge, round(cross, 6)]])
        parts[-1].append([round(float(lon), 6), round(float(lat), 6)])
    return [p for p in parts if len(p) >= 2]


FLOWN = ("completed", "curtailed")


def mission_features(rows: Iterable[Mapping[str, Any]],
                     tracks: Mapping[str, Sequence[Sequence[Sequence[float]]]]
                     ) -> list[dict[str, Any]]:
    """One replication's Features: per flown mission row (in order) with a track in
    ``tracks`` (by mission id; parts of ``[lon, lat]`` rounded to 6 decimals), its track as a
    LineString or MultiLineString and its properties. Built where the replication runs, so
    the collection of a large ensemble is only these lists end to end."""
    features = []
    for row in rows:
        if row.get("status") not in FLOWN:
            continue
        track = tracks.get(str(row["mission_id"]))
        if not track:
            continue
        parts = [p for part in track for p in split_at_antimeridian(part, rounded=True)]
        if not parts:
            continue
        geometry = (
            {"type": "LineString", "coordinates": parts[0]}
            if len(parts) == 1
            else {"type": "MultiLineString", "coordinates": parts}
        )
        props = {k: _plain(row.get(k, 0.0)) for k in PROPERTIES}
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    return features


def feature_collection(features: Iterable[Sequence[Mapping[str, Any]]]) -> dict[str, Any]:
    """The FeatureCollection of the replications' :func:`mission_features`, in order."""
    return {"type": "FeatureCollection", "features": [f for part in features for f in part]}


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return None if value != value else value
    if hasattr(value, "item"):
        return value.item()
    return value
