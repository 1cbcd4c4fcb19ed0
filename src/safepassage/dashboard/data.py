"""The dashboard's figures: the record, aggregated on the server, beside the plan.

Everything here reads only the rows the caller may see (``storage.access.visible_rows``) and
returns aggregate counts per corridor and hour, per district or per commodity and day: never a
row of the record. A week of hourly counts for a city is a few thousand rows in the database
and a few kilobytes to the browser.

Time: the hour grid is the plan's (hour k starts ``t0 + 3600 k`` seconds, so it stays right
across daylight-saving changes), extended backwards or forwards to cover the record. "As of" is
the latest event in the visible record (or ``at``): the figures are never ahead of what was
reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from safepassage.dashboard.plan_view import PlanView
from safepassage.errors import DataError
from safepassage.storage import access
from safepassage.storage.models import (
    Corridor,
    CorridorStatusChange,
    CrossingCount,
    FieldRecord,
    Incident,
    Operation,
    PlanBundle,
    StockEntry,
    User,
)
from safepassage.storage.operations import current_statuses
from safepassage.storage.types import Classification, StockKind

__all__ = [
    "MAX_HOURS",
    "MAX_SPAN_HOURS",
    "Visible",
    "dashboard_data",
    "latest_bundle_id",
    "record_version",
]

MAX_HOURS = 2_000  # about 12 weeks of hourly points per corridor
MAX_SPAN_HOURS = 200_000  # about 23 years: the hour grid (a few MB) is built whole
_HOUR_S = 3600.0
_RATE_DAYS = 3  # distribution rate over this many past days, as the low_cover alert uses


@dataclass(frozen=True)
class Visible:
    """The WHERE clause of each table for one caller in one operation."""

    crossings: ColumnElement[bool]
    stock: ColumnElement[bool]
    incidents: ColumnElement[bool]
    status: ColumnElement[bool]

    @classmethod
    def of(cls, session: Session, operation: Operation, user: User) -> Visible:
        return cls(
            crossings=access.visible_rows(session, CrossingCount, operation, user),
            stock=access.visible_rows(session, StockEntry, operation, user),
            incidents=access.visible_rows(session, Incident, operation, user),
            status=access.visible_rows(session, CorridorStatusChange, operation, user),
        )


def latest_bundle_id(session: Session, operation: Operation) -> int | None:
    """The id of the operation's current plan bundle (without loading it), or None."""
    query = select(func.max(PlanBundle.id)).where(PlanBundle.operation_id == operation.id)
    found: int | None = session.scalar(query)
    return found


def record_version(session: Session, operation: Operation, user: User) -> str:
    """A short tag that changes whenever a row the caller may see is added, or a plan or a
    corridor is published: the page waits on it and reloads its figures when it changes.

    One statement of counts and largest ids (all on indexed columns), so that checking it a few
    times a second per open page stays cheap.
    """
    visible = Visible.of(session, operation, user)
    tables: list[tuple[type[FieldRecord], ColumnElement[bool]]] = [
        (CrossingCount, visible.crossings),
        (StockEntry, visible.stock),
        (Incident, visible.incidents),
        (CorridorStatusChange, visible.status),
    ]
    columns: list[Any] = [
        select(func.max(PlanBundle.id))
        .where(PlanBundle.operation_id == operation.id)
        .scalar_subquery()
    ]
    for model, where in tables:
        mine = (model.operation_id == operation.id, where)
        columns.append(select(func.count(model.id)).where(*mine).scalar_subquery())
        columns.append(select(func.max(model.id)).where(*mine).scalar_subquery())
    mine_c = Corridor.operation_id == operation.id
    columns.append(select(func.count(Corridor.id)).where(mine_c).scalar_subquery())
    columns.append(select(func.max(Corridor.id)).where(mine_c).scalar_subquery())
    parts = tuple(session.execute(select(*columns)).one())
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


# --- the record ---------------------------------------------------------------------------


def _epoch(value: dt.datetime) -> float:
    return value.timestamp()


