"""Publish a plan to an operation and read the current one back.

Publishing stores the bundle (see ``reports/plan_bundle.py``), makes its summary the
operation's plan and creates or updates the operation's corridors from it (name, position,
planned throughput), all in one audited transaction. Earlier bundles stay: a report names the
bundle its figures came from.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safepassage.reports.plan_bundle import check_bundle
from safepassage.storage import audit
from safepassage.storage.models import Corridor, Operation, PlanBundle, User
from safepassage.storage.records import NotFoundError

__all__ = ["latest_plan_bundle", "latest_plan_row", "publish_plan_bundle"]


def _sync_corridors(
    session: Session, actor: audit.Actor, operation: Operation, bundle: dict[str, Any]
) -> None:
    existing = {
        c.code: c
        for c in session.scalars(select(Corridor).where(Corridor.operation_id == operation.id))
    }
    created, changed = [], []
    for row in bundle["corridors"]:
        values = {
            "name": str(row["name"]),
            "lon": float(row["lon"]),
            "lat": float(row["lat"]),
            "planned_throughput_pph": float(row["throughput_pph"]),
        }
        corridor = existing.get(str(row["id"]))
        if corridor is None:
            corridor = Corridor(operation_id=operation.id, code=str(row["id"]), **values)
            session.add(corridor)
            created.append(corridor)
        elif any(getattr(corridor, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(corridor, key, value)
            changed.append(corridor)
    session.flush()
    if created:
        audit.append(session, actor, "create", created)
    if changed:
        audit.append(session, actor, "update", changed)


def publish_plan_bundle(
    session: Session, user: User, operation: Operation, bundle: dict[str, Any]
) -> PlanBundle:
    """Store ``bundle`` as the operation's current plan (the caller checked the user's rights).

    Raises
    ------
    DataError
        ``bundle`` is not a plan bundle of this version's format.
    """
    check_bundle(bundle)
    actor = audit.Actor(user.id, user.organisation_id)
    audit.lock(session)
    # the caller's copy may be detached (cached): change the session's own row
    current = session.get(Operation, operation.id)
    if current is None:
        raise NotFoundError(f"operation {operation.code!r} not found")
    operation = current
    row = PlanBundle(operation_id=operation.id, published_by=user.id, bundle=bundle)
    session.add(row)
    operation.plan = bundle["summary"]
    session.flush()
    audit.append(session, actor, "publish", [row])
    audit.append(session, actor, "update", [operation])
    _sync_corridors(session, actor, operation, bundle)
    return row


def latest_plan_row(session: Session, operation: Operation) -> PlanBundle | None:
    """The operation's most recently published bundle row, or None."""
    query = (
        select(PlanBundle)
        .where(PlanBundle.operation_id == operation.id)
        .order_by(PlanBundle.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def latest_plan_bundle(session: Session, operation: Operation) -> dict[str, Any] | None:
    """The operation's current plan bundle, or None when no plan was published."""
    row = latest_plan_row(session, operation)
    return None if row is None else row.bundle
