"""Ingest a KoBoToolbox or ODK Central export, or an HXL CSV, of crossing counts: all or nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ValidationError

from safepassage.api.deps import CurrentUser, DatabaseDep, OperationDep, forbid
from safepassage.api.routes._records import UnknownCorridorError, to_rows
from safepassage.api.routes.crossings import monitor_corridors
from safepassage.api.schemas import CrossingCreate
from safepassage.errors import DataError
from safepassage.storage.access import Action
from safepassage.storage.db import Database
from safepassage.storage.ingest import Parsed, parse_crossings
from safepassage.storage.models import CrossingCount, Operation, User
from safepassage.storage.records import Submitted, retry_on_duplicate, submit_records

__all__ = ["router"]

router = APIRouter(tags=["crossings"])
MAX_BYTES = 20 * 1024 * 1024
_SHOWN = 5


class IngestResult(BaseModel):
    dialect: str
    rows: int
    created: int
    duplicates: int


def _validate(parsed: Parsed) -> list[CrossingCreate]:
    """Every row validated; all problems reported at once, each naming its row and column."""
    items, problems = [], []
    for row in parsed.rows:
        values: dict[str, Any] = {k: v for k, v in row.values.items() if v != ""}
        try:
            items.append(CrossingCreate.model_validate(values))
        except ValidationError as exc:
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else "row"
                column = parsed.columns.get(field, field)
                problems.append(f"row {row.number}, column {column}: {error['msg']}")
    if problems:
        more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
        msg = f"nothing stored; {len(problems)} problem(s): " + "; ".join(problems[:_SHOWN])
        raise DataError(msg + more)
    return items


def _ingest(database: Database, user: User, operation: Operation, content: bytes) -> IngestResult:
    parsed = parse_crossings(content)
    if not parsed.rows:
        raise DataError("the file has no data rows")
    items = _validate(parsed)

    def work() -> list[Submitted]:
        with database.session() as session:  # one transaction: the whole file or nothing
            try:
                rows = to_rows(session, operation, items)
            except UnknownCorridorError as exc:  # say which row of the file
                number = parsed.rows[exc.index].number
                msg = f"nothing stored; row {number}, column corridor: {exc.reason}"
                raise DataError(msg) from None
            monitor_corridors(session, user, rows)
            model = CrossingCount
            return submit_records(session, model, rows, user=user, operation_id=operation.id)

    stored = retry_on_duplicate(work)
    created = sum(s.created for s in stored)
    return IngestResult(
        dialect=parsed.dialect, rows=len(stored), created=created, duplicates=len(stored) - created
    )


@router.post(
    "/operations/{operation}/crossings/ingest",
    response_model=IngestResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {}},
            },
        }
    },
)
async def ingest(
    request: Request, database: DatabaseDep, user: CurrentUser, operation: OperationDep
) -> IngestResult:
    """Send the export file as the request body (KoBo/ODK CSV or JSON, or HXL CSV).

    The dialect is detected. Any bad row rejects the whole file (each problem names its row and
    column); sending the same file again adds nothing.
    """
    forbid(user, Action.SUBMIT_CROSSINGS)
    content = await request.body()
    if len(content) > MAX_BYTES:
        msg = f"file of {len(content):,} bytes; send at most {MAX_BYTES:,} bytes per request"
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, msg)
    return await run_in_threadpool(_ingest, database, user, operation, content)
