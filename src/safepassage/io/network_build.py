"""From an OSM file to a contracted :class:`Network`: clip, project, measure, keep the largest
connected part, mark hazards, contract degree-2 chains."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Geod
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from safepassage.errors import DataError
from safepassage.io.geojson import union_of_polygons
from safepassage.io.osm import OsmReadReport, OsmWays, read_osm_ways
from safepassage.io.projection import NodeIndex, to_metres
from safepassage.model.contraction import ContractionReport, contract_degree2
from safepassage.model.drive import DEFAULT_SPEEDS_KMH, DriveParameters
from safepassage.model.flow import FlowParameters
from safepassage.model.network import Network
from safepassage.model.scenario import Clip, Hazard, NetworkSpec, TravelMode

__all__ = ["MIN_EDGE_LENGTH_M", "NetworkBuild", "build_network", "utm_crs_for"]

# Two OSM nodes at the same position would make a zero-length edge; lengths are floored here.
MIN_EDGE_LENGTH_M = 0.01
_GEOD = Geod(ellps="WGS84")


@dataclass
class NetworkBuild:
    network: Network
    osm: OsmReadReport
    segments_read: int
    nodes_read: int
    segments_clipped: int
    components: int
    dropped_nodes: int
    dropped_edges: int
    dropped_length_m: float
    zero_length_segments: int
    contraction: ContractionReport
    hazard_edges_closed: int
    hazard_edges_slowed: int
    hazard_segments: dict[str, int]  # road segments each hazard touches, by hazard id
    seconds: dict[str, float] = field(default_factory=dict)


def utm_crs_for(lon: float, lat: float) -> str:
    """The WGS84 UTM zone holding (lon, lat), as an EPSG code string."""
    zone = int(np.floor((lon + 180.0) / 6.0)) % 60 + 1
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def _clip_mask(ways: OsmWays, clip: Clip | None) -> NDArray[np.bool_]:
    if clip is None:
        return np.ones(ways.lon.shape[0], bool)
    if clip.bbox is not None:
        west, south, east, north = clip.bbox
        return (ways.lon >= west) & (ways.lon <= east) & (ways.lat >= south) & (ways.lat <= north)
    assert clip.polygon is not None
    area = union_of_polygons(clip.polygon, what="clip polygon")
    return np.asarray(shapely.contains_xy(area, ways.lon, ways.lat))


def _hazard_polygons(hazards: Sequence[Hazard]) -> list[tuple[Hazard, shapely.Geometry]]:
    result: list[tuple[Hazard, shapely.Geometry]] = []
    for hazard in hazards:
        if hazard.polygon is not None:
            geom = shapely.make_valid(shapely.Polygon(hazard.polygon))
        else:
            assert hazard.geojson is not None
            geom = union_of_polygons(hazard.geojson, what=f"hazard {hazard.id}")
        result.append((hazard, geom))
    return result


def _apply_hazards(
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    u: NDArray[np.int64],
    v: NDArray[np.int64],
    hazards: Sequence[Hazard],
) -> tuple[NDArray[np.bool_], NDArray[np.float64], dict[str, int]]:
    closed = np.zeros(u.shape[0], bool)
    speed = np.ones(u.shape[0])
    touched: dict[str, int] = {}
    if not hazards:
        return closed, speed, touched
    coords = np.stack([np.column_stack([lon[u], lat[u]]), np.column_stack([lon[v], lat[v]])], 1)
    tree = shapely.STRtree(shapely.linestrings(coords))
    for hazard, polygon in _hazard_polygons(hazards):
        hit = tree.query(polygon, predicate="intersects")
        touched[hazard.id] = int(hit.shape[0])
        if hazard.effect == "close":
            closed[hit] = True
        else:
            assert hazard.speed_factor is not None
            speed[hit] = np.minimum(speed[hit], hazard.speed_factor)
    return closed, speed, touched


def _drive_speeds_kmh(ways: OsmWays, drive: DriveParameters) -> NDArray[np.float64]:
    """Speed per way: the scenario's class speed, else the tagged maxspeed, else the median
    tagged speed of the way's class in this extract, else the class default."""
    speed = ways.way_speed_kmh.copy()
    for code, name in enumerate(ways.highway_names):
        of_class = ways.way_highway == code
        tagged = speed[of_class & np.isfinite(speed)]
        if name in drive.speeds_kmh:
            speed[of_class] = drive.speeds_kmh[name]
        elif tagged.size:
            speed[of_class & ~np.isfinite(speed)] = float(np.median(tagged))
        else:
            speed[of_class] = DEFAULT_SPEEDS_KMH[name]
    return speed


