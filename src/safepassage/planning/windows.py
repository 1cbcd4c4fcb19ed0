"""Corridor opening windows as minutes after the scenario's start, and capacity per time step.

Daily windows are local wall-clock times, so a daylight-saving change moves them in elapsed
minutes exactly as it moves them on the clock at the checkpoint.
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from safepassage.model.scenario import Corridor, CorridorStatus, OpeningWindows

__all__ = ["open_intervals_min", "step_capacity"]


def _minutes_after(start: dt.datetime, local: dt.datetime, zone: ZoneInfo) -> float:
    moment = local.replace(tzinfo=zone) if local.tzinfo is None else local
    return (moment - start).total_seconds() / 60.0


def open_intervals_min(
    windows: OpeningWindows, *, start: dt.datetime, zone: ZoneInfo, horizon_min: float
) -> list[tuple[float, float]]:
    """Open intervals ``[a, b)`` in minutes after ``start`` (aware), clipped to ``[0, horizon)``."""
    spans: list[tuple[float, float]] = []
    if windows.intervals:
        for a, b in windows.intervals:
            spans.append((_minutes_after(start, a, zone), _minutes_after(start, b, zone)))
    else:
        first_day = start.astimezone(zone).date() - dt.timedelta(days=1)
        days = math.ceil(horizon_min / 1440.0) + 2
        for offset in range(days):
            day = first_day + dt.timedelta(days=offset)
            for open_at, close_at in windows.daily:
                a = _local(day, open_at)
                b = _local(day, close_at)
                spans.append((_minutes_after(start, a, zone), _minutes_after(start, b, zone)))
    clipped = [(max(a, 0.0), min(b, horizon_min)) for a, b in spans]
    return sorted((a, b) for a, b in clipped if b > a)


def _local(day: dt.date, hhmm: str) -> dt.datetime:
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hours, minutes=minutes)


def step_capacity(
    corridor: Corridor, *, start: dt.datetime, zone: ZoneInfo, step_min: float, steps: int
) -> NDArray[np.float64]:
    """People the checkpoint can process in each step ``[k·step, (k+1)·step)``.

    Throughput (people per hour) times the minutes of the step inside an opening window; zero
    throughout for a corridor that is suspended or closed.
    """
    capacity = np.zeros(steps, dtype=np.float64)
    if corridor.status is not CorridorStatus.OPEN:
        return capacity
    rate_per_min = corridor.throughput_pph / 60.0
    edges = np.arange(steps + 1, dtype=np.float64) * step_min
    for a, b in open_intervals_min(
        corridor.windows, start=start, zone=zone, horizon_min=steps * step_min
    ):
        # minutes of [a, b) inside each step, vectorised over steps
        overlap = np.clip(np.minimum(edges[1:], b) - np.maximum(edges[:-1], a), 0.0, None)
        capacity += overlap * rate_per_min
    return capacity
