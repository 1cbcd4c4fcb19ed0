"""Exports as HXL CSV and GeoJSON: any table as the caller may see it, and the public crossings.

Every export carries its classification and purpose (reference R6, R11): in HXL CSV as a title
row above the header (HXL readers skip rows above the hashtag row), in GeoJSON as a top-level
``safepassage`` member. Public crossing figures go only through :func:`public_crossings`
(reference R2/R3): per corridor, in windows of at least 6 hours that have settled (closed, and
:data:`PUBLIC_SETTLE` past, so every count overlapping them has ended and could be reported),
small counts suppressed with complementary suppression. A count whose window spans two public
windows is shared between them by time overlapped (:func:`_apportion`), and the export's notes
say so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from safepassage.errors import DataError
from safepassage.storage import access
from safepassage.storage.disclosure import PUBLIC_MIN_K, TOTAL, SuppressedTable, suppress
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
from safepassage.storage.types import Classification, utc_now

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
Format = Literal["csv", "geojson"]
FORMATS: tuple[Format, ...] = ("csv", "geojson")
_NOT_PUBLIC = "not for publication (publish only the public crossings export)"

# R3: no finer than 6 h; windows tile the UTC day and nest (6 in 12 in 24), so no two exports'
# windows can be subtracted into a finer one (8 h and 6 h would give 2-hour counts)
PUBLIC_WINDOWS_H = (6, 12, 24)
# R3: a window is published only once it has *settled*: PUBLIC_SETTLE after it closes. A count is
# stored only once it has ended (the API refuses a window_end in the future; ingest holds a
# submission until its hour is over), so a count straddling a window's end arrives after the window
# has closed; had the window been published in between, the next release would differ by that
# count's share, a small and finer-than-6-h figure. A count overlapping a window starts before the
# window's end, so it has ended PUBLIC_SETTLE after it if no count lasts longer: the API takes a
# window only if it lasts at most 25 h once widened to whole hours of its clock, as ingest widens
# a form's windows (MAX_STORED_WINDOW, api/schemas.py). Stated here as storage does not import
# api; tests/storage/test_exports_settle.py checks it against the schema.
PUBLIC_SETTLE = dt.timedelta(hours=25)

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


@dataclass
class Export:
    """A table ready to write: headers, HXL tags, text rows, points, and its metadata.

    ``notes`` says how the figures were made where a reader needs to know (written after the
    purpose in the CSV's title row and as ``notes`` in the GeoJSON's ``safepassage`` member).
    """

    title: str
    classification: Classification
    purpose: str
    headers: list[str]
    tags: list[str]
    rows: list[list[str]]
    points: list[tuple[float, float] | None] = field(default_factory=list)
    generated: dt.datetime = field(default_factory=utc_now)
    notes: str = ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(getattr(value, "value", value))


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
        export.rows.append([_text(values.get(k, getattr(row, k, None))) for k in spec])
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
            [_text(values[k] if k in values else getattr(corridor, k)) for k in _CORRIDOR_COLUMNS]
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


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # a midnight: bins counted from it tile the UTC day
_US = dt.timedelta(microseconds=1)
# Counts are apportioned to 6-hour bins, the finest public window, and 12- and 24-hour figures are
# sums of those: a count inside one 12-hour window then goes to it whole, and the 6-, 12- and
# 24-hour exports agree with each other (apportioning at each width would differ by rounding)
_BASE_H = PUBLIC_WINDOWS_H[0]
APPORTIONED_NOTE = (
    "a count whose window spans two or more of these windows is shared among them in proportion "
    "to the time it overlaps each (whole people, the count's total kept), so those windows' "
    "figures are partly estimated"
)
REVISION_NOTE = "figures for a window may be revised by late field reports"


def _hours(span: dt.timedelta) -> str:
    return f"{span / dt.timedelta(hours=1):g}"


def _settle_note(settle: dt.timedelta) -> str:
    hours = _hours(settle)
    return (
        f"a window is published {hours} h after it closes, when every count overlapping it has "
        f"ended; {REVISION_NOTE} (received more than {hours} h after the window closed)"
    )


def _apportion(
    start_s: NDArray[np.int64],
    end_s: NDArray[np.int64],
    people: NDArray[np.int64],
    *,
    width_s: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Share each count among the bins its window overlaps, in whole people.

    Bins are ``[b * width_s, (b + 1) * width_s)`` in seconds since the epoch. A count within one
    bin goes to it whole; one that spans bins is shared by the part of its window overlapping
    each, rounded by largest remainder so that the shares add up to the count exactly (ties go
    to the earlier bin).

    Returns
    -------
    tuple of arrays
        ``(count, bin, people)``: one entry per pair of a count and a bin its window overlaps
        (``end_s`` exclusive), grouped by count, bins ascending within a count.
    """
    n = start_s.size
    first = start_s // width_s
    spans = (end_s - 1) // width_s - first + 1
    owner = np.repeat(np.arange(n), spans)
    group_start = np.cumsum(spans) - spans
    bins = first[owner] + np.arange(owner.size) - group_start[owner]
    overlap = np.minimum(end_s[owner], (bins + 1) * width_s) - np.maximum(
        start_s[owner], bins * width_s
    )
    quota, remainder = np.divmod(people[owner] * overlap, (end_s - start_s)[owner])
    short = people - np.add.reduceat(quota, group_start) if n else people
    # within each count, largest remainder first, then the earlier bin
    order = np.lexsort((bins, -remainder, owner))
    rank = np.empty_like(owner)
    rank[order] = np.arange(owner.size) - group_start[owner[order]]
    return owner, bins, quota + (rank < short[owner])


