"""Drive-mode tag rules: which ways cars may use, their direction, lanes and speed."""

from __future__ import annotations

import numpy as np
import pytest

from safepassage.io.network_build import build_network
from safepassage.io.osm import read_osm_ways
from safepassage.io.osm_drive_tags import (
    drive_exclusion,
    lanes_of,
    oneway_direction,
    parse_maxspeed_kmh,
)
from safepassage.model.drive import DriveParameters
from safepassage.model.scenario import NetworkSpec, TravelMode


@pytest.mark.parametrize(
    ("tags", "reason"),
    [
        ({"highway": "residential"}, None),
        ({"highway": "motorway_link"}, None),
        ({"highway": "footway"}, "highway=footway"),
        ({"highway": "track"}, "highway=track"),
        ({"highway": "residential", "access": "no"}, "access=no"),
        ({"highway": "residential", "access": "no", "motor_vehicle": "yes"}, None),
        ({"highway": "residential", "motorcar": "private;delivery"}, "motorcar=private"),
        ({"highway": "service", "service": "parking_aisle"}, "service=parking_aisle"),
        (
            {"highway": "service", "service": "parking_aisle", "access": "yes"},
            "service=parking_aisle",
        ),
        ({"highway": "service", "service": "driveway"}, None),
        ({"highway": "primary", "area": "yes"}, "area=yes"),
        ({"building": "yes"}, "no highway tag"),
    ],
)
def test_drive_exclusion(tags, reason):
    assert drive_exclusion(tags) == reason


@pytest.mark.parametrize(
    ("tags", "direction"),
    [
        ({"highway": "residential"}, 0),
        ({"highway": "residential", "oneway": "yes"}, 1),
        ({"highway": "residential", "oneway": "-1"}, -1),
        ({"highway": "residential", "oneway": "reversible"}, 0),
        ({"highway": "residential", "junction": "roundabout"}, 1),
        ({"highway": "motorway"}, 1),
        ({"highway": "motorway", "oneway": "no"}, 0),
    ],
)
def test_oneway_direction(tags, direction):
    assert oneway_direction(tags) == direction


@pytest.mark.parametrize(
    ("tags", "direction", "lanes"),
    [
        ({}, 0, (1, 2)),
        ({"lanes": "4"}, 0, (2, 4)),
        ({"lanes": "3"}, 0, (1, 3)),  # a centre turning lane carries nobody out
        ({"lanes": "3", "lanes:forward": "2", "lanes:backward": "1"}, 0, (2, 3)),
        ({"lanes": "3"}, 1, (3, 3)),
        ({}, 1, (1, 1)),
    ],
)
def test_lanes_of(tags, direction, lanes):
    assert lanes_of(tags, "primary", direction) == lanes


def test_motorways_default_to_two_lanes_a_direction():
    assert lanes_of({}, "motorway", 1) == (2, 2)
    assert lanes_of({}, "motorway_link", 1) == (1, 1)


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("50", 50.0),
        ("50 km/h", 50.0),
        ("30 mph", 48.28032),
        ("10 knots", 18.52),
        ("50;30", 50.0),
        ("walk", 6.0),
        ("none", None),
        ("RU:urban", None),
        ("0", None),
        (None, None),
    ],
)
def test_parse_maxspeed(value, kmh):
    result = parse_maxspeed_kmh(value)
    assert result == (None if kmh is None else pytest.approx(kmh))


def test_lane_capacity_cites_hcm_figures():
    drive = DriveParameters()
    assert drive.lane_capacity_pcpm("motorway") == pytest.approx(2250 / 60)
    assert drive.lane_capacity_pcpm("residential") == pytest.approx(1900 * 0.5 / 60)
    custom = DriveParameters(green_share=1.0, lane_capacity_pcphpl={"residential": 1200})
    assert custom.lane_capacity_pcpm("residential") == pytest.approx(20.0)
    with pytest.raises(ValueError, match="not a drivable highway class"):
        DriveParameters(speeds_kmh={"footway": 5})


LAT = 34.0
D = 100 / 92_300  # about 100 m of longitude


def _city(osm_file):
    nodes = {i: (30.0 + i * D, LAT) for i in range(1, 6)}
    nodes[6] = (30.0 + 3 * D, LAT + 0.001)
    nodes[7] = (30.0 + 9 * D, LAT)
    ways = [
        (1, [1, 2, 3], {"highway": "primary", "maxspeed": "60", "lanes": "4"}),
        (2, [3, 4, 5], {"highway": "primary"}),  # untagged: the class median, 60 km/h
        (3, [5, 6, 3], {"highway": "residential", "oneway": "yes"}),  # untagged: 30 km/h
        (4, [5, 7], {"highway": "service", "oneway": "yes"}),  # a dead end out of the city
        (5, [1, 3], {"highway": "footway"}),
    ]
    return osm_file(nodes, ways)


def test_drive_network_direction_speed_and_capacity(osm_file):
    path = _city(osm_file)
    ways = read_osm_ways(path, mode=TravelMode.DRIVE)
    assert ways.report.excluded["highway=footway"] == 1
    assert ways.report.oneway_ways == 2
    build = build_network(NetworkSpec(osm=path, mode=TravelMode.DRIVE))
    net = build.network
    # node 7 can be reached but not left: not strongly connected, so it is dropped
    assert build.dropped_nodes == 1
    assert 7 not in net.node_osm_id
    speed_kmh = net.length_m / net.time_s * 3.6
    primary = np.array([net.highway_names[h] == "primary" for h in net.highway])
    assert speed_kmh[primary] == pytest.approx(60.0)
    assert speed_kmh[~primary] == pytest.approx(30.0)
    lane = 1900 * 0.5 / 60
    by_way = dict(zip(net.way_id.tolist(), net.capacity_ppm.tolist(), strict=True))
    assert by_way[1] == pytest.approx(2 * lane)  # 4 lanes, 2 a direction
    assert by_way[2] == pytest.approx(lane)
    assert net.oneway[net.way_id == 3].all()
    contraflow = build_network(
        NetworkSpec(osm=path, mode=TravelMode.DRIVE), drive=DriveParameters(contraflow=True)
    ).network
    assert contraflow.capacity_ppm[contraflow.way_id == 1] == pytest.approx(4 * lane)


def test_walking_ignores_one_way_tags(osm_file):
    net = build_network(NetworkSpec(osm=_city(osm_file))).network
    assert not net.oneway.any()
