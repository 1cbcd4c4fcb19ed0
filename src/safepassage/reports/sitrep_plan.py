"""What a situation report reads from the published plan bundle (``reports/plan_bundle.py``).

Hourly plan series are pro-rated to any time window, so a report period need not start on the
hour. Every figure read here is the plan's own; nothing is re-planned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

from safepassage.errors import DataError

__all__ = ["PlanView", "plan_view"]

_HOUR_S = 3600.0


@dataclass(frozen=True)
class PlanView:
    """The bundle's figures a sitrep uses, with its hourly series as arrays."""

    bundle: dict[str, Any]
    bundle_id: int | None
    published_at: dt.datetime | None
    name: str
    start: dt.datetime
    timezone: ZoneInfo
    population: float
    corridors: dict[str, dict[str, Any]]  # by corridor id (the record's corridor code)
    hour_starts_s: NDArray[np.float64]  # POSIX seconds of each hour's start
    crossings: dict[str, NDArray[np.float64]]  # per corridor, planned crossings per hour
    relief: dict[str, Any] | None

    def label(self) -> str:
        """How the sources name this plan."""
        when = ""
        if self.published_at is not None:
            when = f", published {self.published_at.astimezone(dt.UTC):%Y-%m-%dT%H:%MZ}"
        number = f" #{self.bundle_id}" if self.bundle_id is not None else ""
        return f"plan bundle{number} ({self.name}{when})"

    def planned(self, corridor: str, start: dt.datetime, end: dt.datetime) -> float:
        """Planned crossings at ``corridor`` in ``[start, end)``, pro-rated within hours."""
        series = self.crossings.get(corridor)
        if series is None or end <= start:
            return 0.0
        lo, hi = start.timestamp(), end.timestamp()
        overlap = np.clip(
            np.minimum(self.hour_starts_s + _HOUR_S, hi) - np.maximum(self.hour_starts_s, lo),
            0.0,
            _HOUR_S,
        )
        return float(np.dot(series, overlap / _HOUR_S))

    def planned_all(self, start: dt.datetime, end: dt.datetime) -> float:
        return sum(self.planned(c, start, end) for c in self.crossings)

    def clearance(self) -> str | None:
        value = self.bundle.get("summary", {}).get("clearance_time")
        return str(value) if value else None

    def commodity(self, item: str, unit: str) -> dict[str, Any] | None:
        if not self.relief:
            return None
        for row in self.relief.get("commodities", []):
            if row.get("commodity") == item and row.get("unit") == unit:
                return dict(row)
        return None

    def cover_on(self, item: str, unit: str, day: dt.date) -> float | None:
        """The relief forecast's days of cover of ``item`` on ``day`` (None if not forecast)."""
        row = self.commodity(item, unit)
        if row is None or not self.relief:
            return None
        dates = [str(d) for d in self.relief.get("dates", [])]
        try:
            index = dates.index(day.isoformat())
        except ValueError:
            return None
        values = row.get("cover_days") or []
        value = values[index] if index < len(values) else None
        return None if value is None else float(value)

    def needs_at_start(self) -> dict[str, float] | None:
        if not self.relief or not self.relief.get("needs_at_start"):
            return None
        return {k: float(v) for k, v in self.relief["needs_at_start"].items()}


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DataError(
            f"plan bundle: unknown time zone {name!r}; publish the plan again"
        ) from None


def plan_view(
    bundle: dict[str, Any],
    *,
    bundle_id: int | None = None,
    published_at: dt.datetime | None = None,
) -> PlanView:
    """Read a plan bundle (already checked by ``check_bundle``).

    Raises
    ------
    DataError
        A field the sitrep needs is missing or malformed.
    """
    try:
        scenario = bundle["scenario"]
        zone = _zone(str(scenario["timezone"]))
        start = dt.datetime.fromisoformat(str(scenario["start"]))
        if start.tzinfo is None:
            start = start.replace(tzinfo=zone)
        hours = np.array(
            [dt.datetime.fromisoformat(h).timestamp() for h in bundle["hours"]], dtype=np.float64
        )
        crossings = {
            str(cid): np.asarray(series["crossings"], dtype=np.float64)[: hours.size]
            for cid, series in bundle["planned"].items()
        }
        corridors = {str(c["id"]): dict(c) for c in bundle["corridors"]}
        population = float(bundle.get("population") or 0.0)
    except (KeyError, TypeError, ValueError) as exc:
        msg = f"plan bundle: {exc!r} missing or malformed; publish the plan again"
        raise DataError(msg) from None
    for cid, series in crossings.items():
        if series.size < hours.size:  # a short series: no crossings planned after its end
            crossings[cid] = np.concatenate([series, np.zeros(hours.size - series.size)])
    return PlanView(
        bundle=bundle,
        bundle_id=bundle_id,
        published_at=published_at,
        name=str(scenario.get("name", "")),
        start=start,
        timezone=zone,
        population=population,
        corridors=corridors,
        hour_starts_s=hours,
        crossings=crossings,
        relief=bundle.get("relief"),
    )
