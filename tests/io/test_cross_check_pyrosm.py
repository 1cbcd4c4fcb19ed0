"""Cross-check the walking and driving networks against an independent reader: pyrosm
(test-only dependency).

Counts and lengths agree within a few per cent, and every way that only one reader keeps is
explained by a documented difference in the rules:

1. ``highway=cycleway`` with ``foot=yes/designated``: the OSM access hierarchy opens it to
   pedestrians; pyrosm (like OSMnx) drops every cycleway.
2. ``highway`` values outside OSM's documented walkable classes (``trail``, ``elevator``,
   ``escape``, ...): pyrosm keeps anything not on its exclusion list; we keep a positive list.
3. ``highway=bridleway`` without ``foot=yes``: closed to people on foot by the OSM wiki's
   worldwide default access table; pyrosm keeps it.
4. ``access=agricultural/forestry/delivery``: closed to the general public per the OSM wiki; pyrosm
   closes only ``no``/``private``.
5. ``sidewalk=separate``: pyrosm drops the road to avoid counting the sidewalk twice; in an
   evacuation people walk on the carriageway too, so we keep it.
6. Ways cut by the extract's edge (nodes without a location): we keep the pieces with known
   locations; pyrosm drops the way.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import osmium
import pytest
from pyproj import Geod

from safepassage.io.osm import read_osm_ways
from safepassage.model.drive import DRIVE_CLASSES
from safepassage.model.scenario import TravelMode

pyrosm = pytest.importorskip("pyrosm")

_RESTRICTED = {"agricultural", "forestry", "delivery"}


def _explain(tags: dict[str, str], cut_by_extract: bool, only_ours: bool) -> str | None:
    highway = tags.get("highway", "")
    if only_ours:
        if highway == "cycleway" and tags.get("foot") in {"yes", "designated", "permissive"}:
            return "cycleway open to foot"
        if any(
            tags.get(k) == "separate"
            for k in ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right")
        ):
            return "sidewalk=separate"
        if cut_by_extract:
            return "cut by the extract's edge"
        return None
    if tags.get("highway") == "bridleway":
        return "bridleway: closed to foot by the worldwide defaults"
    if tags.get("access", "").split(";")[0] in _RESTRICTED:
        return "use-restricted access"
    if highway in {
        "trail",
        "elevator",
        "escape",
        "escalator",
        "bus_stop",
        "crossing",
        "emergency_bay",
    }:
        return "undocumented or non-way highway value"
    return None


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "tolerance"),
    [
        ("coquimbo", 0.01),
        ("monaco", 0.01),
        ("andorra", 0.01),
        ("liechtenstein", 0.02),
        ("helsinki", 0.08),
    ],
)
def test_walking_network_agrees_with_pyrosm(shared_data: Path, name: str, tolerance: float):
    path = shared_data / f"{name}.osm.pbf"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nodes, edges = pyrosm.OSM(str(path)).get_network(network_type="walking", nodes=True)
    ours = read_osm_ways(path)
    proper = ours.seg_u != ours.seg_v
    our_nodes = np.unique(np.concatenate([ours.seg_u[proper], ours.seg_v[proper]])).shape[0]
    lengths = Geod(ellps="WGS84").inv(
        ours.lon[ours.seg_u[proper]],
        ours.lat[ours.seg_u[proper]],
        ours.lon[ours.seg_v[proper]],
        ours.lat[ours.seg_v[proper]],
    )[2]
    assert our_nodes == pytest.approx(len(nodes), rel=tolerance)
    assert int(proper.sum()) == pytest.approx(len(edges), rel=tolerance)
    assert lengths.sum() == pytest.approx(edges["length"].sum(), rel=tolerance)

    tags: dict[int, dict[str, str]] = {}
    cut: set[int] = set()
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in processor:
        tags[way.id] = dict(way.tags)
        if not all(n.location.valid() for n in way.nodes):
            cut.add(way.id)
    our_ways = set(ours.way_osm_id[np.unique(ours.seg_way[proper])].tolist())
    their_ways = set(edges["id"].astype("int64").tolist())
    unexplained = [
        (way, tags[way])
        for way in our_ways ^ their_ways
        if _explain(tags[way], way in cut, way in our_ways) is None
    ]
    assert not unexplained, f"{len(unexplained)} ways differ without a reason: {unexplained[:5]}"


def _explain_drive(tags: dict[str, str]) -> str | None:
    """Why pyrosm's ``driving+service`` network keeps a way that ours leaves out (ours never
    keeps a way pyrosm drops: both follow OSMnx's ``drive_service``)."""
    if tags.get("highway") not in DRIVE_CLASSES:
        return "highway value outside OSM's documented road classes (e.g. escape)"
    restricted = [tags.get(k, "").split(";")[0] for k in ("motorcar", "motor_vehicle", "access")]
    if any(value in _RESTRICTED for value in restricted):
        return "use-restricted access"
    return None


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["coquimbo", "monaco", "andorra", "liechtenstein", "helsinki"])
def test_driving_network_agrees_with_pyrosm(shared_data: Path, name: str):
    path = shared_data / f"{name}.osm.pbf"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, edges = pyrosm.OSM(str(path)).get_network(network_type="driving+service", nodes=True)
    ours = read_osm_ways(path, mode=TravelMode.DRIVE)
    proper = ours.seg_u != ours.seg_v
    assert int(proper.sum()) == pytest.approx(len(edges), rel=0.01)
    tags = {
        way.id: dict(way.tags)
        for way in osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
            osmium.filter.KeyFilter("highway")
        )
    }
    our_ways = set(ours.way_osm_id[np.unique(ours.seg_way[proper])].tolist())
    their_ways = set(edges["id"].astype("int64").tolist())
    assert not our_ways - their_ways, "ways ours keeps that pyrosm drops"
    unexplained = [(w, tags[w]) for w in their_ways - our_ways if _explain_drive(tags[w]) is None]
    assert not unexplained, f"{len(unexplained)} ways differ without a reason: {unexplained[:5]}"
    # one-way ways agree with pyrosm's reading of the oneway tag where it gives one
    oneway = dict(zip(ours.way_osm_id.tolist(), ours.way_oneway.tolist(), strict=True))
    tagged = edges[edges["oneway"].isin(["yes", "-1", "no"])].drop_duplicates("id")
    for way_id, value in zip(tagged["id"].astype("int64"), tagged["oneway"], strict=True):
        if way_id in oneway:
            assert oneway[way_id] == (value != "no"), (way_id, value)
