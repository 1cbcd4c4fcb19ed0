"""The map's layers as plain lon/lat arrays: streets, districts, hazards, routes.

Lines of many parts are one array each with NaN between the parts, so a whole layer is one
trace. Coordinates are float32 (about 1 m at these latitudes), which halves the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray

from safepassage.io.geojson import read_polygon_features, union_of_polygons
from safepassage.io.prepare import PreparedScenario
from safepassage.model.network import Network
from safepassage.model.scenario import Hazard, PopulationSource

__all__ = [
    "MAX_STREET_VERTICES",
    "AreaShape",
    "HazardShape",
    "Lines",
    "area_shapes",
    "hazard_shapes",
    "join_lines",
    "street_lines",
]

# Above this many vertices the streets are simplified (Douglas-Peucker) until they fit: about
# 11 bytes per vertex inline, so 400,000 vertices stay near 4 MB beside plotly.js's 4.8 MB.
MAX_STREET_VERTICES = 400_000
_TOLERANCES_DEG = (2e-6, 1e-5, 3e-5, 1e-4, 3e-4)  # about 0.2 m to 30 m
_AREA_PAD_DEG = 1.5e-4  # about 15 m around a district drawn from its streets


@dataclass(frozen=True)
class Lines:
    """Many polylines as two arrays with NaN between the parts."""

    lon: NDArray[np.float32]
    lat: NDArray[np.float32]

    @property
    def vertices(self) -> int:
        return int(np.count_nonzero(~np.isnan(self.lon)))


@dataclass(frozen=True)
class AreaShape:
    name: str
    people: float
    outline: Lines
    centre: tuple[float, float]
    from_source: bool  # the source's own polygon, not drawn around its streets


@dataclass(frozen=True)
class HazardShape:
    hazard: Hazard
    outline: Lines


def join_lines(parts: list[NDArray[np.float64]]) -> Lines:
    """Join (k, 2) lon/lat arrays into one NaN-separated line set."""
    if not parts:
        empty = np.empty(0, np.float32)
        return Lines(empty, empty)
    gap = np.full((1, 2), np.nan)
    stacked = np.concatenate([p for part in parts for p in (part, gap)][:-1])
    return Lines(stacked[:, 0].astype(np.float32), stacked[:, 1].astype(np.float32))


def _edge_lines(network: Network, edges: NDArray[np.int64]) -> NDArray[np.object_]:
    starts = network.geom_indptr[edges]
    counts = network.geom_indptr[edges + 1] - starts
    owner = np.repeat(np.arange(edges.size), counts)
    # vertex k of the selection is vertex (k - first of its edge) of that edge's geometry
    first = np.cumsum(counts) - counts
    index = starts[owner] + np.arange(int(counts.sum())) - first[owner]
    coords = np.column_stack([network.geom_lon[index], network.geom_lat[index]])
    return np.asarray(shapely.linestrings(coords, indices=owner))


def _to_lines(geoms: NDArray[np.object_]) -> Lines:
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    if owner.size == 0:
        return join_lines([])
    breaks = np.flatnonzero(np.diff(owner)) + 1
    return join_lines(np.split(coords, breaks))


def street_lines(
    network: Network, *, closed: bool = False, max_vertices: int = MAX_STREET_VERTICES
) -> tuple[Lines, float]:
    """The open (or, with ``closed``, the closed) streets; simplified until they fit.

    Returns the lines and the Douglas-Peucker tolerance used, in degrees (0 when none).
    """
    edges = np.flatnonzero(network.closed == closed).astype(np.int64)
    geoms = _edge_lines(network, edges)
    if int(shapely.get_num_coordinates(geoms).sum()) <= max_vertices:
        return _to_lines(geoms), 0.0
    for tolerance in _TOLERANCES_DEG:
        simple = shapely.simplify(geoms, tolerance, preserve_topology=False)
        if int(shapely.get_num_coordinates(simple).sum()) <= max_vertices:
            break
    return _to_lines(simple), tolerance


def _exterior_lines(geom: shapely.Geometry) -> Lines:
    polygons = shapely.get_parts(geom)
    rings = [np.asarray(p.exterior.coords)[:, :2] for p in polygons if not p.is_empty]
    return join_lines(rings)


def _source_label(source: PopulationSource, props: dict[str, object]) -> str | None:
    """The area label :mod:`safepassage.io.population_areas` gives a GeoJSON feature."""
    if source.name_property is None:
        return None
    value = props.get(source.name_property)
    label = "" if value is None else str(value).strip()
    return label or None


def _source_polygons(prepared: PreparedScenario) -> dict[str, shapely.Geometry]:
    """Area label -> polygon, from the scenario's named GeoJSON population sources."""
    polygons: dict[str, list[shapely.Geometry]] = {}
    for source in prepared.scenario.population.sources:
        if source.resolved_format != "geojson" or source.name_property is None:
            continue
        for feature in read_polygon_features(Path(source.path), what="population areas"):
            label = _source_label(source, feature.properties)
            if label is not None:
                polygons.setdefault(label, []).append(feature.geometry)
    return {label: shapely.union_all(parts) for label, parts in polygons.items()}


def area_shapes(prepared: PreparedScenario) -> list[AreaShape]:
    """Every district with people: its own polygon when the source has one, else the outline
    of the streets its people were placed on (a concave hull, padded by about 15 m)."""
    population, network = prepared.population, prepared.network
    people = population.people_per_area()
    own = _source_polygons(prepared)
    shapes = []
    for a, name in enumerate(population.areas):
        if people[a] <= 0:
            continue
        nodes = np.unique(population.origin_node[population.origin_area == a])
        points = shapely.multipoints(np.column_stack([network.lon[nodes], network.lat[nodes]]))
        geom = own.get(name)
        if geom is None:
            geom = shapely.concave_hull(points, ratio=0.3).buffer(_AREA_PAD_DEG)
        centre = shapely.centroid(points)
        shapes.append(
            AreaShape(
                name=name,
                people=float(people[a]),
                outline=_exterior_lines(geom),
                centre=(float(centre.x), float(centre.y)),
                from_source=name in own,
            )
        )
    return shapes


def hazard_shapes(hazards: list[Hazard]) -> list[HazardShape]:
    """The polygons of every hazard, inline or from its GeoJSON file."""
    shapes = []
    for hazard in hazards:
        if hazard.polygon is not None:
            geom = shapely.Polygon(hazard.polygon)
        else:
            assert hazard.geojson is not None  # the model allows exactly one of the two
            geom = union_of_polygons(hazard.geojson, what=f"hazard {hazard.id}")
        shapes.append(HazardShape(hazard, _exterior_lines(geom)))
    return shapes
