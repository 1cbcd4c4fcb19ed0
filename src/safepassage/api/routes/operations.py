"""Operations: create, list, members and the information sharing protocol (classifications)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, status
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

__all__ = ["router"]

router = APIRouter(tags=["operations"])
Manager = Depends(require(Action.MANAGE_OPERATIONS))


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
