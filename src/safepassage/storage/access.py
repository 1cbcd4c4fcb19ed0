"""Who may do and see what: roles, operation membership and each table's classification.

The information sharing protocol (reference R4/R5) is data: each operation may override the
default classification of a table in ``operation_policies``.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from safepassage.storage.models import (
    CorridorStatusChange,
    CrossingCount,
    Delivery,
    FieldRecord,
    Incident,
    Operation,
    OperationMember,
    OperationPolicy,
    StockEntry,
    User,
)
from safepassage.storage.types import Classification, Role

__all__ = [
    "DEFAULT_CLASSIFICATION",
    "PERMISSIONS",
    "Action",
    "allowed",
    "classification",
    "is_member",
    "visible_operations",
    "visible_rows",
]


class Action(StrEnum):
    READ = "read"
    SUBMIT_CROSSINGS = "submit_crossings"
    SUBMIT_INCIDENTS = "submit_incidents"
    SUBMIT_LOGISTICS = "submit_logistics"
    MANAGE_CORRIDORS = "manage_corridors"
    MANAGE_OPERATIONS = "manage_operations"
    MANAGE_USERS = "manage_users"


_EVERYONE = frozenset(Role)
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.READ: _EVERYONE,
    # a monitor only for the corridors assigned to them (checked where the corridor is known)
    Action.SUBMIT_CROSSINGS: frozenset({Role.MONITOR, Role.PLANNER, Role.ADMIN}),
    Action.SUBMIT_INCIDENTS: frozenset({Role.MONITOR, Role.LOGISTICS, Role.PLANNER, Role.ADMIN}),
    Action.SUBMIT_LOGISTICS: frozenset({Role.LOGISTICS, Role.ADMIN}),
    Action.MANAGE_CORRIDORS: frozenset({Role.PLANNER, Role.ADMIN}),
    Action.MANAGE_OPERATIONS: frozenset({Role.PLANNER, Role.ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
}

DEFAULT_CLASSIFICATION: dict[str, Classification] = {
    "corridors": Classification.PUBLIC,
    "corridor_status_changes": Classification.PUBLIC,
    # real-time counts are for operational roles only (R3); public totals go through exports
    CrossingCount.__tablename__: Classification.RESTRICTED,
    Delivery.__tablename__: Classification.RESTRICTED,
    StockEntry.__tablename__: Classification.RESTRICTED,
    # incident places near corridors are restricted (R4)
    Incident.__tablename__: Classification.RESTRICTED,
}
assert CorridorStatusChange.__tablename__ in DEFAULT_CLASSIFICATION


def allowed(user: User, action: Action) -> bool:
    """Whether the user's role permits the action (organisation checks come separately)."""
    return user.role in PERMISSIONS[action]


def is_member(session: Session, operation: Operation, organisation_id: int) -> bool:
    """Whether the organisation takes part in the operation (the lead always does)."""
    if operation.lead_organisation_id == organisation_id:
        return True
    key = (operation.id, organisation_id)
    return session.get(OperationMember, key) is not None


def visible_operations(session: Session, user: User) -> list[Operation]:
    """The operations the user's organisation takes part in."""
    member_of = select(OperationMember.operation_id).where(
        OperationMember.organisation_id == user.organisation_id
    )
    query = select(Operation).where(
        (Operation.lead_organisation_id == user.organisation_id) | Operation.id.in_(member_of)
    )
    return list(session.scalars(query.order_by(Operation.id)))


def classification(session: Session, operation: Operation, table_name: str) -> Classification:
    """The table's classification in this operation: its policy, else the default."""
    policy = session.get(OperationPolicy, (operation.id, table_name))
    if policy is not None:
        return policy.classification
    return DEFAULT_CLASSIFICATION.get(table_name, Classification.SENSITIVE)


def visible_rows(
    session: Session, model: type[FieldRecord], operation: Operation, user: User
) -> ColumnElement[bool]:
    """A WHERE clause selecting the rows of ``model`` the user may read in this operation.

    Public: every member organisation. Restricted: the submitting organisation and the lead
    organisation. Sensitive: the submitting organisation only.
    """
    table_name: str = model.__tablename__
    level = classification(session, operation, table_name)
    if level is Classification.PUBLIC:
        return true()
    if (
        level is Classification.RESTRICTED
        and operation.lead_organisation_id == user.organisation_id
    ):
        return true()
    return model.organisation_id == user.organisation_id
