"""Supply side of the scenario: roads into the city, planned convoys, relief settings (no I/O).

``[[supply_routes]]`` are the roads convoys use to enter the city, ``[[convoys]]`` the deliveries
already planned on them, ``[relief]`` the settings of the forecast, the convoy plan, the
staffing of services at the corridors and the siting of distribution points. The format is in
``docs/relief.md`` with the methods.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from safepassage.model.standards import BASE_UNIT, FOOD_COMMODITIES, Standards
from safepassage.model.stocks import COMMODITY_UNITS, check_commodity_unit

__all__ = [
    "Convoy",
    "ConvoyWindows",
    "ReliefSettings",
    "ServiceSettings",
    "SitingSettings",
    "SupplyRoute",
    "Uncertainty",
]

_HHMM = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"
HHMM = Annotated[str, Field(pattern=_HHMM)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def hhmm_minutes(hhmm: str) -> int:
    """Minutes after midnight of a ``HH:MM`` text (``24:00`` is 1440)."""
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


class ConvoyWindows(_Strict):
    """When convoys may enter: daily local-time windows or explicit local intervals."""

    daily: list[tuple[HHMM, HHMM]] = Field(default_factory=list)
    intervals: list[tuple[dt.datetime, dt.datetime]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> ConvoyWindows:
        if self.daily and self.intervals:
            raise ValueError("give daily windows or explicit intervals, not both")
        if not self.daily and not self.intervals:
            raise ValueError('give at least one window: daily = [["08:00", "14:00"]] or intervals')
        for start, end in self.daily:
            if hhmm_minutes(end) <= hhmm_minutes(start):
                raise ValueError(
                    f"window {start}-{end} ends before it starts; split a window that crosses "
                    'midnight into two, e.g. ["22:00", "24:00"] and ["00:00", "02:00"]'
                )
        for start_dt, end_dt in self.intervals:
            if start_dt.tzinfo is not None or end_dt.tzinfo is not None:
                msg = f"interval {start_dt} to {end_dt}: give local date-times without an offset"
                raise ValueError(msg)
            if end_dt <= start_dt:
                raise ValueError(f"interval {start_dt} to {end_dt} ends before it starts")
        return self


class SupplyRoute(_Strict):
    """A road into the city that convoys use; ``status = "cut"`` keeps it in the file, unused."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    name: str
    lat: float = Field(ge=-90, le=90, description="entry point into the city")
    lon: float = Field(ge=-180, le=180)
    status: Literal["open", "cut"] = "open"
    windows: ConvoyWindows | None = Field(
        default=None, description="when convoys may enter; default: round the clock"
    )
    trucks_per_hour: float = Field(gt=0, description="trucks the entry lets in per open hour")
    turnaround_h: float = Field(gt=0, description="round trip of one truck, hours")
    truck: str = Field(
        default="tractor_trailer_3_axle", description="truck type (relief.standards)"
    )
    payload_t: float | None = Field(default=None, gt=0, description="default: the truck type's")
    reliability: float = Field(
        default=1.0, gt=0, le=1, description="chance a planned convoy gets through"
    )


class Convoy(_Strict):
    """A planned delivery: ``quantity`` of ``commodity`` on ``route`` on ``day`` (repeating
    every ``every_days`` days up to ``until``, when given)."""

    route: str
    day: dt.date
    commodity: str
    quantity: float = Field(ge=0)
    unit: Literal["kg", "t", "l", "m3", "kcal", "kit"]
    every_days: int | None = Field(default=None, ge=1)
    until: dt.date | None = None

    @model_validator(mode="after")
    def _check(self) -> Convoy:
        check_commodity_unit(self.commodity, self.unit)
        if (self.every_days is None) != (self.until is None):
            raise ValueError("give every_days and until together, or neither")
        if self.until is not None and self.until < self.day:
            raise ValueError(f"until {self.until} is before day {self.day}")
        return self

    def days(self) -> list[dt.date]:
        """The dates this convoy is planned on."""
        if self.every_days is None or self.until is None:
            return [self.day]
        count = (self.until - self.day).days // self.every_days + 1
        return [self.day + dt.timedelta(days=i * self.every_days) for i in range(count)]


