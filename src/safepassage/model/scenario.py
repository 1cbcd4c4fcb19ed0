"""The scenario: typed, validated description of one operation (no I/O here).

A scenario is read from TOML by :mod:`safepassage.io.scenario_file`, which resolves paths
relative to the file and turns validation errors into one line naming the field path. The format,
with units and
sources for every default, is documented in ``docs/scenario.md``.
"""

from __future__ import annotations

import datetime as dt
import math
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from safepassage.model.drive import DriveParameters
from safepassage.model.flow import FlowParameters
from safepassage.model.response import ResponseCurve
from safepassage.model.stocks import Stock, Warehouse
from safepassage.model.supply import Convoy, ReliefSettings, SupplyRoute

__all__ = [
    "Clip",
    "Corridor",
    "CorridorStatus",
    "Group",
    "Hazard",
    "NetworkSpec",
    "OpeningWindows",
    "PopulationSource",
    "PopulationSpec",
    "Scenario",
    "Service",
    "TravelMode",
]


class _Strict(BaseModel):
    """Unknown keys are errors: a typo in a field name must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TravelMode(StrEnum):
    WALK = "walk"
    DRIVE = "drive"


class CorridorStatus(StrEnum):
    OPEN = "open"
    SUSPENDED = "suspended"
    CLOSED = "closed"


Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
LonLat = tuple[Longitude, Latitude]


class Clip(_Strict):
    """Keep only the part of the OSM extract inside a bbox or a GeoJSON polygon."""

    bbox: tuple[Longitude, Latitude, Longitude, Latitude] | None = Field(
        default=None, description="west, south, east, north in WGS84 degrees"
    )
    polygon: Path | None = Field(default=None, description="GeoJSON file with the clip polygon")

    @model_validator(mode="after")
    def _one_of(self) -> Clip:
        if (self.bbox is None) == (self.polygon is None):
            raise ValueError(
                "give exactly one of bbox = [west, south, east, north] or polygon = FILE"
            )
        if self.bbox is not None:
            west, south, east, north = self.bbox
            if not (west < east and south < north):
                raise ValueError(
                    "bbox must be [west, south, east, north] with west < east, south < north"
                )
        return self


class NetworkSpec(_Strict):
    osm: Path = Field(description="OpenStreetMap file: .osm.pbf, .osm or .osm.bz2")
    mode: TravelMode = TravelMode.WALK
    clip: Clip | None = None


class PopulationSource(_Strict):
    """One population file; its format follows from the suffix unless ``format`` says otherwise."""

    path: Path
    format: Literal["hxl_points", "hxl_admin", "geojson", "geotiff"] | None = None
    name: str | None = Field(default=None, description="label used in reports; default: file name")
    population_property: str = Field(
        default="population", description="GeoJSON property holding the count"
    )
    name_property: str | None = Field(
        default=None, description="GeoJSON property naming each area (district name)"
    )
    boundaries: Path | None = Field(
        default=None, description="hxl_admin: GeoJSON of the admin areas the CSV codes refer to"
    )
    code_property: str | None = Field(
        default=None, description="hxl_admin: property of `boundaries` holding the admin code"
    )

    @property
    def resolved_format(self) -> str:
        if self.format is not None:
            return self.format
        suffix = "".join(self.path.suffixes[-1:]).lower()
        by_suffix = {
            ".csv": "hxl_admin" if self.boundaries is not None else "hxl_points",
            ".geojson": "geojson",
            ".json": "geojson",
            ".tif": "geotiff",
            ".tiff": "geotiff",
        }
        if not suffix:
            msg = (
                f"{self.path}: has no file suffix, so its format is unknown; name the population "
                "file itself (.csv, .geojson or .tif), or set format = hxl_points | hxl_admin | "
                "geojson | geotiff"
            )
            raise ValueError(msg)
        if suffix not in by_suffix:
            msg = (
                f"{self.path}: unknown population format {suffix!r}; use .csv (HXL), .geojson or "
                ".tif, or set format = hxl_points | hxl_admin | geojson | geotiff"
            )
            raise ValueError(msg)
        return by_suffix[suffix]

    @model_validator(mode="after")
    def _admin_needs_boundaries(self) -> PopulationSource:
        fmt = self.resolved_format
        if fmt == "hxl_admin" and (self.boundaries is None or self.code_property is None):
            raise ValueError("hxl_admin needs boundaries = FILE.geojson and code_property = NAME")
        return self


class PopulationSpec(_Strict):
    sources: list[PopulationSource] = Field(min_length=1)
    total: float | None = Field(
        default=None, gt=0, description="scale all sources together to this many people"
    )
    compliance: float = Field(default=1.0, ge=0, le=1, description="share expected to leave")
    max_snap_m: float = Field(
        default=1000.0, gt=0, description="people farther than this from the network are outside"
    )
    outside: Literal["error", "drop"] = Field(
        default="error", description="what to do with people outside the network's area"
    )


class Group(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    share: float = Field(ge=0, le=1)
    walking_speed_mps: float | None = Field(
        default=None, gt=0, le=3, description="default: flow.walking_speed_mps"
    )
    people_per_vehicle: float | None = Field(
        default=None, gt=0, le=120, description="drive mode; default: drive.people_per_vehicle"
    )
    vehicle_pce: float | None = Field(
        default=None, gt=0, le=5, description="drive mode; default: drive.vehicle_pce"
    )


_HHMM = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _wall_minutes(moment: dt.datetime) -> float:
    return (moment - dt.datetime(1970, 1, 1)).total_seconds() / 60.0


class OpeningWindows(_Strict):
    """Either daily local-time windows or explicit local intervals, not both."""

    daily: list[
        tuple[Annotated[str, Field(pattern=_HHMM)], Annotated[str, Field(pattern=_HHMM)]]
    ] = Field(default_factory=list, description='[["06:00", "18:00"], ...] local time, every day')
    intervals: list[tuple[dt.datetime, dt.datetime]] = Field(
        default_factory=list, description="[[start, end], ...] local date-times"
    )

    @model_validator(mode="after")
    def _check(self) -> OpeningWindows:
        if self.daily and self.intervals:
            raise ValueError("give daily windows or explicit intervals, not both")
        if not self.daily and not self.intervals:
            raise ValueError('give at least one window: daily = [["06:00", "18:00"]] or intervals')
        spans: list[tuple[float, float, str]] = []
        for start, end in self.daily:
            if _minutes(end) <= _minutes(start):
                raise ValueError(
                    f"window {start}-{end} ends before it starts; split a window that crosses "
                    'midnight into two, e.g. ["22:00", "24:00"] and ["00:00", "02:00"]'
                )
            spans.append((_minutes(start), _minutes(end), f"{start}-{end}"))
        for start_dt, end_dt in self.intervals:
            if start_dt.tzinfo is not None or end_dt.tzinfo is not None:
                msg = f"interval {start_dt} to {end_dt}: give local date-times without an offset"
                raise ValueError(msg)
            if end_dt <= start_dt:
                raise ValueError(f"interval {start_dt} to {end_dt} ends before it starts")
            # local wall-clock minutes: comparable whatever the machine's own time zone
            spans.append(
                (_wall_minutes(start_dt), _wall_minutes(end_dt), f"{start_dt} to {end_dt}")
            )
        spans.sort()
        for (_, prev_end, prev), (next_start, _, this) in pairwise(spans):
            if next_start < prev_end:
                raise ValueError(f"windows {prev} and {this} overlap; merge them into one")
        return self


class Service(_Strict):
    """A service at a corridor; without lat/lon it stands at the corridor's checkpoint."""

    kind: Literal["medical_post", "food_point", "water_point", "shelter"]
    name: str
    lat: Latitude | None = None
    lon: Longitude | None = None
    capacity_pph: float | None = Field(default=None, gt=0, description="people served per hour")

    @model_validator(mode="after")
    def _both_or_neither(self) -> Service:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither (the service is at the checkpoint)")
        return self


