"""Hand-made scenarios with known answers, planned end to end and replayed by the checker."""

from __future__ import annotations

import numpy as np
import pytest

from safepassage.io.prepare import prepare_scenario
from safepassage.io.scenario_file import load_scenario
from safepassage.planning.checker import check_plan
from safepassage.planning.engine import run_engine
from safepassage.planning.problem import build_problem
from tests.conftest import write_osm

LAT = 34.0
DEG_100M = 100 / 92_300  # about 100 m of longitude at 34° N

SCENARIO = """
name = "case"
timezone = "UTC"
start = 2026-12-01T06:00:00
[network]
osm = "city.osm.pbf"
[population]
[[population.sources]]
path = "people.csv"
{groups}
[[corridors]]
id = "C1"
name = "East gate"
lat = {lat}
lon = {east}
throughput_pph = {throughput}
eligible_groups = {eligible1}
windows.daily = [{window}]
[[corridors]]
id = "C2"
name = "West gate"
lat = {lat}
lon = {west}
throughput_pph = 60000
eligible_groups = {eligible2}
windows.daily = [["00:00", "24:00"]]
{hazards}
"""


def build(
    tmp_path,
    *,
    people,
    bridge_width="1",
    throughput=60000,
    window='["00:00", "24:00"]',
    groups="",
    eligible1='["general"]',
    eligible2='["general"]',
    hazards="",
    west_far=True,
):
    # a street west-east: W(1) .. 2 .. S(3, people) .. 4 == bridge == 5 .. E(6)
    # and a short spur north from S, so that S stays a junction of the contracted network
    xs = {1: -40, 2: -20, 3: 0, 4: 2, 5: 4, 6: 6}
    if not west_far:
        xs[1] = -6
    nodes = {i: (30.0 + x * DEG_100M, LAT) for i, x in xs.items()}
    nodes[7] = (30.0, LAT + 0.0005)
    ways = [
        (9, [3, 7], {"highway": "residential"}),
        (10, [1, 2, 3, 4], {"highway": "residential"}),
        (11, [4, 5], {"highway": "footway", "bridge": "yes", "width": bridge_width}),
        (12, [5, 6], {"highway": "residential"}),
    ]
    write_osm(tmp_path / "city.osm.pbf", nodes, ways)
    lon3, lat3 = nodes[3]
    (tmp_path / "people.csv").write_text(
        f"#geo+lat,#geo+lon,#population\n{lat3},{lon3},{people}\n", encoding="utf-8"
    )
    text = SCENARIO.format(
        lat=LAT,
        east=nodes[6][0],
        west=nodes[1][0],
        throughput=throughput,
        window=window,
        groups=groups,
        eligible1=eligible1,
        eligible2=eligible2,
        hazards=hazards,
    )
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    prepared = prepare_scenario(scenario)
    corridor_nodes = np.array([s.node for s in prepared.corridor_snaps])
    return build_problem(scenario, prepared.network, prepared.population, corridor_nodes)


def planned(problem, choice="balanced"):
    plan = run_engine(problem, choice=choice, reroute=True)
    report = check_plan(problem, plan)
    assert report.ok, report.summary()
    return plan


def test_single_bottleneck_bridge(tmp_path):
    # west gate 4 km away; the bridge (1 m: 78 people a minute) leads to the east gate 600 m away
    problem = build(tmp_path, people=7800)
    plan = planned(problem)
    east = problem.corridor_ids.index("C1")
    crossing_east = plan.packet_people[plan.packet_corridor == east].sum()
    # 100 minutes of bridge capacity; walking west takes 4000 m / 1.2 m/s = 56 min, so the plan
    # sends the late part of the crowd west, and everyone is out well before the bridge alone
    # could have carried them (100 min + 8 min walk)
    assert 0 < crossing_east < 7800
    assert plan.clearance_time_min < 100
    baseline = run_engine(problem, choice="nearest", reroute=False)
    assert check_plan(problem, baseline).ok
    assert baseline.clearance_time_min >= 100  # all over the bridge, 78 a minute
    assert plan.clearance_time_min < baseline.clearance_time_min


def test_corridor_open_only_from_eight(tmp_path):
    # start 06:00 UTC; the east gate opens 08:00-18:00 and the west gate is closed to general
    problem = build(
        tmp_path,
        people=500,
        window='["08:00", "18:00"]',
        eligible2='["nobody"]',
        groups='[[groups]]\nid = "general"\nshare = 1.0\n[[groups]]\nid = "nobody"\nshare = 0.0',
    )
    plan = planned(problem)
    assert plan.proc_step.min() * problem.step_min >= 120  # nobody crosses before 08:00
    assert plan.clearance_time_min <= 125


def test_ineligible_group_uses_its_own_corridor(tmp_path):
    groups = (
        '[[groups]]\nid = "general"\nshare = 0.5\n[[groups]]\nid = "mobility_impaired"\n'
        "share = 0.5\nwalking_speed_mps = 0.6"
    )
    problem = build(
        tmp_path,
        people=1000,
        groups=groups,
        eligible1='["general"]',
        eligible2='["mobility_impaired"]',
    )
    plan = planned(problem)
    group = problem.source_group[plan.packet_source]
    impaired = problem.groups.index("mobility_impaired")
    west = problem.corridor_ids.index("C2")
    assert (plan.packet_corridor[group == impaired] == west).all()
    assert (plan.packet_corridor[group != impaired] != west).all()
    # 4000 m at 0.6 m/s = 111 min for the slowest
    assert plan.clearance_time_min >= 111


def test_hazard_closing_the_bridge_forces_the_long_way(tmp_path):
    lon4 = 30.0 + 3 * DEG_100M
    ring = [
        [lon4 - 0.0001, LAT - 0.001],
        [lon4 + 0.0001, LAT - 0.001],
        [lon4 + 0.0001, LAT + 0.001],
        [lon4 - 0.0001, LAT + 0.001],
    ]
    hazards = f'[[hazards]]\nid = "H1"\neffect = "close"\npolygon = {ring}'
    problem = build(tmp_path, people=1000, hazards=hazards)
    plan = planned(problem)
    assert (plan.packet_corridor == problem.corridor_ids.index("C2")).all()
    closed = np.flatnonzero(~problem.edge_open)
    assert closed.size and not np.isin(plan.path_edge, closed).any()


def test_unreachable_people_are_reported_not_planned(tmp_path):
    problem = build(
        tmp_path,
        people=300,
        eligible1='["nobody"]',
        eligible2='["nobody"]',
        groups='[[groups]]\nid = "general"\nshare = 1.0\n[[groups]]\nid = "nobody"\nshare = 0.0',
    )
    plan = run_engine(problem, choice="balanced", reroute=True)
    assert plan.packet_count == 0
    assert sum(u.people for u in plan.unserved) == pytest.approx(300)
    assert "no open corridor admits group general" in plan.unserved[0].reason
    assert check_plan(problem, plan).ok
