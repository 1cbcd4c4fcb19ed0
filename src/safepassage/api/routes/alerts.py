"""Alerts: days of cover, corridors below plan, incidents near corridors and planned routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from safepassage.api.deps import CurrentUser, DatabaseDep, OperationDep
from safepassage.api.schemas import QueryTime
from safepassage.storage import access
from safepassage.storage.alerts import AlertSettings, Visible, compute_alerts
from safepassage.storage.models import (
    CorridorStatusChange,
    CrossingCount,
    Incident,
    StockEntry,
)
from safepassage.storage.types import utc_now

__all__ = ["router"]

router = APIRouter(tags=["alerts"])


class AlertPublic(BaseModel):
    kind: str
    subject: str
    message: str
    value: float


@router.get("/operations/{operation}/alerts", response_model=list[AlertPublic])
def alerts(
    database: DatabaseDep,
    user: CurrentUser,
    operation: OperationDep,
    at: Annotated[QueryTime | None, Query(description="default: now")] = None,
    cover_days: Annotated[float, Query(gt=0, le=365)] = 7.0,
    shortfall: Annotated[float, Query(gt=0, lt=1)] = 0.5,
    window_hours: Annotated[int, Query(ge=1, le=168)] = 6,
    radius_m: Annotated[
        float, Query(gt=0, le=100_000, description="incident to corridor point")
    ] = 1000.0,
    route_radius_m: Annotated[
        float, Query(gt=0, le=100_000, description="incident to a planned route")
    ] = 500.0,
) -> list[AlertPublic]:
    """Alerts computed from the rows your organisation may see and the published plan."""
    settings = AlertSettings(
        cover_days=cover_days,
        shortfall=shortfall,
        window_h=window_hours,
        radius_m=radius_m,
        route_radius_m=route_radius_m,
    )
    with database.read() as session:
        visible = Visible(
            stock=access.visible_rows(session, StockEntry, operation, user),
            crossings=access.visible_rows(session, CrossingCount, operation, user),
            incidents=access.visible_rows(session, Incident, operation, user),
            status=access.visible_rows(session, CorridorStatusChange, operation, user),
        )
        found = compute_alerts(
            session, operation, visible=visible, now=at or utc_now(), settings=settings
        )
    return [AlertPublic(**vars(a)) for a in found]
