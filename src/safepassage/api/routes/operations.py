"""Operations: create, list, members and the information sharing protocol (classifications)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from safepassage.api.deps import CurrentUser, DatabaseDep, OperationDep, lead_operation, require
from safepassage.api.schemas import MemberAdd, OperationCreate, OperationPublic, PolicySet
from safepassage.storage import access
from safepassage.storage import operations as ops
from safepassage.storage.access import Action
from safepassage.storage.accounts import get_organisation
from safepassage.storage.models import Operation, OperationMember, Organisation, User
from safepassage.storage.plan_bundles import latest_plan_bundle, publish_plan_bundle
from safepassage.storage.retention import purge_expired, retention_periods, set_retention
from safepassage.storage.types import utc_now

__all__ = ["router"]

router = APIRouter(tags=["operations"])
Manager = Depends(require(Action.MANAGE_OPERATIONS))
Admin = Depends(require(Action.MANAGE_USERS))  # destroying rows: admins only


def _public(session: Session, operation: Operation) -> OperationPublic:
    orgs = dict(session.execute(select(Organisation.id, Organisation.code)).tuples().all())
    member_ids = session.scalars(
        select(OperationMember.organisation_id).where(OperationMember.operation_id == operation.id)
    )
    classes = {
        name: access.classification(session, operation, name)
        for name in access.DEFAULT_CLASSIFICATION
    }
    return OperationPublic(
        code=operation.code,
        name=operation.name,
        lead_organisation=orgs[operation.lead_organisation_id],
        members=sorted(orgs[i] for i in member_ids),
        classification=classes,
        plan=operation.plan,
        created_at=operation.created_at,
    )


@router.post("/operations", response_model=OperationPublic, status_code=201)
def create_operation(
    body: OperationCreate, database: DatabaseDep, user: User = Manager
) -> OperationPublic:
    """Create an operation led by your organisation (planner or admin)."""
    with database.session() as session:
        operation = ops.create_operation(session, user, **body.model_dump())
        return _public(session, operation)


@router.get("/operations", response_model=list[OperationPublic])
def list_operations(database: DatabaseDep, user: CurrentUser) -> list[OperationPublic]:
    """The operations your organisation takes part in."""
    with database.read() as session:
        return [_public(session, op) for op in access.visible_operations(session, user)]


@router.get("/operations/{operation}", response_model=OperationPublic)
def get_operation(database: DatabaseDep, operation: OperationDep) -> OperationPublic:
    with database.read() as session:
        return _public(session, operation)


@router.post("/operations/{operation}/members", response_model=OperationPublic)
def add_member(
    body: MemberAdd, database: DatabaseDep, operation: OperationDep, user: User = Manager
) -> OperationPublic:
    """Let another organisation take part (the lead organisation's planner or admin)."""
    lead_operation(operation, user)
    with database.session() as session:
        organisation = get_organisation(session, body.organisation)
        if organisation is None:
            msg = f"organisation {body.organisation!r} not found; create it with `users create`"
            raise HTTPException(status.HTTP_404_NOT_FOUND, msg)
        ops.add_member(session, user, operation, organisation.id)
        return _public(session, operation)


@router.put("/operations/{operation}/classification", response_model=OperationPublic)
def set_classification(
    body: PolicySet, database: DatabaseDep, operation: OperationDep, user: User = Manager
) -> OperationPublic:
    """Set who may read a table in this operation: public, restricted or sensitive."""
    lead_operation(operation, user)
    if body.table not in access.DEFAULT_CLASSIFICATION:
        known = ", ".join(sorted(access.DEFAULT_CLASSIFICATION))
        msg = f"table {body.table!r} is not classified per operation; use one of: {known}"
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, msg)
    with database.session() as session:
        ops.set_policy(session, user, operation, body.table, body.classification)
        return _public(session, operation)


@router.put("/operations/{operation}/plan", response_model=OperationPublic)
def publish_plan(
    database: DatabaseDep,
    operation: OperationDep,
    bundle: dict[str, Any] = Body(  # noqa: B008 (FastAPI's way to take a whole JSON body)
        description="a plan bundle, as `safepassage operations publish` builds it"
    ),
    user: User = Manager,
) -> OperationPublic:
    """Publish a plan (the lead organisation's planner or admin): it becomes the current plan
    and the operation's corridors follow it (name, position, planned throughput)."""
    lead_operation(operation, user)
    with database.session() as session:
        row = publish_plan_bundle(session, user, operation, bundle)
        current = session.get(Operation, row.operation_id)
        assert current is not None  # publish_plan_bundle found it
        return _public(session, current)


@router.get("/operations/{operation}/plan")
def get_plan(database: DatabaseDep, operation: OperationDep) -> dict[str, Any]:
    """The current plan bundle: figures, hourly series and map layers (docs/publishing.md)."""
    with database.read() as session:
        bundle = latest_plan_bundle(session, operation)
    if bundle is None:
        msg = (
            f"operation {operation.code!r} has no published plan; publish one with "
            "`safepassage operations publish`"
        )
        raise HTTPException(status.HTTP_404_NOT_FOUND, msg)
    return bundle


class RetentionSet(BaseModel):
    """Keep a table's rows of this operation for ``days`` (reference R7)."""

    model_config = ConfigDict(extra="forbid")

    table: str = Field(max_length=64, description="crossing_counts, incidents, ...")
    days: int = Field(gt=0, le=36_500)


@router.get("/operations/{operation}/retention")
def get_retention(database: DatabaseDep, operation: OperationDep) -> dict[str, int]:
    """Days each table's rows are kept in this operation (tables not listed: kept)."""
    with database.read() as session:
        return retention_periods(session, operation)


@router.put("/operations/{operation}/retention")
def put_retention(
    body: RetentionSet, database: DatabaseDep, operation: OperationDep, user: User = Manager
) -> dict[str, int]:
    """Set a table's retention period (the lead organisation's planner or admin)."""
    lead_operation(operation, user)
    with database.session() as session:
        set_retention(session, user, operation, body.table, body.days)
        return retention_periods(session, operation)


@router.post("/operations/{operation}/purge")
def purge(
    database: DatabaseDep,
    operation: OperationDep,
    dry_run: bool = False,
    user: User = Admin,
) -> dict[str, Any]:
    """Destroy the rows older than their table's retention period (an admin of the lead
    organisation); the audit log keeps each destroyed row's hash. ``dry_run``: count only."""
    lead_operation(operation, user)
    session_of = database.read if dry_run else database.session
    with session_of() as session:
        report = purge_expired(session, user, operation, now=utc_now(), dry_run=dry_run)
    return {
        "dry_run": dry_run,
        "purged": report.purged,
        "cutoffs": {t: c.isoformat() for t, c in report.cutoffs.items()},
    }
