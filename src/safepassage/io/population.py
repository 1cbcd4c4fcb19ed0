"""Put the scenario's population on network nodes, with an account of what was placed and dropped.

Each source is read and checked in full by its format's reader, into :class:`Parcels`; then all
sources are scaled together to ``population.total`` when one is given, and each parcel is placed:

* a point (an HXL row, a raster cell centre) goes to the two ends of the nearest street (network
  edge), in proportion to where it stands along it: with *t* the position of the point's
  projection on the edge (0 at ``edge_u``, 1 at ``edge_v``), ``1 - t`` of its people go to
  ``edge_u`` and ``t`` to ``edge_v``;
* an area (a GeoJSON polygon, an admin unit) is spread over the roads inside it, in proportion
  to road length (:mod:`~safepassage.io.population_areas`); an area with no road inside goes to
  the street nearest its boundary, split between that street's ends the same way, by the position
  of the street's point nearest the area.

A point (or a road-less area's boundary) farther than ``population.max_snap_m`` from every street
is outside the network's area: an error, or dropped and recorded when ``population.outside =
"drop"``. Distances are measured to the streets' geometry, not to their end nodes: a contracted
edge can run for kilometres between junctions. For every source ``placed + dropped == input``
holds to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from safepassage.errors import DataError
from safepassage.io.population_areas import (
    RoadIndex,
    read_geojson_areas,
    spread_by_road_length,
    to_edge_ends,
)
from safepassage.io.population_hxl import read_hxl_admin, read_hxl_points
from safepassage.io.population_parcels import OUTSIDE_FIX, Parcels
from safepassage.io.population_raster import read_raster_cells
from safepassage.model.network import Network
from safepassage.model.population import DroppedPeople, PopulationPlacement, SourcePlacement
from safepassage.model.scenario import PopulationSource, PopulationSpec

__all__ = ["READERS", "place_population", "read_source"]

Reader = Callable[..., Parcels]

READERS: dict[str, Reader] = {
    "hxl_points": read_hxl_points,
    "hxl_admin": read_hxl_admin,
    "geojson": read_geojson_areas,
    "geotiff": read_raster_cells,
}


def read_source(source: PopulationSource, *, crs: str) -> Parcels:
    """Read and check one source with its format's reader, projected to ``crs``."""
    return READERS[source.resolved_format](source, crs=crs)


@dataclass(frozen=True)
class _Placed:
    """One source's people on nodes, with area indexes local to ``parcels.labels``."""

    account: SourcePlacement
    node: NDArray[np.int64]
    area: NDArray[np.int64]
    people: NDArray[np.float64]
    labels: tuple[str, ...]


def place_population(spec: PopulationSpec, network: Network) -> PopulationPlacement:
    """Spread every population source of ``spec`` onto the nodes of ``network``.

    Parameters
    ----------
    spec
        The scenario's ``population`` table: sources, optional ``total``, ``max_snap_m`` (metres)
        and ``outside`` ("error" or "drop").
    network
        The network whose nodes receive the people; distances are measured in its projected CRS
        to its edges' geometry.

    Returns
    -------
    PopulationPlacement
        One row per (area, node) with the people of that area at that node (rows with nobody are
        left out), the area labels of all sources (sources sharing a label share the area), the
        per-source account of input, placed and dropped people, and the scale factor.

    Raises
    ------
    DataError
        A missing or malformed file, a bad row or feature (named in the message), people outside
        the network when ``outside = "error"``, or a ``total`` for sources that hold nobody.

    Notes
    -----
    All sources are read and checked before anything is placed, so an error leaves nothing
    half-done. Counts are float64 people; sums use :func:`math.fsum`.
    """
    if network.edge_count == 0:
        msg = "the network has no streets, so no population can be placed; check network.osm"
        raise DataError(msg)
    parcels = [read_source(source, crs=network.crs) for source in spec.sources]
    scale = _scale(spec, parcels)
    roads = RoadIndex.build(network)
    placed = [_place(p, scale=scale, spec=spec, roads=roads) for p in parcels]
    return _assemble(placed, node_count=network.node_count, scale=scale)


def _scale(spec: PopulationSpec, parcels: list[Parcels]) -> float:
    if spec.total is None:
        return 1.0
    raw = math.fsum(math.fsum(p.people.tolist()) for p in parcels)
    if raw <= 0:
        files = ", ".join(str(p.path) for p in parcels)
        msg = (
            f"population.total = {spec.total:g}, but the sources ({files}) hold nobody to scale; "
            "remove total or fix the sources"
        )
        raise DataError(msg)
    scale = spec.total / raw
    if not math.isfinite(scale):
        msg = (
            f"population.total = {spec.total:g}, but the sources hold only {raw:g} people, too "
            "few to scale; remove total or fix the sources"
        )
        raise DataError(msg)
    return scale


