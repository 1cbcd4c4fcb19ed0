"""One generic repository for the field records: idempotent submission and visible listing.

A field record (crossing count, delivery, stock entry, incident, corridor status change) carries
a client-made UUID. Submitting the same UUID again returns the stored row and adds nothing, so
a team on a bad connection can retry a whole batch safely.

Each record's place in commit order is the sequence number of its ``create`` entry in the audit
chain (its *seq*): a poller that asks for the records after the largest seq it has seen misses
none, however late their transactions commit (see :func:`list_records`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Float, Integer, Table, case, cast, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from safepassage.errors import StorageError
from safepassage.storage import audit, bulk
from safepassage.storage.models import AuditEntry, AuditHead, FieldRecord, User
from safepassage.storage.types import utc_now
from safepassage.storage.writer import number_appended

__all__ = [
    "CREATE_ACTION",
    "ConflictError",
    "NotFoundError",
    "Page",
    "Submitted",
    "create_seqs",
    "list_records",
    "retry_on_duplicate",
    "submit_records",
]

# the audit action of the entry a field record gets when stored (a purge adds a "purge" entry)
CREATE_ACTION = "create"
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
    so a caller can answer without reading the row back, and its ``seq`` (``None`` until its
    audit entry is appended: a group of the writer appends at its end and numbers it then, see
    ``writer.number_appended``); ``None`` for a retry.
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
    head = audit.append_hashes(session, actor, CREATE_ACTION, table.name, records)
    if head:  # appended now: the entries are the last ones, in the rows' order
        _number(model, rows, session, head - len(rows) + 1)
    else:  # deferred by the group-commit writer: numbered when it appends
        for row in rows:
            row["seq"] = None
        number_appended(session, len(rows), partial(_number, model, rows))
    return {row["client_id"]: row for row in rows}


def _number(
    model: type[FieldRecord], rows: Sequence[dict[str, Any]], session: Session, first: int | None
) -> None:
    """Give each row the seq of its ``create`` entry: ``first`` for the first row and so on,
    or, if the writer could not count (``None``), as the log has them."""
    if first is None:
        seqs = create_seqs(session, model, [row["id"] for row in rows])
        for row in rows:
            row["seq"] = seqs.get(row["id"])
        return
    for offset, row in enumerate(rows):
        row["seq"] = first + offset


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


@dataclass(frozen=True)
class Page(Generic[R]):
    """Listed records, their seqs (``id -> seq``; a row without an audit entry has none) and,
    when listed by seq, the ``after`` to ask with next."""

    rows: list[R]
    seqs: dict[int, int]
    next_after: int | None = None


_IN_CHUNK = 1000  # ids per IN list: far below SQLite's and PostgreSQL's limits on parameters


def create_seqs(session: Session, model: type[FieldRecord], ids: Sequence[int]) -> dict[int, int]:
    """The seq of each record's ``create`` audit entry (its place in commit order), by id.

    One index look-up per record (``ix_audit_log_record``). A record whose entry is not written
    yet (a group of the writer appends at its end, see ``writer.after_append``) or that was
    added behind the service's back has none.
    """
    found: dict[int, int] = {}
    table_name = model.__tablename__
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = [str(i) for i in ids[start : start + _IN_CHUNK]]
        query = select(AuditEntry.record_id, AuditEntry.seq).where(
            AuditEntry.table_name == table_name,
            AuditEntry.record_id.in_(chunk),
            AuditEntry.action == CREATE_ACTION,
        )
        for record_id, seq in session.execute(query).tuples():
            key = int(record_id)
            # a row whose id was used before by a row destroyed since (SQLite takes the next id
            # after the largest: a purge of the newest rows frees theirs) has the latest
            found[key] = max(seq, found.get(key, seq))
    return found


def list_records(
    session: Session,
    model: type[R],
    *,
    operation_id: int,
    visible: ColumnElement[bool],
    since: dt.datetime | None = None,
    after: int | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> Page[R]:
    """Records of one operation the caller may see, with their seqs.

    Parameters
    ----------
    since
        Only records *received* at or after this time (a person's question; late reports of old
        events included). Not a safe polling cursor: see ``after``.
    after
        Only records whose seq is above this one, in seq order, and ``Page.next_after`` is the
        ``after`` of the next call. Without it, records come oldest received first.
    limit, offset
        Paging, in the order above.

    Notes
    -----
    ``after`` is the polling cursor. ``received_at`` is stamped when a row is built, and
    transactions (groups of the writer, several processes, ingests that waited for the lock)
    commit in another order, so a poller that moves ``since`` to the newest time it has seen
    can skip a record committed later with an older stamp. A seq is taken under the lock of
    the audit chain's head, just before the commit, by every transaction that writes (every
    write is audited), and the lock is held until the commit: the transaction with seq N has
    committed before another can take N + 1. A snapshot therefore sees every seq up to the
    newest it sees, and a record committed after it gets a higher seq.

    The query walks the audit log from ``after`` by its primary key and looks each ``create``
    entry of this table up by the record's primary key: its cost is the entries since
    ``after`` (all tables and operations), not the table's size. ``next_after`` moves past
    entries the caller cannot see once a page is not full, so a quiet operation's poller does
    not walk a busy one's entries again and again.
    """
    if after is None:
        query = select(model).where(model.operation_id == operation_id, visible)
        if since is not None:
            query = query.where(model.received_at >= since)
        query = query.order_by(model.received_at, model.id).offset(offset).limit(limit)
        rows = list(session.scalars(query))
        return Page(rows, create_seqs(session, model, [row.id for row in rows]))
    # read first: on a connection that is not one snapshot (READ COMMITTED), every entry up to
    # this head has committed before the query below starts
    head = session.execute(select(AuditHead.seq).where(AuditHead.id == 1)).scalar_one()
    entry, table_name = AuditEntry, model.__tablename__
    # The join key is NULL for other tables' entries, which selects this table's: their record
    # ids are not all integers (composite keys read "a:b"), and PostgreSQL would refuse to cast
    # them. No separate "table_name = …" term: with one, SQLite reads every entry of the table
    # through ix_audit_log_record and sorts them, instead of walking seq from `after`.
    record_id = case((entry.table_name == table_name, cast(entry.record_id, Integer)))
    # the create entry of a row destroyed since has a later entry (its purge): its id may be a
    # new row's now (see create_seqs), which has its own create entry
    later = aliased(AuditEntry)
    superseded = (
        select(later.seq)
        .where(
            later.table_name == table_name,
            later.record_id == entry.record_id,
            later.seq > entry.seq,
        )
        .exists()
    )
    listed = (
        select(model, entry.seq)
        .select_from(entry)
        .join(model, model.id == record_id)
        .where(
            entry.seq > after,
            entry.action == CREATE_ACTION,
            model.operation_id == operation_id,
            visible,
            ~superseded,
        )
    )
    if since is not None:
        listed = listed.where(model.received_at >= since)
    listed = listed.order_by(entry.seq).offset(offset).limit(limit)
    found = session.execute(listed).tuples().all()
    seqs = {row.id: seq for row, seq in found}
    last = found[-1][1] if found else head
    # a full page: there may be more, go on from its last; else every entry up to the head was
    # looked at, and one committed later has a higher seq
    next_after = last if len(found) == limit else max(head, last)
    return Page([row for row, _ in found], seqs, next_after)
