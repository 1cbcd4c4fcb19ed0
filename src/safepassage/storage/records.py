"""One generic repository for the field records: idempotent submission and visible listing.

A field record (crossing count, delivery, stock entry, incident, corridor status change) carries
a client-made UUID. Submitting the same UUID again returns the stored row and adds nothing, so
a team on a bad connection can retry a whole batch safely.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Float, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safepassage.errors import StorageError
from safepassage.storage import audit, bulk
from safepassage.storage.models import FieldRecord, User
from safepassage.storage.types import utc_now

__all__ = [
    "ConflictError",
    "NotFoundError",
    "Submitted",
    "list_records",
    "retry_on_duplicate",
    "submit_records",
]

R = TypeVar("R", bound=FieldRecord)
T = TypeVar("T")


class NotFoundError(StorageError):
    """The record, corridor or operation does not exist or is not visible to the caller."""


class ConflictError(StorageError):
    """The write contradicts a stored record (a client id reused for another record)."""


@dataclass(frozen=True)
class Submitted:
    """A record as stored, and whether this call created it (``False``: a retry, nothing added).

    ``values``: for a record this call created, its column values as stored (``id`` included),
    so a caller can answer without reading the row back; ``None`` for a retry.
    """

    id: int
    client_id: uuid.UUID
    created: bool
    values: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)


def _existing(
    session: Session, model: type[FieldRecord], ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int, int]]:
    """``client_id -> (id, operation_id, organisation_id)`` of the ids already stored."""
    return {
        client_id: (row_id, operation_id, organisation_id)
        for client_id, row_id, operation_id, organisation_id in bulk.find_by_uuid(
            session,
            model.__table__,  # type: ignore[arg-type]
            "client_id",
            ids,
            ("id", "operation_id", "organisation_id"),
        )
    }


@lru_cache(maxsize=64)
def _template(table: Table) -> tuple[dict[str, Any], frozenset[str]]:
    """Every column's scalar default (else ``None``), and the names of the float columns."""
    defaults: dict[str, Any] = {}
    for column in table.columns:
        if column.primary_key:
            continue
        default = column.default
        is_scalar = default is not None and getattr(default, "is_scalar", False)
        defaults[column.name] = getattr(default, "arg", None) if is_scalar else None
    floats = frozenset(c.name for c in table.columns if isinstance(c.type, Float))
    return defaults, floats


def _new_values(
    table: Table, items: Sequence[Mapping[str, Any]], common: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Complete column values for new rows: defaults, then the item, then the common values."""
    defaults, floats = _template(table)
    columns = defaults.keys()
    checked: set[frozenset[str]] = set()  # items of a batch share their keys: check once
    rows = []
    for item in items:
        keys = frozenset(item)
        if keys not in checked:
            unknown = keys - columns
            if unknown:
                raise StorageError(f"{table.name}: unknown field(s) {sorted(unknown)}")
            checked.add(keys)
        values = {**defaults, **item, **common}
        for name in floats:
            value = values[name]
            if value is not None and type(value) is not float:
                values[name] = float(value)
        rows.append(values)
    return rows


def submit_records(
    session: Session,
    model: type[FieldRecord],
    items: Sequence[Mapping[str, Any]],
    *,
    user: User,
    operation_id: int,
    received_at: dt.datetime | None = None,
) -> list[Submitted]:
    """Store the records not stored yet (by ``client_id``), audit them, return all in order.

    Parameters
    ----------
    model
        The table, e.g. :class:`~safepassage.storage.models.CrossingCount`.
    items
        Column values, each with ``client_id``; the caller has validated them.
    user, operation_id
        Who submits, for which operation (already checked by the caller).
    received_at
        Server time of receipt; default now (UTC).

    Raises
    ------
    ConflictError
        A client id is already used by a record of another operation or organisation.
    sqlalchemy.exc.IntegrityError
        On PostgreSQL, a concurrent transaction stored one of the client ids first: run the
        transaction again (:func:`retry_on_duplicate`), it will find the stored copy.

    Notes
    -----
    Rows and their audit entries go in through the driver in bulk (:mod:`.bulk`), not through
    ORM objects (ingest throughput is an issue target). The audit chain's head is locked only
    to append, at the end, so concurrent writers overlap until then.
    """
    stored = _existing(session, model, [item["client_id"] for item in items])
    owner = (operation_id, user.organisation_id)
    fresh: dict[uuid.UUID, Mapping[str, Any]] = {}
    for item in items:
        client_id = item["client_id"]
        if client_id not in stored:
            fresh.setdefault(client_id, item)  # the same id twice in one batch counts once
        elif stored[client_id][1:] != owner:
            msg = f"client_id {client_id} is already used by another record; make a new UUID"
            raise ConflictError(msg)
    if fresh:
        common = {
            "operation_id": operation_id,
            "organisation_id": user.organisation_id,
            "submitted_by": user.id,
            "received_at": received_at or utc_now(),
        }
        # rows in client-id order: two batches sharing ids lock them in the same order
        ordered = [fresh[cid] for cid in sorted(fresh, key=_uuid_int)]
        new_rows = _insert(session, model, ordered, common, user)
        stored.update({cid: (row["id"], *owner) for cid, row in new_rows.items()})
    else:
        new_rows = {}
    results = []
    for item in items:
        client_id = item["client_id"]
        row = new_rows.pop(client_id, None)  # only the first of the same id twice is created
        results.append(Submitted(stored[client_id][0], client_id, row is not None, row))
    return results


def _uuid_int(value: uuid.UUID) -> int:
    return value.int  # UUIDs order by it; sorting on the int keeps the comparisons in C


def _insert(
    session: Session,
    model: type[FieldRecord],
    items: Sequence[Mapping[str, Any]],
    common: Mapping[str, Any],
    user: User,
) -> dict[uuid.UUID, dict[str, Any]]:
    """Insert new rows and audit them; returns their column values by client id."""
    table: Table = model.__table__  # type: ignore[assignment]
    rows = _new_values(table, items, common)
    columns = ("id", *rows[0])
    values = [[None, *row.values()] for row in rows]
    bulk.insert_new(session, table, columns, values)
    for row, stored in zip(rows, values, strict=True):
        row["id"] = stored[0]
    ids = [str(row["id"]) for row in rows]
    records = list(zip(ids, audit.hash_rows(rows), strict=True))
    actor = audit.Actor(user.id, user.organisation_id)
    audit.append_hashes(session, actor, "create", table.name, records)
    return {row["client_id"]: row for row in rows}


def retry_on_duplicate(work: Callable[[], T], *, attempts: int = 3) -> T:
    """Run ``work`` (one whole transaction) again when a concurrent writer stored a client id
    first: the next run finds that copy and returns it instead of inserting."""
    for attempt in range(attempts):
        try:
            return work()
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def list_records(
    session: Session,
    model: type[R],
    *,
    operation_id: int,
    visible: ColumnElement[bool],
    since: dt.datetime | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[R]:
    """Records of one operation the caller may see, oldest received first (stable paging).

    ``since`` selects records *received* at or after that time: a client polling for changes
    also gets late submissions about old events.
    """
    query = select(model).where(model.operation_id == operation_id, visible)
    if since is not None:
        query = query.where(model.received_at >= since)
    query = query.order_by(model.received_at, model.id).offset(offset).limit(limit)
    return list(session.scalars(query))
