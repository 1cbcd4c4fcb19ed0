"""The three routes every field-record resource has: submit one, submit a batch, list.

Written once here and bound per resource (``crossings.py``, ``deliveries.py``, …) with a
:class:`RecordKind`. No ``from __future__ import annotations`` in this module: FastAPI reads the
endpoint annotations, which name the resource's schema, at definition time.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import AwareDatetime, BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from safepassage.api.deps import CurrentUser, DatabaseDep, OperationDep, forbid
from safepassage.api.schemas import BatchIn, BatchItem, BatchOut
from safepassage.storage import access
from safepassage.storage.access import Action
from safepassage.storage.db import Database
from safepassage.storage.models import Corridor, FieldRecord, Operation, Organisation, User
from safepassage.storage.records import (
    Submitted,
    list_records,
    retry_on_duplicate,
    submit_records,
)

__all__ = ["RecordKind", "UnknownCorridorError", "add_record_routes", "public_rows", "to_rows"]

Check = Callable[[Session, User, Sequence[dict[str, Any]]], None]


@dataclass(frozen=True)
class RecordKind:
    """One field-record resource: its table, schemas and who may submit it."""

    name: str
    model: type[FieldRecord]
    create: type[BaseModel]
    public: type[BaseModel]
    action: Action
    check: Check | None = None


class UnknownCorridorError(HTTPException):
    """A 422 naming the item (``items[i].corridor``) whose corridor code is unknown."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"items[{index}].corridor: {reason}"
        )
        self.index, self.reason = index, reason


def _corridor_ids(session: Session, operation: Operation) -> dict[str, int]:
    query = select(Corridor.code, Corridor.id).where(Corridor.operation_id == operation.id)
    return {code: cid for code, cid in session.execute(query).tuples()}


def to_rows(
    session: Session, operation: Operation, items: Sequence[BaseModel]
) -> list[dict[str, Any]]:
    """Column values from validated items: the corridor code becomes the corridor's id."""
    corridors = _corridor_ids(session, operation)
    rows = []
    for index, item in enumerate(items):
        values = item.model_dump()
        if "corridor" in values:
            code = values.pop("corridor")
            if code is not None and code not in corridors:
                known = ", ".join(sorted(corridors)) or "none yet"
                reason = (
                    f"{code!r} is not a corridor of operation {operation.code!r} (known: {known})"
                )
                raise UnknownCorridorError(index, reason)
            values["corridor_id"] = None if code is None else corridors[code]
        rows.append(values)
    return rows


def public_rows(
    session: Session, schema: type[BaseModel], rows: Sequence[FieldRecord]
) -> list[Any]:
    """Response bodies for stored rows: corridor and organisation ids shown as their codes."""
    corridor_ids = {getattr(r, "corridor_id", None) for r in rows} - {None}
    org_ids = {r.organisation_id for r in rows}
    corridors = dict(
        session.execute(select(Corridor.id, Corridor.code).where(Corridor.id.in_(corridor_ids)))
        .tuples()
        .all()
    )
    orgs = dict(
        session.execute(
            select(Organisation.id, Organisation.code).where(Organisation.id.in_(org_ids))
        )
        .tuples()
        .all()
    )
    out = []
    for row in rows:
        values = {c.key: getattr(row, c.key) for c in row.__table__.columns}
        values["organisation"] = orgs[row.organisation_id]
        if "corridor_id" in values:
            values["corridor"] = corridors.get(values["corridor_id"])
        out.append(schema.model_validate(values))
    return out


def _submit(
    kind: RecordKind,
    database: Database,
    user: User,
    operation: Operation,
    items: Sequence[BaseModel],
) -> tuple[list[Submitted], Any]:
    """Validate against the operation, check rights, store: one transaction.

    Returns the acknowledgements and, for a single item, its stored record's public form.
    """
    forbid(user, kind.action)

    def work() -> tuple[list[Submitted], Any]:
        with database.session() as session:
            rows = to_rows(session, operation, items)
            if kind.check is not None:
                kind.check(session, user, rows)
            model = kind.model
            stored = submit_records(session, model, rows, user=user, operation_id=operation.id)
            single = None
            if len(stored) == 1:
                row = session.get_one(model, stored[0].id)
                single = public_rows(session, kind.public, [row])[0]
            return stored, single

    return retry_on_duplicate(work)


def _add_submit_routes(router: APIRouter, kind: RecordKind, path: str, label: str) -> None:
    create_schema: Any = kind.create

    def submit_one(
        item: create_schema,
        database: DatabaseDep,
        user: CurrentUser,
        operation: OperationDep,
        response: Response,
    ) -> Any:
        stored, single = _submit(kind, database, user, operation, [item])
        response.status_code = status.HTTP_201_CREATED if stored[0].created else status.HTTP_200_OK
        return single

    def submit_batch(
        batch: BatchIn[create_schema],
        database: DatabaseDep,
        user: CurrentUser,
        operation: OperationDep,
    ) -> Any:
        stored, _ = _submit(kind, database, user, operation, batch.items)
        created = sum(s.created for s in stored)
        items = [BatchItem(client_id=s.client_id, id=s.id, created=s.created) for s in stored]
        return BatchOut(created=created, duplicates=len(stored) - created, items=items)

    router.add_api_route(
        path,
        submit_one,
        methods=["POST"],
        response_model=kind.public,
        status_code=201,
        summary=f"Submit one of {label} (a retry with the same client_id adds nothing)",
        responses={200: {"description": "already stored (a retry): the stored record"}},
    )
    router.add_api_route(
        f"{path}/batch",
        submit_batch,
        methods=["POST"],
        response_model=BatchOut,
        summary=f"Submit many {label} in one transaction (all or nothing)",
    )


def _add_list_route(router: APIRouter, kind: RecordKind, path: str, label: str) -> None:
    def list_all(
        database: DatabaseDep,
        user: CurrentUser,
        operation: OperationDep,
        since: Annotated[AwareDatetime | None, Query(description="received at or after")] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
        offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    ) -> Any:
        with database.read() as session:
            visible = access.visible_rows(session, kind.model, operation, user)
            rows = list_records(
                session,
                kind.model,
                operation_id=operation.id,
                visible=visible,
                since=since,
                limit=limit,
                offset=offset,
            )
            return public_rows(session, kind.public, rows)

    public_schema: Any = kind.public
    router.add_api_route(
        path,
        list_all,
        methods=["GET"],
        response_model=list[public_schema],
        summary=f"List the {label} your organisation may see",
    )


def add_record_routes(router: APIRouter, kind: RecordKind) -> None:
    """Bind POST ``/{name}``, POST ``/{name}/batch`` and GET ``/{name}`` for ``kind``."""
    path = f"/operations/{{operation}}/{kind.name}"
    label = kind.name.replace("_", " ")
    _add_submit_routes(router, kind, path, label)
    _add_list_route(router, kind, path, label)