def _crossing_bins(
    session: Session,
    operation: Operation,
    *,
    now: dt.datetime,
    window_h: int,
    settle: dt.timedelta,
) -> tuple[dict[tuple[Any, Any], int], list[dt.datetime]]:
    """People per (corridor id, window start) over the windows that may be published, and those
    windows in order: settled, ``now >= window end + settle`` (R3).

    Counts are summed in SQL per corridor and count window, then apportioned to the public
    windows they overlap (:func:`_apportion`). The windows listed run from the first to the last
    settled one that any count overlaps, those between with no count included (zeros); every
    window after them waits.
    """
    query = (
        select(
            CrossingCount.corridor_id,
            CrossingCount.window_start,
            CrossingCount.window_end,
            func.sum(CrossingCount.people),
        )
        .where(CrossingCount.operation_id == operation.id)
        .group_by(CrossingCount.corridor_id, CrossingCount.window_start, CrossingCount.window_end)
    )
    rows = session.execute(query).all()
    if not rows:
        return {}, []
    n = len(rows)
    corridor = np.fromiter((r[0] for r in rows), np.int64, n)
    start_us = np.fromiter(((r[1] - _EPOCH) // _US for r in rows), np.int64, n)
    end_us = np.fromiter(((r[2] - _EPOCH) // _US for r in rows), np.int64, n)
    people = np.fromiter((r[3] for r in rows), np.int64, n)
    # apportion by whole seconds (a sub-second window counts as one second, in its own bin)
    start_s = start_us // 1_000_000
    end_s = np.maximum(end_us // 1_000_000, start_s + 1)
    owner, base_bins, shares = _apportion(start_s, end_s, people, width_s=_BASE_H * 3600)
    bins = base_bins // (window_h // _BASE_H)
    # R3: the windows published end by ``now - settle``: those before the one it falls in. With
    # settle >= PUBLIC_SETTLE no count overlapping them can still be running, or arrive later
    # unless reported late (a count is stored at most 10 min before its end, api/schemas.py)
    cutoff = (now - settle - _EPOCH) // _US // (window_h * 3_600_000_000)
    keep = bins < cutoff
    if not keep.any():
        return {}, []
    keys, inverse = np.unique(
        np.stack([corridor[owner][keep], bins[keep]], axis=1), axis=0, return_inverse=True
    )
    sums = np.zeros(len(keys), np.int64)
    np.add.at(sums, inverse.ravel(), shares[keep])
    shown = range(int(keys[:, 1].min()), int(keys[:, 1].max()) + 1)
    width = dt.timedelta(hours=window_h)
    totals = {
        (int(c), _EPOCH + int(b) * width): int(v) for (c, b), v in zip(keys, sums, strict=True)
    }
    return totals, [_EPOCH + int(b) * width for b in shown]


def public_crossings(
    session: Session,
    operation: Operation,
    *,
    now: dt.datetime | None = None,
    window_h: int = 6,
    k: int = 5,
    with_points: bool = False,
    settle: dt.timedelta = PUBLIC_SETTLE,
) -> Export:
    """People crossed per corridor and window, for publication (R2, R3).

    Windows tile the UTC day (``window_h`` in 6, 12, 24) and appear only once they have
    settled: ``settle`` (25 h by default, :data:`PUBLIC_SETTLE`) after they close, when every
    count overlapping them has ended and could have been reported. Reports that arrive later
    still change a published window; the export's ``notes`` say so. A count within one window
    goes to it whole; one whose window spans windows is shared among them by the time it
    overlaps each, in whole people keeping its total (the notes say the figures are then
    partly estimated). Each corridor also gets a total row, each window a total over
    corridors, and the table a grand total, all totals rounded to the nearest 10 (they grow
    from one release to the next). Small counts read ``"<k"``, the entries hidden to protect
    them ``"x"``.

    Parameters
    ----------
    now
        The time of the release (UTC; the current time if None).
    settle
        How long after its end a window waits: :data:`PUBLIC_SETTLE` or longer (an operation
        whose field teams sync less often than daily may wait longer, so that fewer published
        figures are revised).

    Raises
    ------
    ValueError
        ``window_h`` not one of 6, 12, 24, or ``now`` without a timezone.
    DataError
        ``k`` below 5, or ``settle`` shorter than :data:`PUBLIC_SETTLE` (a window would be
        published before every count overlapping it could be reported, and the next release
        would differ by that count's share).
    """
    if window_h not in PUBLIC_WINDOWS_H:
        raise ValueError(f"window_h={window_h}: use one of {PUBLIC_WINDOWS_H} (at least 6 h)")
    if k < PUBLIC_MIN_K:
        raise DataError(f"k={k}: a public export hides counts below {PUBLIC_MIN_K} at least")
    if settle < PUBLIC_SETTLE:
        msg = (
            f"settle of {_hours(settle)} h: a public window waits at least "
            f"{_hours(PUBLIC_SETTLE)} h after it closes (until the longest count overlapping it "
            "has ended); give a longer one"
        )
        raise DataError(msg)
    now = now or utc_now()
    if now.tzinfo is None:
        raise ValueError(f"now={now.isoformat()}: give a timezone-aware time (UTC)")
    totals, bins = _crossing_bins(session, operation, now=now, window_h=window_h, settle=settle)
    corridors = list(
        session.scalars(
            select(Corridor).where(Corridor.operation_id == operation.id).order_by(Corridor.code)
        )
    )
    table = suppress(totals, rows=[c.id for c in corridors], columns=bins, k=k)
    export = Export(
        title=f"{operation.code} people crossed per corridor, {window_h}-hour windows (UTC)",
        classification=Classification.PUBLIC,
        purpose="public situation reporting; aggregate counts, small counts suppressed",
        headers=["corridor", "corridor name", "window start", "window end", "people crossed"],
        tags=[
            "#loc+code+corridor",
            "#loc+name+corridor",
            "#date+start",
            "#date+end",
            "#affected+displaced+ind",
        ],
        rows=[],
        notes=f"{_settle_note(settle)}; {APPORTIONED_NOTE}",
    )
    _fill_public_rows(export, table, corridors, bins, window_h=window_h, with_points=with_points)
    return export


def _fill_public_rows(
    export: Export,
    table: SuppressedTable,
    corridors: list[Corridor],
    bins: list[dt.datetime],
    *,
    window_h: int,
    with_points: bool,
) -> None:
    """One row per corridor and window, then per corridor the total, then the window totals."""
    width = dt.timedelta(hours=window_h)
    named = [(c.id, c.code, c.name, c) for c in corridors] + [(TOTAL, TOTAL, "all corridors", None)]
    span: list[tuple[Any, str, str]] = [(b, _text(b), _text(b + width)) for b in bins]
    if bins:
        span.append((TOTAL, _text(bins[0]), _text(bins[-1] + width)))
    for key, code, name, corridor in named:
        point = None
        if with_points and corridor and corridor.lat is not None and corridor.lon is not None:
            point = (corridor.lon, corridor.lat)
        for column, start, end in span:
            export.rows.append(
                [code, name, start, end, table.shown(key, column, round_margins=True)]
            )
            export.points.append(point)


def to_hxl_csv(export: Export) -> str:
    """HXL CSV: a metadata title row, the header row, the hashtag row, the data."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    generated = export.generated.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    notes = f"notes: {export.notes}; " if export.notes else ""
    writer.writerow(
        [
            f"{export.title}; classification: {export.classification.value}; "
            f"purpose: {export.purpose}; {notes}generated {generated} by safepassage"
        ]
    )
    writer.writerow(export.headers)
    writer.writerow(export.tags)
    writer.writerows(export.rows)
    return buffer.getvalue()


def render(export: Export, fmt: Format) -> str:
    """The file's text: HXL CSV, or GeoJSON (UTF-8, not ASCII-escaped)."""
    if fmt == "csv":
        return to_hxl_csv(export)
    return json.dumps(to_geojson(export), ensure_ascii=False, separators=(",", ":")) + "\n"


def to_geojson(export: Export) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (RFC 7946): one feature per row, null geometry if unplaced."""
    features = []
    for index, row in enumerate(export.rows):
        point = export.points[index] if index < len(export.points) else None
        geometry = None if point is None else {"type": "Point", "coordinates": list(point)}
        properties = dict(zip(export.headers, row, strict=True))
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    metadata = {
        "title": export.title,
        "classification": export.classification.value,
        "purpose": export.purpose,
        **({"notes": export.notes} if export.notes else {}),
        "generated": _text(export.generated),
        "hxl": dict(zip(export.headers, export.tags, strict=True)),
    }
    return {"type": "FeatureCollection", "safepassage": metadata, "features": features}
