"""The checker accepts a correct plan and rejects each broken rule, by exactly that rule."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from safepassage.planning.checker import RULES, CheckReport, check_plan
from safepassage.planning.plan import Plan, Unserved
from tests.planning.checker_cases import (
    bridge_packets,
    bridge_plan,
    bridge_problem,
    greedy_plan,
    line_problem,
)

T, F = True, False


def broken_rules(report: CheckReport) -> set[str]:
    return {rule for rule, n in report.counts.items() if n}


def with_packets(**changes: dict[str, object]) -> Plan:
    """The bridge plan with some fields of some packets replaced."""
    packets = bridge_packets()
    for name, fields in changes.items():
        packets[name] = dataclasses.replace(packets[name], **fields)  # type: ignore[arg-type]
    return bridge_plan(packets)


def test_correct_plan_passes_with_the_bridge_and_gate_full():
    report = check_plan(bridge_problem(), bridge_plan())
    assert report.ok, report.summary()
    assert report.violations == []
    assert set(report.counts) == set(RULES)
    assert report.stats["people"] == 45.0
    assert report.stats["packets"] == 6
    assert report.stats["max_edge_load_ratio"] == 1.0  # the bridge carries exactly 10 a minute
    assert report.stats["max_corridor_load_ratio"] == 1.0
    assert report.stats["clearance_time_min"] == 11.0
    assert "plan OK" in report.summary()


# Each case changes one packet of the correct plan so that exactly one rule breaks.
ONE_RULE_BROKEN = {
    "one person fewer planned than source 0 holds": (
        "conservation",
        {"A": {"people": 9.0, "proc": [(7, 5.0), (8, 4.0)]}},
    ),
    "a packet processed short of its people": (
        "conservation",
        {"A": {"proc": [(7, 5.0), (8, 4.0)]}},
    ),
    "the bridge walked from the wrong end": (
        "path",
        {"A": {"arcs": [(0, T, 1.0), (1, F, 3.0), (2, T, 6.0)]}},
    ),
    "the bridge entered before its approach is walked": (
        "path",
        {"A": {"arcs": [(0, T, 1.0), (1, T, 2.0), (2, T, 6.0)]}},
    ),
    "the first street entered before departure": ("path", {"A": {"depart": 1.5}}),
    "a route that stops short of its corridor": (
        "path",
        {"C": {"arcs": [(0, T, 3.0), (1, T, 6.0)]}},
    ),
    "no route from a source away from the corridor": ("path", {"M": {"arcs": []}}),
    "a one-way street walked backwards": (
        "path",
        {
            "D": {
                "arcs": [(0, T, 3.0), (1, T, 6.0), (2, T, 9.0), (2, F, 10.0), (2, T, 11.0)],
                "arrive": 12.0,
                "proc": [(12, 1.0)],
            }
        },
    ),
    "a route through the closed shortcut": ("closed_edge", {"A": {"arcs": [(3, T, 1.0)]}}),
    "one person too many on the bridge in one step": (
        "edge_capacity",
        {"D": {"arcs": [(0, T, 3.0), (1, T, 5.0), (2, T, 9.0)]}},
    ),
    "the general group at the mobility-only corridor": (
        "eligibility",
        {
            "C": {
                "corridor": 1,
                "arcs": [(0, T, 3.0), (1, T, 6.0)],
                "arrive": 9.0,
                "proc": [(9, 9.0)],
            }
        },
    ),
    "a departure before anyone is ready": ("release", {"A": {"depart": 0.0}}),
    "20 leave at minute 1 when 15 are ready": ("release", {"B": {"depart": 1.0}}),
    "an arrival sooner than the walk": ("arrival", {"C": {"arrive": 9.5}}),
    "processed one step before arrival": ("processing", {"M": {"proc": [(9, 10.0)]}}),
    "processed after the horizon": ("processing", {"A": {"proc": [(7, 6.0), (20, 4.0)]}}),
    "processed while the corridor is closed": ("window", {"E": {"proc": [(4, 5.0)]}}),
    "two packets through the gate in one step": (
        "corridor_capacity",
        {"B": {"proc": [(10, 10.0)]}},
    ),
}


@pytest.mark.parametrize("case", ONE_RULE_BROKEN, ids=list(ONE_RULE_BROKEN))
def test_each_broken_rule_is_caught_alone(case):
    rule, changes = ONE_RULE_BROKEN[case]
    report = check_plan(bridge_problem(), with_packets(**changes))
    assert not report.ok
    assert broken_rules(report) == {rule}, report.summary()
    assert all(v.rule == rule and v.message for v in report.violations)


def test_bridge_overload_names_edge_step_and_load():
    report = check_plan(
        bridge_problem(), with_packets(D={"arcs": [(0, T, 3.0), (1, T, 5.0), (2, T, 9.0)]})
    )
    (v,) = report.violations
    assert (v.edge, v.step) == (1, 5)
    assert "11.00 people" in v.message and "capacity 10.00" in v.message
    assert report.stats["max_edge_load_ratio"] == pytest.approx(1.1)


def test_early_processing_names_packet_and_step():
    report = check_plan(bridge_problem(), with_packets(M={"proc": [(9, 10.0)]}))
    (v,) = report.violations
    assert (v.packet, v.step) == (4, 9)
    assert "mobility" in v.message


def test_gate_overload_names_corridor_and_step():
    report = check_plan(bridge_problem(), with_packets(B={"proc": [(10, 10.0)]}))
    (v,) = report.violations
    assert (v.corridor, v.step) == (0, 10)
    assert "C0" in v.message
    assert report.stats["max_corridor_load_ratio"] == 2.0


def test_unserved_beyond_the_source_breaks_conservation():
    plan = bridge_plan(unserved=[Unserved(0, 1.0, "no eligible corridor")])
    report = check_plan(bridge_problem(), plan)
    assert broken_rules(report) == {"conservation"}
    assert report.violations[0].source == 0


def test_not_a_number_is_never_accepted():
    report = check_plan(bridge_problem(), with_packets(C={"people": math.nan}))
    assert "conservation" in broken_rules(report)
    report = check_plan(bridge_problem(), with_packets(C={"arrive": math.nan}))
    assert "arrival" in broken_rules(report)


def test_wrong_stated_clearance():
    report = check_plan(bridge_problem(), bridge_plan(), claimed_clearance_min=10.0)
    assert broken_rules(report) == {"clearance"}
    assert check_plan(bridge_problem(), bridge_plan(), claimed_clearance_min=11.0).ok


def test_malformed_plans_are_reported_not_raised():
    problem = bridge_problem()
    plan = bridge_plan(step_min=2.0)
    assert broken_rules(check_plan(problem, plan)) == {"structure"}
    good = bridge_plan()
    short = dataclasses.replace(good, path_indptr=good.path_indptr[:-1])
    assert broken_rules(check_plan(problem, short)) == {"structure"}
    alien = dataclasses.replace(good, packet_corridor=good.packet_corridor + 5)
    report = check_plan(problem, alien)
    assert broken_rules(report) == {"structure"}
    assert "packet_corridor" in report.violations[0].message


def test_within_tolerance_passes_and_beyond_fails():
    nudged = with_packets(A={"people": 10.0 + 1e-7, "proc": [(7, 6.0 + 1e-7), (8, 4.0)]})
    plan = dataclasses.replace(nudged, unserved=[])
    assert check_plan(bridge_problem(), plan).ok  # 1e-7 of a person on a full bridge
    assert not check_plan(bridge_problem(), plan, tolerance=1e-9).ok


def test_violations_are_capped_per_rule_but_all_counted():
    plan = with_packets(A={"arcs": [(0, T, 1.0), (1, F, 3.0), (2, T, 6.0)]})
    report = check_plan(bridge_problem(), plan, max_per_rule=1)
    assert report.counts["path"] == 2  # both joints of the reversed bridge
    assert len(report.violations) == 1
    assert "path: 2" in report.summary()


def test_empty_plan_with_everyone_unserved_passes():
    problem = bridge_problem()
    unserved = [Unserved(s, float(n), "cut off") for s, n in enumerate(problem.source_people)]
    plan = bridge_plan({}, unserved=unserved)
    report = check_plan(problem, plan)
    assert report.ok, report.summary()
    assert report.stats["clearance_time_min"] == 0.0


# -- property tests on random lines -------------------------------------------------------------


@st.composite
def line_cases(draw):
    step = draw(st.sampled_from([0.5, 1.0, 2.0]))
    n = draw(st.integers(1, 4))
    minutes = draw(st.lists(st.integers(1, 10).map(lambda h: h / 2), min_size=n, max_size=n))
    capacity = draw(st.lists(st.integers(1, 30).map(float), min_size=n, max_size=n))
    steps = draw(st.integers(60, 160))
    opens, hours = draw(st.integers(0, 20)), draw(st.integers(5, 60))
    rate = draw(st.integers(1, 40))
    gate = np.where((np.arange(steps) >= opens) & (np.arange(steps) < opens + hours), rate, 0.0)
    ramp = draw(st.integers(1, 20))
    release = np.minimum(1.0, np.arange(steps + 1) / ramp)
    most = int(min(capacity))
    sizes = draw(st.lists(st.integers(1, most).map(float), min_size=1, max_size=8))
    extra = draw(st.sampled_from([0.0, 0.0, 2.5]))
    problem = line_problem(minutes, capacity, gate, release, sum(sizes) + extra, step_min=step)
    plan = greedy_plan(problem, sizes)
    assume(plan is not None)
    return problem, plan


@settings(max_examples=150, deadline=None)
@given(line_cases())
def test_checker_accepts_every_constructed_plan(case):
    problem, plan = case
    report = check_plan(problem, plan)
    assert report.ok, report.summary()
    assert report.stats["max_edge_load_ratio"] <= 1.0
    assert report.stats["max_corridor_load_ratio"] <= 1.0


def _copy(plan: Plan) -> Plan:
    arrays = {
        f.name: getattr(plan, f.name).copy()
        for f in dataclasses.fields(plan)
        if isinstance(getattr(plan, f.name), np.ndarray)
    }
    return dataclasses.replace(plan, **arrays)


def _perturb(problem, plan, how, p):
    """One number changed so that the plan breaks ``how``'s rule; returns problem, plan, claim."""
    plan = _copy(plan)
    first_arc, last_arc = plan.path_indptr[p], plan.path_indptr[p + 1] - 1
    first_proc = plan.proc_indptr[p]
    step = problem.step_min
    claim = None
    if how == "conservation":
        plan.packet_people[p] += 1.0
    elif how == "arrival":
        walked = plan.path_enter_min[last_arc] + problem.edge_minutes[0, plan.path_edge[last_arc]]
        plan.packet_arrive_min[p] = walked - 0.25
    elif how == "path":
        plan.path_enter_min[first_arc] = plan.packet_depart_min[p] - 0.25
    elif how == "processing":
        plan.proc_step[first_proc] = math.ceil(plan.packet_arrive_min[p] / step) - 1
    elif how == "release":
        plan.packet_depart_min[p] = -step
    elif how == "edge_capacity":
        capacity = problem.edge_capacity.copy()
        capacity[0] = plan.packet_people.min() / 2
        problem = dataclasses.replace(problem, edge_capacity=capacity)
    elif how in ("corridor_capacity", "window"):
        gate = problem.corridor_capacity.copy()
        gate[0, plan.proc_step[first_proc]] = plan.proc_people[first_proc] / 2 * (how != "window")
        problem = dataclasses.replace(problem, corridor_capacity=gate)
    elif how == "clearance":
        claim = plan.clearance_time_min - step
    return problem, plan, claim


