"""The scenario tables of the flights' side: ``[fleet]``, ``[[restrictions]]``, ``[geometry]``
and ``[sharing]``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from simulator.scenario.fields import MAX_YEAR, MIN_YEAR, Day, Table, Window


class OutageSpec(Window):
    aircraft: str = Field(
        description="an aircraft_id of the bundled fleet (simulator/engine/data/aircraft.csv); "
        "that type flies no mission while out",
    )


class Fleet(Table):
    outages: list[OutageSpec] = Field(
        default_factory=list,
        description="periods an aircraft type cannot fly (grounding, recertification): "
        "[[fleet.outages]] rows",
    )


class RestrictionSpec(Table):
    name: str = Field(description="a name for the report")
    kind: Literal["distance_cap", "no_fly"] = Field(
        description="distance_cap: at most max_km of a route inside the area; no_fly: routes keep "
        "buffer_km away from it",
    )
    state: str = Field(description="the observed state it applies to (a code)")
    region: Literal["kaliningrad", "hawaii", "abkhazia_south_ossetia_border"] | None = Field(
        default=None,
        description="a bundled area: kaliningrad (the oblast), hawaii, or "
        "abkhazia_south_ossetia_border; or give bbox or polygon",
    )
    bbox: tuple[float, float, float, float] | None = Field(
        default=None,
        description="the area as a box [lon_min, lat_min, lon_max, lat_max] in degrees",
    )
    polygon: list[tuple[float, float]] | None = Field(
        default=None,
        description="the area as a polygon [[lon, lat], ...] in degrees",
    )
    max_km: float | None = Field(
        default=None, ge=0,
        description="distance_cap: most km of one route inside the area",
    )
    buffer_km: float = Field(
        default=0.0, ge=0,
        description="no_fly: distance kept from the area, km",
    )
    start: Day | None = Field(default=None, description="first day in force (absent: always)")
    end: Day | None = Field(default=None, description="day it ends (exclusive); absent: open-ended")
    source: str = Field(
        default="",
        description="where it comes from (free text; the report lists it)",
    )

    @model_validator(mode="after")
    def _shape(self) -> RestrictionSpec:
        given = [x for x in (self.region, self.bbox, self.polygon) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of region, bbox or polygon")
        if self.kind == "distance_cap" and self.max_km is None:
            raise ValueError("a distance_cap needs max_km")
        return self


class AreaOfInterestSpec(Table):
    id: str = Field(min_length=1, description="a short unique id")
    observed: str = Field(description="the observed state (ISO 3166-1 alpha-3)")
    observer: str = Field(default="*", description="a quota holder code, or * for every observer")
    name: str = Field(default="", description="a name for the report")
    bbox: list[tuple[float, float, float, float]] = Field(
        min_length=1,
        description="one or more boxes [lon_min, lat_min, lon_max, lat_max] in degrees",
    )
    weight: float = Field(
        ge=0.0,
        description="multiplies the value of imaging a cell inside the area when routes are "
        "planned (1 = no extra interest)",
    )
    from_year: int | None = Field(
        default=None, ge=MIN_YEAR, le=MAX_YEAR,
        description="first year it applies (absent: from the start)",
    )
    until_year: int | None = Field(
        default=None, ge=MIN_YEAR, le=MAX_YEAR,
        description="last year it applies (absent: to the end)",
    )
    source: str = Field(
        default="",
        description="why the area matters, with a source (free text; the report lists it)",
    )

    @field_validator("bbox")
    @classmethod
    def _boxes(cls, boxes: list[tuple[float, float, float, float]]):
        for i, (x0, y0, x1, y1) in enumerate(boxes):
            if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
                raise ValueError(f"box {i}: need -180 <= lon_min < lon_max <= 180 and "
                                 "-90 <= lat_min < lat_max <= 90")
        return boxes


class Geometry(Table):
    enabled: bool = Field(
        default=True,
        description="plan routes and measure imaged area on a grid; false: flights are counted, "
        "nothing is imaged (fast)",
    )
    resolution_km: float = Field(
        default=25.0, gt=0.5, le=200.0,
        description="side of the equal-area grid cells, km: finer is more exact and slower",
    )
    # None: the bundled table (simulator/geo/data/areas_of_interest.csv); [] clears it.
    areas_of_interest: list[AreaOfInterestSpec] | None = Field(
        default=None,
        description="areas that observers value more when they plan routes: absent, the bundled "
        "table (simulator/geo/data/areas_of_interest.csv); [] clears it; rows replace "
        "it: [[geometry.areas_of_interest]]",
    )
    # Transit legs with sensors off: charged for their km over the observed territory only
    # (Art. II para 11 reading, the default) or in full.
    transit_charge: Literal["territory", "full"] = Field(
        default="territory",
        description="how sensors-off transit legs count against an airfield's maximum flight "
        "distance: their km over the observed territory only (territory, a reading of "
        "Art. II para 11) or in full",
    )
    planner: Literal["library", "search"] = Field(
        default="library",
        description="how each flight's route is found: library, the candidate that adds the most "
        "weighted new area from a route library planned once per airfield and cached; search, a "
        "beam search per flight (slower, for comparison)",
    )


class Sharing(Table):
    policy: Literal["none", "treaty", "allies"] = Field(
        default="treaty",
        description="who gets imagery (coverage measure 4): none, only a flight's own observers; "
        "treaty, every State Party (Art. IX Sec. IV para 1); allies, as treaty and the"
        " recipients below get NATO members' imagery",
    )
    recipients: list[str] = Field(
        default_factory=list,
        description="allies policy: non-parties (codes) that receive NATO members' imagery, e.g. "
        "[\"USA\"] after 2020",
    )
