"""Request dependencies: the database session, the caller, role and organisation checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

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
    "WriteContext",
    "WriteContextDep",
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


async def _current_user(
    request: Request,
    database: DatabaseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    return await _caller(request, database, credentials)


async def _caller(
    request: Request, database: Database, credentials: HTTPAuthorizationCredentials | None
) -> User:
    # async, and the database only on a cache miss (in a worker thread): a cached caller
    # costs no thread hop, which the single-write latency target needs
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing API token: send the header 'Authorization: Bearer TOKEN'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    users = _cache(request, "users_cache")
    user: User | None = users.get(credentials.credentials)
    if user is None:
        generation = users.generation  # a revoke during the look-up must not be undone
        user = await run_in_threadpool(_authenticate, database, credentials.credentials)
        if user is not None:
            users.put(credentials.credentials, user, generation=generation)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "API token not recognised or revoked; ask your organisation's admin for a new one",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


def _authenticate(database: Database, token: str) -> User | None:
    with database.read() as session:
        return authenticate(session, token)


CurrentUser = Annotated[User, Depends(_current_user)]


def forbid(user: User, action: Action) -> None:
    """Raise 403 unless the user's role allows ``action``; the message names who may."""
    if not access.allowed(user, action):
        roles = ", ".join(sorted(r.value for r in access.PERMISSIONS[action]))
        msg = f"role {user.role.value!r} may not {action.value.replace('_', ' ')}; needs: {roles}"
        raise HTTPException(status.HTTP_403_FORBIDDEN, msg)


def require(action: Action) -> Callable[[User], Awaitable[User]]:
    """A dependency: the current user, if their role allows ``action`` (else 403)."""

    async def check(user: CurrentUser) -> User:  # async: no worker-thread hop
        forbid(user, action)
        return user

    return check


OperationCode = Annotated[str, Path(description="operation code", max_length=64)]


async def _operation(
    request: Request, database: DatabaseDep, user: CurrentUser, operation: OperationCode
) -> Operation:
    return await _member_of(request, database, user, operation)


async def _member_of(request: Request, database: Database, user: User, code: str) -> Operation:
    operations = _cache(request, "operations_cache")
    key = (code, user.organisation_id)
    cached: Operation | None = operations.get(key)
    if cached is not None:
        return cached
    found = await run_in_threadpool(_member_operation, database, code, user)
    # the same answer whether it does not exist or the caller's organisation is not a member
    if found is None:
        msg = f"operation {code!r} not found, or your organisation does not take part in it"
        raise HTTPException(status.HTTP_404_NOT_FOUND, msg)
    operations.put(key, found)
    return found


def _member_operation(database: Database, code: str, user: User) -> Operation | None:
    with database.read() as session:
        found = session.scalar(select(Operation).where(Operation.code == code))
        if found is None or not access.is_member(session, found, user.organisation_id):
            return None
        return found


OperationDep = Annotated[Operation, Depends(_operation)]


@dataclass(frozen=True)
class WriteContext:
    """What a field-record write needs: the database, the caller and their operation."""

    database: Database
    user: User
    operation: Operation


async def _write_context(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    operation: OperationCode,
) -> WriteContext:
    # DatabaseDep, CurrentUser and OperationDep in one dependency, with the same checks in the
    # same order: FastAPI spends about 0.1 ms per dependency per request, a fifth of the CPU
    # of a single field write (issue 6 latency target)
    database: Database = request.app.state.database
    user = await _caller(request, database, credentials)
    return WriteContext(database, user, await _member_of(request, database, user, operation))


WriteContextDep = Annotated[WriteContext, Depends(_write_context)]


def lead_operation(operation: Operation, user: User) -> None:
    """Raise 403 unless the user belongs to the organisation leading the operation."""
    if operation.lead_organisation_id != user.organisation_id:
        msg = f"only the organisation leading operation {operation.code!r} may change its setup"
        raise HTTPException(status.HTTP_403_FORBIDDEN, msg)
