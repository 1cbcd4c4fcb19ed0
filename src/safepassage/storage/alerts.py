"""Alerts from the record: low days of cover, corridors below plan, incidents near corridors
and near the planned routes.

Each alert is computed from the rows the caller may see, at a given time, and says what to do.
The planned routes come from the operation's latest published plan bundle
(:func:`safepassage.storage.plan_bundles.latest_plan_bundle`).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import True_

from safepassage.io.projection import to_metres
from safepassage.model.scenario import CorridorStatus
from safepassage.storage.models import Corridor, CrossingCount, Incident, Operation, StockEntry
from safepassage.storage.operations import current_statuses, stock_balances
from safepassage.storage.plan_bundles import latest_plan_bundle
from safepassage.storage.types import StockKind

__all__ = ["Alert", "AlertSettings", "PlannedRoute", "Visible", "compute_alerts", "routes_near"]

_EARTH_RADIUS_M = 6_371_008.8  # IUGG mean Earth radius


@dataclass(frozen=True)
class AlertSettings:
    """Thresholds; the defaults are a starting point for the operation to set."""

    cover_days: float = 7.0  # warn when stock lasts fewer days at the recent distribution rate
    rate_days: int = 3  # the distribution rate is the mean over this many past days
    shortfall: float = 0.5  # warn when crossings are below plan by more than this share
    window_h: int = 6  # over this many past hours
    radius_m: float = 1000.0  # an incident this close to a corridor point
    route_radius_m: float = 500.0  # an incident this close to a planned route
    incident_h: int = 24  # reported in this many past hours


@dataclass(frozen=True)
class Alert:
    kind: str  # "low_cover" | "below_plan" | "incident_near_corridor" | "incident_near_route"
    subject: str
    message: str
    value: float


@dataclass(frozen=True)
class Visible:
    """The WHERE clauses for the tables alerts read (from ``access.visible_rows``)."""

    stock: ColumnElement[bool]
    crossings: ColumnElement[bool]
    incidents: ColumnElement[bool]
    status: ColumnElement[bool]


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _low_cover(
    session: Session, operation: Operation, visible: Visible, now: dt.datetime, s: AlertSettings
) -> list[Alert]:
    since = now - dt.timedelta(days=s.rate_days)
    query = (
        select(
            StockEntry.warehouse, StockEntry.item, StockEntry.unit, func.sum(StockEntry.quantity)
        )
        .where(
            StockEntry.operation_id == operation.id,
            visible.stock,
            StockEntry.kind == StockKind.DISTRIBUTION,
            StockEntry.event_time > since,
            StockEntry.event_time <= now,
        )
        .group_by(StockEntry.warehouse, StockEntry.item, StockEntry.unit)
    )
    rate = {(w, i, u): float(q) / s.rate_days for w, i, u, q in session.execute(query)}
    alerts = []
    for balance in stock_balances(session, operation, visible=visible.stock, at=now):
        per_day = rate.get((balance.warehouse, balance.item, balance.unit), 0.0)
        if per_day <= 0:
            continue
        days = max(balance.quantity, 0.0) / per_day
        if days < s.cover_days:
            subject = f"{balance.item} at {balance.warehouse}"
            alerts.append(
                Alert(
                    "low_cover",
                    subject,
                    f"{subject}: {days:.1f} days of cover at {per_day:,.1f} {balance.unit}/day "
                    f"(threshold {s.cover_days:g}); plan a delivery",
                    round(days, 2),
                )
            )
    return alerts


def _planned_in_window(
    bundle: dict[str, Any] | None, corridor: Corridor, since: dt.datetime, now: dt.datetime
) -> float:
    """People the published plan has crossing ``corridor`` in the hours inside [since, now]
    (none when the plan does not use it); with no plan published, the corridor's planned
    throughput over the whole window."""
    if bundle is None:
        window_h = (now - since).total_seconds() / 3600.0
        return float(corridor.planned_throughput_pph or 0.0) * window_h
    series = bundle["planned"].get(corridor.code, {"crossings": []})["crossings"]
    total = 0.0
    for start, people in zip(bundle["hours"], series, strict=False):
        begins = dt.datetime.fromisoformat(start)
        if begins >= since and begins + dt.timedelta(hours=1) <= now:
            total += float(people)
    return total


def _below_plan(
    session: Session,
    operation: Operation,
    corridors: list[Corridor],
    visible: Visible,
    now: dt.datetime,
    s: AlertSettings,
    plan: Callable[[], dict[str, Any] | None],
) -> list[Alert]:
    if not (isinstance(visible.crossings, True_) and isinstance(visible.status, True_)):
        # a caller who sees only some organisations' counts or status changes would compare
        # part of the record with the whole plan (and take hidden suspensions for open)
        return []
    since = now - dt.timedelta(hours=s.window_h)
    query = (
        select(CrossingCount.corridor_id, func.sum(CrossingCount.people))
        .where(
            CrossingCount.operation_id == operation.id,
            visible.crossings,
            CrossingCount.window_start >= since,
            CrossingCount.window_end <= now,
        )
        .group_by(CrossingCount.corridor_id)
    )
    actual = defaultdict(int, {cid: int(n) for cid, n in session.execute(query)})
    status = current_statuses(session, [c.id for c in corridors], visible=visible.status)
    bundle = plan()
    alerts = []
    for corridor in corridors:
        if status[corridor.id].status != CorridorStatus.OPEN:
            continue
        # the published plan's crossings in the window (none planned: nothing is missing)
        planned = _planned_in_window(bundle, corridor, since, now)
        if planned > 0 and actual[corridor.id] < (1 - s.shortfall) * planned:
            share = actual[corridor.id] / planned
            alerts.append(
                Alert(
                    "below_plan",
                    corridor.code,
                    f"corridor {corridor.code}: {actual[corridor.id]:,} people in the last "
                    f"{s.window_h} h, {share:.0%} of the {planned:,.0f} planned; check the "
                    "corridor and the counts (late reports?)",
                    round(share, 3),
                )
            )
    return alerts


def _recent_incidents(
    operation: Operation, visible: Visible, now: dt.datetime, s: AlertSettings
) -> Select[tuple[Incident]]:
    """The operation's incidents the caller may see, of the last ``s.incident_h`` hours."""
    return select(Incident).where(
        Incident.operation_id == operation.id,
        visible.incidents,
        Incident.event_time >= now - dt.timedelta(hours=s.incident_h),
        Incident.event_time <= now,
    )


