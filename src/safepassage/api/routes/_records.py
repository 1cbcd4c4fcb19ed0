"""The three routes every field-record resource has: submit one, submit a batch, list.

Written once here and bound per resource (``crossings.py``, ``deliveries.py``, …) with a
:class:`RecordKind`. No ``from __future__ import annotations`` in this module: FastAPI reads the
endpoint annotations, which name the resource's schema, at definition time.
"""

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from safepassage.api.cache import TTLCache, app_cache
from safepassage.api.deps import (
    CurrentUser,
    DatabaseDep,
    OperationDep,
    WriteContext,
    WriteContextDep,
    forbid,
)
from safepassage.api.schemas import BatchIn, BatchOut, QueryTime
from safepassage.storage import access
from safepassage.storage.access import Action
from safepassage.storage.models import Corridor, FieldRecord, Operation, Organisation, User
from safepassage.storage.records import Submitted, create_seqs, list_records, submit_records
from safepassage.storage.writer import after_append

__all__ = [
    "NEXT_AFTER_HEADER",
    "RecordKind",
    "UnknownCorridorError",
    "add_record_routes",
    "public_rows",
    "to_rows",
]

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


def _corridor_ids(
    session: Session, operation: Operation, codes: TTLCache | None, needed: set[str]
) -> dict[str, int]:
    """The operation's corridors, code -> id; from ``codes`` if it knows every needed code.

    Corridor codes and ids never change once made, so a cached map is only ever incomplete
    (a corridor added since), and then it is read again.
    """
    key = ("corridors", operation.id)
    if codes is not None:
        known: dict[str, int] | None = codes.get(key)
        if known is not None and needed <= known.keys():
            return known
    query = select(Corridor.code, Corridor.id).where(Corridor.operation_id == operation.id)
    found = {code: cid for code, cid in session.execute(query).tuples()}
    if codes is not None:
        codes.put(key, found)
    return found


def to_rows(
    session: Session,
    operation: Operation,
    items: Sequence[BaseModel],
    *,
    codes: TTLCache | None = None,
) -> list[dict[str, Any]]:
    """Column values from validated items: the corridor code becomes the corridor's id.

    ``codes`` (optional) caches the operation's corridor codes between requests.
    """
    rows = [item.model_dump() for item in items]
    needed = {row["corridor"] for row in rows if row.get("corridor") is not None}
    corridors = _corridor_ids(session, operation, codes, needed)
    for index, values in enumerate(rows):
        if "corridor" in values:
            code = values.pop("corridor")
            if code is not None and code not in corridors:
                # not the codes it has: a member may not be allowed to see the corridor list
                reason = (
                    f"{code!r} is not a corridor of operation {operation.code!r}; "
                    f"GET /operations/{operation.code}/corridors lists those you may see"
                )
                raise UnknownCorridorError(index, reason)
            values["corridor_id"] = None if code is None else corridors[code]
    return rows


def _organisation_code(session: Session, organisation_id: int, codes: TTLCache) -> str:
    key = ("organisation", organisation_id)
    code: str | None = codes.get(key)
    if code is None:
        query = select(Organisation.code).where(Organisation.id == organisation_id)
        code = session.execute(query).scalar_one()
        codes.put(key, code)
    return code


def _public_created(
    session: Session,
    schema: type[BaseModel],
    values: Mapping[str, Any],
    corridor: str | None,
    codes: TTLCache,
) -> Any:
    """The response body of a record just created, from the values stored (no read-back).

    Times as they read back (UTC), codes for ids: the same body a retry or a GET returns.
    """
    body = {
        name: value.astimezone(dt.UTC) if isinstance(value, dt.datetime) else value
        for name, value in values.items()
    }
    body["organisation"] = _organisation_code(session, values["organisation_id"], codes)
    body["corridor"] = corridor
    return schema.model_validate(body)


def public_rows(
    session: Session,
    schema: type[BaseModel],
    rows: Sequence[FieldRecord],
    *,
    seqs: Mapping[int, int] | None = None,
) -> list[Any]:
    """Response bodies for stored rows: corridor and organisation ids shown as their codes,
    and each row's seq (``seqs`` by id, else read from the audit log)."""
    if seqs is None:
        seqs = create_seqs(session, type(rows[0]), [r.id for r in rows]) if rows else {}
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
        values["seq"] = seqs.get(row.id)
        if "corridor_id" in values:
            values["corridor"] = corridors.get(values["corridor_id"])
        out.append(schema.model_validate(values))
    return out


def _store(
    kind: RecordKind,
    user: User,
    operation: Operation,
    items: Sequence[BaseModel],
    codes: TTLCache,
    session: Session,
) -> tuple[list[Submitted], Any]:
    """Validate against the operation, check rights, store (a job for the writer thread).

    Returns the acknowledgements and, for a single item, its stored record's public form
    (its seq filled in once the group's audit entries are appended, before the commit).
    """
    rows = to_rows(session, operation, items, codes=codes)
    if kind.check is not None:
        kind.check(session, user, rows)
    model = kind.model
    stored = submit_records(session, model, rows, user=user, operation_id=operation.id)
    single = None
    if len(stored) == 1:
        values = stored[0].values
        if values is not None:
            corridor = getattr(items[0], "corridor", None)
            single = _public_created(session, kind.public, values, corridor, codes)
            after_append(session, partial(_seq_from_values, single, values))
        else:  # a retry: the stored copy (perhaps created by a write of this same group)
            row = session.get_one(model, stored[0].id)
            single = public_rows(session, kind.public, [row], seqs={})[0]
            after_append(session, partial(_seq_from_log, model, single))
    return stored, single