def _as_of(session: Session, operation: Operation, visible: Visible) -> dt.datetime | None:
    """The latest event time in the visible record."""
    candidates = [
        select(func.max(CrossingCount.window_end)).where(
            CrossingCount.operation_id == operation.id, visible.crossings
        ),
        select(func.max(StockEntry.event_time)).where(
            StockEntry.operation_id == operation.id, visible.stock
        ),
        select(func.max(Incident.event_time)).where(
            Incident.operation_id == operation.id, visible.incidents
        ),
        select(func.max(CorridorStatusChange.event_time)).where(
            CorridorStatusChange.operation_id == operation.id, visible.status
        ),
    ]
    times = [t for t in (session.scalar(q) for q in candidates) if t is not None]
    return max(times) if times else None


def _crossing_windows(
    session: Session, operation: Operation, visible: Visible, at: dt.datetime
) -> list[tuple[int, float, float, float]]:
    """(corridor id, window start, window end, people) summed over groups, windows ending by
    ``at``; times in epoch seconds."""
    query = (
        select(
            CrossingCount.corridor_id,
            CrossingCount.window_start,
            CrossingCount.window_end,
            func.sum(CrossingCount.people),
        )
        .where(
            CrossingCount.operation_id == operation.id,
            visible.crossings,
            CrossingCount.window_end <= at,
        )
        .group_by(CrossingCount.corridor_id, CrossingCount.window_start, CrossingCount.window_end)
    )
    return [(cid, _epoch(a), _epoch(b), float(n)) for cid, a, b, n in session.execute(query)]


def _spread(
    windows: list[tuple[int, float, float, float]],
    row_of: dict[int, int],
    t0: float,
    k_first: int,
    n: int,
) -> NDArray[np.float64]:
    """People per corridor and hour; a count over several hours is shared in proportion to
    its overlap with each hour (a 6-hour count of 600 adds 100 to each of its hours)."""
    out = np.zeros((max(len(row_of), 1), n))
    for cid, start, end, people in windows:
        row = row_of.get(cid)
        if row is None:
            continue
        first = math.floor((start - t0) / _HOUR_S)
        last = math.ceil((end - t0) / _HOUR_S)
        for k in range(first, last):
            lo = max(start, t0 + k * _HOUR_S)
            hi = min(end, t0 + (k + 1) * _HOUR_S)
            if hi > lo and 0 <= k - k_first < n:
                out[row, k - k_first] += people * (hi - lo) / (end - start)
    return out[: len(row_of)]


# --- the grid -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Grid:
    t0: float
    k_first: int  # first hour of the full range, relative to t0
    n: int  # hours in the full range
    shown: slice  # the hours sent to the browser, as indices into the full range
    as_k: int  # index (into the full range) of the hour holding "as of"
    as_frac: float  # share of that hour elapsed at "as of"

    @property
    def done(self) -> int:
        """Hours (from the start of the range) with any time reported by "as of": "as of" is
        the latest window end, mostly on the hour, and then the hour it opens holds nothing."""
        return self.as_k + (1 if self.as_frac > 0 else 0)


