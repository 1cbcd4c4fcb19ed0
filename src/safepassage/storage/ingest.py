"""Field records from KoBoToolbox and ODK Central exports (CSV, JSON) and HXL CSV.

One parser for every field table: :data:`SPECS` says, per table, which fields it takes and
how a file may name them: by XLSForm name (after the group prefix, so ``count/people``,
``count-people`` and ``people`` are the same field) or by HXL hashtag (the tags the exports
write, so an export ingests back as duplicates). The dialect is detected by
:mod:`safepassage.storage.ingest_dialects`.

Every other column (a respondent's name, a phone number, a device id) is ignored and never
stored (reference R10; crossing rows are then summed into counts by
:mod:`safepassage.storage.crossing_submissions`). Each record's ``client_id`` comes from the
submission's own id (with the repeat entry), or, in HXL, from ``#meta+id`` or the row's
content: re-ingesting a file adds nothing.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from safepassage.errors import DataError
from safepassage.storage.ingest_dialects import Dialect, RawRow, RawTable, read_export

__all__ = [
    "SPECS",
    "TABLES",
    "FieldSpec",
    "IngestRow",
    "Parsed",
    "RecordSpec",
    "Table",
    "parse_crossings",
    "parse_records",
]

Table = Literal["crossings", "corridor_status", "deliveries", "stock", "incidents"]
TABLES: tuple[Table, ...] = ("crossings", "corridor_status", "deliveries", "stock", "incidents")
_NAMESPACE = uuid.UUID("5b0c3f4e-7d1a-4c55-9d2e-0f6a1b2c3d4e")  # safepassage ingest ids


@dataclass(frozen=True)
class FieldSpec:
    """How a file may name one field: XLSForm names (lower case) and HXL hashtags."""

    names: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    choice: bool = False  # a select_one: "Road blocked" and "road-blocked" read "road_blocked"


@dataclass(frozen=True)
class RecordSpec:
    table: Table
    fields: dict[str, FieldSpec]
    required: tuple[str, ...]


_ID = {"client_id": FieldSpec(tags=("#meta+id",))}
_CORRIDOR = FieldSpec(("corridor", "corridor_code"), ("#loc+code+corridor",))
_EVENT_TIME = FieldSpec(("event_time", "time", "datetime", "date_time"), ("#date+occurred",))
_WAREHOUSE = FieldSpec(("warehouse", "warehouse_code"), ("#loc+code+warehouse",))
_ITEM = FieldSpec(("item", "item_code", "commodity"), ("#item+code",))
_QUANTITY = FieldSpec(("quantity", "qty", "amount"), ("#output+num",))
_UNIT = FieldSpec(("unit", "units"), ("#output+unit",))
_NOTE = FieldSpec(("note", "notes", "comment"), ("#description",))

SPECS: dict[Table, RecordSpec] = {
    "crossings": RecordSpec(
        "crossings",
        {
            "corridor": _CORRIDOR,
            "window_start": FieldSpec(("window_start", "start_time"), ("#date+start",)),
            "window_end": FieldSpec(("window_end", "end_time"), ("#date+end",)),
            "people": FieldSpec(
                ("people", "people_crossed", "count"), ("#affected+displaced+ind",)
            ),
            "group": FieldSpec(("group", "group_code"), ("#group+code",)),
            "age_band": FieldSpec(("age_band",), ("#affected+age",)),
            "sex": FieldSpec(("sex",), ("#affected+sex",), choice=True),
            **_ID,
        },
        ("corridor", "window_start", "window_end", "people"),
    ),
    "corridor_status": RecordSpec(
        "corridor_status",
        {
            "corridor": _CORRIDOR,
            "event_time": FieldSpec((*_EVENT_TIME.names, "since"), _EVENT_TIME.tags),
            "status": FieldSpec(("status", "corridor_status"), ("#status+name",), choice=True),
            "reason": FieldSpec(("reason",), ("#operations+type",)),
            **_ID,
        },
        ("corridor", "event_time", "status"),
    ),
    "deliveries": RecordSpec(
        "deliveries",
        {
            "event_time": FieldSpec(
                (*_EVENT_TIME.names, "arrival_time", "arrived"), _EVENT_TIME.tags
            ),
            "corridor": _CORRIDOR,
            "warehouse": _WAREHOUSE,
            "item": _ITEM,
            "quantity": _QUANTITY,
            "unit": _UNIT,
            "trucks": FieldSpec(("trucks", "truck_count"), ("#capacity+trucks+num",)),
            "note": _NOTE,
            **_ID,
        },
        ("event_time", "warehouse", "item", "quantity", "unit"),
    ),
    "stock": RecordSpec(
        "stock",
        {
            "event_time": _EVENT_TIME,
            "kind": FieldSpec(("kind", "entry", "entry_type"), ("#item+type+entry",), choice=True),
            "warehouse": _WAREHOUSE,
            "to_warehouse": FieldSpec(
                ("to_warehouse", "destination_warehouse"), ("#loc+code+warehouse+dest",)
            ),
            "item": _ITEM,
            "quantity": _QUANTITY,
            "unit": _UNIT,
            "note": _NOTE,
            **_ID,
        },
        ("event_time", "kind", "warehouse", "item", "quantity", "unit"),
    ),
    "incidents": RecordSpec(
        "incidents",
        {
            "event_time": _EVENT_TIME,
            "type": FieldSpec(("type", "incident_type"), ("#event+type",), choice=True),
            "severity": FieldSpec(("severity",), ("#severity",), choice=True),
            "corridor": _CORRIDOR,
            "lat": FieldSpec(("lat", "latitude"), ("#geo+lat",)),
            "lon": FieldSpec(("lon", "lng", "longitude"), ("#geo+lon",)),
            # an XLSForm geopoint, "lat lon [altitude accuracy]"; HXL #geo+coord is "lat,lon"
            "location": FieldSpec(
                ("location", "incident_location", "gps", "geopoint", "point"), ("#geo+coord",)
            ),
            "place": FieldSpec(("place", "place_name"), ("#loc+name",)),
            "description": FieldSpec(("description",), ("#description",)),
            **_ID,
        },
        ("event_time", "type", "severity"),
    ),
}


@dataclass(frozen=True)
class IngestRow:
    """One record: where it is in the file (``row 5``) and its fields as text."""

    number: int
    values: dict[str, str]
    where: str = ""

    def __post_init__(self) -> None:
        if not self.where:
            object.__setattr__(self, "where", f"row {self.number}")


@dataclass(frozen=True)
class Parsed:
    dialect: Dialect
    columns: dict[str, str]  # field -> the file's column (for error messages)
    rows: list[IngestRow]


def _stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, ":".join(parts)))


# KoBoToolbox CSV splits a geopoint "location" into _location_latitude, _location_longitude, …
_KOBO_GEO = re.compile(r"^_.+_(latitude|longitude)$")


def _field_for_name(spec: RecordSpec, header: str, separator: str) -> str | None:
    whole = header.strip().lower()
    leaf = whole.split(separator)[-1] if separator else whole
    kobo_geo = _KOBO_GEO.match(leaf)
    if kobo_geo:
        leaf = kobo_geo.group(1)
    for name, field_spec in spec.fields.items():
        if leaf in field_spec.names or whole in field_spec.names:
            return name
    return None


def _field_for_tag(spec: RecordSpec, tag: str) -> str | None:
    """The field whose hashtag the column's tag carries, the most specific one first
    (``#loc+code+warehouse+dest`` is ``to_warehouse``, not ``warehouse``)."""
    parts = tag.strip().lower().split("+")
    if not parts[0].startswith("#"):
        return None
    best: tuple[int, str] | None = None
    for name, field_spec in spec.fields.items():
        for wanted in field_spec.tags:
            w = wanted.split("+")
            fits = w[0] == parts[0] and set(w[1:]) <= set(parts[1:])
            if fits and (best is None or len(w) > best[0]):
                best = (len(w), name)
    return None if best is None else best[1]


def _map_columns(spec: RecordSpec, raw: RawTable) -> dict[str, int]:
    """field -> column index: by XLSForm name, else by hashtag; the first column wins."""
    found: dict[str, int] = {}
    for index, header in enumerate(raw.headers):
        name = None
        if raw.dialect != "hxl_csv":
            name = _field_for_name(spec, header, raw.separator)
        if name is None and index < len(raw.tags):
            name = _field_for_tag(spec, raw.tags[index])
        if name is not None and name not in found:
            found[name] = index
    missing = [f for f in spec.required if f not in found]
    if missing:
        if raw.dialect == "hxl_csv":
            wanted = ", ".join(spec.fields[f].tags[0] for f in missing)
            fix = f"tag the columns {wanted}"
        else:
            wanted = ", ".join(spec.fields[f].names[0] for f in missing)
            fix = f"name the form's questions {wanted} (export with XML names, not labels)"
        msg = f"{spec.table}: no column for {', '.join(missing)}; {fix}"
        raise DataError(msg)
    return found


_SEX = {"female": "f", "woman": "f", "girl": "f", "male": "m", "man": "m", "boy": "m"}


def _choice(field: str, value: str) -> str:
    text = re.sub(r"[\s-]+", "_", value.strip().lower())
    return _SEX.get(text, text) if field == "sex" else text


def _split_location(values: dict[str, str], columns: dict[str, str]) -> None:
    """A geopoint ``"lat lon [altitude accuracy]"`` (or HXL ``"lat,lon"``) as lat and lon,
    unless the file has latitude and longitude columns of their own."""
    location = values.pop("location", "")
    if not location or values.get("lat") or values.get("lon"):
        return
    parts = location.replace(",", " ").split()
    values["lat"] = parts[0] if len(parts) >= 2 else location
    values["lon"] = parts[1] if len(parts) >= 2 else ""
    columns.setdefault("lat", columns.get("location", "location"))
    columns.setdefault("lon", columns.get("location", "location"))


def _client_id(raw: RawTable, row: RawRow, given: str, *, content: str, scope: str) -> str:
    """A stable UUID for the record, so that the same file (or an export of the same
    submissions) ingested again adds nothing.

    A row without an id of its own is known by its content (``content``: its mapped fields and
    how many identical rows came before it in the file), not by its row number or the file's
    hash: the file saved again with other line endings, or with rows added, adds only the new
    rows."""
    if raw.dialect == "hxl_csv" or (given and not row.own_id):
        try:
            return str(uuid.UUID(given))
        except ValueError:
            pass
        if given:  # an id of the file's own, unique in this operation
            return _stable_id("hxl", scope, given)
        return _stable_id("hxl", scope, content)
    if not row.own_id:
        return _stable_id(raw.dialect, scope, content, *([row.repeat] if row.repeat else []))
    own = row.own_id.removeprefix("uuid:") + (f"/{row.repeat}" if row.repeat else "")
    return _stable_id(raw.dialect.split("_")[0], own)


def parse_records(content: bytes, table: Table, *, scope: str = "") -> Parsed:
    """Detect the dialect of an export and return the records of ``table`` as text fields.

    Parameters
    ----------
    content
        The file as exported (UTF-8).
    table
        One of :data:`TABLES`.
    scope
        Where ids of the file's own (HXL ``#meta+id`` values that are not UUIDs) are unique:
        the operation's code.

    Returns
    -------
    Parsed
        The dialect, the file's column for each field found (for messages), and the records;
        empty fields are ``""`` and ``location`` is split into ``lat`` and ``lon``.

    Raises
    ------
    DataError
        Not UTF-8, not a known dialect, or a required column missing.
    """
    if table not in SPECS:
        raise DataError(f"table {table!r}: use one of {', '.join(TABLES)}")
    spec = SPECS[table]
    raw = read_export(content)
    columns = _map_columns(spec, raw)
    shown = {f: raw.headers[c] for f, c in columns.items()}
    seen: Counter[str] = Counter()
    rows = []
    for row in raw.rows:
        values = {f: (row.cells[c] if c < len(row.cells) else "") for f, c in columns.items()}
        for name, value in values.items():
            if value and spec.fields[name].choice:
                values[name] = _choice(name, value)
        if "location" in spec.fields:
            _split_location(values, shown)
        given = values.pop("client_id", "")
        key = json.dumps([table, sorted(values.items())], ensure_ascii=False)
        seen[key] += 1  # the n-th identical row is another record
        content_key = f"{key}#{seen[key]}"
        values["client_id"] = _client_id(raw, row, given, content=content_key, scope=scope)
        rows.append(IngestRow(row.number, values, row.where))
    return Parsed(raw.dialect, shown, rows)


def parse_crossings(content: bytes) -> Parsed:
    """Crossing counts from an export: :func:`parse_records` of ``"crossings"``."""
    return parse_records(content, "crossings")