def _capacity_and_speed(
    ways: OsmWays, mode: TravelMode, flow: FlowParameters, drive: DriveParameters
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per way: capacity per minute (people walking, passenger cars driving, both directions
    together) and free speed in m/s."""
    names = ways.highway_names
    if mode is TravelMode.WALK:
        per_metre = np.asarray([flow.capacity_ppm(1.0, name) for name in names])
        capacity = ways.way_width_m * per_metre[ways.way_highway]
        return capacity, np.full(capacity.shape[0], flow.walking_speed_mps)
    per_lane = np.asarray([drive.lane_capacity_pcpm(name) for name in names])
    # with contraflow every lane of a two-way road runs outbound
    lanes = ways.way_lanes_all if drive.contraflow else ways.way_lanes
    capacity = lanes * per_lane[ways.way_highway]
    return capacity, _drive_speeds_kmh(ways, drive) / 3.6


def _largest_component(
    n_all: int, u: NDArray[np.int64], v: NDArray[np.int64], oneway: NDArray[np.bool_]
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], int]:
    """Segments inside the largest connected part, the nodes used at all, and how many parts.
    With one-way segments the part is strongly connected: from every node every other node can
    be reached, so no vehicle is routed into a dead end."""
    directed = bool(oneway.any())
    rows = np.concatenate([u, v[~oneway]])
    cols = np.concatenate([v, u[~oneway]])
    graph = coo_matrix((np.ones(rows.shape[0]), (rows, cols)), shape=(n_all, n_all))
    _, labels = connected_components(graph, directed=directed, connection="strong")
    used = np.zeros(n_all, bool)
    used[u] = used[v] = True
    counts = np.bincount(labels[used])
    giant = int(np.argmax(counts))
    in_giant = (labels[u] == giant) & (labels[v] == giant)
    return in_giant, used, int((counts > 0).sum())


def _no_segments_error(spec: NetworkSpec, ways: OsmWays, *, any_segment: bool) -> DataError:
    """Why no walkable segment is left: the clip, or ways whose nodes have no coordinates."""
    missing = ways.report.missing_node_refs
    if any_segment:
        msg = f"{spec.osm}: no walkable ways inside the clip area; widen network.clip or drop it"
    elif missing:
        msg = (
            f"{spec.osm}: the file's {ways.report.walkable_ways:,} walkable ways have no node "
            f"coordinates ({missing:,} node references without a location), as in an Overpass "
            'export made without ">;" (the ways\' nodes); re-export with the nodes, e.g. '
            '"(way[highway](area); >;); out;"'
        )
    else:
        msg = (
            f"{spec.osm}: no walkable way has two distinct nodes; check that the file holds "
            "the city's streets"
        )
    return DataError(msg)


def build_network(
    spec: NetworkSpec,
    *,
    flow: FlowParameters | None = None,
    drive: DriveParameters | None = None,
    hazards: Sequence[Hazard] = (),
    keep_lonlat: Sequence[tuple[float, float]] = (),
) -> NetworkBuild:
    """Import ``spec.osm`` into a contracted network.

    ``keep_lonlat`` are points (corridors, services) whose nearest network node must survive the
    contraction so that they can be snapped to it. Hazards mark edges closed or slowed. Walking,
    capacity is in people per minute; driving (``spec.mode = "drive"``), in passenger cars per
    minute from ``drive``'s lane capacities.
    """
    flow = flow or FlowParameters()
    drive = drive or DriveParameters()
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    ways = read_osm_ways(spec.osm, mode=spec.mode, flow=flow)
    seconds["read"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    inside = _clip_mask(ways, spec.clip)
    u, v, seg_way = ways.seg_u, ways.seg_v, ways.seg_way
    proper = u != v
    keep_seg = proper & inside[u] & inside[v]
    segments_clipped = int((proper & ~keep_seg).sum())
    u, v, seg_way = u[keep_seg], v[keep_seg], seg_way[keep_seg]
    if u.shape[0] == 0:
        raise _no_segments_error(spec, ways, any_segment=bool(proper.any()))
    n_all = ways.lon.shape[0]
    in_giant, used, components = _largest_component(n_all, u, v, ways.way_oneway[seg_way])

    _, _, geodesic = _GEOD.inv(ways.lon[u], ways.lat[u], ways.lon[v], ways.lat[v])
    seg_lengths_all = np.asarray(geodesic, dtype=np.float64)
    dropped_length = float(seg_lengths_all[~in_giant].sum())
    u, v, seg_way = u[in_giant], v[in_giant], seg_way[in_giant]
    length = seg_lengths_all[in_giant]
    zero_length = int((length < MIN_EDGE_LENGTH_M).sum())
    length = np.maximum(length, MIN_EDGE_LENGTH_M)

    nodes = np.flatnonzero(np.isin(np.arange(n_all), np.concatenate([u, v])))
    remap = np.full(n_all, -1, np.int64)
    remap[nodes] = np.arange(nodes.shape[0])
    lon, lat = ways.lon[nodes], ways.lat[nodes]
    crs = utm_crs_for(float(np.median(lon)), float(np.median(lat)))
    x, y = to_metres(crs, lon, lat)
    seconds["topology"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    closed, speed, touched = _apply_hazards(ways.lon, ways.lat, u, v, hazards)
    seconds["hazards"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    highway = ways.way_highway[seg_way]
    names = ways.highway_names
    width = ways.way_width_m[seg_way]
    way_capacity, way_speed_mps = _capacity_and_speed(ways, spec.mode, flow, drive)
    uu, vv = remap[u].astype(np.int32), remap[v].astype(np.int32)
    geom_lon = np.column_stack([lon[uu], lon[vv]]).ravel()
    geom_lat = np.column_stack([lat[uu], lat[vv]]).ravel()
    segment_network = Network(
        crs=crs,
        node_osm_id=ways.node_osm_id[nodes],
        lon=lon,
        lat=lat,
        x_m=x,
        y_m=y,
        edge_u=uu,
        edge_v=vv,
        length_m=length,
        width_m=width,
        capacity_ppm=way_capacity[seg_way],
        time_s=length / (way_speed_mps[seg_way] * speed),
        highway=highway,
        highway_names=names,
        oneway=ways.way_oneway[seg_way],
        closed=closed,
        way_id=ways.way_osm_id[seg_way],
        geom_indptr=np.arange(0, 2 * uu.shape[0] + 1, 2, dtype=np.int64),
        geom_lon=geom_lon,
        geom_lat=geom_lat,
    )
    protected = np.zeros(segment_network.node_count, bool)
    if keep_lonlat:
        keep_lon, keep_lat = np.asarray(keep_lonlat, dtype=np.float64).T
        nearest, _ = NodeIndex.of(segment_network).nearest_lonlat(keep_lon, keep_lat)
        protected[nearest] = True
    network, contraction = contract_degree2(segment_network, protected=protected)
    seconds["contract"] = time.perf_counter() - t0
    return NetworkBuild(
        network=network,
        osm=ways.report,
        segments_read=int(ways.seg_u.shape[0]),
        nodes_read=n_all,
        segments_clipped=segments_clipped,
        components=components,
        dropped_nodes=int(used.sum()) - nodes.shape[0],
        dropped_edges=int((~in_giant).sum()),
        dropped_length_m=dropped_length,
        zero_length_segments=zero_length,
        contraction=contraction,
        hazard_edges_closed=int(closed.sum()),
        hazard_edges_slowed=int((speed < 1).sum()),
        hazard_segments=touched,
        seconds=seconds,
    )