def _seq_from_values(body: Any, values: Mapping[str, Any], session: Session) -> None:
    """The seq the writer gave the record just created (``records.submit_records``)."""
    body.seq = values.get("seq")


def _seq_from_log(model: type[FieldRecord], body: Any, session: Session) -> None:
    """The seq of a record created earlier (retries are rare: one query each)."""
    body.seq = create_seqs(session, model, [body.id]).get(body.id)


async def _submit(
    kind: RecordKind, request: Request, context: WriteContext, items: Sequence[BaseModel]
) -> tuple[list[Submitted], Any]:
    """Store the items through the group-commit writer; answers once they are committed.

    The endpoints are ``async``: parsing and validation run on the event loop, the storing in
    the writer thread (``storage/writer.py``) together with the writes waiting beside it, in
    one transaction and one commit. A unique-key clash with a concurrent writer elsewhere is
    run again there, as :func:`retry_on_duplicate` does.
    """
    user, operation = context.user, context.operation
    forbid(user, kind.action)
    job = partial(_store, kind, user, operation, items, app_cache(request.app.state, "codes"))
    return await asyncio.wrap_future(context.database.writer().submit(job, rows=len(items)))


def _batch_json(stored: Sequence[Submitted]) -> bytes:
    """The :class:`BatchOut` body, written directly: one line per item, thousands per batch."""
    created = sum(s.created for s in stored)
    items = ",".join(
        f'{{"client_id":"{s.client_id}","id":{s.id},"created":{"true" if s.created else "false"}}}'
        for s in stored
    )
    text = f'{{"created":{created},"duplicates":{len(stored) - created},"items":[{items}]}}'
    return text.encode()


def _add_submit_routes(router: APIRouter, kind: RecordKind, path: str, label: str) -> None:
    create_schema: Any = kind.create

    async def submit_one(request: Request, item: create_schema, context: WriteContextDep) -> Any:
        stored, single = await _submit(kind, request, context, [item])
        code = status.HTTP_201_CREATED if stored[0].created else status.HTTP_200_OK
        # serialised here, once, by the schema itself (response_model stays for the docs)
        return Response(single.model_dump_json(), code, media_type="application/json")

    async def submit_batch(
        request: Request, batch: BatchIn[create_schema], context: WriteContextDep
    ) -> Any:
        stored, _ = await _submit(kind, request, context, batch.items)
        return Response(_batch_json(stored), media_type="application/json")

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


NEXT_AFTER_HEADER = "X-Next-After"
_AFTER = (
    "poll: only records stored after this seq, in the order they were stored; start at 0 and "
    f"pass the answer's {NEXT_AFTER_HEADER} header (or the largest seq seen) next time (not with "
    "offset). Records you could not see when polled are not sent again if the operation later "
    "shares them: poll again from 0 then"
)
_SINCE = (
    "only records received at or after this time, oldest received first (for people; to poll "
    "without missing records, use after)"
)


def _add_list_route(router: APIRouter, kind: RecordKind, path: str, label: str) -> None:
    def list_all(
        database: DatabaseDep,
        user: CurrentUser,
        operation: OperationDep,
        response: Response,
        since: Annotated[QueryTime | None, Query(description=_SINCE)] = None,
        after: Annotated[int | None, Query(ge=0, le=2**31 - 1, description=_AFTER)] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
        offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    ) -> Any:
        if after is not None and offset:
            # a page after an offset would move the cursor past the records skipped
            msg = f"offset cannot be used with after; page on with the {NEXT_AFTER_HEADER} header"
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, msg)
        with database.read() as session:
            visible = access.visible_rows(session, kind.model, operation, user)
            page = list_records(
                session,
                kind.model,
                operation_id=operation.id,
                visible=visible,
                since=since,
                after=after,
                limit=limit,
                offset=offset,
            )
            if page.next_after is not None:
                response.headers[NEXT_AFTER_HEADER] = str(page.next_after)
            return public_rows(session, kind.public, page.rows, seqs=page.seqs)

    public_schema: Any = kind.public
    router.add_api_route(
        path,
        list_all,
        methods=["GET"],
        response_model=list[public_schema],
        summary=f"List the {label} your organisation may see",
        responses={
            200: {
                "headers": {
                    NEXT_AFTER_HEADER: {
                        "description": "with after: the after of the next poll",
                        "schema": {"type": "integer"},
                    }
                }
            }
        },
    )


def add_record_routes(router: APIRouter, kind: RecordKind) -> None:
    """Bind POST ``/{name}``, POST ``/{name}/batch`` and GET ``/{name}`` for ``kind``."""
    path = f"/operations/{{operation}}/{kind.name}"
    label = kind.name.replace("_", " ")
    _add_submit_routes(router, kind, path, label)
    _add_list_route(router, kind, path, label)
