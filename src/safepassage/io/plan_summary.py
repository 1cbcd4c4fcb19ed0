"""The figures of a plan, per corridor and per district, as plain JSON-ready values."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from safepassage.model.clock import local_after
from safepassage.planning.plan import Plan
from safepassage.planning.planner import PlanResult
from safepassage.planning.problem import PlanningProblem

__all__ = ["packet_route_length_m", "plan_summary"]


def _local(problem: PlanningProblem, minutes: float) -> str:
    return local_after(problem.start, minutes=float(minutes)).isoformat(timespec="minutes")


def packet_route_length_m(problem: PlanningProblem, plan: Plan) -> NDArray[np.float64]:
    """Length of each packet's route in metres."""
    packet_of_arc = np.repeat(np.arange(plan.packet_count), np.diff(plan.path_indptr))
    lengths = problem.network.length_m[plan.path_edge]
    length = np.bincount(packet_of_arc, weights=lengths, minlength=plan.packet_count)
    return length.astype(np.float64)


def _processed_per_step(problem: PlanningProblem, plan: Plan) -> NDArray[np.float64]:
    corridor_of = np.repeat(plan.packet_corridor, np.diff(plan.proc_indptr))
    out = np.zeros((len(problem.corridor_ids), problem.steps))
    np.add.at(out, (corridor_of, plan.proc_step), plan.proc_people)
    return out


def _corridors(problem: PlanningProblem, plan: Plan) -> list[dict[str, Any]]:
    processed = _processed_per_step(problem, plan)
    first_step = np.ceil(plan.packet_arrive_min / problem.step_min - 1e-9).astype(np.int64)
    steps_per_hour = max(1, round(60 / problem.step_min))
    rows = []
    for c, ident in enumerate(problem.corridor_ids):
        mine = plan.packet_corridor == c
        arrived = np.bincount(
            np.minimum(first_step[mine], problem.steps - 1),
            weights=plan.packet_people[mine],
            minlength=problem.steps,
        )
        queue = np.cumsum(arrived) - np.cumsum(processed[c])
        hourly = np.add.reduceat(processed[c], np.arange(0, problem.steps, steps_per_hour))
        busiest = int(np.argmax(hourly))
        people = float(plan.packet_people[mine].sum())
        rows.append(
            {
                "id": ident,
                "people": round(people, 1),
                "first_arrival": _local(problem, plan.packet_arrive_min[mine].min())
                if people
                else None,
                "last_arrival": _local(problem, plan.packet_arrive_min[mine].max())
                if people
                else None,
                "peak_queue_people": round(float(queue.max()), 1),
                "busiest_hour_start": _local(problem, busiest * steps_per_hour * problem.step_min),
                "busiest_hour_people": round(float(hourly[busiest]), 1),
                "capacity_used_share": round(
                    people / max(float(problem.corridor_capacity[c].sum()), 1e-9), 4
                ),
            }
        )
    return rows


def _districts(problem: PlanningProblem, plan: Plan) -> list[dict[str, Any]]:
    area = problem.source_area[plan.packet_source]
    length = packet_route_length_m(problem, plan)
    unserved = np.zeros(len(problem.areas))
    for u in plan.unserved:
        unserved[problem.source_area[u.source]] += u.people
    rows = []
    for a, name in enumerate(problem.areas):
        mine = area == a
        people = float(plan.packet_people[mine].sum())
        if people <= 0 and unserved[a] <= 0:
            continue
        weights = plan.packet_people[mine]
        by_corridor = np.bincount(
            plan.packet_corridor[mine], weights=weights, minlength=len(problem.corridor_ids)
        )
        rows.append(
            {
                "area": name,
                "people": round(people, 1),
                "unserved": round(float(unserved[a]), 1),
                "corridors": {
                    problem.corridor_ids[c]: round(float(v), 1)
                    for c, v in enumerate(by_corridor)
                    if v > 0
                },
                "mean_route_length_m": round(float(np.average(length[mine], weights=weights)), 0)
                if people > 0
                else None,
                "first_departure": _local(problem, plan.packet_depart_min[mine].min())
                if people > 0
                else None,
                "last_departure": _local(problem, plan.packet_depart_min[mine].max())
                if people > 0
                else None,
            }
        )
    return rows


def _unserved(problem: PlanningProblem, plan: Plan) -> list[dict[str, Any]]:
    by_reason: dict[str, float] = {}
    for u in plan.unserved:
        by_reason[u.reason] = by_reason.get(u.reason, 0.0) + u.people
    return [{"reason": r, "people": round(p, 1)} for r, p in sorted(by_reason.items())]


def plan_summary(result: PlanResult, *, options: dict[str, Any]) -> dict[str, Any]:
    """Everything ``plan.json`` holds; see docs/planner.md for each field."""
    problem, plan, baseline, bound = result.problem, result.plan, result.baseline, result.bound
    return {
        "note": "Options with their capacity, not movement orders: leaving is voluntary.",
        "start": problem.start.isoformat(),
        "step_min": problem.step_min,
        "options": options,
        "clearance_time_min": plan.clearance_time_min,
        "clearance_time": _local(problem, plan.clearance_time_min),
        "lower_bound_min": bound.value_min if bound else None,
        "gap": None if result.gap is None else round(result.gap, 5),
        "bounds": dict(bound.components) if bound else {},
        "bound_notes": list(bound.notes) if bound else [],
        "baseline_clearance_time_min": baseline.clearance_time_min,
        "baseline_unserved": round(sum(u.people for u in baseline.unserved), 1),
        "people_expected_to_leave": round(problem.total_people, 1),
        "evacuees": round(plan.evacuees, 1),
        "unserved": _unserved(problem, plan),
        "corridors": _corridors(problem, plan),
        "districts": _districts(problem, plan),
        "packets": plan.packet_count,
        "seconds": {
            **{k: round(v, 3) for k, v in result.seconds.items()},
            **{f"plan_{k}": round(v, 3) for k, v in plan.seconds.items()},
        },
        "bound_seconds": {k: round(v, 3) for k, v in bound.seconds.items()} if bound else {},
    }
