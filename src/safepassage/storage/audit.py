"""The append-only, hash-chained audit log, and its verification.

Every write to an audited table appends one entry holding the SHA-256 of the row's canonical
JSON (``record_hash``, not the row: a purge can later remove the content and leave the chain
verifiable, reference R7) and the hash of the previous entry. ``hash`` is the SHA-256 of the
entry's own canonical JSON, ``prev_hash`` included, so editing, inserting or deleting any entry
breaks every later link. :func:`verify` also recomputes each audited row's hash against its
latest entry, which finds a row edited, deleted or inserted behind the service's back.

Notes
-----
The chain shows tampering by someone who can write to the database but not rewrite the whole
chain consistently; to rule that out too, record the head hash (``safepassage audit verify``
prints it) somewhere else, e.g. in the daily sitrep.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from safepassage.storage import bulk
from safepassage.storage.models import AuditEntry, AuditHead, Base
from safepassage.storage.types import utc_now

__all__ = [
    "GENESIS_HASH",
    "PURGE_ACTION",
    "Actor",
    "AuditReport",
    "append",
    "append_hashes",
    "audited_tables",
    "canonical_json",
    "defer",
    "deferred_mark",
    "drop_deferred_after",
    "flush_deferred",
    "hash_rows",
    "hash_values",
    "lock",
    "record_hash",
    "record_id",
    "verify",
]

GENESIS_HASH = "0" * 64
# the action of an entry recording a row destroyed on purpose (storage/retention.py): its hash
# is the row's last, and verify then expects the row to be gone
PURGE_ACTION = "purge"
_NOT_AUDITED = {"audit_log", "audit_head", "alembic_version"}


@dataclass(frozen=True)
class Actor:
    """Who made a change: ``None`` ids for the command line (the operator at the server)."""

    user_id: int | None = None
    organisation_id: int | None = None


def utc_text(value: dt.datetime) -> str:
    """A timezone-aware time as naive UTC ISO text with microseconds (the canonical form).

    Formatted by hand: about half the time of ``astimezone(UTC).isoformat(...)``, and this runs
    for every time of every audited row.
    """
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("naive datetime in an audited row")
    if offset:
        value = value - offset
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06d" % (  # noqa: UP031 (faster than format/f-string)
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )


def _plain(value: Any) -> Any:
    """JSON form of what ``json`` cannot encode itself (called only for those values)."""
    if isinstance(value, dt.datetime):
        return utc_text(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot hash a {type(value).__name__} value")


# built once: ``json.dumps`` with options builds a new encoder on every call
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=_plain
)
_encode = _ENCODER.encode
_string = json.encoder.encode_basestring  # how that encoder writes a str (ensure_ascii=False)


def _canonical_values(
    data: Mapping[str, Any], times: dict[dt.datetime, str] | None = None
) -> dict[str, Any]:
    """The values as the canonical text has them; the common types converted here, in one
    pass, rather than through the encoder's ``default`` callback.

    ``times`` remembers the text of each time already written (the rows of a batch share their
    time of receipt, and often their time windows); equal times are the same instant, and the
    text is of the instant, so any one of them gives it.
    """
    plain = {}
    for key, value in data.items():
        kind = type(value)
        if kind is dt.datetime:
            if times is None:
                value = utc_text(value)
            else:
                text = times.get(value)
                if text is None:
                    text = times[value] = utc_text(value)
                value = text
        elif kind is uuid.UUID:
            value = str(value)
        elif kind is float and value.is_integer():
            value = int(value)
        plain[key] = value
    return plain


def canonical_json(data: Mapping[str, Any]) -> str:
    """Sorted keys, no spaces, UTC timestamps with microseconds: the same text on any backend.

    A float that is a whole number is written as an integer: ``5.0`` and ``5`` are the same
    quantity, whichever way the driver reads it back.
    """
    return _encode(_canonical_values(data))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_values(values: Mapping[str, Any]) -> str:
    """SHA-256 of a row's canonical JSON, from its column values keyed by column name."""
    return _sha256(canonical_json(values))


