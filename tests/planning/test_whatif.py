"""What-if re-plans: the stitched plan of the changed problem passes the checker, keeps every
person accounted for, and honours the closure from its moment on."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.planning.checker import check_plan
from safepassage.planning.engine import run_engine
from safepassage.planning.whatif import what_if
from tests.planning.test_bound import tiny_problems
from tests.planning.test_planner_cases import build

RANDOM = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _accounted(problem, plan) -> float:
    return plan.evacuees + sum(u.people for u in plan.unserved)


@RANDOM
@given(
    tiny_problems(),
    st.integers(0, 40),
    st.data(),
    st.sampled_from([0.0, 0.5, 2.0]),
)
def test_what_if_plans_pass_the_checker(problem, at_step, data, factor):
    base = run_engine(problem, choice="balanced", reroute=True, min_packet_people=1.0)
    corridor = data.draw(st.sampled_from(problem.corridor_ids))
    close = [corridor] if factor == 0.0 else []
    factors = {} if close else {corridor: factor}
    result = what_if(
        problem, base, at_min=at_step * problem.step_min, close=close, throughput_factor=factors
    )
    report = check_plan(result.problem, result.plan)
    assert report.ok, report.summary()
    assert _accounted(problem, result.plan) == pytest.approx(problem.total_people, abs=1e-6)


def test_closing_the_east_gate_sends_the_rest_west(tmp_path):
    # 7,800 people, the east gate over a narrow bridge; close it after 30 minutes
    problem = build(tmp_path, people=7800)
    base = run_engine(problem, choice="balanced", reroute=True)
    east = problem.corridor_ids.index("C1")
    result = what_if(problem, base, at_min=30.0, close=["C1"])
    plan = result.plan
    assert check_plan(result.problem, plan).ok
    corridor_of_step = np.repeat(plan.packet_corridor, np.diff(plan.proc_indptr))
    east_steps = plan.proc_step[corridor_of_step == east]
    assert east_steps.size and east_steps.max() < 30  # nobody crosses east once it is closed
    assert result.continued_people > 0
    assert plan.evacuees == pytest.approx(7800)
    # the same people, whatever the number of packets their continuations were merged into
    by_source = np.bincount(plan.packet_source, weights=plan.packet_people)
    assert by_source.sum() == pytest.approx(problem.source_people.sum())
