"""Ingest a KoBoToolbox or ODK Central export, or an HXL CSV, into one field table: all or nothing.

:func:`ingest_file` is shared by the route and ``safepassage ingest``: the same parser, the
same validation (the request schemas of the batch routes) and the same rights (the checks of
those routes: :func:`~safepassage.api.deps.forbid` and, for crossings, the monitor's
assigned corridors).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from safepassage.api.deps import CurrentUser, DatabaseDep, OperationDep, forbid
from safepassage.api.routes._records import UnknownCorridorError, to_rows
from safepassage.api.routes.crossings import monitor_corridors
from safepassage.api.schemas import (
    Code,
    CrossingCreate,
    DeliveryCreate,
    IncidentCreate,
    StatusChangeCreate,
    StockEntryCreate,
)
from safepassage.errors import DataError, StorageError
from safepassage.storage.access import Action
from safepassage.storage.crossing_submissions import count_submissions
from safepassage.storage.db import Database
from safepassage.storage.ingest import TABLES, Parsed, Table, parse_records
from safepassage.storage.models import (
    CorridorStatusChange,
    CrossingCount,
    Delivery,
    FieldRecord,
    Incident,
    Operation,
    StockEntry,
    User,
)
from safepassage.storage.records import Submitted, retry_on_duplicate, submit_records
from safepassage.storage.types import utc_now

__all__ = [
    "MAX_BYTES",
    "TARGETS",
    "AccessRefusedError",
    "IngestResult",
    "StatusChangeIngest",
    "ingest_file",
    "router",
]

router = APIRouter(tags=["ingest"])
MAX_BYTES = 20 * 1024 * 1024
_SHOWN = 5  # problems listed in the message; the count says how many more


class StatusChangeIngest(StatusChangeCreate):
    """A status change read from a file: the corridor is a column, not the URL."""

    corridor: Code


Check = Callable[[Session, User, Sequence[dict[str, Any]]], None]


@dataclass(frozen=True)
class IngestTarget:
    """Where one table's records go, how they are validated and who may submit them."""

    model: type[FieldRecord]
    schema: type[BaseModel]
    action: Action
    check: Check | None = None


# the same schema, action and check as the table's own routes (crossings.py, corridors.py, …)
TARGETS: dict[Table, IngestTarget] = {
    "crossings": IngestTarget(
        CrossingCount, CrossingCreate, Action.SUBMIT_CROSSINGS, monitor_corridors
    ),
    "corridor_status": IngestTarget(
        CorridorStatusChange, StatusChangeIngest, Action.MANAGE_CORRIDORS
    ),
    "deliveries": IngestTarget(Delivery, DeliveryCreate, Action.SUBMIT_LOGISTICS),
    "stock": IngestTarget(StockEntry, StockEntryCreate, Action.SUBMIT_LOGISTICS),
    "incidents": IngestTarget(Incident, IncidentCreate, Action.SUBMIT_INCIDENTS),
}
assert set(TARGETS) == set(TABLES)


class AccessRefusedError(StorageError):
    """The user's role (or corridor assignment) does not allow this ingest (HTTP 403)."""


class IngestResult(BaseModel):
    """What an ingest stored.

    ``rows``: records (submissions) in the file; ``duplicates``: those already stored. For
    crossings the submissions are summed into counts per corridor, hour and group (R10):
    ``created`` is the number of counts made and ``counted`` the submissions in them;
    ``held``: submissions whose hour had not ended, not stored (ingest the export again after
    ``held_until``). The last three are for crossings only.
    """

    table: str
    dialect: str
    rows: int
    created: int
    duplicates: int
    counted: int | None = None
    held: int | None = None
    held_until: dt.datetime | None = None


@contextmanager
def _refusals() -> Iterator[None]:
    """The routes' 403s as :class:`AccessRefusedError`, which the command line reports too."""
    try:
        yield
    except HTTPException as exc:
        if exc.status_code != status.HTTP_403_FORBIDDEN:
            raise
        raise AccessRefusedError(str(exc.detail)) from None


def _message(error: Any) -> str:
    return str(error["msg"]).removeprefix("Value error, ")


def _validate(parsed: Parsed, schema: type[BaseModel]) -> list[BaseModel]:
    """Every row validated; all problems reported at once, each naming its row and column."""
    items, problems = [], []
    for row in parsed.rows:
        values: dict[str, Any] = {k: v for k, v in row.values.items() if v != ""}
        try:
            item = schema.model_validate(values)
        except ValidationError as exc:
            for error in exc.errors():
                if not error["loc"]:  # a rule across fields (window_end after window_start)
                    problems.append(f"{row.where}: {_message(error)}")
                    continue
                field = str(error["loc"][0])
                column = parsed.columns.get(field, field)
                problems.append(f"{row.where}, column {column}: {_message(error)}")
            continue
        # "inf" and "nan" read as floats, but no count or quantity is infinite
        for field, value in item:
            if isinstance(value, float) and not math.isfinite(value):
                column = parsed.columns.get(field, field)
                problems.append(f"{row.where}, column {column}: {value} is not a finite number")
        items.append(item)
    if problems:
        more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
        msg = f"nothing stored; {len(problems)} problem(s): " + "; ".join(problems[:_SHOWN])
        raise DataError(msg + more)
    return items


