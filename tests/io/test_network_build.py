import numpy as np
import pytest
from pyproj import Geod
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from safepassage.errors import DataError
from safepassage.io.network_build import MIN_EDGE_LENGTH_M, build_network, utm_crs_for
from safepassage.io.osm import read_osm_ways
from safepassage.model.scenario import Clip, Hazard, NetworkSpec

GEOD = Geod(ellps="WGS84")
LAT = 34.0
# six nodes on a line 0.001 degrees of longitude apart, a spur, a separate pair, a motorway
NODES = {
    1: (30.000, LAT),
    2: (30.001, LAT),
    3: (30.002, LAT),
    4: (30.003, LAT),
    5: (30.004, LAT),
    6: (30.002, LAT + 0.001),
    10: (30.010, LAT + 0.010),
    11: (30.011, LAT + 0.010),
}
WAYS = [
    (100, [1, 2, 3], {"highway": "residential"}),
    (101, [3, 4, 5], {"highway": "footway", "width": "3"}),
    (102, [3, 6], {"highway": "residential", "lanes": "2"}),
    (106, [1, 6], {"highway": "bridleway"}),
    (103, [5, 6], {"highway": "motorway"}),
    (104, [10, 11], {"highway": "residential"}),
    (105, [1, 6], {"highway": "service", "access": "private"}),
]


def metres(a, b):
    return GEOD.inv(*NODES[a], *NODES[b])[2]


@pytest.fixture
def small(osm_file):
    return osm_file(NODES, WAYS)


def test_small_network_is_read_filtered_and_contracted(small):
    build = build_network(NetworkSpec(osm=small))
    net = build.network
    assert build.osm.walkable_ways == 4
    assert build.osm.excluded == {
        "highway=motorway": 1,
        "access=private": 1,
        "highway=bridleway": 1,
    }
    assert build.components == 2
    assert (build.dropped_nodes, build.dropped_edges) == (2, 1)
    assert build.dropped_length_m == pytest.approx(metres(10, 11))
    # nodes 2 and 4 only pass the street along: 1, 3, 5, 6 remain, joined by 3 edges
    assert sorted(net.node_osm_id.tolist()) == [1, 3, 5, 6]
    assert net.edge_count == 3
    by_way = {int(w): e for e, w in enumerate(net.way_id)}
    assert net.length_m[by_way[100]] == pytest.approx(metres(1, 2) + metres(2, 3))
    assert net.width_m[by_way[101]] == pytest.approx(3.0)  # width tag
    assert net.width_m[by_way[102]] == pytest.approx(10.0)  # 2 lanes × 3.5 m + 2 pavements
    assert net.width_m[by_way[100]] == pytest.approx(7.0)  # residential default
    assert net.capacity_ppm[by_way[101]] == pytest.approx(3.0 * 1.3 * 60)
    assert net.time_s[by_way[101]] == pytest.approx(net.length_m[by_way[101]] / 1.2)
    geometry = net.edge_geometry(by_way[101])
    assert geometry.shape == (3, 2)
    ends = {tuple(geometry[0]), tuple(geometry[-1])}
    assert ends == {NODES[3], NODES[5]}
    assert net.crs == "EPSG:32636"
    assert net.arc_count == 6  # every edge both ways when walking


def test_protected_points_survive_contraction(small):
    build = build_network(NetworkSpec(osm=small), keep_lonlat=[(30.0011, LAT)])
    assert 2 in build.network.node_osm_id.tolist()
    assert build.network.edge_count == 4


def test_closing_hazard_marks_edges_and_cuts_routes(small):
    ring = [
        (30.0025, LAT - 0.0005),
        (30.0035, LAT - 0.0005),
        (30.0035, LAT + 0.0005),
        (30.0025, LAT + 0.0005),
    ]
    hazard = Hazard(id="H1", effect="close", polygon=ring)
    build = build_network(NetworkSpec(osm=small), hazards=[hazard])
    net = build.network
    assert build.hazard_edges_closed == 2
    closed_ways = set(net.way_id[net.closed].tolist())
    assert closed_ways == {101}
    _, labels = connected_components(net.to_csgraph(), directed=False)
    five = int(np.flatnonzero(net.node_osm_id == 5)[0])
    one = int(np.flatnonzero(net.node_osm_id == 1)[0])
    assert labels[five] != labels[one]


def test_slowing_hazard_divides_speed(small):
    ring = [
        (29.999, LAT - 0.001),
        (30.0015, LAT - 0.001),
        (30.0015, LAT + 0.0001),
        (29.999, LAT + 0.0001),
    ]
    hazard = Hazard(id="H2", effect="slow", speed_factor=0.5, polygon=ring)
    net = build_network(NetworkSpec(osm=small), hazards=[hazard]).network
    e = int(np.flatnonzero(net.way_id == 100)[0])
    # both segments of way 100 touch the polygon (segment 2-3 starts inside it)
    assert net.time_s[e] == pytest.approx(net.length_m[e] / (1.2 * 0.5))


def test_clip_bbox_drops_what_lies_outside(small):
    spec = NetworkSpec(osm=small, clip=Clip(bbox=(29.99, 33.99, 30.0035, 34.005)))
    build = build_network(spec)
    assert 5 not in build.network.node_osm_id.tolist()
    assert build.segments_clipped >= 1


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="OSM file not found"):
        build_network(NetworkSpec(osm=tmp_path / "nowhere.osm.pbf"))