PERTURBATIONS = [
    "conservation",
    "arrival",
    "path",
    "processing",
    "release",
    "edge_capacity",
    "corridor_capacity",
    "window",
    "clearance",
]


@settings(max_examples=200, deadline=None)
@given(line_cases(), st.sampled_from(PERTURBATIONS), st.data())
def test_checker_rejects_one_changed_number(case, how, data):
    problem, plan = case
    p = data.draw(st.integers(0, plan.packet_count - 1))
    problem, plan, claim = _perturb(problem, plan, how, p)
    report = check_plan(problem, plan, claimed_clearance_min=claim)
    assert not report.ok
    assert how in broken_rules(report), report.summary()


def test_a_time_just_below_a_step_boundary_counts_in_the_next_step():
    # 15 of source 0 are ready from minute 1; a departure computed as 1 - 1e-9 is at minute 1
    assert check_plan(bridge_problem(), with_packets(A={"depart": 1.0 - 1e-9})).ok
    late = check_plan(bridge_problem(), with_packets(A={"depart": 0.999}))
    assert broken_rules(late) == {"release"}


def test_wild_times_are_reported_not_crashed_on():
    huge = with_packets(A={"arcs": [(0, T, 1.0), (1, T, 1e300), (2, T, math.inf)]})
    report = check_plan(bridge_problem(), huge)
    assert broken_rules(report) == {"arrival"}  # waiting is allowed, arriving at 7 is not
    report = check_plan(bridge_problem(), with_packets(B={"depart": -math.inf}))
    assert "release" in broken_rules(report)