def ingest_file(
    database: Database, user: User, operation: Operation, table: Table, content: bytes
) -> IngestResult:
    """Store the records of an export file in one transaction: all of them or none.

    Parameters
    ----------
    user, operation
        Who ingests, into which operation (the caller has checked membership).
    table
        One of ``crossings``, ``corridor_status``, ``deliveries``, ``stock``, ``incidents``.
    content
        The file: KoBoToolbox or ODK Central CSV or JSON, ODK Central's ZIP, or HXL CSV
        (detected).

    Raises
    ------
    AccessRefusedError
        The user's role may not submit this table (or, a monitor, not for these corridors).
    DataError
        The file cannot be read, or any row is invalid: the message names each row and column.
    """
    target = TARGETS[table]
    with _refusals():
        forbid(user, target.action)
    parsed = parse_records(content, table, scope=operation.code)
    if not parsed.rows:
        raise DataError(f"{table}: the file has no data rows; export the submissions again")
    items = _validate(parsed, target.schema)

    if table == "crossings":
        return _store_crossings(database, user, operation, parsed, items)

    def work() -> list[Submitted]:
        with database.session() as session:  # one transaction: the whole file or nothing
            rows = _rows(session, operation, parsed, items)
            if target.check is not None:
                with _refusals():
                    target.check(session, user, rows)
            return submit_records(session, target.model, rows, user=user, operation_id=operation.id)

    stored = retry_on_duplicate(work)
    created = sum(s.created for s in stored)
    return IngestResult(
        table=table,
        dialect=parsed.dialect,
        rows=len(stored),
        created=created,
        duplicates=len(stored) - created,
    )


def _rows(
    session: Session, operation: Operation, parsed: Parsed, items: Sequence[BaseModel]
) -> list[dict[str, Any]]:
    try:
        return to_rows(session, operation, items)
    except UnknownCorridorError as exc:  # say which row of the file
        where = parsed.rows[exc.index].where
        column = parsed.columns.get("corridor", "corridor")
        raise DataError(f"nothing stored; {where}, column {column}: {exc.reason}") from None


def _store_crossings(
    database: Database,
    user: User,
    operation: Operation,
    parsed: Parsed,
    items: Sequence[BaseModel],
) -> IngestResult:
    """Sum the file's submissions not counted yet into counts (R10) and store them with the
    submissions' ids, in one transaction (no retry needed: concurrent ingests of the same
    submissions wait for each other on their ids, see ``count_submissions``)."""
    now = utc_now()
    with database.session() as session:
        rows = _rows(session, operation, parsed, items)
        with _refusals():
            monitor_corridors(session, user, rows)
        reduced = count_submissions(session, operation.id, rows, now=now)
        stored = []
        if reduced.counts:
            stored = submit_records(
                session,
                CrossingCount,
                reduced.counts,
                user=user,
                operation_id=operation.id,
                received_at=now,
            )
    return IngestResult(
        table="crossings",
        dialect=parsed.dialect,
        rows=len(rows),
        created=sum(s.created for s in stored),
        duplicates=reduced.duplicates,
        counted=len(reduced.counted),
        held=reduced.held,
        held_until=reduced.held_until,
    )


_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/json": {"schema": {}},
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


async def _ingest(
    request: Request, database: Database, user: User, operation: Operation, table: Table
) -> IngestResult:
    content = await request.body()
    if len(content) > MAX_BYTES:
        msg = f"file of {len(content):,} bytes; send at most {MAX_BYTES:,} bytes per request"
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, msg)
    try:
        return await run_in_threadpool(ingest_file, database, user, operation, table, content)
    except AccessRefusedError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None


@router.post(
    "/operations/{operation}/ingest/{table}",
    response_model=IngestResult,
    response_model_exclude_none=True,
    openapi_extra=_BODY,
)
async def ingest(
    request: Request,
    database: DatabaseDep,
    user: CurrentUser,
    operation: OperationDep,
    table: Annotated[Table, Path(description="the field table the file's records go to")],
) -> IngestResult:
    """Send the export file as the request body (KoBo/ODK CSV or JSON, ODK Central's ZIP of
    the submissions and repeat groups, or HXL CSV).

    The dialect is detected. Any bad row rejects the whole file (each problem names its row and
    column); sending the same file again adds nothing. Who may: as for the table's own routes.
    """
    return await _ingest(request, database, user, operation, table)


@router.post(
    "/operations/{operation}/crossings/ingest",
    response_model=IngestResult,
    response_model_exclude_none=True,
    openapi_extra=_BODY,
    tags=["crossings"],
)
async def ingest_crossings(
    request: Request, database: DatabaseDep, user: CurrentUser, operation: OperationDep
) -> IngestResult:
    """Crossing counts from an export file: the same as ``/ingest/crossings``."""
    return await _ingest(request, database, user, operation, "crossings")