def test_unknown_format_is_a_clear_error(tmp_path):
    path = tmp_path / "city.shp"
    path.write_bytes(b"x")
    with pytest.raises(DataError, match="unknown OSM format"):
        build_network(NetworkSpec(osm=path))


def test_corrupt_file_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.osm.pbf"
    path.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 10)
    with pytest.raises(DataError, match="cannot read as OpenStreetMap data"):
        build_network(NetworkSpec(osm=path))


def test_ways_without_node_coordinates_say_so(osm_file):
    # an Overpass export of the ways alone: the nodes they refer to are not in the file
    path = osm_file({}, [(1, [1, 2, 3], {"highway": "residential"})])
    with pytest.raises(DataError) as info:
        build_network(NetworkSpec(osm=path))
    message = str(info.value)
    assert message.startswith(f"{path}: the file's 1 walkable ways have no node coordinates")
    assert "(3 node references without a location)" in message
    assert "re-export with the nodes" in message and "clip" not in message


def test_clip_that_leaves_nothing_names_the_clip(small):
    spec = NetworkSpec(osm=small, clip=Clip(bbox=(31.0, 35.0, 31.1, 35.1)))
    with pytest.raises(
        DataError, match=r"no walkable ways inside the clip area; widen network\.clip"
    ):
        build_network(spec)


def test_unreadable_file_says_permission_denied(small, monkeypatch):
    monkeypatch.setattr("safepassage.io.files.os.access", lambda *_args, **_kw: False)
    with pytest.raises(DataError) as info:
        build_network(NetworkSpec(osm=small))
    assert str(info.value) == (
        f"{small}: cannot read the OSM file (permission denied); check its permissions"
    )


def test_file_without_walkable_ways_is_a_clear_error(osm_file):
    path = osm_file({1: (30.0, LAT), 2: (30.001, LAT)}, [(1, [1, 2], {"highway": "motorway"})])
    with pytest.raises(DataError, match="no walkable ways"):
        build_network(NetworkSpec(osm=path))


def test_utm_zone():
    assert utm_crs_for(24.94, 60.17) == "EPSG:32635"  # Helsinki
    assert utm_crs_for(-71.34, -29.95) == "EPSG:32719"  # Coquimbo


EXTRACTS = ["helsinki", "monaco", "andorra", "liechtenstein", "coquimbo"]


@pytest.mark.shared_data
@pytest.mark.parametrize("name", EXTRACTS)
def test_real_extracts_build(shared_data, name):
    build = build_network(NetworkSpec(osm=shared_data / f"{name}.osm.pbf"))
    net = build.network
    assert net.node_count > 1000
    assert (net.length_m > 0).all()
    assert np.isfinite(net.capacity_ppm).all() and (net.capacity_ppm > 0).all()
    # the largest component is what remains, and it is connected
    n, _ = connected_components(net.to_csgraph(), directed=False)
    assert n == 1
    # contraction keeps the length of the largest component, worked out here from the segments
    # as read (pyosmium), with scipy and pyproj, apart from the build
    expected = _largest_component_length_m(shared_data / f"{name}.osm.pbf")
    assert net.total_length_m == pytest.approx(expected, rel=1e-9)
    # and every edge is as long as the geodesic length of the geometry it keeps
    assert net.length_m == pytest.approx(_geometry_lengths_m(net), rel=1e-9)
    assert build.contraction.nodes_after < build.contraction.nodes_before
    assert build.contraction.self_loops_dropped == 0


def _largest_component_length_m(path) -> float:
    ways = read_osm_ways(path)
    u, v = ways.seg_u, ways.seg_v
    proper = u != v
    u, v = u[proper], v[proper]
    n = ways.lon.shape[0]
    graph = coo_matrix((np.ones(u.shape[0]), (u, v)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    used = np.zeros(n, bool)
    used[u] = used[v] = True
    largest = np.argmax(np.bincount(labels[used]))
    keep = labels[u] == largest
    _, _, metres = GEOD.inv(
        ways.lon[u[keep]], ways.lat[u[keep]], ways.lon[v[keep]], ways.lat[v[keep]]
    )
    # the build floors each segment at MIN_EDGE_LENGTH_M (two OSM nodes at one place)
    return float(np.maximum(metres, MIN_EDGE_LENGTH_M).sum())


def _geometry_lengths_m(net) -> np.ndarray:
    lon, lat = net.geom_lon, net.geom_lat
    _, _, metres = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    step = np.maximum(metres, MIN_EDGE_LENGTH_M)  # as the build floors each segment
    inside = np.ones(lon.shape[0] - 1, bool)
    inside[net.geom_indptr[1:-1] - 1] = False  # the step from one edge's end to the next edge
    edge_of_step = np.repeat(np.arange(net.edge_count), np.diff(net.geom_indptr))[:-1]
    return np.bincount(edge_of_step[inside], weights=step[inside], minlength=net.edge_count)


@pytest.mark.shared_data
def test_coquimbo_counts_match_the_data_readme(shared_data):
    # data/README.md: pyrosm builds 30,312 nodes and 34,534 edges from this file
    build = build_network(NetworkSpec(osm=shared_data / "coquimbo.osm.pbf"))
    assert build.nodes_read == 30312
    assert build.segments_read == 34534
    assert build.osm.excluded == {"highway=motorway": 120}
