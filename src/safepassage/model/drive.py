"""Road traffic parameters for ``network.mode = "drive"``: lane capacities, speeds, vehicles.

Sources (see docs/planner.md, "Drive mode"):

- Highway Capacity Manual, 6th edition (TRB 2016), chapter 12, basic freeway and multilane
  highway segments: capacity of a basic freeway segment 2,250 passenger cars per hour per lane
  (pc/h/ln) at a free-flow speed of 55 mi/h, rising to 2,400 at 70 mi/h; of a multilane highway
  2,100 pc/h/ln at 55 mi/h (1,900 at 45, 2,200 at 60). The lower figures are used: evacuation
  traffic does not run at free-flow speed.
- HCM 6th edition, chapter 14 (freeway merge and diverge segments), ramp roadway capacity:
  1,900 pc/h for a single-lane ramp with a free-flow speed of 20-30 mi/h (motorway links).
- HCM 6th edition, chapter 19 (signalized intersections): base saturation flow rate
  1,900 pc/h/ln. A street with junctions carries that only while it has the green, so
  interrupted-flow classes get ``green_share`` of it (0.5 by default: a planning assumption,
  cross traffic takes the other half; with signals dark, police or volunteers direct junctions).
- HCM 6th edition, chapter 12, passenger-car equivalent of heavy vehicles (buses, trucks) on
  level terrain: 2.0 — the ``vehicle_pce`` of a bus.
- Speeds: the OSM ``maxspeed`` tag; ways without one take the median tagged speed of their class
  in the same extract, else ``DEFAULT_SPEEDS_KMH`` (typical urban limits; a planning assumption).
"""

from __future__ import annotations

from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "DEFAULT_SPEEDS_KMH",
    "DRIVE_CLASSES",
    "LANE_CAPACITY_PCPHPL",
    "UNINTERRUPTED_CLASSES",
    "DriveParameters",
]

# Capacity per lane, passenger cars per hour, before the green share (see the module docstring).
LANE_CAPACITY_PCPHPL = MappingProxyType(
    {
        "motorway": 2250.0,  # HCM6 ch. 12: basic freeway, FFS 55 mi/h
        "motorway_link": 1900.0,  # HCM6 ch. 14: single-lane ramp, FFS 20-30 mi/h
        "trunk": 2100.0,  # HCM6 ch. 12: multilane highway, FFS 55 mi/h
        "trunk_link": 1900.0,
        "primary": 1900.0,  # HCM6 ch. 19: base saturation flow rate
        "primary_link": 1900.0,
        "secondary": 1900.0,
        "secondary_link": 1900.0,
        "tertiary": 1900.0,
        "tertiary_link": 1900.0,
        "unclassified": 1900.0,
        "residential": 1900.0,
        "living_street": 1900.0,
        "service": 1900.0,
        "road": 1900.0,
    }
)
DRIVE_CLASSES = frozenset(LANE_CAPACITY_PCPHPL)
# Classes without junctions at grade: the whole lane capacity is available.
UNINTERRUPTED_CLASSES = frozenset({"motorway", "motorway_link", "trunk", "trunk_link"})

DEFAULT_SPEEDS_KMH = MappingProxyType(
    {
        "motorway": 100.0,
        "motorway_link": 60.0,
        "trunk": 80.0,
        "trunk_link": 50.0,
        "primary": 60.0,
        "primary_link": 50.0,
        "secondary": 50.0,
        "secondary_link": 40.0,
        "tertiary": 50.0,
        "tertiary_link": 40.0,
        "unclassified": 40.0,
        "residential": 30.0,
        "living_street": 10.0,
        "service": 20.0,
        "road": 30.0,
    }
)


def _check_classes(value: dict[str, float], what: str) -> dict[str, float]:
    for key, number in value.items():
        if key not in DRIVE_CLASSES:
            known = ", ".join(sorted(DRIVE_CLASSES))
            msg = f"{what}.{key}: not a drivable highway class; known classes: {known}"
            raise ValueError(msg)
        if not number > 0:
            raise ValueError(f"{what}.{key} = {number}; it must be > 0")
    return value


class DriveParameters(BaseModel):
    """Units in the names: passenger cars (pc), hours, km/h, persons."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    people_per_vehicle: float = Field(
        default=4.0,
        gt=0,
        le=120,
        description="people carried per vehicle for groups that do not give their own",
    )
    vehicle_pce: float = Field(
        default=1.0,
        gt=0,
        le=5,
        description="passenger-car equivalents of one vehicle (car 1.0; bus 2.0, HCM6 ch. 12)",
    )
    green_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="share of the lane capacity left at junctions on interrupted-flow streets",
    )
    contraflow: bool = Field(
        default=False,
        description="all lanes of two-way roads run outbound (police-managed contraflow)",
    )
    lane_capacity_pcphpl: dict[str, float] = Field(
        default_factory=dict, description="overrides of LANE_CAPACITY_PCPHPL per highway class"
    )
    speeds_kmh: dict[str, float] = Field(
        default_factory=dict,
        description="speeds per highway class, used instead of maxspeed tags and defaults",
    )

    @field_validator("lane_capacity_pcphpl")
    @classmethod
    def _capacities(cls, value: dict[str, float]) -> dict[str, float]:
        return _check_classes(value, "lane_capacity_pcphpl")

    @field_validator("speeds_kmh")
    @classmethod
    def _speeds(cls, value: dict[str, float]) -> dict[str, float]:
        return _check_classes(value, "speeds_kmh")

    def lane_capacity_pcpm(self, highway: str) -> float:
        """Passenger cars per minute one lane of this class lets through, junctions included."""
        per_hour = self.lane_capacity_pcphpl.get(highway, LANE_CAPACITY_PCPHPL[highway])
        share = 1.0 if highway in UNINTERRUPTED_CLASSES else self.green_share
        return per_hour * share / 60.0
