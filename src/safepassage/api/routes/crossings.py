"""Crossing counts: people per corridor, time window and group (aggregate counts only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, HTTPException, status
from sqlalchemy.orm import Session

from safepassage.api.routes._records import RecordKind, add_record_routes
from safepassage.api.schemas import CrossingCreate, CrossingPublic
from safepassage.storage.access import Action
from safepassage.storage.models import CrossingCount, User
from safepassage.storage.operations import is_assigned
from safepassage.storage.types import Role

__all__ = ["monitor_corridors", "router"]


def monitor_corridors(session: Session, user: User, rows: Sequence[dict[str, Any]]) -> None:
    """A monitor submits counts only for the corridors assigned to them."""
    if user.role is not Role.MONITOR:
        return
    if not is_assigned(session, {row["corridor_id"] for row in rows}, user):
        msg = "a monitor may submit counts only for the corridors assigned to them"
        raise HTTPException(status.HTTP_403_FORBIDDEN, msg)


router = APIRouter(tags=["crossings"])
add_record_routes(
    router,
    RecordKind(
        name="crossings",
        model=CrossingCount,
        create=CrossingCreate,
        public=CrossingPublic,
        action=Action.SUBMIT_CROSSINGS,
        check=monitor_corridors,
    ),
)
