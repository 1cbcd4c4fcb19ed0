"""What a situation report reads from the operations record, as plain rows (no ORM objects).

The sitrep is the lead organisation's report: it reads the rows the lead organisation may see
under the operation's information sharing protocol (``storage/access.py``): public and
restricted tables whole, sensitive ones only as far as the lead organisation submitted them.
Everything is read in one read-only transaction; nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from safepassage.model.scenario import CorridorStatus
from safepassage.storage import access
from safepassage.storage.models import (
    Corridor,
    CorridorStatusChange,
    CrossingCount,
    Delivery,
    FieldRecord,
    Incident,
    Operation,
    StockEntry,
    User,
)
from safepassage.storage.operations import stock_balances
from safepassage.storage.records import NotFoundError
from safepassage.storage.types import Classification, StockKind

__all__ = [
    "READ_TABLES",
    "CorridorRecord",
    "IncidentRecord",
    "ItemTotal",
    "RecordExtract",
    "StatusRecord",
    "find_operation",
    "latest_event",
    "read_record",
]

# the tables a sitrep reads (its classification is the strictest of theirs)
READ_TABLES: tuple[type[FieldRecord], ...] = (
    CrossingCount,
    CorridorStatusChange,
    Delivery,
    StockEntry,
    Incident,
)
_RANK = {Classification.PUBLIC: 0, Classification.RESTRICTED: 1, Classification.SENSITIVE: 2}


@dataclass(frozen=True)
class CorridorRecord:
    id: int
    code: str
    name: str
    planned_throughput_pph: float | None
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class StatusRecord:
    corridor_id: int
    event_time: dt.datetime
    status: CorridorStatus
    reason: str


@dataclass(frozen=True)
class IncidentRecord:
    event_time: dt.datetime
    type: str
    severity: str
    corridor_id: int | None


@dataclass(frozen=True)
class ItemTotal:
    """A quantity of one item in one unit (and, for deliveries, how many and trucks)."""

    item: str
    unit: str
    quantity: float
    count: int = 0
    trucks: int = 0


@dataclass
class RecordExtract:
    """The rows of one operation up to ``as_of`` that a sitrep needs, already aggregated."""

    classification: Classification
    corridors: list[CorridorRecord]
    # (corridor id, window end) -> people: crossing counts summed over groups, age and sex
    crossings: dict[tuple[int, dt.datetime], int]
    statuses: list[StatusRecord]  # by event time, then id
    deliveries: list[ItemTotal]  # received in the period
    distributed: list[ItemTotal]  # stock ledger distributions in the period
    received: list[ItemTotal]  # stock ledger receipts in the period
    balances: list[ItemTotal]  # ledger balance at as_of, summed over warehouses
    rate_per_day: dict[tuple[str, str], float]  # mean daily distribution before as_of
    incidents: list[IncidentRecord]  # in the period
    rate_days: int = 3


def find_operation(session: Session, key: str) -> Operation:
    """The operation whose code is ``key`` (or, for a number, whose id is ``key``).

    Raises
    ------
    NotFoundError
        No such operation; the message lists the codes there are.
    """
    operation = session.scalar(select(Operation).where(Operation.code == key))
    if operation is None and key.strip().isdigit():
        operation = session.get(Operation, int(key))
    if operation is None:
        codes = sorted(session.scalars(select(Operation.code)))
        known = ", ".join(codes[:20]) if codes else "none yet"
        msg = f"--operation {key!r}: no such operation in the database (operations: {known})"
        raise NotFoundError(msg)
    return operation


def _lead_view(
    session: Session, model: type[FieldRecord], operation: Operation
) -> ColumnElement[bool]:
    # a transient user of the lead organisation, never added to the session
    lead = User(organisation_id=operation.lead_organisation_id)
    return access.visible_rows(session, model, operation, lead)


def latest_event(session: Session, operation: Operation) -> dt.datetime | None:
    """The latest event time in the record (the end of the latest crossing window)."""
    candidates = [
        session.scalar(
            select(func.max(CrossingCount.window_end)).where(
                CrossingCount.operation_id == operation.id
            )
        )
    ]
    for model in (CorridorStatusChange, Delivery, StockEntry, Incident):
        column = model.event_time
        candidates.append(
            session.scalar(select(func.max(column)).where(model.operation_id == operation.id))
        )
    found = [c for c in candidates if c is not None]
    if not found:
        return None
    # read back through UTCDateTime on some paths, naive on aggregate paths
    return max(c if c.tzinfo else c.replace(tzinfo=dt.UTC) for c in found)


def _crossings(
    session: Session, operation: Operation, visible: ColumnElement[bool], as_of: dt.datetime
) -> dict[tuple[int, dt.datetime], int]:
    query = (
        select(CrossingCount.corridor_id, CrossingCount.window_end, func.sum(CrossingCount.people))
        .where(CrossingCount.operation_id == operation.id, visible)
        .where(CrossingCount.window_end <= as_of)
        .group_by(CrossingCount.corridor_id, CrossingCount.window_end)
    )
    return {(cid, end): int(people) for cid, end, people in session.execute(query)}


def _statuses(
    session: Session, operation: Operation, visible: ColumnElement[bool], as_of: dt.datetime
) -> list[StatusRecord]:
    query = (
        select(CorridorStatusChange)
        .where(CorridorStatusChange.operation_id == operation.id, visible)
        .where(CorridorStatusChange.event_time <= as_of)
        .order_by(CorridorStatusChange.event_time, CorridorStatusChange.id)
    )
    return [
        StatusRecord(c.corridor_id, c.event_time, c.status, c.reason)
        for c in session.scalars(query)
    ]


def _deliveries(
    session: Session,
    operation: Operation,
    visible: ColumnElement[bool],
    start: dt.datetime,
    as_of: dt.datetime,
) -> list[ItemTotal]:
    query = (
        select(
            Delivery.item,
            Delivery.unit,
            func.sum(Delivery.quantity),
            func.count(),
            func.coalesce(func.sum(Delivery.trucks), 0),
        )
        .where(Delivery.operation_id == operation.id, visible)
        .where(Delivery.event_time > start, Delivery.event_time <= as_of)
        .group_by(Delivery.item, Delivery.unit)
        .order_by(Delivery.item, Delivery.unit)
    )
    return [
        ItemTotal(item, unit, float(q), int(n), int(trucks))
        for item, unit, q, n, trucks in session.execute(query)
    ]


def _ledger(
    session: Session,
    operation: Operation,
    visible: ColumnElement[bool],
    kind: StockKind,
    start: dt.datetime,
    end: dt.datetime,
) -> list[ItemTotal]:
    query = (
        select(StockEntry.item, StockEntry.unit, func.sum(StockEntry.quantity), func.count())
        .where(StockEntry.operation_id == operation.id, visible, StockEntry.kind == kind)
        .where(StockEntry.event_time > start, StockEntry.event_time <= end)
        .group_by(StockEntry.item, StockEntry.unit)
        .order_by(StockEntry.item, StockEntry.unit)
    )
    return [ItemTotal(i, u, float(q), int(n)) for i, u, q, n in session.execute(query)]


def _incidents(
    session: Session,
    operation: Operation,
    visible: ColumnElement[bool],
    start: dt.datetime,
    as_of: dt.datetime,
) -> list[IncidentRecord]:
    query = (
        select(Incident.event_time, Incident.type, Incident.severity, Incident.corridor_id)
        .where(Incident.operation_id == operation.id, visible)
        .where(Incident.event_time > start, Incident.event_time <= as_of)
        .order_by(Incident.event_time, Incident.id)
    )
    return [
        IncidentRecord(t, kind.value, severity.value, corridor)
        for t, kind, severity, corridor in session.execute(query)
    ]


def _classification(session: Session, operation: Operation) -> Classification:
    levels = [access.classification(session, operation, m.__tablename__) for m in READ_TABLES]
    return max(levels, key=_RANK.__getitem__)


def read_record(
    session: Session,
    operation: Operation,
    *,
    period_start: dt.datetime,
    as_of: dt.datetime,
    rate_days: int = 3,
) -> RecordExtract:
    """Read what the sitrep needs: events up to ``as_of``, period figures for
    ``(period_start, as_of]``, stock balances at ``as_of``.

    The daily distribution rate (for days of cover) is the mean over the ``rate_days`` days
    before ``as_of``, as the service's ``low_cover`` alert computes it.
    """
    views = {m: _lead_view(session, m, operation) for m in READ_TABLES}
    corridors = [
        CorridorRecord(c.id, c.code, c.name, c.planned_throughput_pph, c.lon, c.lat)
        for c in session.scalars(
            select(Corridor).where(Corridor.operation_id == operation.id).order_by(Corridor.code)
        )
    ]
    balances: dict[tuple[str, str], float] = defaultdict(float)
    for row in stock_balances(session, operation, visible=views[StockEntry], at=as_of):
        balances[(row.item, row.unit)] += row.quantity
    rate_start = as_of - dt.timedelta(days=rate_days)
    distributed_recent = _ledger(
        session, operation, views[StockEntry], StockKind.DISTRIBUTION, rate_start, as_of
    )
    return RecordExtract(
        classification=_classification(session, operation),
        corridors=corridors,
        crossings=_crossings(session, operation, views[CrossingCount], as_of),
        statuses=_statuses(session, operation, views[CorridorStatusChange], as_of),
        deliveries=_deliveries(session, operation, views[Delivery], period_start, as_of),
        distributed=_ledger(
            session, operation, views[StockEntry], StockKind.DISTRIBUTION, period_start, as_of
        ),
        received=_ledger(
            session, operation, views[StockEntry], StockKind.RECEIPT, period_start, as_of
        ),
        balances=[ItemTotal(i, u, round(q, 6)) for (i, u), q in sorted(balances.items())],
        rate_per_day={(r.item, r.unit): r.quantity / rate_days for r in distributed_recent},
        incidents=_incidents(session, operation, views[Incident], period_start, as_of),
        rate_days=rate_days,
    )