class Uncertainty(_Strict):
    """Monte Carlo settings of the stock forecast."""

    draws: int = Field(default=10_000, ge=1, le=1_000_000)
    seed: int = Field(default=0, ge=0)
    consumption_cv: float = Field(
        default=0.1, ge=0, le=2, description="coefficient of variation of consumption"
    )
    loss_cv: float = Field(
        default=0.5, ge=0, le=2, description="coefficient of variation of the loss rates"
    )


class ServiceSettings(_Strict):
    """Services at the corridors, sized by Erlang C (docs/relief.md)."""

    food_service_min: float = Field(default=1.0, gt=0, description="mean handout time, minutes")
    triage_service_min: float = Field(default=10.0, gt=0, description="mean triage, minutes")
    target_wait_min: float | None = Field(
        default=None, gt=0, description="default: relief.standards.max_queue_min"
    )
    medical_share: dict[str, float] = Field(
        default_factory=dict, description="share of each group needing triage, by group id"
    )
    default_medical_share: float = Field(default=0.1, ge=0, le=1)
    basis: Literal["arrivals", "crossings"] = Field(
        default="arrivals",
        description="size for the people arriving at the corridor, or those let through",
    )

    @field_validator("medical_share")
    @classmethod
    def _shares(cls, value: dict[str, float]) -> dict[str, float]:
        for group, share in value.items():
            if not 0 <= share <= 1:
                raise ValueError(f"medical share of {group} is {share}; it must lie in [0, 1]")
        return value


class SitingSettings(_Strict):
    """Distribution points in the city, by maximal covering location (docs/relief.md)."""

    walk_m: float | None = Field(
        default=None, gt=0, description="default: relief.standards.water_point_max_distance_m"
    )
    sites: int | None = Field(default=None, ge=1, description="K sites; or a coverage target")
    coverage_target: float = Field(default=0.95, gt=0, le=1)
    max_candidates: int = Field(default=2000, ge=1, description="network nodes tried as sites")
    candidates: list[tuple[float, float]] | None = Field(
        default=None, description="[[lon, lat], ...] possible sites; default: network nodes"
    )
    time_limit_s: float = Field(default=30.0, gt=0)


class ReliefSettings(_Strict):
    """``[relief]``: the forecast's horizon and buffer, the standards, and their overrides."""

    horizon_days: int = Field(default=60, ge=1, le=366, description="days after `start`")
    buffer_days: float = Field(default=7.0, ge=0, description="days of cover to keep")
    standards: Standards = Field(default_factory=Standards)
    consumption_per_person_day: dict[str, float] = Field(
        default_factory=dict, description="base units (kg, l, kit); overrides the standards"
    )
    local_supply_per_day: dict[str, float] = Field(
        default_factory=dict,
        description="produced in the city per day (wells, pumps, bakeries), base units",
    )
    mass_kg_per_unit: dict[str, float] = Field(
        default_factory=dict, description="kg per base unit, e.g. { medical_kit = 45 }"
    )
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)
    services: ServiceSettings = Field(default_factory=ServiceSettings)
    siting: SitingSettings = Field(default_factory=SitingSettings)

    @model_validator(mode="after")
    def _known(self) -> ReliefSettings:
        known = ", ".join(sorted(COMMODITY_UNITS))
        for field in ("consumption_per_person_day", "local_supply_per_day", "mass_kg_per_unit"):
            for commodity, value in getattr(self, field).items():
                if commodity not in COMMODITY_UNITS:
                    raise ValueError(f"{field}: unknown commodity {commodity!r}; known: {known}")
                if value < 0:
                    raise ValueError(f"{field}.{commodity} is negative ({value}); give >= 0")
        unknown = sorted(set(self.standards.ration_g_per_person_day) - FOOD_COMMODITIES)
        if unknown:
            food = ", ".join(sorted(FOOD_COMMODITIES))
            msg = (
                f"standards.ration_g_per_person_day: {unknown[0]!r} is not a food item; "
                f"known: {food}"
            )
            raise ValueError(msg)
        return self

    def consumption(self) -> dict[str, float]:
        """Per person per day, in base units, for every commodity that has a figure."""
        return {**self.standards.ration_per_person_day(), **self.consumption_per_person_day}

    def masses(self) -> dict[str, float]:
        """kg per base unit of every commodity that can be weighed."""
        return {**self.standards.mass_kg_per_unit(), **self.mass_kg_per_unit}

    @staticmethod
    def base_unit(commodity: str) -> str:
        return BASE_UNIT[commodity]
