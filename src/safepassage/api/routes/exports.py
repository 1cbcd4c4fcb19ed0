"""Exports: HXL CSV and GeoJSON of any table as you may see it, and the public crossings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse, PlainTextResponse

from safepassage.api.deps import CurrentUser, DatabaseDep, OperationDep
from safepassage.storage import exports as ex

__all__ = ["router"]

router = APIRouter(tags=["exports"])


def _respond(export: ex.Export, fmt: ex.Format, filename: str) -> Any:
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}.{fmt}"',
        "X-Safepassage-Classification": export.classification.value,
    }
    if fmt == "csv":
        return PlainTextResponse(ex.to_hxl_csv(export), media_type="text/csv", headers=headers)
    return JSONResponse(ex.to_geojson(export), media_type="application/geo+json", headers=headers)


@router.get("/operations/{operation}/exports/public/crossings.{fmt}")
def public_crossings(
    fmt: ex.Format,
    database: DatabaseDep,
    user: CurrentUser,
    operation: OperationDep,
    window_hours: Annotated[int, Query(description="6, 12 or 24")] = 6,
    k: Annotated[int, Query(ge=5, le=100, description="counts below k are hidden (5 or more)")] = 5,
) -> Any:
    """People crossed per corridor and window, each window once it has settled (a day and more
    after it closes), small counts suppressed (publishable)."""
    if window_hours not in ex.PUBLIC_WINDOWS_H:
        msg = f"window_hours={window_hours}: use one of {ex.PUBLIC_WINDOWS_H} (at least 6 h)"
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, msg)
    with database.read() as session:
        export = ex.export_for(
            session, operation, user, "crossings", fmt=fmt, public=True, window_h=window_hours, k=k
        )
    return _respond(export, fmt, f"{operation.code}-crossings-public")


@router.get("/operations/{operation}/exports/{table}.{fmt}")
def table(
    table: ex.ExportTable,
    fmt: ex.Format,
    database: DatabaseDep,
    user: CurrentUser,
    operation: OperationDep,
) -> Any:
    """The rows of one table that your organisation may see, with their classification
    (GeoJSON for the tables whose rows have a place: all but stock)."""
    with database.read() as session:
        export = ex.export_for(session, operation, user, table, fmt=fmt)
    return _respond(export, fmt, f"{operation.code}-{table}")