def _grid(
    view: PlanView | None, first: float | None, as_of: float, hours: int
) -> tuple[_Grid, ZoneInfo]:
    if view is not None and view.hours:
        t0, n_plan, zone = view.t0, view.hours, view.timezone
    else:
        start = first if first is not None else as_of
        t0, n_plan, zone = math.floor(start / _HOUR_S) * _HOUR_S, 0, ZoneInfo("UTC")
    k_first = min(0, math.floor((first - t0) / _HOUR_S)) if first is not None else 0
    as_rel = (as_of - t0) / _HOUR_S
    as_abs = math.floor(as_rel)
    k_end = max(n_plan, as_abs + 1, k_first + 1)
    as_abs = max(as_abs, k_first)
    n = k_end - k_first
    if n > MAX_SPAN_HOURS:
        msg = (
            f"at: the plan and the record up to it span {n:,} hours, more than "
            f"{MAX_SPAN_HOURS:,}; give a time within a few years of the record"
        )
        raise DataError(msg)
    start, stop = 0, n
    if n > hours:
        # the last `hours` hours up to "as of", with up to a quarter of them of plan ahead
        stop = min(n, as_abs - k_first + 1 + hours // 4)
        stop = max(stop, hours)
        start = stop - hours
    grid = _Grid(
        t0=t0,
        k_first=k_first,
        n=n,
        shown=slice(start, stop),
        as_k=as_abs - k_first,
        as_frac=min(max(as_rel - math.floor(as_rel), 0.0), 1.0),
    )
    return grid, zone


def _on_grid(values: NDArray[np.float64], grid: _Grid, *, before: float, after: float) -> Any:
    """Plan values (hour 0 = t0) placed on the full range, padded outside the plan."""
    out = np.empty(grid.n)
    lo = -grid.k_first
    out[:] = before
    out[lo + values.size :] = after
    out[lo : lo + values.size] = values
    return out


def _labels(grid: _Grid, zone: ZoneInfo) -> list[str]:
    return [
        dt.datetime.fromtimestamp(grid.t0 + (grid.k_first + k) * _HOUR_S, zone).strftime(
            "%Y-%m-%d %H:%M"
        )
        for k in range(grid.shown.start, grid.shown.stop)
    ]


def _to_date(series: NDArray[np.float64], grid: _Grid) -> float:
    """The sum of an hourly series up to "as of" (the current hour pro rata)."""
    return float(series[: grid.as_k].sum() + series[grid.as_k] * grid.as_frac)


def _rounded(values: NDArray[np.float64], upto: int | None = None) -> list[float | None]:
    out: list[float | None] = [round(float(v), 1) for v in values]
    if upto is not None:
        out[upto:] = [None] * (len(out) - upto)
    return out


# --- pieces of the answer ------------------------------------------------------------------


def _corridor_rows(
    session: Session, operation: Operation, user: User, view: PlanView | None
) -> list[Corridor]:
    """The record's corridors, in plan order then by code. If the operation keeps its corridors
    table from other organisations, they see only the plan's corridors (public with the plan)."""
    corridors = list(session.scalars(select(Corridor).where(Corridor.operation_id == operation.id)))
    level = access.classification(session, operation, "corridors")
    if (
        level is not Classification.PUBLIC
        and user.organisation_id != operation.lead_organisation_id
    ):
        planned = set(view.corridor_ids) if view else set()
        corridors = [c for c in corridors if c.code in planned]
    order = {code: i for i, code in enumerate(view.corridor_ids)} if view else {}
    return sorted(corridors, key=lambda c: (order.get(c.code, len(order)), c.code))


def _incidents(
    session: Session,
    operation: Operation,
    visible: Visible,
    corridors: list[Corridor],
    since: dt.datetime,
    at: dt.datetime,
    zone: ZoneInfo,
) -> list[dict[str, Any]]:
    by_id = {c.id: c for c in corridors}
    query = (
        select(Incident)
        .where(
            Incident.operation_id == operation.id,
            visible.incidents,
            Incident.event_time >= since,
            Incident.event_time <= at,
        )
        .order_by(Incident.event_time)
    )
    rows = []
    for incident in session.scalars(query):
        corridor = by_id.get(incident.corridor_id) if incident.corridor_id else None
        lon = incident.lon if incident.lon is not None else (corridor.lon if corridor else None)
        lat = incident.lat if incident.lat is not None else (corridor.lat if corridor else None)
        rows.append(
            {
                "time": incident.event_time.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                "type": incident.type.value,
                "severity": incident.severity.value,
                "place": incident.place,
                "corridor": corridor.code if corridor else None,
                "lon": lon,
                "lat": lat,
            }
        )
    return rows


def _recorded_stock(
    session: Session, operation: Operation, visible: Visible, at: dt.datetime, zone: ZoneInfo
) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (item, unit): the balance over all warehouses at the end of each local day up to
    "as of", and the days of cover at the mean distribution rate of the last three days."""
    query = select(
        StockEntry.kind,
        StockEntry.to_warehouse,
        StockEntry.item,
        StockEntry.unit,
        StockEntry.event_time,
        StockEntry.quantity,
    ).where(StockEntry.operation_id == operation.id, visible.stock, StockEntry.event_time <= at)
    per_day: dict[tuple[str, str], dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    distributed: dict[tuple[str, str], float] = defaultdict(float)
    since = at - dt.timedelta(days=_RATE_DAYS)
    for kind, to_warehouse, item, unit, when, quantity in session.execute(query):
        key = (item, unit)
        if kind is StockKind.TRANSFER and to_warehouse:
            per_day[key][when.astimezone(zone).date()] += 0.0  # moves stock, total unchanged
            continue
        sign = 1.0 if kind is StockKind.RECEIPT else -1.0
        per_day[key][when.astimezone(zone).date()] += sign * float(quantity)
        if kind is StockKind.DISTRIBUTION and when > since:
            distributed[key] += float(quantity)
    last_day = at.astimezone(zone).date()
    out = {}
    for key, days in per_day.items():
        day, balance = min(days), 0.0
        dates, balances = [], []
        while day <= last_day:
            balance += days.get(day, 0.0)
            dates.append(day.isoformat())
            balances.append(round(balance, 3))
            day += dt.timedelta(days=1)
        rate = distributed[key] / _RATE_DAYS
        cover = round(max(balance, 0.0) / rate, 1) if rate > 0 else None
        out[key] = {"dates": dates, "balance": balances, "cover_days": cover}
    return out


def _stock(
    view: PlanView | None,
    recorded: dict[tuple[str, str], dict[str, Any]],
    at: dt.datetime,
    zone: ZoneInfo,
) -> list[dict[str, Any]]:
    """One panel per commodity: the plan's forecast band beside the recorded balance (matched
    by name and unit, ignoring case)."""
    panels = []
    left = dict(recorded)
    today = at.astimezone(zone).date().isoformat()
    relief = view.relief if view else None
    for commodity in (relief or {}).get("commodities", []):
        name, unit = str(commodity["commodity"]), str(commodity["unit"])
        match = next(
            (
                k
                for k in left
                if k[0].casefold() == name.casefold() and k[1].casefold() == unit.casefold()
            ),
            None,
        )
        dates = list(relief["dates"]) if relief else []
        cover = commodity.get("cover_days") or []
        index = max((i for i, d in enumerate(dates) if d <= today), default=None)
        panels.append(
            {
                "commodity": name,
                "unit": unit,
                "dates": dates,
                "p10": commodity.get("p10"),
                "p50": commodity.get("p50"),
                "p90": commodity.get("p90"),
                "plan_cover_days": cover[index] if index is not None and cover else None,
                "stockout_date": commodity.get("stockout_date"),
                "recorded": left.pop(match) if match else None,
            }
        )
    for (item, unit), series in sorted(left.items()):
        panels.append(
            {
                "commodity": item,
                "unit": unit,
                "dates": [],
                "p10": None,
                "p50": None,
                "p90": None,
                "plan_cover_days": None,
                "stockout_date": None,
                "recorded": series,
            }
        )
    return panels


def _corridor_figures(
    corridors: list[Corridor],
    statuses: dict[int, Any] | None,
    view: PlanView | None,
    actual: NDArray[np.float64],
    grid: _Grid,
) -> list[dict[str, Any]]:
    shown, upto = grid.shown, grid.done - grid.shown.start
    rows = []
    for i, corridor in enumerate(corridors):
        plan = view.corridors.get(corridor.code) if view else None
        p = view.corridor_ids.index(corridor.code) if plan and view else None
        planned = np.zeros(grid.n)
        arrivals = np.zeros(grid.n)
        if p is not None and view is not None:
            planned = _on_grid(view.crossings[p], grid, before=0.0, after=0.0)
            arrivals = _on_grid(view.arrivals[p], grid, before=0.0, after=0.0)
        crossed = float(actual[i].sum())
        status = statuses[corridor.id] if statuses is not None else None
        rows.append(
            {
                "code": corridor.code,
                "name": corridor.name,
                "lon": corridor.lon,
                "lat": corridor.lat,
                "throughput_pph": corridor.planned_throughput_pph,
                "status": status.status.value if status else None,
                "actual": _rounded(actual[i, shown], max(upto, 0)),
                "plan": _rounded(planned[shown]) if p is not None else None,
                "actual_to_date": round(crossed),
                "plan_to_date": round(_to_date(planned, grid)) if p is not None else None,
                "last_hour": round(float(actual[i, max(grid.done - 1, 0)])),
                # people the plan expected to have arrived who have not been counted across
                "queue_est": round(max(_to_date(arrivals, grid) - crossed, 0.0))
                if p is not None
                else None,
            }
        )
    return rows


def dashboard_data(
    session: Session,
    operation: Operation,
    user: User,
    view: PlanView | None,
    *,
    at: dt.datetime | None = None,
    hours: int = 336,
) -> dict[str, Any]:
    """Every figure the page draws, from the record the caller may see and the plan.

    Parameters
    ----------
    view
        The operation's current plan (``plan_view``), or None when none is published.
    at
        "As of" time; default: the latest event time in the visible record.
    hours
        The most hours of hourly series to return (1 to ``MAX_HOURS``).
    """
    hours = min(max(int(hours), 1), MAX_HOURS)
    if at is not None and not 1970 <= at.astimezone(dt.UTC).year <= 2200:
        raise DataError(f"at: {at.isoformat()} is not a time of an operation; give a recent one")
    visible = Visible.of(session, operation, user)
    latest = _as_of(session, operation, visible)
    if at is None:
        if latest is not None:
            at = latest
        elif view is not None:
            at = dt.datetime.fromtimestamp(view.t0, dt.UTC)
        else:
            at = dt.datetime.now(dt.UTC)
    corridors = _corridor_rows(session, operation, user, view)
    row_of = {c.id: i for i, c in enumerate(corridors)}
    windows = _crossing_windows(session, operation, visible, at)
    first = min((w[1] for w in windows), default=None)
    grid, zone = _grid(view, first, _epoch(at), hours)
    actual = _spread(windows, row_of, grid.t0, grid.k_first, grid.n)
    table = CorridorStatusChange.__tablename__
    lead = user.organisation_id == operation.lead_organisation_id
    shared = lead or access.classification(session, operation, table) is Classification.PUBLIC
    statuses = (
        current_statuses(session, [c.id for c in corridors], visible=visible.status)
        if shared
        else None
    )
    crossed = actual.sum(axis=0) if corridors else np.zeros(grid.n)
    population = view.population if view else None
    upto = grid.done - grid.shown.start
    inside: dict[str, Any] = {"plan": None, "actual": None}
    districts: dict[str, Any] | None = None
    if view is not None:
        # after the plan's last hour its last crossings are done too
        after = view.population - float(view.crossings.sum())
        plan_inside = _on_grid(view.inside, grid, before=view.population, after=after)
        before = np.concatenate([[0.0], np.cumsum(crossed)[:-1]])
        inside = {
            "plan": _rounded(plan_inside[grid.shown]),
            "actual": _rounded((view.population - before)[grid.shown], max(upto + 1, 0)),
        }
        by_code = {c.code: actual[i].sum() for i, c in enumerate(corridors)}
        crossed_per = np.array([by_code.get(c, 0.0) for c in view.corridor_ids])
        departed = np.array(
            [_to_date(_on_grid(d, grid, before=0.0, after=0.0), grid) for d in view.departures]
        )
        est = np.maximum(view.district_people - view.district_share @ crossed_per, 0.0)
        districts = {
            "remaining_est": _rounded(est),
            "remaining_plan": _rounded(np.maximum(view.district_people - departed, 0.0)),
        }
    start_time = dt.datetime.fromtimestamp(
        grid.t0 + (grid.k_first + grid.shown.start) * _HOUR_S, dt.UTC
    )
    recorded_stock = _recorded_stock(session, operation, visible, at, zone)
    total = float(crossed.sum())
    return {
        "operation": {"code": operation.code, "name": operation.name},
        "plan": None
        if view is None
        else {"bundle": view.bundle_id, "name": view.name, "timezone": view.timezone.key},
        "version": record_version(session, operation, user),
        "as_of": at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "as_of_utc": at.astimezone(dt.UTC).isoformat(),
        "timezone": zone.key,
        "hours": _labels(grid, zone),
        "now_index": grid.as_k - grid.shown.start,
        "population": population,
        "crossed_to_date": round(total),
        "inside_now": None if population is None else round(max(population - total, 0.0)),
        "corridors": _corridor_figures(corridors, statuses, view, actual, grid),
        "inside": inside,
        "districts": districts,
        "stock": _stock(view, recorded_stock, at, zone),
        "incidents": _incidents(session, operation, visible, corridors, start_time, at, zone),
    }
