"""Read the walkable (or drivable) ways of an OpenStreetMap file with pyosmium.

The result is segment-level: one row per pair of consecutive way nodes, with the way's class,
width and direction, and for driving its lanes and tagged speed. One-way ways are stored in the
direction traffic runs (a ``oneway=-1`` way's nodes are reversed).
:mod:`safepassage.io.network_build` turns it into a :class:`Network`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium
from numpy.typing import NDArray

from safepassage.errors import DataError
from safepassage.io.files import require_readable_file
from safepassage.io.osm_drive_tags import (
    drive_exclusion,
    lanes_of,
    oneway_direction,
    parse_maxspeed_kmh,
)
from safepassage.io.osm_tags import (
    parse_lanes,
    parse_width_m,
    pavement_sides,
    walk_exclusion,
)
from safepassage.model.flow import FlowParameters
from safepassage.model.scenario import TravelMode

__all__ = ["OSM_SUFFIXES", "OsmReadReport", "OsmWays", "read_osm_ways"]

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")


@dataclass
class OsmReadReport:
    highway_ways: int = 0
    walkable_ways: int = 0  # usable in the mode read: walkable or drivable
    excluded: Counter[str] = field(default_factory=Counter)
    missing_node_refs: int = 0
    width_from_tag: int = 0
    width_from_lanes: int = 0
    unparsable_width_tags: int = 0
    oneway_ways: int = 0
    speed_from_tag: int = 0


@dataclass(frozen=True, eq=False)
class OsmWays:
    """Usable ways cut into segments between consecutive OSM nodes. ``way_lanes`` are the lanes
    that carry traffic one way, ``way_lanes_all`` all of them (0 when walking);
    ``way_speed_kmh`` is the tagged ``maxspeed`` (NaN when untagged or walking)."""

    node_osm_id: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    seg_u: NDArray[np.int64]
    seg_v: NDArray[np.int64]
    seg_way: NDArray[np.int64]
    way_osm_id: NDArray[np.int64]
    way_highway: NDArray[np.int16]
    way_width_m: NDArray[np.float64]
    way_oneway: NDArray[np.bool_]
    way_lanes: NDArray[np.float64]
    way_lanes_all: NDArray[np.float64]
    way_speed_kmh: NDArray[np.float64]
    highway_names: tuple[str, ...]
    report: OsmReadReport


def _check_file(path: Path) -> None:
    require_readable_file(path, what="OSM", named_by="network.osm")
    if not path.name.lower().endswith(OSM_SUFFIXES):
        msg = (
            f"{path}: unknown OSM format; use an .osm.pbf, .osm or .osm.bz2 file "
            "(for example an extract from a regional download or the HOT Export Tool)"
        )
        raise DataError(msg)


def _way_width(
    tags: dict[str, str], highway: str, flow: FlowParameters, report: OsmReadReport
) -> float:
    """Walking width: the tagged width (or lanes × lane width) plus the pavements beside a
    carriageway, else the class default, which already counts the pavements."""
    tagged = None
    for key in ("width", "est_width"):
        raw = tags.get(key)
        if raw is None:
            continue
        tagged = parse_width_m(raw)
        if tagged is not None:
            report.width_from_tag += 1
            break
        report.unparsable_width_tags += 1
    if tagged is None:
        lanes = parse_lanes(tags.get("lanes"))
        if lanes is not None:
            report.width_from_lanes += 1
            tagged = lanes * flow.lane_width_m
    if tagged is None:
        return flow.width_for(highway.removesuffix("_link"))
    return tagged + pavement_sides(tags, highway) * flow.pavement_width_m


def _drive_attributes(
    tags: dict[str, str], highway: str, flow: FlowParameters, report: OsmReadReport
) -> tuple[int, float, tuple[float, float], float]:
    """Direction, carriageway width, (lanes one way, lanes in all) and tagged speed of a
    drivable way."""
    direction = oneway_direction(tags)
    lanes_one_way, lanes_all = lanes_of(tags, highway, direction)
    width = parse_width_m(tags.get("width"))
    speed = parse_maxspeed_kmh(tags.get("maxspeed"))
    if direction:
        report.oneway_ways += 1
    if speed is not None:
        report.speed_from_tag += 1
    width = width if width is not None else lanes_all * flow.lane_width_m
    lanes = (float(lanes_one_way), float(lanes_all))
    return direction, width, lanes, np.nan if speed is None else speed


def read_osm_ways(
    path: Path, *, mode: TravelMode = TravelMode.WALK, flow: FlowParameters | None = None
) -> OsmWays:
    """Read the ways usable in ``mode`` from an OSM file.

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm`` or ``.osm.bz2`` file.
    mode
        ``walk``: pedestrian-usable ways per :func:`safepassage.io.osm_tags.walk_exclusion`,
        all two-way; ``drive``: ways open to motor vehicles per
        :func:`safepassage.io.osm_drive_tags.drive_exclusion`, one-way where tagged.
    flow
        Supplies default widths per highway class and the lane width.

    Raises
    ------
    DataError
        Missing, unreadable or unknown file; no usable ways in it.
    """
    path = Path(path)
    flow = flow or FlowParameters()
    _check_file(path)
    driving = mode is TravelMode.DRIVE
    exclusion = drive_exclusion if driving else walk_exclusion
    report = OsmReadReport()
    highway_codes: dict[str, int] = {}
    ids: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    piece: list[int] = []  # a way cut where a node's location is missing becomes several pieces
    way_ids: list[int] = []
    way_hw: list[int] = []
    way_width: list[float] = []
    way_oneway: list[bool] = []
    way_lanes: list[tuple[float, float]] = []
    way_speed: list[float] = []
    piece_way: list[int] = []
    n_pieces = 0
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    try:
        for way in processor:
            assert isinstance(way, osmium.osm.Way)  # the entity filter passes ways only
            report.highway_ways += 1
            tags = dict(way.tags)
            reason = exclusion(tags) if len(way.nodes) >= 2 else "fewer than two nodes"
            if reason is not None:
                report.excluded[reason] += 1
                continue
            report.walkable_ways += 1
            highway = tags["highway"]
            way_index = len(way_ids)
            way_ids.append(way.id)
            way_hw.append(highway_codes.setdefault(highway, len(highway_codes)))
            nodes = list(way.nodes)
            if driving:
                direction, width, lane_counts, speed = _drive_attributes(
                    tags, highway, flow, report
                )
                if direction < 0:
                    nodes.reverse()
                way_width.append(width)
                way_oneway.append(direction != 0)
                way_lanes.append(lane_counts)
                way_speed.append(speed)
            else:
                way_width.append(_way_width(tags, highway, flow, report))
            n_pieces += 1
            piece_way.append(way_index)
            for node in nodes:
                location = node.location
                if not location.valid():
                    report.missing_node_refs += 1
                    n_pieces += 1
                    piece_way.append(way_index)
                    continue
                ids.append(node.ref)
                lons.append(location.lon)
                lats.append(location.lat)
                piece.append(n_pieces - 1)
    except RuntimeError as exc:
        msg = f"{path}: cannot read as OpenStreetMap data ({exc}); is the file complete?"
        raise DataError(msg) from None
    if not way_ids:
        usable = "drivable" if driving else "walkable"
        msg = (
            f"{path}: no {usable} ways ({report.highway_ways} highway ways, all excluded); "
            "check that the file covers the city and holds its streets"
        )
        raise DataError(msg)
    n_ways = len(way_ids)
    lanes = np.asarray(way_lanes, np.float64).reshape(-1, 2) if driving else np.zeros((n_ways, 2))
    seq_id = np.asarray(ids, dtype=np.int64)
    seq_piece = np.asarray(piece, dtype=np.int64)
    node_osm_id, first, inverse = np.unique(seq_id, return_index=True, return_inverse=True)
    same_piece = seq_piece[1:] == seq_piece[:-1]
    seg_u = inverse[:-1][same_piece]
    seg_v = inverse[1:][same_piece]
    seg_way = np.asarray(piece_way, dtype=np.int64)[seq_piece[:-1][same_piece]]
    return OsmWays(
        node_osm_id=node_osm_id,
        lon=np.asarray(lons, dtype=np.float64)[first],
        lat=np.asarray(lats, dtype=np.float64)[first],
        seg_u=seg_u,
        seg_v=seg_v,
        seg_way=seg_way,
        way_osm_id=np.asarray(way_ids, dtype=np.int64),
        way_highway=np.asarray(way_hw, dtype=np.int16),
        way_width_m=np.asarray(way_width, dtype=np.float64),
        way_oneway=np.asarray(way_oneway, dtype=bool) if driving else np.zeros(n_ways, bool),
        way_lanes=lanes[:, 0],
        way_lanes_all=lanes[:, 1],
        way_speed_kmh=np.asarray(way_speed, np.float64) if driving else np.full(n_ways, np.nan),
        highway_names=tuple(highway_codes),
        report=report,
    )
