"""Lower bounds: hand cases with known optima, and on random tiny problems never above the exact
optimum of a time-expanded LP."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import breadth_first_order

from safepassage.errors import SafepassageError
from safepassage.planning.bound import COMPONENTS, lower_bounds
from safepassage.planning.bound_corridors import build_demand, corridor_bound
from safepassage.planning.bound_flow import people_scale
from safepassage.planning.bound_walk import shortest_walks
from safepassage.planning.problem import PlanningProblem
from tests.planning.conftest import exact_clearance, tiny_problem


def served_sources(problem: PlanningProblem) -> np.ndarray:
    """Sources whose group can reach an eligible corridor with some capacity (plain BFS)."""
    net = problem.network
    graph = net.to_csgraph("length_m")  # closed edges left out
    served = np.zeros(problem.source_node.shape[0], bool)
    usable = problem.eligible & (problem.corridor_capacity.sum(axis=1) > 0)[None, :]
    for s, (node, group) in enumerate(zip(problem.source_node, problem.source_group, strict=True)):
        reach = breadth_first_order(graph, int(node), return_predecessors=False)
        served[s] = np.isin(problem.corridor_node[usable[group]], reach).any()
    return served


# -- hand cases ----------------------------------------------------------------------------------


def bridge(people: float = 1000.0, bridge_cap: float = 10.0) -> PlanningProblem:
    """0 --5 min-- 1 ==bridge, 2 min, 10/min== 2 --3 min-- 3 (corridor, fast)."""
    return tiny_problem(
        4,
        [(0, 1), (1, 2), (2, 3)],
        minutes=[5.0, 2.0, 3.0],
        capacity=[500.0, bridge_cap, 500.0],
        corridors=[3],
        corridor_capacity=1000.0,
        sources=[(0, 0, people)],
        steps=200,
    )


def test_bridge_bottleneck_gives_throughput_plus_walk():
    problem = bridge()
    # 100 minutes of bridge entries from minute 5, the last at 104, processed in step 109
    assert exact_clearance(problem, served_sources(problem)) == 110.0
    report = lower_bounds(problem)
    assert report.components["walk"] == 11.0
    assert report.components["roads"] == 110.0
    assert report.value_min == 110.0


@pytest.mark.parametrize("bound_step_min", [2.0, 5.0, 7.0])
def test_bridge_with_coarse_buckets_stays_valid_and_close(bound_step_min):
    report = lower_bounds(bridge(), bound_step_min=bound_step_min)
    assert 100.0 <= report.components["roads"] <= 110.0


def test_corridor_open_only_0800_to_1800():
    start_open, end_open = 120, 720  # minutes after the 06:00 start
    cap = np.zeros((1, 800))
    cap[0, start_open:end_open] = 100.0
    problem = tiny_problem(
        2,
        [(0, 1)],
        minutes=[30.0],
        capacity=1e4,
        corridors=[1],
        corridor_capacity=cap,
        sources=[(0, 0, 6000.0)],
        steps=800,
    )
    report = lower_bounds(problem)
    assert report.components["walk"] == 121.0  # waits for the opening
    assert report.components["throughput"] == 180.0  # 60 minutes of processing from 08:00
    assert report.value_min == 180.0
    assert exact_clearance(problem, served_sources(problem)) == 180.0


def test_ineligible_group_is_forced_onto_its_one_corridor():
    # C0 5 min away for group 0 only; C1 20 min away, 10/min, the only one for group 1
    problem = tiny_problem(
        3,
        [(0, 1), (0, 2)],
        minutes=[[5.0, 20.0], [5.0, 20.0]],
        capacity=1e4,
        corridors=[1, 2],
        corridor_capacity=[1e4, 10.0],
        eligible=[[True, False], [False, True]],
        sources=[(0, 0, 100.0), (0, 1, 500.0)],
        steps=120,
    )
    report = lower_bounds(problem)
    assert report.components["throughput"] == 50.0
    assert report.components["corridors"] == 70.0  # arrives at 20, 50 minutes of processing
    assert report.value_min == exact_clearance(problem, served_sources(problem)) == 70.0


def test_hazard_closed_edge_forces_the_detour():
    # direct 0-2 (5 min) closed; detour 0-1-2 (10 + 10 min) with 10/min on its first edge
    problem = tiny_problem(
        3,
        [(0, 2), (0, 1), (1, 2)],
        minutes=[5.0, 10.0, 10.0],
        capacity=[1e4, 10.0, 1e4],
        closed=[True, False, False],
        corridors=[2],
        corridor_capacity=1e4,
        sources=[(0, 0, 200.0)],
        steps=100,
    )
    report = lower_bounds(problem)
    assert report.components["walk"] == 21.0
    assert report.components["roads"] == 40.0  # last entry at 19, arrival 39
    assert report.value_min == exact_clearance(problem, served_sources(problem)) == 40.0


def test_last_release_bounds_the_clearance():
    problem = tiny_problem(
        2,
        [(0, 1)],
        minutes=[4.0],
        capacity=1e4,
        corridors=[1],
        corridor_capacity=1e4,
        sources=[(0, 0, 100.0)],
        release_cdf=[0.0, 0.5, 0.5, 1.0],
        steps=30,
    )
    report = lower_bounds(problem)
    assert report.components["walk"] == 6.0
    assert report.components["release"] == 8.0
    assert report.value_min == exact_clearance(problem, served_sources(problem)) == 8.0


def test_unserved_sources_are_left_out_and_noted():
    problem = tiny_problem(
        3,
        [(0, 1), (1, 2)],
        minutes=[3.0, 3.0],
        capacity=1e4,
        closed=[False, True],
        corridors=[1],
        corridor_capacity=1e4,
        sources=[(0, 0, 10.0), (2, 0, 10.0)],
        steps=20,
    )
    report = lower_bounds(problem)
    assert report.value_min == 4.0
    assert any("1 source(s)" in note for note in report.notes)


def test_source_at_a_corridor_is_processed_in_its_release_step():
    problem = tiny_problem(
        2,
        [(0, 1)],
        minutes=[3.0],
        capacity=1e4,
        corridors=[0],
        corridor_capacity=10.0,
        sources=[(0, 0, 25.0)],
        steps=20,
    )
    report = lower_bounds(problem)
    assert report.value_min == exact_clearance(problem, served_sources(problem)) == 3.0


def test_options_are_validated():
    with pytest.raises(SafepassageError, match="bound_step_min"):
        lower_bounds(bridge(), bound_step_min=0.0)
    with pytest.raises(SafepassageError, match="time_limit_s"):
        lower_bounds(bridge(), time_limit_s=0.0)


def test_time_limit_keeps_a_valid_bound():
    t0 = time.perf_counter()
    report = lower_bounds(bridge(), time_limit_s=1e-6)
    assert time.perf_counter() - t0 < 5.0
    assert 0.0 < report.value_min <= 110.0
    assert any("time limit" in note for note in report.notes)


# -- random tiny problems against the exact LP ---------------------------------------------------


@st.composite
def tiny_problems(draw, subdivisions: int = 1, step_min: float = 1.0, road_limited: bool = False):
    """Edge times are whole multiples of ``step_min / subdivisions``; ``road_limited`` makes
    corridors fast and crowds large, so that streets decide."""
    n = draw(st.integers(2, 8))
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1])
    edges = draw(st.lists(pairs, min_size=1, max_size=12))
    m = len(edges)
    unit = step_min / subdivisions
    whole = st.integers(0, 4 * subdivisions).map(lambda k: k * unit)
    fast = np.array(draw(st.lists(whole, min_size=m, max_size=m)))
    groups = draw(st.integers(1, 2))
    slow = fast + np.array(draw(st.lists(whole, min_size=m, max_size=m)))
    minutes = np.stack([fast, slow][:groups])
    capacity = draw(st.lists(st.sampled_from([1.0, 2.5, 4.0, 10.0, 1e3]), min_size=m, max_size=m))
    corridor_rates = [60.0, 1e3] if road_limited else [0.0, 0.5, 3.0, 8.0]
    crowds = [10.0, 25.0, 60.0] if road_limited else [0.5, 3.0, 7.0, 20.0]
    corridors = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
    steps = 40
    cap = np.array([[draw(st.sampled_from(corridor_rates))] * steps for _ in corridors])
    for row in cap:  # a window: closed before `a` and from `b`
        a, b = sorted(draw(st.lists(st.integers(0, steps), min_size=2, max_size=2)))
        row[:a] = 0.0
        row[b:] = 0.0
    eligible = np.array(
        [
            draw(st.lists(st.booleans(), min_size=len(corridors), max_size=len(corridors)))
            for _ in range(groups)
        ]
    )
    sources = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, groups - 1), st.sampled_from(crowds)),
            min_size=1,
            max_size=4,
        )
    )
    jumps = draw(st.lists(st.sampled_from([0.0, 0.25, 0.5]), min_size=0, max_size=3))
    cdf = [*np.minimum(np.cumsum(jumps), 1.0).tolist(), 1.0]
    return tiny_problem(
        n,
        edges,
        minutes=minutes,
        capacity=capacity,
        corridors=corridors,
        corridor_capacity=cap,
        sources=sources,
        steps=steps,
        step_min=step_min,
        eligible=eligible,
        release_cdf=cdf,
        oneway=draw(st.lists(st.booleans(), min_size=m, max_size=m)),
        closed=draw(
            st.lists(st.booleans(), min_size=m, max_size=m).map(
                lambda c: [x and i % 3 == 0 for i, x in enumerate(c)]
            )
        ),
    )


def check_against_exact(problem: PlanningProblem, subdivisions: int, **options) -> None:
    served = served_sources(problem)
    exact = exact_clearance(problem, served, subdivisions=subdivisions)
    assume(exact is not None)
    report = lower_bounds(problem, **options)
    for name in COMPONENTS:
        assert report.components[name] <= exact + 1e-6, (name, report, exact)
    assert report.value_min == max(report.components.values())
    assert report.components["corridors"] >= report.components["throughput"]


AGAINST_LP = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@AGAINST_LP
@given(tiny_problems())
def test_no_bound_exceeds_the_exact_optimum(problem):
    check_against_exact(problem, 1)


@AGAINST_LP
@given(tiny_problems(subdivisions=2), st.sampled_from([None, 1.0, 2.0, 3.0, 5.0]))
def test_half_minute_edges_and_coarse_buckets_stay_below_the_optimum(problem, bound_step_min):
    check_against_exact(problem, 2, bound_step_min=bound_step_min)


@AGAINST_LP
@given(tiny_problems(road_limited=True), st.sampled_from([None, 2.0, 3.0]))
def test_road_limited_problems_stay_below_the_optimum(problem, bound_step_min):
    check_against_exact(problem, 1, bound_step_min=bound_step_min)


@AGAINST_LP
@given(tiny_problems(subdivisions=4, step_min=2.0, road_limited=True))
def test_two_minute_steps_and_half_minute_edges_stay_below_the_optimum(problem):
    check_against_exact(problem, 4)


@AGAINST_LP
@given(tiny_problems(), st.integers(2, 7))
def test_coarse_corridor_buckets_stay_below_the_optimum(problem, bucket):
    served = served_sources(problem)
    exact = exact_clearance(problem, served)
    assume(exact is not None and served.any())
    walks = shortest_walks(problem)
    assert (walks.served == served).all()
    demand = build_demand(problem, walks, bucket, people_scale(problem.total_people))
    found = corridor_bound(
        demand, floor_steps=1, start=1, limit=problem.steps, deadline=time.perf_counter() + 60
    )
    assert found.steps * problem.step_min <= exact + 1e-6


@AGAINST_LP
@given(tiny_problems())
def test_corridor_bound_is_exact_when_roads_do_not_bind(problem):
    # with streets of unlimited capacity everyone walks a shortest path and queues at the
    # corridor: the corridor relaxation (1-step buckets on tiny problems) is the model itself
    free = dataclasses.replace(problem, edge_capacity=np.full_like(problem.edge_capacity, 1e9))
    served = served_sources(free)
    exact = exact_clearance(free, served)
    assume(exact is not None and served.any())
    report = lower_bounds(free)
    assert report.components["corridors"] == pytest.approx(exact)
    for name in ("walk", "release", "throughput"):
        assert report.components["corridors"] >= report.components[name]
