"""An export ready to write, and its two file formats: HXL CSV and GeoJSON.

Every export carries its classification and purpose (reference R6, R11): in HXL CSV as a title
row above the header (HXL readers skip rows above the hashtag row), in GeoJSON as a top-level
``safepassage`` member.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from safepassage.storage.types import Classification, utc_now

__all__ = ["FORMATS", "Export", "Format", "render", "text_cell", "to_geojson", "to_hxl_csv"]

Format = Literal["csv", "geojson"]
FORMATS: tuple[Format, ...] = ("csv", "geojson")


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


def text_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(getattr(value, "value", value))


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
        "generated": text_cell(export.generated),
        "hxl": dict(zip(export.headers, export.tags, strict=True)),
    }
    return {"type": "FeatureCollection", "safepassage": metadata, "features": features}
