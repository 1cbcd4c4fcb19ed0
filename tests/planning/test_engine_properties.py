"""Properties of the planner on small random problems: the checker accepts every plan (so no
capacity is exceeded and no closed edge is used), and no plan beats its own lower bound or the
exact optimum."""

from __future__ import annotations

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
