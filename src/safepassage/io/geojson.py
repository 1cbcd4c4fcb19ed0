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
    except PermissionError:
        msg = f"{path}: cannot read the {what} file (permission denied); check its permissions"
        raise DataError(msg) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{path}: cannot read {what} file ({exc})"
        raise DataError(msg) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{path}: line {exc.lineno}: not valid JSON ({exc.msg}); {what} must be GeoJSON"
        raise DataError(msg) from None


def _features(path: Path, data: Any, *, what: str) -> list[Any]:
    """The features of a parsed GeoJSON document; a bare geometry or Feature counts as one."""
    if not isinstance(data, dict) or "type" not in data:
        msg = f'{path}: not GeoJSON (no "type"); {what} must be a FeatureCollection of polygons'
        raise DataError(msg)
    if data["type"] == "FeatureCollection":
        features = data.get("features")
        if features is None:
            return []
        if not isinstance(features, list):
            kind = type(features).__name__
            msg = f'{path}: "features" is a {kind}; a FeatureCollection holds a list of features'
            raise DataError(msg)
        return features
    if data["type"] == "Feature":
        return [data]
    return [{"type": "Feature", "properties": {}, "geometry": data}]


def _geometry(path: Path, i: int, feature: Any, *, what: str) -> shapely.Geometry:
    """The polygon of feature ``i``, checked: a (Multi)Polygon in WGS84 lon/lat."""
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in {"Polygon", "MultiPolygon"}:
        shown = "missing" if geometry is None else (repr(geometry) if kind is None else kind)
        msg = (
            f"{path}: feature {i}: geometry is {shown}; {what} needs Polygon or MultiPolygon "
            "features"
        )
        raise DataError(msg)
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as exc:
        msg = f"{path}: feature {i}: invalid polygon coordinates ({exc})"
        raise DataError(msg) from None
    if not geom.is_empty:
        west, south, east, north = geom.bounds
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            msg = (
                f"{path}: feature {i}: coordinates are not WGS84 lon/lat (RFC 7946; bounds "
                f"{west:g}, {south:g}, {east:g}, {north:g}); reproject to EPSG:4326"
            )
            raise DataError(msg)
    return geom if geom.is_valid else shapely.make_valid(geom)


def _properties(path: Path, i: int, feature: dict[str, Any]) -> dict[str, Any]:
    properties = feature.get("properties")
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        kind = type(properties).__name__
        msg = (
            f'{path}: feature {i}: "properties" is a {kind}; GeoJSON properties must be an '
            'object such as {"population": 1200}'
        )
        raise DataError(msg)
    return dict(properties)


def read_polygon_features(path: Path, *, what: str) -> list[PolygonFeature]:
    """Every Polygon/MultiPolygon feature of a GeoJSON file, with its properties.

    A bare geometry or a single Feature counts as a one-feature collection.

    Raises
    ------
    DataError
        Not JSON or not GeoJSON; a feature that is not a polygon, has bad coordinates or
        coordinates outside WGS84 lon/lat, or properties that are not an object; no features.
    """
    data = read_json(path, what=what)
    result: list[PolygonFeature] = []
    for i, feature in enumerate(_features(path, data, what=what)):
        geometry = _geometry(path, i, feature, what=what)
        result.append(PolygonFeature(i, _properties(path, i, feature), geometry))
    if not result:
        msg = f"{path}: no features; {what} needs at least one polygon"
        raise DataError(msg)
    return result


def union_of_polygons(path: Path, *, what: str) -> shapely.Geometry:
    return shapely.union_all([f.geometry for f in read_polygon_features(path, what=what)])
