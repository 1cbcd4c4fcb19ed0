"""Organisations and users; API tokens are shown once and stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from safepassage.errors import StorageError
from safepassage.storage import audit
from safepassage.storage.models import Organisation, User
from safepassage.storage.types import Role

__all__ = [
    "authenticate",
    "create_user",
    "deactivate_user",
    "ensure_organisation",
    "get_organisation",
    "hash_token",
    "parse_role",
]

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def hash_token(token: str) -> str:
    """The stored form of a token: hex SHA-256 (a 256-bit random token needs no slow hash)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_role(text: str) -> Role:
    """A role from its name; the error lists the valid ones."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise StorageError(f"role {text!r} is not one of: {valid}") from None


def get_organisation(session: Session, code: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.code == code))


def ensure_organisation(
    session: Session, code: str, *, name: str | None = None, actor: audit.Actor | None = None
) -> Organisation:
    """The organisation with this code, created (and audited) if it does not exist yet."""
    if not _CODE.match(code):
        msg = f"organisation code {code!r}: use 1-64 letters, digits, '.', '_' or '-' (e.g. WFP)"
        raise StorageError(msg)
    found = get_organisation(session, code)
    if found is not None:
        return found
    audit.lock(session)
    organisation = Organisation(code=code, name=name or code)
    session.add(organisation)
    session.flush()
    audit.append(session, actor or audit.Actor(), "create", [organisation])
    return organisation


def create_user(
    session: Session,
    organisation: Organisation,
    *,
    role: Role,
    name: str,
    actor: audit.Actor | None = None,
) -> tuple[User, str]:
    """A new user and their token; the token is returned here once and never stored.

    Returns
    -------
    (User, str)
        The stored user and the bearer token to hand over (``secrets.token_urlsafe(32)``).
    """
    audit.lock(session)
    token = secrets.token_urlsafe(32)
    user = User(
        organisation_id=organisation.id,
        name=name.strip() or f"{role.value}@{organisation.code}",
        role=role,
        token_hash=hash_token(token),
        active=True,
    )
    session.add(user)
    session.flush()
    audit.append(session, actor or audit.Actor(), "create", [user])
    return user, token


def authenticate(session: Session, token: str) -> User | None:
    """The active user holding ``token``, or ``None``."""
    user = session.scalar(select(User).where(User.token_hash == hash_token(token)))
    if user is None or not user.active:
        return None
    return user


def deactivate_user(
    session: Session, user_id: int, *, organisation_id: int | None, actor: audit.Actor
) -> User:
    """Revoke a user's token (the user stays, for the audit log). ``organisation_id``: only a
    user of that organisation (``None``: any, for the command line).

    Raises
    ------
    StorageError
        No such user (in that organisation).
    """
    audit.lock(session)
    user = session.get(User, user_id)
    if user is None or organisation_id not in (None, user.organisation_id):
        raise StorageError(f"no user with id {user_id} in your organisation")
    if user.active:
        user.active = False
        session.flush()
        audit.append(session, actor, "deactivate", [user])
    return user
