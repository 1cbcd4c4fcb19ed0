"""Population areas (GeoJSON polygons, or admin units joined to boundaries) spread by road length,
and the network's streets as an index for placing points and road-less areas on them.

People live along streets, so an area's people are shared among the network edges inside it in
proportion to each edge's length inside the polygon. An edge's share goes to its two end nodes in
proportion to where along the edge the part inside the polygon lies (half and half for an edge
wholly inside), so that people on a long contracted edge start from its nearer end. This is the
usual dasymetric choice when nothing finer than the area total is known; a raster
(:mod:`~safepassage.io.population_raster`) is better where one exists.

A point (or a road-less area) is placed on the street nearest it the same way: the people go to
the two ends of that edge in proportion to where the point nearest them lies along it
(:meth:`RoadIndex.nearest_edges`). Measuring to the street, not to its end nodes, matters on a
contracted network, whose edges can run for kilometres between junctions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from safepassage.errors import DataError
from safepassage.io.geojson import read_polygon_features
from safepassage.io.population_parcels import (
    Parcels,
    check_file,
    label_indexes,
    parse_count,
    source_label,
)
from safepassage.io.projection import WGS84, to_metres, transformer
from safepassage.model.network import Network
from safepassage.model.scenario import PopulationSource

__all__ = [
    "AreaSpread",
    "EdgeSnap",
    "RoadIndex",
    "area_parcels",
    "project_lonlat",
    "read_geojson_areas",
    "road_length_inside",
    "spread_by_road_length",
    "to_edge_ends",
]


def project_lonlat(geometries: Sequence[shapely.Geometry], crs: str) -> NDArray[np.object_]:
    """WGS84 lon/lat geometries projected to ``crs`` (metres), as a shapely array."""
    to_m = transformer(WGS84, crs)

    def transform(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = to_m.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    array = np.empty(len(geometries), dtype=object)
    array[:] = list(geometries)
    return np.asarray(shapely.transform(array, transform), dtype=object)


def area_parcels(
    *,
    path: Path,
    fmt: str,
    name: str,
    people: Sequence[float],
    geometries: Sequence[shapely.Geometry],
    labels: Sequence[str],
    where: Sequence[str],
    crs: str,
) -> Parcels:
    """Area parcels: polygons projected to ``crs``, each with a point inside it as its position.

    The point is :func:`shapely.point_on_surface`, which (unlike the centroid) always lies in the
    polygon; an area with no road is placed from its boundary, not from this point.
    """
    polygons = project_lonlat(geometries, crs)
    inside = shapely.point_on_surface(polygons)
    area, unique = label_indexes(labels)
    return Parcels(
        path=path,
        format=fmt,
        name=name,
        people=np.asarray(people, dtype=np.float64),
        area=area,
        labels=unique,
        x_m=np.asarray(shapely.get_x(inside), dtype=np.float64),
        y_m=np.asarray(shapely.get_y(inside), dtype=np.float64),
        polygons=polygons,
        where=tuple(where),
    )


def _label(properties: dict[str, Any], name_property: str | None) -> str | None:
    if name_property is None:
        return None
    value = properties.get(name_property)
    text = "" if value is None else str(value).strip()
    return text or None


def read_geojson_areas(source: PopulationSource, *, crs: str) -> Parcels:
    """GeoJSON polygons holding a count in ``source.population_property``.

    An area's label is its ``source.name_property`` when given and set (sources sharing a label
    share the area), else ``"SOURCE feature N"`` with the source's name (N counted from 0, as in
    the other GeoJSON messages), so that unnamed areas of two sources stay apart.

    Raises
    ------
    DataError
        Missing file, not GeoJSON polygons, a feature without the count or with a bad count.
    """
    path = Path(source.path)
    check_file(path, what="GeoJSON population")
    default = source_label(source)
    key = source.population_property
    people: list[float] = []
    geoms: list[shapely.Geometry] = []
    labels: list[str] = []
    where: list[str] = []
    for feature in read_polygon_features(path, what="population areas"):
        i = feature.index
        if key not in feature.properties:
            found = ", ".join(sorted(map(str, feature.properties))) or "none"
            msg = (
                f"{path}: feature {i}: no {key!r} property (found: {found}); give every feature "
                "its population, or set population_property to the property that holds it"
            )
            raise DataError(msg)
        value = feature.properties[key]
        people.append(parse_count(value, where=f"{path}: feature {i}", column=repr(key)))
        name = _label(feature.properties, source.name_property)
        # unnamed areas of different sources must not merge by sharing "feature 0"
        labels.append(name or f"{default} feature {i}")
        where.append(f"feature {i} ({name})" if name else f"feature {i}")
        geoms.append(feature.geometry)
    return area_parcels(
        path=path,
        fmt="geojson",
        name=default,
        people=people,
        geometries=geoms,
        labels=labels,
        where=where,
        crs=crs,
    )


@dataclass(frozen=True)
class EdgeSnap:
    """The street nearest each of some points or polygons.

    ``edge[k]`` is the nearest edge, ``distance_m[k]`` the straight-line distance to it in metres
    (infinite where nothing was found: no position, or a network without edges), and
    ``position[k]`` where along the edge the point of it nearest the geometry lies (0 at
    ``edge_u``, 1 at ``edge_v``).
    """

    edge: NDArray[np.int64]
    distance_m: NDArray[np.float64]
    position: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class RoadIndex:
    """The network's edges as projected lines in an STR-tree, built once per placement."""

    lines: NDArray[np.object_]
    length_m: NDArray[np.float64]
    tree: shapely.STRtree
    edge_u: NDArray[np.int32]
    edge_v: NDArray[np.int32]

    @classmethod
    def build(cls, network: Network) -> RoadIndex:
        """Project every edge's geometry to ``network.crs`` and index it."""
        x, y = to_metres(network.crs, network.geom_lon, network.geom_lat)
        edge_of_vertex = np.repeat(np.arange(network.edge_count), np.diff(network.geom_indptr))
        lines = np.asarray(
            shapely.linestrings(np.column_stack([x, y]), indices=edge_of_vertex), dtype=object
        )
        return cls(
            lines=lines,
            length_m=np.asarray(shapely.length(lines), dtype=np.float64),
            tree=shapely.STRtree(lines),
            edge_u=network.edge_u,
            edge_v=network.edge_v,
        )

    def nearest_edges(self, geometries: NDArray[np.object_]) -> EdgeSnap:
        """The edge nearest each geometry (a point, or a polygon measured from its boundary).

        ``None`` entries (points with no position) get an infinite distance. For a polygon the
        position along the edge is that of the edge's point nearest the polygon.
        """
        count = geometries.shape[0]
        edge = np.zeros(count, np.int64)
        distance = np.full(count, np.inf)
        position = np.full(count, 0.5)
        if count == 0 or self.lines.shape[0] == 0:
            return EdgeSnap(edge, distance, position)
        (which, hit), found = self.tree.query_nearest(
            geometries, return_distance=True, all_matches=False
        )
        lines, anchor = self.lines[hit], geometries[which]
        area = shapely.get_type_id(anchor) != shapely.GeometryType.POINT
        if area.any():
            nearest_part = shapely.shortest_line(lines[area], anchor[area])
            anchor[area] = shapely.get_point(nearest_part, 0)
        located = shapely.line_locate_point(lines, anchor, normalized=True)
        edge[which] = hit
        distance[which] = found
        # a zero-length edge (two OSM nodes at one place) has no position along it
        position[which] = np.where(np.isfinite(located), located, 0.5)
        return EdgeSnap(edge, distance, position)


