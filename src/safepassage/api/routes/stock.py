"""The stock ledger (receipts, distributions, losses, transfers) and the balances it gives."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from safepassage.api.deps import CurrentUser, DatabaseDep, OperationDep
from safepassage.api.routes._records import RecordKind, add_record_routes
from safepassage.api.schemas import BalancePublic, QueryTime, StockEntryCreate, StockEntryPublic
from safepassage.storage import access
from safepassage.storage.access import Action
from safepassage.storage.models import StockEntry
from safepassage.storage.operations import stock_balances

__all__ = ["router"]

router = APIRouter(tags=["stock"])
add_record_routes(
    router,
    RecordKind(
        name="stock",
        model=StockEntry,
        create=StockEntryCreate,
        public=StockEntryPublic,
        action=Action.SUBMIT_LOGISTICS,
    ),
)


@router.get("/operations/{operation}/stock-balances", response_model=list[BalancePublic])
def balances(
    database: DatabaseDep,
    user: CurrentUser,
    operation: OperationDep,
    at: Annotated[QueryTime | None, Query(description="balances as of this time")] = None,
) -> list[BalancePublic]:
    """Balances per warehouse, item and unit, derived from the ledger lines you may see."""
    with database.read() as session:
        visible = access.visible_rows(session, StockEntry, operation, user)
        rows = stock_balances(session, operation, visible=visible, at=at)
    return [BalancePublic.model_validate(row) for row in rows]
