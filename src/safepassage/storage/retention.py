"""Retention and destruction (reference R7): how long each table's rows are kept, and a purge
that destroys older rows while the audit chain stays verifiable.

A purge appends one audit entry per destroyed row, action ``purge``, carrying the hash the row
had: the log keeps proof of what existed (its hash), not its content. ``audit verify`` then
expects those rows to be gone and still catches any other deletion or edit.

Two tables are not purged: the stock ledger (balances are sums over every line, so destroying
old lines would change today's stock) and the corridor status history (a corridor's status is
its latest change: destroying an old "closed" would show the corridor open).

A purge refuses rows whose content differs from what the audit log last recorded for them (an
edit behind the service's back): destroying them would leave their forged hash in the log as
"what existed" and make ``audit verify`` pass again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from safepassage.errors import DataError, StorageError
from safepassage.storage import audit
from safepassage.storage.models import (
    AuditEntry,
    CorridorStatusChange,
    CrossingCount,
    Delivery,
    FieldRecord,
    Incident,
    IngestedSubmission,
    Operation,
    RetentionPolicy,
    StockEntry,
    User,
)

__all__ = [
    "PURGE_ACTION",
    "RETAINED",
    "PurgeReport",
    "purge_expired",
    "retention_periods",
    "set_retention",
]

PURGE_ACTION = audit.PURGE_ACTION
_BATCH = 1000

# table -> the time a row's age is counted from (when what it records ended)
RETAINED: dict[str, tuple[type[FieldRecord], InstrumentedAttribute[dt.datetime]]] = {
    CrossingCount.__tablename__: (CrossingCount, CrossingCount.window_end),
    Incident.__tablename__: (Incident, Incident.event_time),
    Delivery.__tablename__: (Delivery, Delivery.event_time),
}
_KEPT_WHOLE = {
    StockEntry.__tablename__: "the stock ledger is kept whole (balances are sums over every line)",
    CorridorStatusChange.__tablename__: (
        "the corridor status history is kept whole (a corridor's status is its latest change)"
    ),
    IngestedSubmission.__tablename__: (
        "the ids of counted form submissions are kept (they hold nothing else, and without "
        "them an export ingested again would count its people twice)"
    ),
}


def _check_table(table_name: str) -> None:
    if table_name not in RETAINED:
        known = ", ".join(sorted(RETAINED))
        extra = f"; {_KEPT_WHOLE[table_name]}" if table_name in _KEPT_WHOLE else ""
        raise DataError(f"table {table_name!r} has no retention period; use one of: {known}{extra}")


def set_retention(
    session: Session, user: User, operation: Operation, table_name: str, days: int
) -> RetentionPolicy:
    """Keep ``table_name``'s rows of this operation for ``days`` (audited; the caller checked
    that the user may manage the operation)."""
    _check_table(table_name)
    if days <= 0:
        raise DataError(f"retention of {days} days: give a whole number of days above 0")
    audit.lock(session)
    policy = session.get(RetentionPolicy, (operation.id, table_name))
    action = "set"
    if policy is None:
        policy = RetentionPolicy(operation_id=operation.id, table_name=table_name, days=days)
        session.add(policy)
        action = "create"
    else:
        policy.days = days
    session.flush()
    audit.append(session, audit.Actor(user.id, user.organisation_id), action, [policy])
    return policy


def retention_periods(session: Session, operation: Operation) -> dict[str, int]:
    """Table name -> days kept, for the tables that have a period in this operation."""
    query = select(RetentionPolicy.table_name, RetentionPolicy.days).where(
        RetentionPolicy.operation_id == operation.id
    )
    return dict(session.execute(query).tuples().all())


def _check_untampered(session: Session, table_name: str, records: list[tuple[str, str]]) -> None:
    """Refuse to purge rows whose hash is not the one the audit log last recorded for them."""
    ids = [rid for rid, _ in records]
    query = (
        select(AuditEntry.record_id, AuditEntry.record_hash)
        .where(AuditEntry.table_name == table_name, AuditEntry.record_id.in_(ids))
        .order_by(AuditEntry.seq)
    )
    logged = dict(session.execute(query).tuples().all())  # the latest entry per row wins
    bad = [rid for rid, digest in records if logged.get(rid) != digest]
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        msg = (
            f"{table_name} rows {shown} differ from what the audit log recorded (edited or added "
            "outside safepassage): nothing purged; run `safepassage audit verify` and settle "
            "them first"
        )
        raise StorageError(msg)


@dataclass
class PurgeReport:
    now: dt.datetime
    dry_run: bool
    cutoffs: dict[str, dt.datetime] = field(default_factory=dict)
    purged: dict[str, int] = field(default_factory=dict)


def purge_expired(
    session: Session,
    user: User,
    operation: Operation,
    *,
    now: dt.datetime,
    dry_run: bool = False,
) -> PurgeReport:
    """Destroy the operation's rows older than their table's retention period.

    Each destroyed row gets an audit entry (action ``purge``) with its hash, in the same
    transaction as the deletion. With ``dry_run`` nothing changes; the counts are what a purge
    would destroy.
    """
    report = PurgeReport(now=now, dry_run=dry_run)
    actor = audit.Actor(user.id, user.organisation_id)
    if not dry_run:
        audit.lock(session)
    for table_name, days in sorted(retention_periods(session, operation).items()):
        model, ended = RETAINED[table_name]
        cutoff = now - dt.timedelta(days=days)
        report.cutoffs[table_name] = cutoff
        query = (
            select(model)
            .where(model.operation_id == operation.id, ended < cutoff)
            .order_by(model.id)
        )
        count = 0
        while True:
            rows = list(session.scalars(query.limit(_BATCH)))
            if not rows:
                break
            count += len(rows)
            if dry_run:
                if len(rows) < _BATCH:
                    break
                query = query.where(model.id > rows[-1].id)
                continue
            records = [(audit.record_id(r), audit.record_hash(r)) for r in rows]
            _check_untampered(session, table_name, records)
            audit.append_hashes(session, actor, PURGE_ACTION, table_name, records)
            session.execute(delete(model).where(model.id.in_([r.id for r in rows])))
        report.purged[table_name] = count
        if count and not dry_run:
            _mark_purged(session, actor, operation, table_name, cutoff)
    return report


def _mark_purged(
    session: Session,
    actor: audit.Actor,
    operation: Operation,
    table_name: str,
    cutoff: dt.datetime,
) -> None:
    """Record how far the table is purged (audited): the public crossings export leaves out
    the windows before it, which a purge may have cut into."""
    policy = session.get_one(RetentionPolicy, (operation.id, table_name))
    if policy.purged_before is None or policy.purged_before < cutoff:
        policy.purged_before = cutoff
        session.flush()
        audit.append(session, actor, "set", [policy])
