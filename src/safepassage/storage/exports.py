"""Exports of any table as the caller may see it, in HXL CSV or GeoJSON
(:mod:`safepassage.storage.export_format`); public crossing figures go only through
:func:`~safepassage.storage.public_crossings.public_crossings` (reference R2/R3).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from safepassage.errors import DataError
from safepassage.storage import access
from safepassage.storage.export_format import (
    FORMATS,
    Export,
    Format,
    render,
    text_cell,
    to_geojson,
    to_hxl_csv,
)
from safepassage.storage.models import (
    Corridor,
    CorridorStatusChange,
    CrossingCount,
    Delivery,
    FieldRecord,
    Incident,
    Operation,
    Organisation,
    StockEntry,
    User,
)
from safepassage.storage.operations import current_statuses
from safepassage.storage.public_crossings import (
    APPORTIONED_NOTE,
    PUBLIC_SETTLE,
    PUBLIC_WINDOWS_H,
    REVISION_NOTE,
    public_crossings,
)
from safepassage.storage.types import Classification

__all__ = [
    "APPORTIONED_NOTE",
    "EXPORT_TABLES",
    "FORMATS",
    "PLACED_TABLES",
    "PUBLIC_SETTLE",
    "PUBLIC_WINDOWS_H",
    "REVISION_NOTE",
    "TABLES",
    "Classification",
    "Export",
    "ExportTable",
    "Format",
    "corridors_export",
    "export_for",
    "public_crossings",
    "render",
    "table_export",
    "to_geojson",
    "to_hxl_csv",
]

ExportTable = Literal[
    "corridors", "corridor_status", "crossings", "deliveries", "stock", "incidents"
]
TABLES: tuple[ExportTable, ...] = (
    "corridors",
    "corridor_status",
    "crossings",
    "deliveries",
    "stock",
    "incidents",
)
# tables whose rows have a place (their own point or their corridor's): the GeoJSON ones
PLACED_TABLES = frozenset({"corridors", "corridor_status", "crossings", "deliveries", "incidents"})
# tables whose rows have a place (their own point or their corridor's): the GeoJSON ones
PLACED_TABLES = frozenset({"corridors", "corridor_status", "crossings", "deliveries", "incidents"})
_NOT_PUBLIC = "not for publication (publish only the public crossings export)"

# column -> (header, HXL hashtag); HXL 1.1 core tags as proposed in the reference, section 3.3
_COMMON = {
    "client_id": ("record id", "#meta+id"),
    "organisation": ("organisation", "#org+code"),
    "received_at": ("received", "#date+reported"),
}
_CORRIDOR = {"corridor": ("corridor", "#loc+code+corridor")}
EXPORT_TABLES: dict[str, tuple[type[FieldRecord], dict[str, tuple[str, str]]]] = {
    "crossings": (
        CrossingCount,
        {
            **_CORRIDOR,
            "window_start": ("window start", "#date+start"),
            "window_end": ("window end", "#date+end"),
            "group": ("group", "#group+code"),
            "age_band": ("age band", "#affected+age"),
            "sex": ("sex", "#affected+sex"),
            "people": ("people crossed", "#affected+displaced+ind"),
        },
    ),
    "deliveries": (
        Delivery,
        {
            "event_time": ("arrived", "#date+occurred"),
            **_CORRIDOR,
            "warehouse": ("warehouse", "#loc+code+warehouse"),
            "item": ("item", "#item+code"),
            "quantity": ("quantity", "#output+num"),
            "unit": ("unit", "#output+unit"),
            "trucks": ("trucks", "#capacity+trucks+num"),
        },
    ),
    "stock": (
        StockEntry,
        {
            "event_time": ("date", "#date+occurred"),
            "kind": ("entry", "#item+type+entry"),
            "warehouse": ("warehouse", "#loc+code+warehouse"),
            "to_warehouse": ("to warehouse", "#loc+code+warehouse+dest"),
            "item": ("item", "#item+code"),
            "quantity": ("quantity", "#output+num"),
            "unit": ("unit", "#output+unit"),
        },
    ),
    "incidents": (
        Incident,
        {
            "event_time": ("occurred", "#date+occurred"),
            "type": ("type", "#event+type"),
            "severity": ("severity", "#severity"),
            **_CORRIDOR,
            "place": ("place", "#loc+name"),
            "lat": ("latitude", "#geo+lat"),
            "lon": ("longitude", "#geo+lon"),
        },
    ),
    "corridor_status": (
        CorridorStatusChange,
        {
            **_CORRIDOR,
            "event_time": ("since", "#date+occurred"),
            "status": ("status", "#status+name"),
            "reason": ("reason", "#operations+type"),
        },
    ),
}


def table_export(
    session: Session,
    operation: Operation,
    name: str,
    *,
    visible: ColumnElement[bool],
    classification: Classification,
) -> Export:
    """The rows of one table that the caller may see (``visible``), oldest event first."""
    model, columns = EXPORT_TABLES[name]
    spec = {**columns, **_COMMON}
    corridors = {c.id: c for c in session.scalars(select(Corridor))}
    orgs = dict(session.execute(select(Organisation.id, Organisation.code)).tuples().all())
    query = select(model).where(model.operation_id == operation.id, visible)
    export = Export(
        title=f"{operation.code} {name}",
        classification=classification,
        purpose=f"operational coordination of operation {operation.code}; {_NOT_PUBLIC}",
        headers=[h for h, _ in spec.values()],
        tags=[t for _, t in spec.values()],
        rows=[],
    )
    for row in session.scalars(query.order_by(model.id)):
        corridor = corridors.get(getattr(row, "corridor_id", None) or -1)
        values = {
            "corridor": corridor.code if corridor else None,
            "organisation": orgs.get(row.organisation_id),
        }
        export.rows.append([text_cell(values.get(k, getattr(row, k, None))) for k in spec])
        lat, lon = getattr(row, "lat", None), getattr(row, "lon", None)
        if lat is None and corridor is not None:
            lat, lon = corridor.lat, corridor.lon
        export.points.append(None if lat is None or lon is None else (lon, lat))
    return export


_CORRIDOR_COLUMNS = {
    "code": ("corridor", "#loc+code+corridor"),
    "name": ("corridor name", "#loc+name+corridor"),
    "planned_throughput_pph": ("planned people per hour", "#capacity+num+planned"),
    "status": ("status", "#status+name"),
    "since": ("since", "#date+occurred"),
    "reason": ("reason", "#operations+type"),
    "lat": ("latitude", "#geo+lat"),
    "lon": ("longitude", "#geo+lon"),
}


def corridors_export(session: Session, operation: Operation, user: User) -> Export:
    """The operation's corridors with their current status, as ``GET …/corridors`` shows them:
    none unless the corridors table is public or the caller leads; the status left blank
    unless the status history is shared with the caller."""
    lead = user.organisation_id == operation.lead_organisation_id
    level = access.classification(session, operation, "corridors")
    status_level = access.classification(session, operation, CorridorStatusChange.__tablename__)
    export = Export(
        title=f"{operation.code} corridors",
        classification=level,
        purpose=f"operational coordination of operation {operation.code}; {_NOT_PUBLIC}",
        headers=[h for h, _ in _CORRIDOR_COLUMNS.values()],
        tags=[t for _, t in _CORRIDOR_COLUMNS.values()],
        rows=[],
    )
    if level is not Classification.PUBLIC and not lead:
        return export
    query = select(Corridor).where(Corridor.operation_id == operation.id).order_by(Corridor.code)
    corridors = list(session.scalars(query))
    shared = lead or status_level is Classification.PUBLIC
    current = current_statuses(session, [c.id for c in corridors])
    for corridor in corridors:
        now = current[corridor.id] if shared else None
        values = {
            "status": now.status if now else None,
            "since": now.since if now else None,
            "reason": now.reason if now else "not shared with your organisation",
        }
        export.rows.append(
            [
                text_cell(values[k] if k in values else getattr(corridor, k))
                for k in _CORRIDOR_COLUMNS
            ]
        )
        placed = corridor.lat is not None and corridor.lon is not None
        export.points.append((corridor.lon, corridor.lat) if placed else None)  # type: ignore[arg-type]
    return export


def export_for(
    session: Session,
    operation: Operation,
    user: User,
    table: ExportTable,
    *,
    fmt: Format = "csv",
    public: bool = False,
    window_h: int = 6,
    k: int = 5,
    now: dt.datetime | None = None,
) -> Export:
    """One table as ``user`` may see it, or (``public``) the publishable crossings.

    The one entry point of the API's export routes and ``safepassage export``.

    Raises
    ------
    DataError
        ``public`` for a table other than crossings (nothing else goes through the R2/R3
        pipeline), GeoJSON of a table without places, or a window shorter than 6 hours.
    """
    if table not in TABLES:
        raise DataError(f"table {table!r}: use one of {', '.join(TABLES)}")
    if fmt not in FORMATS:
        raise DataError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt == "geojson" and table not in PLACED_TABLES:
        raise DataError(f"{table} rows have no place, so no GeoJSON; export them as csv (HXL)")
    if public:
        if table != "crossings":
            msg = (
                f"{table}: only crossings have a public export (per corridor, settled windows of "
                "6 h or more, small counts suppressed); export other tables without --public"
            )
            raise DataError(msg)
        if window_h not in PUBLIC_WINDOWS_H:
            raise DataError(f"window of {window_h} h: use one of {PUBLIC_WINDOWS_H} (at least 6)")
        corridors_public = (
            access.classification(session, operation, "corridors") is Classification.PUBLIC
        )
        return public_crossings(
            session, operation, now=now, window_h=window_h, k=k, with_points=corridors_public
        )
    if table == "corridors":
        return corridors_export(session, operation, user)
    model, _ = EXPORT_TABLES[table]
    visible = access.visible_rows(session, model, operation, user)
    level = access.classification(session, operation, model.__tablename__)
    return table_export(session, operation, table, visible=visible, classification=level)
