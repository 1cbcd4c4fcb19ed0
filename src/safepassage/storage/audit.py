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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from safepassage.storage.models import AuditEntry, AuditHead, Base
from safepassage.storage.types import utc_now

__all__ = [
    "GENESIS_HASH",
    "Actor",
    "AuditReport",
    "append",
    "append_hashes",
    "audited_tables",
    "canonical_json",
    "hash_values",
    "lock",
    "record_hash",
    "record_id",
    "verify",
]

GENESIS_HASH = "0" * 64
_NOT_AUDITED = {"audit_log", "audit_head", "alembic_version"}


@dataclass(frozen=True)
class Actor:
    """Who made a change: ``None`` ids for the command line (the operator at the server)."""

    user_id: int | None = None
    organisation_id: int | None = None


def _plain(value: Any) -> Any:
    """JSON form of what ``json`` cannot encode itself (called only for those values)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in an audited row")
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot hash a {type(value).__name__} value")


def canonical_json(data: dict[str, Any]) -> str:
    """Sorted keys, no spaces, UTC timestamps with microseconds: the same text on any backend.

    A float that is a whole number is written as an integer: ``5.0`` and ``5`` are the same
    quantity, whichever way the driver reads it back.
    """
    plain = {
        key: int(value) if type(value) is float and value.is_integer() else value
        for key, value in data.items()
    }
    return json.dumps(
        plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_values(values: dict[str, Any]) -> str:
    """SHA-256 of a row's canonical JSON, from its column values keyed by column name."""
    return _sha256(canonical_json(values))


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


def _entry_hash(entry: AuditEntry) -> str:
    return hash_values({name: getattr(entry, name) for name in _ENTRY_FIELDS})


def lock(session: Session) -> AuditHead:
    """Lock the chain's head for this transaction (a no-op on SQLite, whose write lock is held).

    Take it first in a write transaction: writers then run one after another on PostgreSQL as on
    SQLite, and each sees what the one before it committed.
    """
    query = select(AuditHead).where(AuditHead.id == 1).with_for_update()
    return session.execute(query).scalar_one()


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
    """
    if not records:
        return 0
    head = lock(session)
    seq, prev = head.seq, head.hash
    common = {
        "at": utc_now(),
        "user_id": actor.user_id,
        "organisation_id": actor.organisation_id,
        "action": action,
        "table_name": table_name,
    }
    entries = []
    for rid, rhash in records:
        seq += 1
        values = {**common, "seq": seq, "record_id": rid, "record_hash": rhash, "prev_hash": prev}
        values["hash"] = prev = hash_values(values)
        entries.append(values)
    session.execute(insert(cast(Table, AuditEntry.__table__)), entries)
    head.seq, head.hash = seq, prev
    return seq


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


def _check_chain(entries: Iterable[AuditEntry], report: AuditReport) -> dict[tuple[str, str], str]:
    """Check the links; return the latest record hash per (table, record id)."""
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
        latest[(entry.table_name, entry.record_id)] = entry.record_hash
        expected_seq, prev = entry.seq + 1, entry.hash
        report.last_seq = entry.seq
    report.head_hash = prev
    return latest


def _check_records(
    session: Session, latest: dict[tuple[str, str], str], report: AuditReport
) -> None:
    seen: set[tuple[str, str]] = set()
    for name, model in sorted(audited_tables().items()):
        for row in session.scalars(select(model)).yield_per(1000):
            report.records += 1
            key = (name, record_id(row))
            seen.add(key)
            if key not in latest:
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
    latest = _check_chain(entries, report)
    head = session.get(AuditHead, 1)
    if head is None:
        report.problems.append("audit head row is missing")
    elif (head.seq, head.hash) != (report.last_seq, report.head_hash):
        report.problems.append(
            f"audit head says entry {head.seq} ({head.hash[:12]}…) but the chain ends at "
            f"{report.head_hash[:12]}…: the last entries were deleted or the head was edited"
        )
    _check_records(session, latest, report)
    return report