class Corridor(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    name: str
    lat: Latitude
    lon: Longitude
    throughput_pph: float = Field(gt=0, description="checkpoint throughput, people per hour")
    eligible_groups: Annotated[list[str], Field(min_length=1)] | None = Field(
        default=None, description="default: every group; never empty"
    )
    windows: OpeningWindows
    services: list[Service] = Field(default_factory=list)
    status: CorridorStatus = CorridorStatus.OPEN

    @field_validator("eligible_groups", mode="before")
    @classmethod
    def _not_empty(cls, value: object) -> object:
        if isinstance(value, list) and not value:
            msg = (
                "an empty list is not allowed; leave eligible_groups out to open the corridor "
                'to every group, or list the groups allowed through, e.g. ["mobility_impaired"]'
            )
            raise ValueError(msg)
        return value


class Hazard(_Strict):
    id: str
    name: str = ""
    effect: Literal["close", "slow"]
    speed_factor: float | None = Field(
        default=None, gt=0, lt=1, description="slow: travel speed multiplied by this"
    )
    polygon: list[LonLat] | None = Field(default=None, description="[[lon, lat], ...] ring")
    geojson: Path | None = Field(default=None, description="GeoJSON file of polygons")

    @model_validator(mode="after")
    def _check(self) -> Hazard:
        if (self.polygon is None) == (self.geojson is None):
            raise ValueError("give exactly one of polygon = [[lon, lat], ...] or geojson = FILE")
        if self.polygon is not None and len(self.polygon) < 3:
            raise ValueError("a polygon needs at least 3 [lon, lat] points")
        if self.effect == "slow" and self.speed_factor is None:
            raise ValueError('effect = "slow" needs speed_factor between 0 and 1, e.g. 0.5')
        if self.effect == "close" and self.speed_factor is not None:
            raise ValueError('speed_factor applies only to effect = "slow"')
        return self


class Scenario(_Strict):
    """A whole operation: where, who, through which corridors, under which hazards."""

    name: str = Field(min_length=1)
    timezone: str = Field(description="IANA time zone, e.g. Asia/Damascus")
    start: dt.datetime = Field(description="local start time of the operation")
    network: NetworkSpec
    population: PopulationSpec
    groups: list[Group] = Field(
        default_factory=lambda: [Group(id="general", share=1.0)], min_length=1
    )
    response: ResponseCurve = Field(default_factory=ResponseCurve)
    corridors: list[Corridor] = Field(min_length=1)
    hazards: list[Hazard] = Field(default_factory=list)
    flow: FlowParameters = Field(default_factory=FlowParameters)
    drive: DriveParameters = Field(default_factory=DriveParameters)
    warehouses: list[Warehouse] = Field(default_factory=list)
    stocks: list[Stock] = Field(default_factory=list)
    supply_routes: list[SupplyRoute] = Field(default_factory=list)
    convoys: list[Convoy] = Field(default_factory=list)
    relief: ReliefSettings = Field(default_factory=ReliefSettings)
    _source_path: Path | None = PrivateAttr(default=None)

    @property
    def source_path(self) -> Path | None:
        """The TOML file the scenario was read from, when it was read from one."""
        return self._source_path

    def with_source(self, path: Path) -> Scenario:
        self._source_path = path
        return self

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            msg = f"time zone {value!r} does not exist; use an IANA name such as Asia/Damascus"
            raise ValueError(msg) from None
        return value

    @field_validator("start")
    @classmethod
    def _start_exists(cls, value: dt.datetime, info: ValidationInfo) -> dt.datetime:
        timezone = info.data.get("timezone")  # absent when the time zone itself is wrong
        if value.tzinfo is None and timezone is not None:
            _check_wall_time_exists(value, timezone)
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def start_local(self) -> dt.datetime:
        """The start as an aware datetime in the scenario's zone."""
        return self.start.replace(tzinfo=self.tz) if self.start.tzinfo is None else self.start

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        if self.start.tzinfo is not None:
            offset = self.start.utcoffset()
            expected = self.start.astimezone(self.tz).utcoffset()
            if offset != expected:
                msg = (
                    f"start {self.start.isoformat()} has offset {offset} but {self.timezone} is at "
                    f"{expected} then; drop the offset or fix it"
                )
                raise ValueError(msg)
        _check_unique("groups", [g.id for g in self.groups])
        total_share = math.fsum(g.share for g in self.groups)
        if abs(total_share - 1.0) > 1e-6:
            shares = ", ".join(f"{g.id}={g.share}" for g in self.groups)
            msg = f"group shares must add up to 1, they add up to {total_share:.6g} ({shares})"
            raise ValueError(msg)
        group_ids = {g.id for g in self.groups}
        _check_unique("corridors", [c.id for c in self.corridors])
        for corridor in self.corridors:
            unknown = sorted(set(corridor.eligible_groups or ()) - group_ids)
            if unknown:
                msg = (
                    f"corridor {corridor.id}: eligible group(s) {', '.join(unknown)} not defined; "
                    f"known groups: {', '.join(sorted(group_ids))}"
                )
                raise ValueError(msg)
        _check_unique("hazards", [h.id for h in self.hazards])
        _check_unique("warehouses", [w.id for w in self.warehouses])
        warehouse_ids = {w.id for w in self.warehouses}
        for stock in self.stocks:
            if stock.warehouse is not None and stock.warehouse not in warehouse_ids:
                msg = f"stock of {stock.commodity}: warehouse {stock.warehouse!r} is not defined"
                raise ValueError(msg)
        return self

    def eligible(self, corridor: Corridor) -> list[str]:
        """Group ids allowed through ``corridor``."""
        if corridor.eligible_groups is None:
            return [g.id for g in self.groups]
        return list(corridor.eligible_groups)


def _check_wall_time_exists(moment: dt.datetime, timezone: str) -> None:
    """A local time skipped when the clocks jump forward (a DST gap) is not a time at all.

    zoneinfo accepts such a time and gives it the offset from before the jump, so round-trip it
    through UTC: a time in the gap comes back as another wall time.
    """
    zone = ZoneInfo(timezone)
    local = moment.replace(tzinfo=zone)
    back = local.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if back != moment:
        msg = (
            f"{moment.isoformat()} does not exist in {timezone}: clocks jump forward; "
            "pick a time outside the gap"
        )
        raise ValueError(msg)


def _check_unique(what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            msg = f"{what}: id {ident!r} appears twice; ids must be unique"
            raise ValueError(msg)
        seen.add(ident)
