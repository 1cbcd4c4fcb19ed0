"""Population importers: each format puts the right people on the right nodes (hand-computed),
scaling, the outside rule, aggregation per (area, node), and the real Coquimbo files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from safepassage.errors import DataError
from safepassage.io.network_build import build_network
from safepassage.io.population import place_population
from safepassage.model.network import Network
from safepassage.model.population import PopulationPlacement
from safepassage.model.scenario import NetworkSpec, PopulationSource, PopulationSpec
from tests.conftest import write_osm
from tests.io.conftest import (
    local_network,
    lonlat,
    polygon_feature,
    rectangle,
    write_geojson,
    write_points_csv,
    write_text,
)

# An "H" of streets: n0 (0, 0) - n1 (200, 0) and n2 (0, 100) - n3 (200, 100), joined by the two
# 100 m uprights n0 - n2 and n1 - n3.
H_NODES = [(0.0, 0.0), (200.0, 0.0), (0.0, 100.0), (200.0, 100.0)]
H_EDGES = [(0, 1), (2, 3), (0, 2), (1, 3)]


@pytest.fixture
def h_net() -> Network:
    return local_network(H_NODES, H_EDGES)


def spec_of(*sources: PopulationSource, **options) -> PopulationSpec:
    return PopulationSpec(sources=list(sources), **options)


def per_node(placement: PopulationPlacement, network: Network) -> list[float]:
    return placement.people_per_node(network.node_count).tolist()


def assert_conserved(placement: PopulationPlacement) -> None:
    for source in placement.sources:
        assert source.placed_people + source.dropped_people == pytest.approx(
            source.input_people, rel=1e-12, abs=1e-9
        )
    assert placement.placed_people == pytest.approx(
        math.fsum(s.placed_people for s in placement.sources), rel=1e-12, abs=1e-9
    )
    assert (placement.origin_people > 0).all()


# --- hxl_points -------------------------------------------------------------------------------


def test_hxl_points_go_to_the_ends_of_their_nearest_street(tmp_path, h_net):
    rows = [(10, 5, 100), (190, 95, 50.5), (5, 90, 20), (12, -3, 30), (60, 2, 0)]
    path = write_points_csv(tmp_path / "people.csv", rows)
    placement = place_population(spec_of(PopulationSource(path=path)), h_net)
    # each point goes to the street nearest it, split by where it projects along the street:
    # (10, 5) on n0-n1 at t = 10/200: 95 to n0, 5 to n1; (190, 95) on n2-n3 at t = 190/200:
    # 2.525 to n2, 47.975 to n3; (5, 90) on n0-n2 at t = 90/100: 2 to n0, 18 to n2;
    # (12, -3) on n0-n1 at t = 12/200: 28.2 to n0, 1.8 to n1; the zero row adds nothing
    assert per_node(placement, h_net) == pytest.approx([125.2, 6.8, 20.525, 47.975])
    assert placement.areas == ("people.csv",)
    # one row per (area, node): n0 takes three rows' people in one
    assert sorted(placement.origin_node.tolist()) == [0, 1, 2, 3]
    source = placement.sources[0]
    assert (source.format, source.name, source.input_people) == ("hxl_points", "people.csv", 200.5)
    assert source.dropped == []
    assert_conserved(placement)


def test_a_point_on_a_long_street_is_on_the_network(tmp_path):
    # one 15 km street (Andorra has such contracted edges): a point 10 m beside its middle is
    # 10 m from the network although 7.5 km from either end node
    net = local_network([(0.0, 0.0), (15_000.0, 0.0)], [(0, 1)])
    path = write_points_csv(tmp_path / "people.csv", [(6_000, 10, 100)])
    placement = place_population(spec_of(PopulationSource(path=path), max_snap_m=50), net)
    assert per_node(placement, net) == pytest.approx([60.0, 40.0])
    assert_conserved(placement)


def test_hxl_name_column_labels_areas_and_title_rows_are_skipped(tmp_path, h_net):
    (a_lon, a_lat), (b_lon, b_lat) = lonlat(0, 10), lonlat(200, 90)
    text = (
        "Population by neighbourhood,,,\n"
        "barrio,lat,lon,personas\n"
        "#adm2+name,#geo+lat,#geo+lon,#population\n"
        f"Norte,{a_lat},{a_lon},10\n"
        f"Sur,{b_lat},{b_lon},5\n"
        f"Norte,{b_lat},{b_lon},1\n"
        ",,,\n"
    )
    path = write_text(tmp_path / "barrios.csv", text)
    placement = place_population(spec_of(PopulationSource(path=path, name="census")), h_net)
    assert placement.areas == ("Norte", "Sur")
    assert placement.people_per_area().tolist() == pytest.approx([11.0, 5.0])
    rows = {
        (placement.areas[a], int(n)): p
        for a, n, p in zip(
            placement.origin_area, placement.origin_node, placement.origin_people, strict=True
        )
    }
    # (0, 10) lies on n0-n2 a tenth of the way up; (200, 90) on n1-n3 nine tenths of the way up
    expected = {
        ("Norte", 0): 9.0,
        ("Norte", 2): 1.0,
        ("Sur", 1): 0.5,
        ("Sur", 3): 4.5,
        ("Norte", 1): 0.1,
        ("Norte", 3): 0.9,
    }
    assert rows == pytest.approx(expected)
    assert placement.sources[0].name == "census"


def test_hxl_row_numbers_count_title_header_and_hashtag_rows(tmp_path, h_net):
    lon, lat = lonlat(0, 0)
    text = (
        "Title,,\nlat,lon,population\n#geo+lat,#geo+lon,#population\n"
        f"{lat},{lon},3\n{lat},{lon},abc\n"
    )
    path = write_text(tmp_path / "titled.csv", text)
    with pytest.raises(DataError, match=r"titled\.csv: row 5: #population is not a number"):
        place_population(spec_of(PopulationSource(path=path)), h_net)


# --- geojson ----------------------------------------------------------------------------------


def test_area_spread_by_road_length_inside_and_position_along_the_edge(tmp_path, h_net):
    # the rectangle holds the upright n0-n2 (100 m) and the western halves of both 200 m streets
    area = polygon_feature(rectangle(-50, -50, 100, 150), population=600, name="West")
    path = write_geojson(tmp_path / "areas.geojson", [area])
    source = PopulationSource(path=path, name_property="name")
    placement = place_population(spec_of(source), h_net)
    # each of the three 100 m pieces takes 200 people; n0-n2 lies wholly inside: 100 to each
    # end; the western half of n0-n1 is centred a quarter along it: 150 to n0, 50 to n1
    assert per_node(placement, h_net) == pytest.approx([250.0, 50.0, 250.0, 50.0], abs=1e-6)
    assert placement.areas == ("West",)
    assert_conserved(placement)


def test_square_area_covering_exactly_two_osm_edges(tmp_path):
    # a comb: street 1-2-3-4 (x = 0, 100, 200, 300) with spurs 2-5 and 3-6 going 100 m north
    local = {1: (0, 0), 2: (100, 0), 3: (200, 0), 4: (300, 0), 5: (100, 100), 6: (200, 100)}
    nodes = {i: lonlat(*xy) for i, xy in local.items()}
    ways = [(10, [1, 2, 3, 4], {"highway": "residential"})]
    ways += [(11, [2, 5], {"highway": "residential"}), (12, [3, 6], {"highway": "residential"})]
    network = build_network(NetworkSpec(osm=write_osm(tmp_path / "comb.osm.pbf", nodes, ways)))
    net = network.network
    assert net.edge_count == 5
    node = {int(osm): i for i, osm in enumerate(net.node_osm_id)}
    # a quadrilateral with a corner on node 2 holding edges 1-2 and 2-5 and nothing of 2-3
    corner = (float(net.lon[node[2]]), float(net.lat[node[2]]))
    ring = [lonlat(-20, -20), corner, lonlat(120, 120), lonlat(-20, 120)]
    coords = [list(p) for p in [*ring, ring[0]]]
    feature = {
        "type": "Feature",
        "properties": {"population": 1000},
        "geometry": {"type": "Polygon", "coordinates": [coords]},
    }
    path = write_geojson(tmp_path / "square.geojson", [feature])
    placement = place_population(spec_of(PopulationSource(path=path)), net)
    people = placement.people_per_node(net.node_count)
    # edges 1-2 and 2-5 share the 1000 people by length: about 500 each, 250 to each end (OSM
    # stores 1e-7 degrees, so the two 100 m edges differ by millimetres)
    ends = list(zip(net.edge_u.tolist(), net.edge_v.tolist(), strict=True))
    length = {frozenset(e): float(net.length_m[i]) for i, e in enumerate(ends)}
    west, spur = length[frozenset((node[1], node[2]))], length[frozenset((node[2], node[5]))]
    half_west, half_spur = 500 * west / (west + spur), 500 * spur / (west + spur)
    expected = {1: half_west, 2: 500.0, 5: half_spur, 3: 0.0, 4: 0.0, 6: 0.0}
    assert {k: people[node[k]] for k in expected} == pytest.approx(expected, abs=1e-4)
    assert half_west == pytest.approx(250.0, abs=0.01)
    assert placement.areas == ("square.geojson feature 0",)


def test_area_without_roads_goes_to_the_street_nearest_its_boundary(tmp_path, h_net):
    # the corner (400, 400) is nearest the streets' meeting point n3 (200, 100)
    hill = polygon_feature(rectangle(400, 400, 450, 450), population=70, name="Hill")
    path = write_geojson(tmp_path / "hill.geojson", [hill])
    placement = place_population(spec_of(PopulationSource(path=path, name_property="name")), h_net)
    assert per_node(placement, h_net) == pytest.approx([0.0, 0.0, 0.0, 70.0])


def test_area_without_roads_is_split_by_where_the_street_comes_nearest(tmp_path, h_net):
    # a diamond whose lowest corner (50, 300) is 200 m above n2-n3, a quarter along it (the
    # upright n0-n2 is 206 m away): 3/4 of the people to n2, 1/4 to n3
    diamond = [(50, 300), (100, 350), (50, 400), (0, 350)]
    hill = polygon_feature(diamond, population=70, name="Hill")
    path = write_geojson(tmp_path / "hill.geojson", [hill])
    placement = place_population(spec_of(PopulationSource(path=path, name_property="name")), h_net)
    assert per_node(placement, h_net) == pytest.approx([0.0, 0.0, 52.5, 17.5])
    with pytest.raises(DataError, match="its boundary is 200 m from the nearest street"):
        place_population(
            spec_of(PopulationSource(path=path, name_property="name"), max_snap_m=199), h_net
        )


def test_area_without_roads_beyond_max_snap_is_outside(tmp_path, h_net):
    hill = polygon_feature(rectangle(400, 400, 450, 450), population=70, name="Hill")
    town = polygon_feature(rectangle(-50, -50, 250, 150), population=30, name="Town")
    path = write_geojson(tmp_path / "hill.geojson", [town, hill])
    source = PopulationSource(path=path, name_property="name")
    with pytest.raises(DataError) as info:
        place_population(spec_of(source, max_snap_m=300), h_net)
    message = str(info.value)
    assert "hill.geojson: feature 1 (Hill): no road inside the area" in message
    assert "361 m from the nearest street" in message  # from (400, 400) to n3 at (200, 100)
    assert 'population.outside = "drop"' in message and "\n" not in message
    placement = place_population(spec_of(source, max_snap_m=300, outside="drop"), h_net)
    (dropped,) = placement.sources[0].dropped
    assert (dropped.where, dropped.people) == ("feature 1 (Hill)", 70.0)
    assert placement.placed_people == pytest.approx(30.0)
    assert_conserved(placement)


# --- hxl_admin --------------------------------------------------------------------------------


@pytest.fixture
def admin_files(tmp_path):
    west = polygon_feature(rectangle(-50, -50, 100, 150), pcode="CL01", label="Poniente")
    east = polygon_feature(rectangle(100, -50, 250, 150), pcode="CL02", label="Oriente")
    boundaries = write_geojson(tmp_path / "adm2.geojson", [west, east])
    return tmp_path, boundaries


def test_hxl_admin_rows_are_spread_over_their_boundaries(admin_files, h_net):
    folder, boundaries = admin_files
    text = "code,name,pop\n#adm2+code,#adm2+name,#population\nCL01,West,600\nCL02,East,300\n"
    path = write_text(folder / "admin.csv", text)
    source = PopulationSource(path=path, boundaries=boundaries, code_property="pcode")
    assert source.resolved_format == "hxl_admin"
    placement = place_population(spec_of(source), h_net)
    assert placement.areas == ("West", "East")
    # West as in the geojson test: [250, 50, 250, 50]; East holds the eastern halves (100 m,
    # centred three quarters along: 25 and 75) and n1-n3 (100 m, 50 and 50)
    assert per_node(placement, h_net) == pytest.approx([275.0, 175.0, 275.0, 175.0])
    assert placement.people_per_area().tolist() == pytest.approx([600.0, 300.0])
    assert_conserved(placement)


def test_hxl_admin_labels_fall_back_to_boundary_names_then_codes(admin_files, h_net):
    folder, boundaries = admin_files
    path = write_text(folder / "admin.csv", "#adm2+code,#population\nCL01,6\nCL02,3\n")
    named = PopulationSource(
        path=path, boundaries=boundaries, code_property="pcode", name_property="label"
    )
    assert place_population(spec_of(named), h_net).areas == ("Poniente", "Oriente")
    plain = PopulationSource(path=path, boundaries=boundaries, code_property="pcode")
    assert place_population(spec_of(plain), h_net).areas == ("CL01", "CL02")


def test_hxl_admin_uses_the_code_column_that_matches_the_boundaries(admin_files, h_net):
    folder, _ = admin_files
    whole = polygon_feature(rectangle(-50, -50, 250, 150), pcode="CL")
    adm1 = write_geojson(folder / "adm1.geojson", [whole])
    text = "#adm1+code,#adm2+code,#population\nCL,CL01,600\nCL,CL02,300\n"
    path = write_text(folder / "admin.csv", text)
    source = PopulationSource(path=path, boundaries=adm1, code_property="pcode")
    placement = place_population(spec_of(source), h_net)
    assert placement.areas == ("CL",)
    # 900 people over 600 m of road: 1.5 per metre; each node ends 300 m of edge halves
    assert per_node(placement, h_net) == pytest.approx([225.0, 225.0, 225.0, 225.0])


def test_hxl_admin_code_without_boundary_names_the_row(admin_files, h_net):
    folder, boundaries = admin_files
    text = "code,pop\n#adm2+code,#population\nCL01,6\nCL09,3\n"
    path = write_text(folder / "admin.csv", text)
    source = PopulationSource(path=path, boundaries=boundaries, code_property="pcode")
    with pytest.raises(DataError, match=r"admin\.csv: row 4: admin code 'CL09' \(#adm2\+code\)"):
        place_population(spec_of(source), h_net)


# --- scaling, outside, aggregation ------------------------------------------------------------


def test_scaling_to_a_total_applies_one_factor_to_every_source(tmp_path, h_net):
    points = write_points_csv(tmp_path / "points.csv", [(0, 0, 60), (200, 100, 40)])
    area = polygon_feature(rectangle(-50, -50, 100, 150), population=300)
    areas = write_geojson(tmp_path / "areas.geojson", [area])
    spec = spec_of(PopulationSource(path=points), PopulationSource(path=areas), total=800)
    placement = place_population(spec, h_net)
    assert placement.scale == pytest.approx(2.0)
    assert [s.input_people for s in placement.sources] == pytest.approx([200.0, 600.0])
    assert placement.input_people == pytest.approx(800.0)
    assert per_node(placement, h_net) == pytest.approx([120 + 250, 50, 250, 80 + 50])
    assert_conserved(placement)


def test_point_outside_is_an_error_naming_file_row_distance_and_fix(tmp_path, h_net):
    path = write_points_csv(tmp_path / "far.csv", [(0, 0, 5), (5000, 0, 7)])
    with pytest.raises(DataError) as info:
        place_population(spec_of(PopulationSource(path=path)), h_net)
    message = str(info.value)
    assert message.startswith(
        f"{path}: row 4: the point is 4800 m from the nearest street of the network"
    )
    assert "max_snap_m = 1000 m" in message
    assert message.endswith(
        'set population.outside = "drop" to drop such people, or clip the population to the network'
    )
    assert "\n" not in message


def test_point_outside_is_dropped_and_recorded_when_asked(tmp_path, h_net):
    path = write_points_csv(tmp_path / "far.csv", [(0, 0, 5), (5000, 0, 7), (-3000, 0, 0)])
    placement = place_population(spec_of(PopulationSource(path=path), outside="drop"), h_net)
    source = placement.sources[0]
    (dropped,) = source.dropped  # the empty row outside carries nobody to record
    assert (dropped.where, dropped.people) == ("row 4", 7.0)
    assert "4800 m" in dropped.reason
    assert (source.input_people, source.placed_people, source.dropped_people) == (12.0, 5.0, 7.0)
    assert_conserved(placement)


def test_sources_sharing_a_label_share_the_area(tmp_path, h_net):
    lon, lat = lonlat(0, 0)
    text = f"#loc+name,#geo+lat,#geo+lon,#population\nCentro,{lat},{lon},4\n"
    first = write_text(tmp_path / "a.csv", text)
    second = write_text(tmp_path / "b.csv", text.replace(",4\n", ",6\n"))
    area = polygon_feature(rectangle(-50, -50, 250, 150), population=9, zone="Centro")
    third = write_geojson(tmp_path / "c.geojson", [area])
    spec = spec_of(
        PopulationSource(path=first),
        PopulationSource(path=second),
        PopulationSource(path=third, name_property="zone"),
    )
    placement = place_population(spec, h_net)
    assert placement.areas == ("Centro",)
    assert placement.people_per_area().tolist() == pytest.approx([19.0])
    assert int(np.sum(placement.origin_node == 0)) == 1  # one row per (area, node)
    assert per_node(placement, h_net)[0] == pytest.approx(10 + 9 / 4)


def test_unnamed_areas_of_two_sources_stay_apart(tmp_path, h_net):
    west = polygon_feature(rectangle(-50, -50, 100, 150), population=600)
    east = polygon_feature(rectangle(100, -50, 250, 150), population=300)
    spec = spec_of(
        PopulationSource(path=write_geojson(tmp_path / "west.geojson", [west])),
        PopulationSource(path=write_geojson(tmp_path / "east.geojson", [east]), name="Oriente"),
    )
    placement = place_population(spec, h_net)
    # both are "feature 0" of their file; the source's name keeps them two areas
    assert placement.areas == ("west.geojson feature 0", "Oriente feature 0")
    assert placement.people_per_area().tolist() == pytest.approx([600.0, 300.0])


def test_a_bad_second_source_fails_the_whole_placement(tmp_path, h_net):
    good = write_points_csv(tmp_path / "good.csv", [(0, 0, 5)])
    bad = write_points_csv(tmp_path / "bad.csv", [(0, 0, -1)])
    spec = spec_of(PopulationSource(path=good), PopulationSource(path=bad))
    with pytest.raises(DataError, match=r"bad\.csv: row 3: #population is negative"):
        place_population(spec, h_net)


# --- the real Coquimbo files ------------------------------------------------------------------

COQUIMBO_PEOPLE = 451_898.92


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "options", "placed_share"),
    [
        ("coquimbo_zones.geojson", {"name_property": "zone_id"}, 0.99),
        ("coquimbo_zones_hxl.csv", {}, 0.95),
    ],
)
def test_coquimbo_population_is_conserved_and_nearly_all_placed(
    shared_data: Path, coquimbo_network: Network, name, options, placed_share
):
    source = PopulationSource(path=shared_data / name, **options)
    placement = place_population(spec_of(source, outside="drop"), coquimbo_network)
    (account,) = placement.sources
    assert account.input_people == pytest.approx(COQUIMBO_PEOPLE, abs=0.01)
    assert account.placed_people + account.dropped_people == pytest.approx(
        account.input_people, rel=1e-12
    )
    assert placement.placed_people == pytest.approx(account.placed_people, rel=1e-12)
    assert account.placed_people >= placed_share * COQUIMBO_PEOPLE
    assert (placement.origin_people > 0).all()
    assert placement.origin_node.max() < coquimbo_network.node_count
    if name.endswith(".geojson"):
        assert len(placement.areas) == 133
        assert placement.areas[0] == "1"
        # spread along streets, not dumped on a few nodes
        assert np.unique(placement.origin_node).shape[0] > 5000


@pytest.mark.shared_data
def test_coquimbo_zones_without_roads_are_placed_or_named(shared_data, coquimbo_network):
    source = PopulationSource(path=shared_data / "coquimbo_zones.geojson", name_property="zone_id")
    # zones 13, 132 and 133 hold no walkable road; their boundaries lie 35, 280 and 332 m from
    # the nearest street
    placement = place_population(spec_of(source), coquimbo_network)
    assert placement.dropped_people == 0
    assert placement.placed_people == pytest.approx(COQUIMBO_PEOPLE, abs=0.01)
    with pytest.raises(DataError, match=r"coquimbo_zones\.geojson: feature 131 \(132\): no road"):
        place_population(spec_of(source, max_snap_m=50), coquimbo_network)
    placement = place_population(spec_of(source, max_snap_m=300, outside="drop"), coquimbo_network)
    (dropped,) = placement.sources[0].dropped
    assert (
        dropped.where == "feature 132 (133)" and "332 m from the nearest street" in dropped.reason
    )
