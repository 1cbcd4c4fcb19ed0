"""Read polygon features from GeoJSON files (RFC 7946: WGS84 lon/lat)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape

from safepassage.errors import DataError

__all__ = ["PolygonFeature", "read_json", "read_polygon_features", "union_of_polygons"]


@dataclass(frozen=True)
class PolygonFeature:
    index: int
    properties: dict[str, Any]
    geometry: shapely.Geometry


def read_json(path: Path, *, what: str) -> Any:
    """Parse a JSON file or raise a one-line :class:`DataError` naming it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"{path}: {what} file not found; check the path in the scenario"
        raise DataError(msg) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{path}: cannot read {what} file ({exc})"
        raise DataError(msg) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{path}: line {exc.lineno}: not valid JSON ({exc.msg}); {what} must be GeoJSON"
        raise DataError(msg) from None


def read_polygon_features(path: Path, *, what: str) -> list[PolygonFeature]:
    """Every Polygon/MultiPolygon feature of a GeoJSON file, with its properties.

    A bare geometry or a single Feature counts as a one-feature collection.
    """
    data = read_json(path, what=what)
    if not isinstance(data, dict) or "type" not in data:
        msg = f'{path}: not GeoJSON (no "type"); {what} must be a FeatureCollection of polygons'
        raise DataError(msg)
    if data["type"] == "FeatureCollection":
        features = data.get("features") or []
    elif data["type"] == "Feature":
        features = [data]
    else:
        features = [{"type": "Feature", "properties": {}, "geometry": data}]
    result: list[PolygonFeature] = []
    for i, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not geometry or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
            kind = geometry.get("type") if isinstance(geometry, dict) else None
            msg = (
                f"{path}: feature {i}: geometry is {kind or 'missing'}; {what} needs "
                "Polygon or MultiPolygon features"
            )
            raise DataError(msg)
        try:
            geom = shape(geometry)
        except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
            msg = f"{path}: feature {i}: invalid polygon coordinates ({exc})"
            raise DataError(msg) from None
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        result.append(PolygonFeature(i, dict(feature.get("properties") or {}), geom))
    if not result:
        msg = f"{path}: no features; {what} needs at least one polygon"
        raise DataError(msg)
    return result


def union_of_polygons(path: Path, *, what: str) -> shapely.Geometry:
    return shapely.union_all([f.geometry for f in read_polygon_features(path, what=what)])
