"""Operations, their members and policies, corridors and their status; stock balances.

Each write is audited in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from safepassage.model.scenario import CorridorStatus
from safepassage.storage import audit
from safepassage.storage.models import (
    Corridor,
    CorridorAssignment,
    CorridorStatusChange,
    Operation,
    OperationMember,
    OperationPolicy,
    StockEntry,
    User,
)
from safepassage.storage.records import ConflictError, NotFoundError
from safepassage.storage.types import Classification, StockKind

__all__ = [
    "Balance",
    "CurrentStatus",
    "add_member",
    "assign_monitor",
    "create_corridor",
    "create_operation",
    "current_statuses",
    "get_corridor",
    "is_assigned",
    "set_policy",
    "stock_balances",
]


def _actor(user: User) -> audit.Actor:
    return audit.Actor(user.id, user.organisation_id)


def create_operation(
    session: Session,
    user: User,
    *,
    code: str,
    name: str,
    scenario_toml: str | None = None,
    plan: dict[str, Any] | None = None,
) -> Operation:
    """A new operation led by the user's organisation; its code must be new."""
    audit.lock(session)
    if session.scalar(select(Operation).where(Operation.code == code)) is not None:
        raise ConflictError(f"operation code {code!r} is taken; choose another code")
    operation = Operation(
        code=code,
        name=name,
        lead_organisation_id=user.organisation_id,
        scenario_toml=scenario_toml,
        plan=plan,
    )
    session.add(operation)
    session.flush()
    audit.append(session, _actor(user), "create", [operation])
    return operation


def add_member(
    session: Session, user: User, operation: Operation, organisation_id: int
) -> OperationMember:
    """Let an organisation take part (idempotent)."""
    audit.lock(session)
    found = session.get(OperationMember, (operation.id, organisation_id))
    if found is not None:
        return found
    member = OperationMember(operation_id=operation.id, organisation_id=organisation_id)
    session.add(member)
    session.flush()
    audit.append(session, _actor(user), "create", [member])
    return member


def set_policy(
    session: Session, user: User, operation: Operation, table_name: str, level: Classification
) -> OperationPolicy:
    """Set one table's classification in this operation (audited as an update)."""
    audit.lock(session)
    policy = session.get(OperationPolicy, (operation.id, table_name))
    if policy is None:
        policy = OperationPolicy(
            operation_id=operation.id, table_name=table_name, classification=level
        )
        session.add(policy)
    else:
        policy.classification = level
    session.flush()
    audit.append(session, _actor(user), "set", [policy])
    return policy


def get_corridor(session: Session, operation: Operation, code: str) -> Corridor:
    """The operation's corridor with this code.

    Raises
    ------
    NotFoundError
        No such corridor in this operation.
    """
    query = select(Corridor).where(Corridor.operation_id == operation.id, Corridor.code == code)
    corridor = session.scalar(query)
    if corridor is None:
        raise NotFoundError(f"corridor {code!r} not found in operation {operation.code!r}")
    return corridor


def create_corridor(
    session: Session, user: User, operation: Operation, **values: Any
) -> tuple[Corridor, bool]:
    """A corridor (by ``code``, idempotent): returns the row and whether it was created."""
    audit.lock(session)
    query = select(Corridor).where(
        Corridor.operation_id == operation.id, Corridor.code == values["code"]
    )
    found = session.scalar(query)
    if found is not None:
        return found, False
    corridor = Corridor(operation_id=operation.id, **values)
    session.add(corridor)
    session.flush()
    audit.append(session, _actor(user), "create", [corridor])
    return corridor, True


def assign_monitor(session: Session, user: User, corridor: Corridor, monitor: User) -> None:
    """Let ``monitor`` submit crossing counts for ``corridor`` (idempotent)."""
    audit.lock(session)
    if session.get(CorridorAssignment, (corridor.id, monitor.id)) is not None:
        return
    assignment = CorridorAssignment(corridor_id=corridor.id, user_id=monitor.id)
    session.add(assignment)
    session.flush()
    audit.append(session, _actor(user), "create", [assignment])


def is_assigned(session: Session, corridor_ids: Iterable[int], user: User) -> bool:
    """Whether every corridor in ``corridor_ids`` is assigned to the user."""
    wanted = set(corridor_ids)
    query = select(CorridorAssignment.corridor_id).where(
        CorridorAssignment.user_id == user.id, CorridorAssignment.corridor_id.in_(wanted)
    )
    return set(session.scalars(query)) == wanted


@dataclass(frozen=True)
class CurrentStatus:
    status: CorridorStatus
    since: dt.datetime | None
    reason: str


def current_statuses(
    session: Session, corridor_ids: list[int], *, visible: ColumnElement[bool] | None = None
) -> dict[int, CurrentStatus]:
    """Each corridor's status: the change with the latest *event* time (then the latest id).

    A late report of an older change is kept in the history but does not override a newer one.
    Corridors with no change yet are ``open``. ``visible`` limits the changes considered to
    those the caller may see.
    """
    statuses = {cid: CurrentStatus(CorridorStatus.OPEN, None, "") for cid in corridor_ids}
    query = (
        select(CorridorStatusChange)
        .where(
            CorridorStatusChange.corridor_id.in_(corridor_ids),
            true() if visible is None else visible,
        )
        .order_by(CorridorStatusChange.event_time, CorridorStatusChange.id)
    )
    for change in session.scalars(query):
        statuses[change.corridor_id] = CurrentStatus(
            change.status, change.event_time, change.reason
        )
    return statuses


@dataclass(frozen=True)
class Balance:
    warehouse: str
    item: str
    unit: str
    quantity: float


_SIGN = {
    StockKind.RECEIPT: 1.0,
    StockKind.DISTRIBUTION: -1.0,
    StockKind.LOSS: -1.0,
    StockKind.TRANSFER: -1.0,
}


def stock_balances(
    session: Session,
    operation: Operation,
    *,
    visible: ColumnElement[bool],
    at: dt.datetime | None = None,
) -> list[Balance]:
    """Balances per warehouse, item and unit from the ledger lines the caller may see.

    Receipts add, distributions and losses subtract, a transfer moves stock from ``warehouse``
    to ``to_warehouse``. With ``at``, only lines whose event time is at or before it count.
    A negative balance is reported as it is: it means a receipt has not been reported yet.
    """
    totals: dict[tuple[str, str, str], float] = defaultdict(float)
    query = select(
        StockEntry.kind,
        StockEntry.warehouse,
        StockEntry.to_warehouse,
        StockEntry.item,
        StockEntry.unit,
        func.sum(StockEntry.quantity),
    ).where(StockEntry.operation_id == operation.id, visible)
    if at is not None:
        query = query.where(StockEntry.event_time <= at)
    query = query.group_by(
        StockEntry.kind,
        StockEntry.warehouse,
        StockEntry.to_warehouse,
        StockEntry.item,
        StockEntry.unit,
    )
    for kind, warehouse, to_warehouse, item, unit, total in session.execute(query):
        totals[(warehouse, item, unit)] += _SIGN[kind] * float(total)
        if kind is StockKind.TRANSFER and to_warehouse:
            totals[(to_warehouse, item, unit)] += float(total)
    return [Balance(w, i, u, round(q, 6)) for (w, i, u), q in sorted(totals.items())]
