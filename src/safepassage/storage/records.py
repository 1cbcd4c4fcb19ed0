"""One generic repository for the field records: idempotent submission and visible listing.

A field record (crossing count, delivery, stock entry, incident, corridor status change) carries
a client-made UUID. Submitting the same UUID again returns the stored row and adds nothing, so
a team on a bad connection can retry a whole batch safely.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Float, Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safepassage.errors import StorageError
from safepassage.storage import audit
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
    """A record as stored, and whether this call created it (``False``: a retry, nothing added)."""

    id: int
    client_id: uuid.UUID
    created: bool


def _existing(
    session: Session, model: type[FieldRecord], ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int, int]]:
    """``client_id -> (id, operation_id, organisation_id)`` of the ids already stored."""
    found: dict[uuid.UUID, tuple[int, int, int]] = {}
    columns = (model.client_id, model.id, model.operation_id, model.organisation_id)
    for start in range(0, len(ids), 1000):  # keep under every backend's bound-parameter limit
        chunk = ids[start : start + 1000]
        for client_id, *rest in session.execute(select(*columns).where(model.client_id.in_(chunk))):
            found[client_id] = (rest[0], rest[1], rest[2])
    return found


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
    rows = []
    for item in items:
        unknown = set(item) - set(defaults)
        if unknown:
            raise StorageError(f"{table.name}: unknown field(s) {sorted(unknown)}")
        values = {**defaults, **item, **common}
        for name in floats:
            if values[name] is not None:
                values[name] = float(values[name])
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
    Rows and their audit entries go in with executemany, not through ORM objects (ingest
    throughput is an issue target). The audit chain's head is locked only to append, at the
    end, so concurrent writers overlap until then.
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
        ordered = [fresh[cid] for cid in sorted(fresh)]
        new_ids = _insert(session, model, ordered, common, user)
        stored.update({cid: (new_id, *owner) for cid, new_id in new_ids.items()})
    created: set[uuid.UUID] = set()
    results = []
    for item in items:
        client_id = item["client_id"]
        results.append(
            Submitted(
                stored[client_id][0], client_id, client_id in fresh and client_id not in created
            )
        )
        created.add(client_id)
    return results


def _insert(
    session: Session,
    model: type[FieldRecord],
    items: Sequence[Mapping[str, Any]],
    common: Mapping[str, Any],
    user: User,
) -> dict[uuid.UUID, int]:
    """Insert new rows and audit them; returns their ids by client id."""
    table: Table = model.__table__  # type: ignore[assignment]
    rows = _new_values(table, items, common)
    # a plain executemany, then the ids by client id: faster on both drivers than
    # INSERT … RETURNING, which psycopg must parse as one statement with a placeholder per value
    session.execute(insert(table), rows)
    ids = {
        key: value[0]
        for key, value in _existing(session, model, [r["client_id"] for r in rows]).items()
    }
    records = []
    for row in rows:
        row["id"] = ids[row["client_id"]]
        records.append((str(row["id"]), audit.hash_values(row)))
    actor = audit.Actor(user.id, user.organisation_id)
    audit.append_hashes(session, actor, "create", table.name, records)
    return ids


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
