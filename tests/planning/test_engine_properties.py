"""Properties of the planner on small random problems: the checker accepts every plan (so no
capacity is exceeded and no closed edge is used), and no plan beats its own lower bound or the
exact optimum."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from safepassage.planning.bound import lower_bounds
from safepassage.planning.checker import check_plan
from safepassage.planning.engine import run_engine
from tests.planning.conftest import exact_clearance
from tests.planning.test_bound import served_sources, tiny_problems

RANDOM = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _everyone_out(plan) -> bool:
    return all("horizon" not in u.reason for u in plan.unserved)


@RANDOM
@given(tiny_problems(), st.sampled_from(["balanced", "nearest"]), st.booleans())
def test_checker_accepts_every_plan(problem, choice, reroute):
    plan = run_engine(problem, choice=choice, reroute=reroute, min_packet_people=1.0)
    report = check_plan(problem, plan)
    assert report.ok, report.summary()


@RANDOM
@given(tiny_problems(road_limited=True))
def test_road_limited_plans_are_feasible(problem):
    plan = run_engine(problem, choice="balanced", reroute=True, min_packet_people=1.0)
    assert check_plan(problem, plan).ok


@RANDOM
@given(tiny_problems())
def test_no_plan_beats_its_bound_or_the_optimum(problem):
    plan = run_engine(problem, choice="balanced", reroute=True, min_packet_people=1.0)
    assume(_everyone_out(plan) and plan.evacuees > 0)
    bound = lower_bounds(problem)
    assert plan.clearance_time_min >= bound.value_min - 1e-6
    exact = exact_clearance(problem, served_sources(problem), subdivisions=1)
    assume(exact is not None)
    assert plan.clearance_time_min >= exact - 1e-6


@st.composite
def driven_problems(draw):
    """Road-limited problems in which each group takes its own share of a street's capacity per
    person, as vehicles of different sizes and occupancies do in drive mode."""
    problem = draw(tiny_problems(road_limited=True))
    units = draw(
        st.lists(
            st.sampled_from([0.05, 0.375, 1.0, 2.0]),
            min_size=len(problem.groups),
            max_size=len(problem.groups),
        )
    )
    return dataclasses.replace(problem, person_units=np.array(units))


@RANDOM
@given(driven_problems(), st.booleans())
def test_vehicle_plans_keep_capacity_and_bound(problem, reroute):
    plan = run_engine(problem, choice="balanced", reroute=reroute, min_packet_people=1.0)
    report = check_plan(problem, plan)
    assert report.ok, report.summary()
    assume(_everyone_out(plan) and plan.evacuees > 0)
    assert plan.clearance_time_min >= lower_bounds(problem).value_min - 1e-6
