"""Request dependencies: the database session, the caller, role and organisation checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from safepassage.api.cache import TTLCache
from safepassage.storage import access
from safepassage.storage.access import Action
from safepassage.storage.accounts import authenticate
from safepassage.storage.db import Database
from safepassage.storage.models import Operation, User

__all__ = [
    "CurrentUser",
    "DatabaseDep",
    "OperationDep",
    "forbid",
    "lead_operation",
    "require",
]

_bearer = HTTPBearer(auto_error=False, description="API token from `safepassage users create`")


async def _database(request: Request) -> Database:  # async: no worker-thread hop
    database: Database = request.app.state.database
    return database


# Routes open their transaction inside their own body (``with database.session() as s``):
# it begins, does the work and commits in one worker thread, before the response is sent, so an
# acknowledged write is durable and no lock is held while waiting for another thread.
DatabaseDep = Annotated[Database, Depends(_database)]


def _cache(request: Request, name: str) -> TTLCache:
    cache: TTLCache = getattr(request.app.state, name)
    return cache


def _current_user(
    request: Request,
    database: DatabaseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing API token: send the header 'Authorization: Bearer TOKEN'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    users = _cache(request, "users_cache")
    user: User | None = users.get(credentials.credentials)
    if user is None:
        with database.read() as session:
            user = authenticate(session, credentials.credentials)
        if user is not None:
            users.put(credentials.credentials, user)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "API token not recognised or revoked; ask your organisation's admin for a new one",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[User, Depends(_current_user)]


def forbid(user: User, action: Action) -> None:
    """Raise 403 unless the user's role allows ``action``; the message names who may."""
    if not access.allowed(user, action):
        roles = ", ".join(sorted(r.value for r in access.PERMISSIONS[action]))
        msg = f"role {user.role.value!r} may not {action.value.replace('_', ' ')}; needs: {roles}"
        raise HTTPException(status.HTTP_403_FORBIDDEN, msg)


def require(action: Action) -> Callable[[User], User]:
    """A dependency: the current user, if their role allows ``action`` (else 403)."""

    def check(user: CurrentUser) -> User:
        forbid(user, action)
        return user

    return check


def _operation(
    request: Request,
    database: DatabaseDep,
    user: CurrentUser,
    operation: Annotated[str, Path(description="operation code", max_length=64)],
) -> Operation:
    operations = _cache(request, "operations_cache")
    key = (operation, user.organisation_id)
    cached: Operation | None = operations.get(key)
    if cached is not None:
        return cached
    with database.read() as session:
        found = session.scalar(select(Operation).where(Operation.code == operation))
        member = found is not None and access.is_member(session, found, user.organisation_id)
    # the same answer whether it does not exist or the caller's organisation is not a member
    if found is None or not member:
        msg = f"operation {operation!r} not found, or your organisation does not take part in it"
        raise HTTPException(status.HTTP_404_NOT_FOUND, msg)
    operations.put(key, found)
    return found


OperationDep = Annotated[Operation, Depends(_operation)]


def lead_operation(operation: Operation, user: User) -> None:
    """Raise 403 unless the user belongs to the organisation leading the operation."""
    if operation.lead_organisation_id != user.organisation_id:
        msg = f"only the organisation leading operation {operation.code!r} may change its setup"
        raise HTTPException(status.HTTP_403_FORBIDDEN, msg)