def road_length_inside(
    roads: RoadIndex, polygons: NDArray[np.object_]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Every (polygon, edge) pair that meet, with the edge's length inside the polygon in metres
    and where that part lies along the edge (0 at ``edge_u``, 1 at ``edge_v``; its centroid).

    Edges wholly inside a polygon (the great majority) take their own length; only edges that
    cross a boundary are cut with :func:`shapely.intersection`, which is the slow part.
    """
    if polygons.shape[0] == 0 or roads.lines.shape[0] == 0:
        empty = np.empty(0, np.int64)
        return empty, empty, np.empty(0), np.empty(0)
    poly, edge = roads.tree.query(polygons, predicate="intersects")
    within_poly, within_edge = roads.tree.query(polygons, predicate="contains")
    n_edges = np.int64(roads.lines.shape[0])
    key = poly.astype(np.int64) * n_edges + edge
    whole = np.isin(key, within_poly.astype(np.int64) * n_edges + within_edge)
    length = roads.length_m[edge].copy()
    position = np.full(edge.shape[0], 0.5)
    cut = ~whole
    if cut.any():
        lines = roads.lines[edge[cut]]
        pieces = shapely.intersection(lines, polygons[poly[cut]])
        length[cut] = shapely.length(pieces)
        middle = shapely.centroid(pieces)
        located = shapely.line_locate_point(lines, middle, normalized=True)
        position[cut] = np.where(np.isfinite(located), located, 0.5)
    return poly.astype(np.int64), edge.astype(np.int64), length, position


@dataclass(frozen=True)
class AreaSpread:
    """People of area parcels on nodes: ``people[k]`` of parcel ``parcel[k]`` at ``node[k]``.

    ``roadless`` marks parcels with no road length inside; their people are not in the arrays.
    """

    parcel: NDArray[np.int64]
    node: NDArray[np.int64]
    people: NDArray[np.float64]
    roadless: NDArray[np.bool_]


def spread_by_road_length(
    roads: RoadIndex, polygons: NDArray[np.object_], people: NDArray[np.float64]
) -> AreaSpread:
    """Share each polygon's people among the edges inside it by length, then between each
    edge's end nodes by where the part inside lies along the edge.

    Notes
    -----
    For polygon *a* with people *P_a* and edge *e* of length *l_ae* inside it, the edge takes
    ``P_a * l_ae / sum_e l_ae``; with *t* the position (0 to 1) of the inside part's centroid
    along the edge, ``1 - t`` of that goes to ``edge_u[e]`` and ``t`` to ``edge_v[e]``. The
    people of every polygon with some road inside are kept exactly (to rounding).
    """
    poly, edge, length, position = road_length_inside(roads, polygons)
    total = np.bincount(poly, weights=length, minlength=polygons.shape[0])
    keep = length > 0
    poly, edge, length, position = poly[keep], edge[keep], length[keep], position[keep]
    share = people[poly] * length / total[poly]
    node, on_node = to_edge_ends(roads, edge, position, share)
    return AreaSpread(
        parcel=np.concatenate([poly, poly]),
        node=node,
        people=on_node,
        roadless=total <= 0,
    )


def to_edge_ends(
    roads: RoadIndex,
    edge: NDArray[np.int64],
    position: NDArray[np.float64],
    people: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """``people[k]`` standing at ``position[k]`` (0 to 1) along ``edge[k]``, split between its
    ends: ``1 - t`` to ``edge_u``, ``t`` to ``edge_v``.

    Returns (node, people) of length ``2 * len(edge)``: first every ``edge_u`` share, then every
    ``edge_v`` share, so row ``k`` and row ``len(edge) + k`` come from input ``k``.
    """
    to_v = people * position
    node = np.concatenate([roads.edge_u[edge], roads.edge_v[edge]]).astype(np.int64)
    return node, np.concatenate([people - to_v, to_v])