def hash_rows(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """:func:`hash_values` of each row (all its columns, ``id`` included)."""
    sha256, encode = hashlib.sha256, _encode
    times: dict[dt.datetime, str] = {}
    return [
        sha256(encode(_canonical_values(row, times)).encode("utf-8")).hexdigest() for row in rows
    ]


def record_hash(row: Base) -> str:
    """SHA-256 of a row's canonical JSON (all its columns)."""
    table = row.__table__
    return hash_values({column.name: getattr(row, column.key) for column in table.columns})


def record_id(row: Base) -> str:
    """The row's primary key as text (``a:b`` for a composite key)."""
    return ":".join(str(getattr(row, column.key)) for column in row.__table__.primary_key)


_ENTRY_FIELDS = (
    "seq",
    "at",
    "user_id",
    "organisation_id",
    "action",
    "table_name",
    "record_id",
    "record_hash",
    "prev_hash",
)


_AUDIT_COLUMNS = (*_ENTRY_FIELDS, "hash")


def _entry_hash(entry: AuditEntry) -> str:
    return hash_values({name: getattr(entry, name) for name in _ENTRY_FIELDS})


_HEAD_FOR_UPDATE = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()


def lock(session: Session) -> AuditHead:
    """Lock the chain's head for this transaction (a no-op on SQLite, whose write lock is held).

    Take it first in a write transaction: writers then run one after another on PostgreSQL as on
    SQLite, and each sees what the one before it committed.
    """
    query = (
        select(AuditHead)
        .where(AuditHead.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(query).scalar_one()


def _text_or_null(value: int | None) -> str:
    return "null" if value is None else str(int(value))


_DEFERRED = "safepassage_audit_deferred"


def defer(session: Session) -> None:
    """Collect this transaction's :func:`append_hashes` calls; :func:`flush_deferred` writes
    them, in order, before the commit.

    The group-commit writer (``storage/writer.py``) runs many writes in one transaction: the
    chain then gets the same entries in the same order, but its head is read, locked and
    updated once per transaction rather than once per write.
    """
    session.info[_DEFERRED] = []


def deferred_mark(session: Session) -> int:
    """How many appends are collected so far (see :func:`drop_deferred_after`)."""
    return len(session.info.get(_DEFERRED, []))


def drop_deferred_after(session: Session, mark: int) -> None:
    """Forget the appends collected after ``mark``: their rows were rolled back (a savepoint)."""
    del session.info.get(_DEFERRED, [])[mark:]


def flush_deferred(session: Session) -> int:
    """Append the entries collected since :func:`defer`; returns the new head's seq (0: none)."""
    pending: list[tuple[Actor, str, str, Sequence[tuple[str, str]]]] = session.info.pop(
        _DEFERRED, []
    )
    if not pending:
        return 0
    seq, prev = session.execute(_HEAD_FOR_UPDATE).one()
    at = utc_now()
    rows: list[tuple[Any, ...]] = []
    for actor, action, table_name, records in pending:
        seq, prev = _entries(rows, seq, prev, at, actor, action, table_name, records)
    _write(session, rows, seq, prev)
    return seq


def append_hashes(
    session: Session,
    actor: Actor,
    action: str,
    table_name: str,
    records: Sequence[tuple[str, str]],
) -> int:
    """Append one entry per ``(record_id, record_hash)``; returns the new head's seq.

    The head row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite transactions already
    hold the write lock from ``BEGIN IMMEDIATE``), so concurrent writers append one after another.

    Notes
    -----
    Each entry's canonical JSON is put together from a template rather than by the JSON
    encoder (the fields and their order are fixed, see ``_ENTRY_FIELDS``); the result is the
    same text, byte for byte (``tests/storage/test_audit_hashing.py``), in a tenth of the time.
    """
    if not records:
        return 0
    deferred = session.info.get(_DEFERRED)
    if deferred is not None:
        deferred.append((actor, action, table_name, records))
        return 0
    seq, prev = session.execute(_HEAD_FOR_UPDATE).one()
    rows: list[tuple[Any, ...]] = []
    seq, prev = _entries(rows, seq, prev, utc_now(), actor, action, table_name, records)
    _write(session, rows, seq, prev)
    return seq


def _entries(
    out: list[tuple[Any, ...]],
    seq: int,
    prev: str,
    at: dt.datetime,
    actor: Actor,
    action: str,
    table_name: str,
    records: Sequence[tuple[str, str]],
) -> tuple[int, str]:
    """Append the audit rows for ``records`` after ``(seq, prev)`` to ``out``; the new head."""
    # "action", "at", "organisation_id", then per entry "prev_hash" … "seq", then the rest
    head = (
        f'{{"action":{_string(action)},"at":{_string(utc_text(at))},'
        f'"organisation_id":{_text_or_null(actor.organisation_id)},"prev_hash":'
    )
    tail = f',"table_name":{_string(table_name)},"user_id":{_text_or_null(actor.user_id)}}}'
    sha256, user_id, organisation_id = hashlib.sha256, actor.user_id, actor.organisation_id
    for rid, rhash in records:
        seq += 1
        text = (
            f'{head}{_string(prev)},"record_hash":{_string(rhash)},'
            f'"record_id":{_string(rid)},"seq":{seq}{tail}'
        )
        entry_hash = sha256(text.encode("utf-8")).hexdigest()
        out.append(
            (seq, at, user_id, organisation_id, action, table_name, rid, rhash, prev, entry_hash)
        )
        prev = entry_hash
    return seq, prev


def _write(session: Session, rows: Sequence[tuple[Any, ...]], seq: int, head_hash: str) -> None:
    bulk.insert_rows(session, cast(Table, AuditEntry.__table__), _AUDIT_COLUMNS, rows)
    # an ORM-enabled UPDATE: a head object already in the session is kept in step
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=head_hash))


def append(session: Session, actor: Actor, action: str, rows: Sequence[Base]) -> int:
    """Append one entry per ORM row (flushed, so they have their ids); see :func:`append_hashes`."""
    if not rows:
        return 0
    session.flush()
    by_table: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        by_table.setdefault(row.__tablename__, []).append((record_id(row), record_hash(row)))
    seq = 0
    for table_name, records in by_table.items():
        seq = append_hashes(session, actor, action, table_name, records)
    return seq


def audited_tables() -> dict[str, type[Base]]:
    """Every table whose writes are audited, by name."""
    mappers = Base.registry.mappers
    return {
        m.class_.__tablename__: m.class_
        for m in mappers
        if m.class_.__tablename__ not in _NOT_AUDITED
    }


@dataclass
class AuditReport:
    """The outcome of :func:`verify`: ``ok`` when ``problems`` is empty."""

    entries: int = 0
    last_seq: int = 0
    records: int = 0
    head_hash: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_chain(
    entries: Iterable[AuditEntry], report: AuditReport, purged: set[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """Check the links; return the latest record hash per (table, record id) of the rows that
    should exist, and add to ``purged`` those whose latest entry is a purge."""
    latest: dict[tuple[str, str], str] = {}
    expected_seq, prev = 1, GENESIS_HASH
    for entry in entries:
        report.entries += 1
        if entry.seq != expected_seq:
            report.problems.append(
                f"audit entries {expected_seq}..{entry.seq - 1} are missing (deleted)"
            )
        if entry.prev_hash != prev:
            report.problems.append(
                f"audit entry {entry.seq}: previous-hash link broken (an entry before it "
                "was edited or deleted)"
            )
        if _entry_hash(entry) != entry.hash:
            report.problems.append(f"audit entry {entry.seq}: content does not match its hash")
        key = (entry.table_name, entry.record_id)
        if entry.action == PURGE_ACTION:
            latest.pop(key, None)
            purged.add(key)
        else:
            latest[key] = entry.record_hash
            purged.discard(key)
        expected_seq, prev = entry.seq + 1, entry.hash
        report.last_seq = entry.seq
    report.head_hash = prev
    return latest


def _check_records(
    session: Session,
    latest: dict[tuple[str, str], str],
    purged: set[tuple[str, str]],
    report: AuditReport,
) -> None:
    seen: set[tuple[str, str]] = set()
    for name, model in sorted(audited_tables().items()):
        for row in session.scalars(select(model)).yield_per(1000):
            report.records += 1
            key = (name, record_id(row))
            seen.add(key)
            if key in purged:
                report.problems.append(f"{name} row {key[1]}: purged, yet present again")
            elif key not in latest:
                report.problems.append(f"{name} row {key[1]}: not in the audit log (added outside)")
            elif latest[key] != record_hash(row):
                report.problems.append(f"{name} row {key[1]}: edited after it was recorded")
    for name, rid in sorted(set(latest) - seen):
        report.problems.append(f"{name} row {rid}: deleted (it is in the audit log)")


def verify(session: Session) -> AuditReport:
    """Walk the chain and every audited table; report each break in one line.

    Returns
    -------
    AuditReport
        Entry and record counts, the head hash, and the problems found (none when intact).
    """
    report = AuditReport()
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000)
    purged: set[tuple[str, str]] = set()
    latest = _check_chain(entries, report, purged)
    head = session.get(AuditHead, 1)
    if head is None:
        report.problems.append("audit head row is missing")
    elif (head.seq, head.hash) != (report.last_seq, report.head_hash):
        report.problems.append(
            f"audit head says entry {head.seq} ({head.hash[:12]}…) but the chain ends at "
            f"{report.head_hash[:12]}…: the last entries were deleted or the head was edited"
        )
    _check_records(session, latest, purged, report)
    return report
