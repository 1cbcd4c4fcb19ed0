"""Incidents: type, time, place, severity and the corridor affected."""

from __future__ import annotations

from fastapi import APIRouter

from safepassage.api.routes._records import RecordKind, add_record_routes
from safepassage.api.schemas import IncidentCreate, IncidentPublic
from safepassage.storage.access import Action
from safepassage.storage.models import Incident

__all__ = ["router"]

router = APIRouter(tags=["incidents"])
add_record_routes(
    router,
    RecordKind(
        name="incidents",
        model=Incident,
        create=IncidentCreate,
        public=IncidentPublic,
        action=Action.SUBMIT_INCIDENTS,
    ),
)
