"""Pedestrian flow parameters: walking speed, specific flow and default way widths.

Sources (see docs/scenario.md, "Flow parameters"):
- IMO MSC/Circ.1238 (derived from the SFPE Handbook hydraulic model): maximum specific flow
  1.3 persons per metre of effective width per second in corridors, 0.88 on stairs going up;
  walking speed 1.2 m/s at densities up to 0.5 persons/m².
- Default widths per OSM highway class are planning assumptions (documented as such), taken from
  typical cross-sections: footway 2.0 m (UK DfT *Inclusive Mobility* 2021, recommended clear
  footway width), lane 3.5 m (typical urban lane; AASHTO gives 3.0-3.6 m).
"""

from __future__ import annotations

from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["DEFAULT_WIDTHS_M", "FlowParameters"]

# Usable walking width of the whole way in metres (carriageway and pavements together for roads):
# in an evacuation people walk on the road as well as beside it.
DEFAULT_WIDTHS_M = MappingProxyType(
    {
        "motorway": 14.0,  # only where foot=yes opens it
        "trunk": 14.0,
        "primary": 12.0,
        "secondary": 10.0,
        "tertiary": 8.0,
        "unclassified": 6.0,
        "residential": 7.0,
        "living_street": 5.0,
        "pedestrian": 6.0,
        "service": 4.0,
        "road": 5.0,
        "track": 3.0,
        "footway": 2.0,  # DfT Inclusive Mobility 2021: 2.0 m recommended clear width
        "cycleway": 2.5,
        "path": 1.5,
        "bridleway": 2.0,
        "steps": 1.5,
        "corridor": 2.0,
        "busway": 3.5,
        "bus_guideway": 3.5,
    }
)


class FlowParameters(BaseModel):
    """Units in the names: metres, seconds, persons."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    walking_speed_mps: float = Field(
        default=1.2, gt=0, le=3, description="free walking speed; IMO MSC/Circ.1238: 1.2 m/s"
    )
    specific_flow_ppms: float = Field(
        default=1.3, gt=0, le=3, description="persons per metre width per second; IMO: 1.3"
    )
    steps_specific_flow_ppms: float = Field(
        default=0.88, gt=0, le=3, description="on steps; IMO stairs up: 0.88 (down: 1.1)"
    )
    lane_width_m: float = Field(default=3.5, gt=0, le=10, description="width per lane")
    pavement_width_m: float = Field(
        default=1.5,
        ge=0,
        le=10,
        description="pavement added on each side of a carriageway whose width comes from tags",
    )
    widths_m: dict[str, float] = Field(
        default_factory=dict, description="overrides of DEFAULT_WIDTHS_M per highway class"
    )
    default_width_m: float = Field(
        default=3.0, gt=0, description="width of a walkable class with no default of its own"
    )

    @field_validator("widths_m")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        for key, width in value.items():
            if key not in DEFAULT_WIDTHS_M:
                known = ", ".join(sorted(DEFAULT_WIDTHS_M))
                msg = f"widths_m.{key}: unknown highway class; known classes: {known}"
                raise ValueError(msg)
            if not width > 0:
                msg = f"widths_m.{key} = {width}; widths are in metres and must be > 0"
                raise ValueError(msg)
        return value

    def width_for(self, highway: str) -> float:
        """Default width in metres for an OSM highway class."""
        if highway in self.widths_m:
            return self.widths_m[highway]
        return DEFAULT_WIDTHS_M.get(highway, self.default_width_m)

    def capacity_ppm(self, width_m: float, highway: str) -> float:
        """People per minute that can enter a way of this width (width × specific flow)."""
        flow = self.steps_specific_flow_ppms if highway == "steps" else self.specific_flow_ppms
        return width_m * flow * 60.0
