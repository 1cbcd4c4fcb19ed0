"""Who am I, users of my organisation, and the organisations known to the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from sqlalchemy import select

from safepassage.api.deps import CurrentUser, DatabaseDep, require
from safepassage.api.schemas import OrganisationPublic, UserCreate, UserCreated, UserPublic
from safepassage.errors import StorageError
from safepassage.storage import audit
from safepassage.storage.access import Action
from safepassage.storage.accounts import create_user, deactivate_user
from safepassage.storage.models import Organisation, User

__all__ = ["router"]

router = APIRouter(tags=["users"])
Admin = Depends(require(Action.MANAGE_USERS))


def _public(user: User, organisation: Organisation) -> UserPublic:
    return UserPublic(
        id=user.id,
        name=user.name,
        role=user.role,
        organisation=organisation.code,
        active=user.active,
    )


@router.get("/me", response_model=UserPublic)
def me(database: DatabaseDep, user: CurrentUser) -> UserPublic:
    """The user the token belongs to."""
    with database.read() as session:
        organisation = session.get_one(Organisation, user.organisation_id)
    return _public(user, organisation)


@router.get("/organisations", response_model=list[OrganisationPublic])
def organisations(database: DatabaseDep, user: CurrentUser) -> list[OrganisationPublic]:
    """Codes and names of the organisations (to add them to an operation)."""
    with database.read() as session:
        rows = session.scalars(select(Organisation).order_by(Organisation.code))
        return [OrganisationPublic.model_validate(row) for row in rows]


@router.get("/users", response_model=list[UserPublic])
def list_users(database: DatabaseDep, user: User = Admin) -> list[UserPublic]:
    """The users of your organisation (admin only; never another organisation's)."""
    query = select(User).where(User.organisation_id == user.organisation_id).order_by(User.id)
    with database.read() as session:
        organisation = session.get_one(Organisation, user.organisation_id)
        return [_public(u, organisation) for u in session.scalars(query)]


@router.post("/users", response_model=UserCreated, status_code=201)
def add_user(body: UserCreate, database: DatabaseDep, user: User = Admin) -> UserCreated:
    """Create a user in your organisation; the token in the answer is shown only this once."""
    actor = audit.Actor(user.id, user.organisation_id)
    with database.session() as session:
        organisation = session.get_one(Organisation, user.organisation_id)
        new, token = create_user(session, organisation, role=body.role, name=body.name, actor=actor)
    return UserCreated(**_public(new, organisation).model_dump(), token=token)


@router.delete("/users/{user_id}", status_code=204)
def revoke_user(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    database: DatabaseDep,
    user: User = Admin,
) -> None:
    """Revoke a user's token (admin, own organisation); effective at once on this server."""
    actor = audit.Actor(user.id, user.organisation_id)
    try:
        with database.session() as session:
            deactivate_user(session, user_id, organisation_id=user.organisation_id, actor=actor)
    except StorageError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    request.app.state.users_cache.clear()