def _incidents_near(
    session: Session,
    operation: Operation,
    corridors: list[Corridor],
    visible: Visible,
    now: dt.datetime,
    s: AlertSettings,
) -> list[Alert]:
    query = _recent_incidents(operation, visible, now, s)
    alerts = []
    for incident in session.scalars(query.order_by(Incident.event_time)):
        for corridor in corridors:
            near = incident.corridor_id == corridor.id
            distance = None
            if None not in (incident.lat, incident.lon, corridor.lat, corridor.lon):
                distance = _distance_m(incident.lat, incident.lon, corridor.lat, corridor.lon)  # type: ignore[arg-type]
                near = near or distance <= s.radius_m
            if near:
                where = f"{distance:,.0f} m from" if distance is not None else "on"
                alerts.append(
                    Alert(
                        "incident_near_corridor",
                        corridor.code,
                        f"{incident.severity.value} {incident.type.value} incident {where} "
                        f"corridor {corridor.code}; re-plan suggested",
                        round(distance or 0.0, 1),
                    )
                )
    return alerts


@dataclass(frozen=True)
class PlannedRoute:
    """A route of the published plan: from a district to a corridor, as a lon/lat polyline
    (``None`` between parts), with the people the plan sends along it."""

    area: str
    corridor: str
    people: float
    lon: Sequence[float | None]
    lat: Sequence[float | None]


def _planned_routes(bundle: dict[str, Any] | None) -> list[PlannedRoute]:
    if not bundle:
        return []
    return [
        PlannedRoute(
            str(r.get("area", "")),
            str(r["corridor"]),
            float(r.get("people") or 0.0),
            r["lon"],
            r["lat"],
        )
        for r in bundle.get("routes") or []
        if r.get("lon") and r.get("lat") and len(r["lon"]) == len(r["lat"])
    ]