def _place(parcels: Parcels, *, scale: float, spec: PopulationSpec, roads: RoadIndex) -> _Placed:
    people = parcels.people * scale
    node_parts: list[NDArray[np.int64]] = []
    area_parts: list[NDArray[np.int64]] = []
    people_parts: list[NDArray[np.float64]] = []
    if parcels.polygons is not None:
        spread = spread_by_road_length(roads, parcels.polygons, people)
        node_parts.append(spread.node)
        area_parts.append(parcels.area[spread.parcel])
        people_parts.append(spread.people)
        to_snap = np.flatnonzero(spread.roadless)
        snap = roads.nearest_edges(parcels.polygons[to_snap])
    else:
        to_snap = np.arange(parcels.count)
        snap = roads.nearest_edges(_points(parcels))
    distance = snap.distance_m
    near = distance <= spec.max_snap_m
    far = ~near & (people[to_snap] > 0)
    dropped: list[DroppedPeople] = []
    if far.any():
        if spec.outside == "error":
            raise _outside_error(parcels, to_snap[far], distance[far], people, spec)
        dropped = _dropped(parcels, to_snap[far], distance[far], people, spec)
    node, on_node = to_edge_ends(roads, snap.edge[near], snap.position[near], people[to_snap][near])
    node_parts.append(node)
    area_parts.append(np.tile(parcels.area[to_snap[near]], 2))
    people_parts.append(on_node)
    placed_people = np.concatenate(people_parts)
    account = SourcePlacement(
        name=parcels.name,
        path=parcels.path,
        format=parcels.format,
        input_people=math.fsum(people.tolist()),
        placed_people=math.fsum(placed_people.tolist()),
        dropped=dropped,
    )
    return _Placed(
        account=account,
        node=np.concatenate(node_parts),
        area=np.concatenate(area_parts),
        people=placed_people,
        labels=parcels.labels,
    )


def _points(parcels: Parcels) -> NDArray[np.object_]:
    """The parcels' positions as shapely points; ``None`` for a point with no position."""
    points = np.full(parcels.count, None, dtype=object)
    finite = np.isfinite(parcels.x_m) & np.isfinite(parcels.y_m)
    points[finite] = shapely.points(parcels.x_m[finite], parcels.y_m[finite])
    return points


def _distance_text(distance: float) -> str:
    return f"{distance:.0f} m" if math.isfinite(distance) else "an unknown distance (no position)"


def _outside_error(
    parcels: Parcels,
    index: NDArray[np.int64],
    distance: NDArray[np.float64],
    people: NDArray[np.float64],
    spec: PopulationSpec,
) -> DataError:
    """One line: the file, the first row/feature/cell outside, its distance, and the fix."""
    first, limit = int(index[0]), f"population.max_snap_m = {spec.max_snap_m:g} m"
    away = _distance_text(float(distance[0]))
    if parcels.is_raster:
        total = math.fsum(people[index].tolist())
        msg = (
            f"{parcels.path}: {index.shape[0]} cells holding {total:.6g} people are farther than "
            f"{limit} from the network (the first, {parcels.describe(first)}, is {away} away); "
            f"{OUTSIDE_FIX}"
        )
    elif parcels.polygons is not None:
        msg = (
            f"{parcels.path}: {parcels.describe(first)}: no road inside the area, and its "
            f"boundary is {away} from the nearest street of the network ({limit}); "
            f"{OUTSIDE_FIX}"
        )
    else:
        msg = (
            f"{parcels.path}: {parcels.describe(first)}: the point is {away} from the nearest "
            f"street of the network, farther than {limit}; {OUTSIDE_FIX}"
        )
    return DataError(msg)


def _dropped(
    parcels: Parcels,
    index: NDArray[np.int64],
    distance: NDArray[np.float64],
    people: NDArray[np.float64],
    spec: PopulationSpec,
) -> list[DroppedPeople]:
    """Dropped people per row/feature; a raster's cells as one group."""
    limit = f"max_snap_m = {spec.max_snap_m:g} m"
    if parcels.is_raster:
        reason = (
            f"cell centres farther than {limit} from the network "
            f"(nearest {float(distance.min()):.0f} m)"
        )
        total = math.fsum(people[index].tolist())
        return [DroppedPeople(where=f"{index.shape[0]} cells", people=total, reason=reason)]
    prefix = "no road inside; its boundary is " if parcels.polygons is not None else ""
    return [
        DroppedPeople(
            where=parcels.describe(int(i)),
            people=float(people[i]),
            reason=f"{prefix}{_distance_text(float(d))} from the nearest street ({limit})",
        )
        for i, d in zip(index, distance, strict=True)
    ]


def _assemble(placed: list[_Placed], *, node_count: int, scale: float) -> PopulationPlacement:
    """Rows per (area, node) across all sources, areas shared by label."""
    registry: dict[str, int] = {}
    areas: list[NDArray[np.int64]] = []
    for part in placed:
        remap = np.asarray([registry.setdefault(lab, len(registry)) for lab in part.labels])
        areas.append(remap.astype(np.int64)[part.area] if part.area.size else part.area)
    area = np.concatenate(areas) if areas else np.empty(0, np.int64)
    node = np.concatenate([p.node for p in placed]) if placed else np.empty(0, np.int64)
    people = np.concatenate([p.people for p in placed]) if placed else np.empty(0)
    key = area * np.int64(node_count) + node
    unique, inverse = np.unique(key, return_inverse=True)
    sums = np.bincount(inverse.ravel(), weights=people, minlength=unique.shape[0])
    keep = sums > 0
    return PopulationPlacement(
        origin_node=(unique[keep] % node_count).astype(np.int64),
        origin_area=(unique[keep] // node_count).astype(np.int64),
        origin_people=sums[keep].astype(np.float64),
        areas=tuple(registry),
        sources=tuple(p.account for p in placed),
        scale=scale,
    )
