"""Alerts from the record: low days of cover, corridors below plan, incidents near corridors.

Each alert is computed from the rows the caller may see, at a given time, and says what to do.
Incidents near a *planned route* need the plan's geometry, which the service does not hold yet;
only the corridor points are checked.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from safepassage.model.scenario import CorridorStatus
from safepassage.storage.models import Corridor, CrossingCount, Incident, Operation, StockEntry
from safepassage.storage.operations import current_statuses, stock_balances
from safepassage.storage.types import StockKind

__all__ = ["Alert", "AlertSettings", "Visible", "compute_alerts"]

_EARTH_RADIUS_M = 6_371_008.8  # IUGG mean Earth radius


@dataclass(frozen=True)
class AlertSettings:
    """Thresholds; the defaults are a starting point for the operation to set."""

    cover_days: float = 7.0  # warn when stock lasts fewer days at the recent distribution rate
    rate_days: int = 3  # the distribution rate is the mean over this many past days
    shortfall: float = 0.5  # warn when crossings are below plan by more than this share
    window_h: int = 6  # over this many past hours
    radius_m: float = 1000.0  # an incident this close to a corridor point
    incident_h: int = 24  # reported in this many past hours


@dataclass(frozen=True)
class Alert:
    kind: str  # "low_cover" | "below_plan" | "incident_near_corridor"
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


def _below_plan(
    session: Session,
    operation: Operation,
    corridors: list[Corridor],
    visible: Visible,
    now: dt.datetime,
    s: AlertSettings,
) -> list[Alert]:
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
    alerts = []
    for corridor in corridors:
        if not corridor.planned_throughput_pph or status[corridor.id].status != CorridorStatus.OPEN:
            continue
        planned = corridor.planned_throughput_pph * s.window_h
        if actual[corridor.id] < (1 - s.shortfall) * planned:
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


def _incidents_near(
    session: Session,
    operation: Operation,
    corridors: list[Corridor],
    visible: Visible,
    now: dt.datetime,
    s: AlertSettings,
) -> list[Alert]:
    since = now - dt.timedelta(hours=s.incident_h)
    query = select(Incident).where(
        Incident.operation_id == operation.id,
        visible.incidents,
        Incident.event_time >= since,
        Incident.event_time <= now,
    )
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
    return [
        *_low_cover(session, operation, visible, now, s),
        *_below_plan(session, operation, corridors, visible, now, s),
        *_incidents_near(session, operation, corridors, visible, now, s),
    ]
