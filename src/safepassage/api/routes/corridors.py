"""Corridors of an operation, their status history, and the monitors assigned to them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response, status
from sqlalchemy import select

from safepassage.api.deps import DatabaseDep, OperationDep, lead_operation, require
from safepassage.api.routes._records import public_rows
from safepassage.api.schemas import (
    CorridorCreate,
    CorridorPublic,
    MonitorAssign,
    StatusChangeCreate,
    StatusChangePublic,
)
from safepassage.storage import access
from safepassage.storage import operations as ops
from safepassage.storage.access import Action
from safepassage.storage.models import Corridor, CorridorStatusChange, User
from safepassage.storage.records import Submitted, retry_on_duplicate, submit_records
from safepassage.storage.types import Classification, Role

__all__ = ["router"]

router = APIRouter(tags=["corridors"])
Manager = Depends(require(Action.MANAGE_CORRIDORS))
Reader = Depends(require(Action.READ))


def _public(corridor: Corridor, current: ops.CurrentStatus | None) -> CorridorPublic:
    return CorridorPublic(
        code=corridor.code,
        name=corridor.name,
        planned_throughput_pph=corridor.planned_throughput_pph,
        lat=corridor.lat,
        lon=corridor.lon,
        status=current.status if current else None,
        status_since=current.since if current else None,
        status_reason=current.reason if current else "not shared with your organisation",
    )


@router.post("/operations/{operation}/corridors", response_model=CorridorPublic, status_code=201)
def create_corridor(
    body: CorridorCreate,
    database: DatabaseDep,
    operation: OperationDep,
    response: Response,
    user: User = Manager,
) -> CorridorPublic:
    """Add a corridor (idempotent by code: a retry returns the stored corridor with 200)."""
    lead_operation(operation, user)
    with database.session() as session:
        corridor, created = ops.create_corridor(session, user, operation, **body.model_dump())
        current = ops.current_statuses(session, [corridor.id])[corridor.id]
    if not created:
        response.status_code = status.HTTP_200_OK
    return _public(corridor, current)


@router.get("/operations/{operation}/corridors", response_model=list[CorridorPublic])
def list_corridors(
    database: DatabaseDep, operation: OperationDep, user: User = Reader
) -> list[CorridorPublic]:
    """Every corridor of the operation with its current status (public to member organisations)."""
    query = select(Corridor).where(Corridor.operation_id == operation.id).order_by(Corridor.code)
    with database.read() as session:
        lead = user.organisation_id == operation.lead_organisation_id
        level = access.classification(session, operation, "corridors")
        if level is not Classification.PUBLIC and not lead:
            return []  # the lead organisation keeps its corridors to itself in this operation
        corridors = list(session.scalars(query))
        table = CorridorStatusChange.__tablename__
        shared = lead or access.classification(session, operation, table) is Classification.PUBLIC
        current = ops.current_statuses(session, [c.id for c in corridors])
    # a status the caller may not see is unknown to them, never a default "open"
    return [_public(c, current[c.id] if shared else None) for c in corridors]


@router.post(
    "/operations/{operation}/corridors/{corridor}/status",
    response_model=StatusChangePublic,
    status_code=201,
)
def change_status(
    corridor: str,
    body: StatusChangeCreate,
    database: DatabaseDep,
    operation: OperationDep,
    response: Response,
    user: User = Manager,
) -> StatusChangePublic:
    """Record that the corridor opened, was suspended or closed, when, and why."""

    def work() -> tuple[Submitted, StatusChangePublic]:
        with database.session() as session:
            found = ops.get_corridor(session, operation, corridor)
            values = {**body.model_dump(), "corridor_id": found.id}
            stored = submit_records(
                session, CorridorStatusChange, [values], user=user, operation_id=operation.id
            )[0]
            row = session.get_one(CorridorStatusChange, stored.id)
            return stored, public_rows(session, StatusChangePublic, [row])[0]

    stored, result = retry_on_duplicate(work)
    if not stored.created:
        response.status_code = status.HTTP_200_OK
    return result


@router.get(
    "/operations/{operation}/corridors/{corridor}/status",
    response_model=list[StatusChangePublic],
)
def status_history(
    corridor: str, database: DatabaseDep, operation: OperationDep, user: User = Reader
) -> list[StatusChangePublic]:
    """The corridor's status changes in event-time order (late reports in their place)."""
    with database.read() as session:
        found = ops.get_corridor(session, operation, corridor)
        visible = access.visible_rows(session, CorridorStatusChange, operation, user)
        query = (
            select(CorridorStatusChange)
            .where(CorridorStatusChange.corridor_id == found.id, visible)
            .order_by(CorridorStatusChange.event_time, CorridorStatusChange.id)
        )
        return public_rows(session, StatusChangePublic, list(session.scalars(query)))


@router.post("/operations/{operation}/corridors/{corridor}/monitors", status_code=204)
def assign_monitor(
    corridor: str,
    body: MonitorAssign,
    database: DatabaseDep,
    operation: OperationDep,
    user: User = Manager,
) -> None:
    """Let a monitor submit counts for this corridor: one of your organisation's, or, if you
    lead the operation, one of any member organisation's."""
    with database.session() as session:
        found = ops.get_corridor(session, operation, corridor)
        monitor = session.get(User, body.user_id)
        if (
            monitor is None
            or monitor.role is not Role.MONITOR
            or not access.is_member(session, operation, monitor.organisation_id)
        ):
            msg = f"no monitor with id {body.user_id} in an organisation taking part"
            raise HTTPException(status.HTTP_404_NOT_FOUND, msg)
        if monitor.organisation_id != user.organisation_id:
            lead_operation(operation, user)
        ops.assign_monitor(session, user, found, monitor)
