"""Drive mode end to end on hand-made road networks with known answers: lane capacity times
people per vehicle, one-way streets, contraflow; every plan replayed by the checker and compared
with its lower bound."""

from __future__ import annotations

import numpy as np
import pytest

from safepassage.io.prepare import prepare_scenario
from safepassage.io.scenario_file import load_scenario
from safepassage.planning.bound import lower_bounds
from safepassage.planning.checker import check_plan
from safepassage.planning.engine import run_engine
from safepassage.planning.problem import build_problem
from tests.conftest import write_osm
from tests.planning.test_planner_cases import DEG_100M, LAT

SCENARIO = """
name = "drive case"
timezone = "UTC"
start = 2026-12-01T06:00:00
[network]
osm = "city.osm.pbf"
mode = "drive"
[drive]
people_per_vehicle = 10.0
vehicle_pce = 1.0
contraflow = {contraflow}
[population]
[[population.sources]]
path = "people.csv"
[[groups]]
id = "general"
share = 1.0
[[groups]]
id = "nobody"
share = 0.0
[[corridors]]
id = "EAST"
name = "East gate"
lat = {lat}
lon = {east}
throughput_pph = 1000000
windows.daily = [["00:00", "24:00"]]
[[corridors]]
id = "WEST"
name = "West gate"
lat = {lat}
lon = {west}
throughput_pph = 1000000
eligible_groups = ["nobody"]
windows.daily = [["00:00", "24:00"]]
"""


def _build(tmp_path, *, people, east_tags, west_tags=None, contraflow=False):
    """S (people) in the middle of a west-east road; the east gate 600 m away along a street
    tagged ``east_tags``, the west end 2 km away along one tagged ``west_tags``; a loop north
    joins the gate back to the west end, so the network stays strongly connected whatever the
    direction of one of the two streets."""
    xs = {1: -20, 2: -10, 3: 0, 4: 3, 5: 6}
    nodes = {i: (30.0 + x * DEG_100M, LAT) for i, x in xs.items()}
    nodes[6] = (nodes[5][0], LAT + 0.01)  # about 1.1 km north of the gate
    nodes[7] = (nodes[1][0], LAT + 0.01)
    nodes[8] = (30.0, LAT + 0.0005)  # a spur keeping S a junction
    two_way = {"highway": "residential", "maxspeed": "36"}
    ways = [
        (9, [3, 8], two_way),
        (10, [1, 2, 3], {**two_way, **(west_tags or {})}),
        (11, [3, 4, 5], {"highway": "residential", "maxspeed": "36", **east_tags}),
        (12, [5, 6, 7, 1], two_way),
    ]
    write_osm(tmp_path / "city.osm.pbf", nodes, ways)
    lon3, lat3 = nodes[3]
    (tmp_path / "people.csv").write_text(
        f"#geo+lat,#geo+lon,#population\n{lat3},{lon3},{people}\n", encoding="utf-8"
    )
    text = SCENARIO.format(
        lat=LAT, east=nodes[5][0], west=nodes[1][0], contraflow=str(contraflow).lower()
    )
    (tmp_path / "scenario.toml").write_text(text, encoding="utf-8")
    scenario = load_scenario(tmp_path / "scenario.toml")
    prepared = prepare_scenario(scenario)
    corridor_nodes = np.array([s.node for s in prepared.corridor_snaps])
    return build_problem(scenario, prepared.network, prepared.population, corridor_nodes)


def _plan_and_bound(problem):
    plan = run_engine(problem, choice="balanced", reroute=True)
    report = check_plan(problem, plan)
    assert report.ok, report.summary()
    bound = lower_bounds(problem)
    assert bound.value_min <= plan.clearance_time_min + 1e-6
    return plan, bound


# residential lane: 1,900 pc/h × green share 0.5 = 15.83 passenger cars a minute
LANE_PC_PER_MIN = 1900 * 0.5 / 60


@pytest.mark.parametrize(
    ("east_tags", "contraflow", "lanes_out"),
    [
        ({}, False, 1),  # untagged two-way street: one lane each way
        ({"lanes": "4"}, False, 2),  # two lanes each way
        ({"lanes": "4"}, True, 4),  # contraflow: all four lanes outbound
    ],
)
def test_lane_capacity_times_people_per_vehicle(tmp_path, east_tags, contraflow, lanes_out):
    # 10 people a car: the street out of S lets lanes × 158.3 people a minute through; the
    # street west runs one way into S, so it is the only way out
    people = 15_833
    problem = _build(
        tmp_path,
        people=people,
        east_tags=east_tags,
        west_tags={"oneway": "yes"},
        contraflow=contraflow,
    )
    assert problem.units_per_person[0] == pytest.approx(0.1)
    plan, bound = _plan_and_bound(problem)
    assert (plan.packet_corridor == problem.corridor_ids.index("EAST")).all()
    push_min = people / (lanes_out * LANE_PC_PER_MIN * 10)  # 100, 50, 25 minutes
    drive_min = 600 / 10 / 60  # 600 m at 36 km/h
    assert push_min <= plan.clearance_time_min <= push_min + drive_min + 3
    assert bound.value_min >= push_min - 1  # the road relaxation sees the street's capacity


def test_one_way_street_is_driven_only_its_way(tmp_path):
    # the direct street runs from the gate towards S (oneway=-1 against its drawing S -> gate):
    # cars from S must take the 4.4 km loop through the west end and the north road
    problem = _build(tmp_path, people=100, east_tags={"oneway": "-1"})
    net = problem.network
    assert net.oneway.any()
    plan, _ = _plan_and_bound(problem)
    route_m = net.length_m[plan.path_edge].sum() / plan.packet_count
    assert route_m > 4000
    assert plan.clearance_time_min >= 4000 / 10 / 60


def test_one_way_street_the_right_way_is_the_short_way(tmp_path):
    problem = _build(tmp_path, people=100, east_tags={"oneway": "yes"})
    plan, _ = _plan_and_bound(problem)
    net = problem.network
    route_m = net.length_m[plan.path_edge].sum() / plan.packet_count
    assert route_m == pytest.approx(600, rel=0.05)
