"""Deliveries: consignments that reached a warehouse or distribution point."""

from __future__ import annotations

from fastapi import APIRouter

from safepassage.api.routes._records import RecordKind, add_record_routes
from safepassage.api.schemas import DeliveryCreate, DeliveryPublic
from safepassage.storage.access import Action
from safepassage.storage.models import Delivery

__all__ = ["router"]

router = APIRouter(tags=["deliveries"])
add_record_routes(
    router,
    RecordKind(
        name="deliveries",
        model=Delivery,
        create=DeliveryCreate,
        public=DeliveryPublic,
        action=Action.SUBMIT_LOGISTICS,
    ),
)