def _local_crs(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> str:
    """A transverse Mercator centred on the points (rounded to 0.01 degree, so that the cached
    transformer is reused): its scale error at distance d from the centre is about
    d²/(2R²), under 2e-5 (2 cm per km) within 50 km."""
    lon0 = round(float(np.mean(lon)), 2)
    lat0 = round(float(np.mean(lat)), 2)
    return f"+proj=tmerc +lat_0={lat0} +lon_0={lon0} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m"


def routes_near(
    routes: Sequence[PlannedRoute],
    lon: Sequence[float],
    lat: Sequence[float],
    *,
    radius_m: float,
) -> list[tuple[int, int, float]]:
    """``(point, route, distance in metres)`` for every point within ``radius_m`` of a route.

    Routes and points are projected together to a local transverse Mercator (see
    :func:`_local_crs`); an STRtree over the route parts finds the candidates and shapely
    measures the point-to-polyline distances, all vectorised.
    """
    if not routes or not len(lon):
        return []
    counts = [len(r.lon) for r in routes]
    route_of_vertex = np.repeat(np.arange(len(routes)), counts)
    vx = np.array([np.nan if v is None else v for r in routes for v in r.lon], dtype=np.float64)
    vy = np.array([np.nan if v is None else v for r in routes for v in r.lat], dtype=np.float64)
    gap = np.isnan(vx) | np.isnan(vy)
    # a new part starts after each gap and at each route's first vertex
    starts = np.zeros(len(vx), dtype=bool)
    starts[np.cumsum(counts)[:-1]] = True
    starts[1:] |= gap[:-1]
    part_of_vertex = np.cumsum(starts)[~gap]
    route_of_vertex = route_of_vertex[~gap]
    px, py = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    crs = _local_crs(np.concatenate([vx[~gap], px]), np.concatenate([vy[~gap], py]))
    x, y = to_metres(crs, np.concatenate([vx[~gap], px]), np.concatenate([vy[~gap], py]))
    n = len(part_of_vertex)
    # a part of one vertex becomes a line of length 0 (shapely needs two)
    parts, first = np.unique(part_of_vertex, return_index=True)
    single = np.bincount(np.searchsorted(parts, part_of_vertex)) == 1
    coords = np.column_stack([x[:n], y[:n]])
    ids = np.searchsorted(parts, part_of_vertex)
    if single.any():
        extra = first[single]
        coords = np.concatenate([coords, coords[extra]])
        ids = np.concatenate([ids, ids[extra]])
    order = np.argsort(ids, kind="stable")
    lines = shapely.linestrings(coords[order], indices=ids[order])
    route_of_part = route_of_vertex[first]
    points = shapely.points(x[n:], y[n:])
    tree = shapely.STRtree(lines)
    point_idx, part_idx = tree.query(points, predicate="dwithin", distance=radius_m)
    distances = shapely.distance(points[point_idx], lines[part_idx])
    best: dict[tuple[int, int], float] = {}
    for p, part, d in zip(point_idx, part_idx, distances, strict=True):
        key = (int(p), int(route_of_part[part]))
        best[key] = min(float(d), best.get(key, math.inf))
    return sorted((p, r, d) for (p, r), d in best.items())


def _incidents_near_routes(
    session: Session,
    operation: Operation,
    visible: Visible,
    now: dt.datetime,
    s: AlertSettings,
    plan: Callable[[], dict[str, Any] | None],
) -> list[Alert]:
    query = _recent_incidents(operation, visible, now, s).where(
        Incident.lat.is_not(None), Incident.lon.is_not(None)
    )
    incidents = list(session.scalars(query.order_by(Incident.event_time, Incident.id)))
    if not incidents:
        return []  # the bundle (megabytes of JSON) is read only when there is something to check
    routes = _planned_routes(plan())
    near = routes_near(
        routes,
        [i.lon for i in incidents],  # type: ignore[misc]
        [i.lat for i in incidents],  # type: ignore[misc]
        radius_m=s.route_radius_m,
    )
    # one alert per incident and corridor: the nearest of the routes to it, and their people
    grouped: dict[tuple[int, str], list[tuple[PlannedRoute, float]]] = defaultdict(list)
    for point, route, distance in near:
        grouped[(point, routes[route].corridor)].append((routes[route], distance))
    alerts = []
    for (point, corridor), found in sorted(grouped.items()):
        incident = incidents[point]
        distance = min(d for _, d in found)
        areas = ", ".join(sorted({r.area for r, _ in found}))
        people = sum(r.people for r, _ in found)
        alerts.append(
            Alert(
                "incident_near_route",
                corridor,
                f"{incident.severity.value} {incident.type.value} incident {distance:,.0f} m "
                f"from the planned route from {areas} to corridor {corridor} ({people:,.0f} "
                "people planned on it); re-plan suggested",
                round(distance, 1),
            )
        )
    return alerts


def compute_alerts(
    session: Session,
    operation: Operation,
    *,
    visible: Visible,
    now: dt.datetime,
    settings: AlertSettings | None = None,
) -> list[Alert]:
    """All alerts for the operation at ``now`` from the rows ``visible`` selects."""
    s = settings or AlertSettings()
    query = select(Corridor).where(Corridor.operation_id == operation.id).order_by(Corridor.code)
    corridors = list(session.scalars(query))
    # the plan bundle (megabytes of JSON) is read once, and only by an alert that needs it
    plan = functools.cache(lambda: latest_plan_bundle(session, operation))
    return [
        *_low_cover(session, operation, visible, now, s),
        *_below_plan(session, operation, corridors, visible, now, s, plan),
        *_incidents_near(session, operation, corridors, visible, now, s),
        *_incidents_near_routes(session, operation, visible, now, s, plan),
    ]
