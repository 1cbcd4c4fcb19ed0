"""Lower bounds on the clearance time: no plan feasible in the model of
:mod:`safepassage.planning.problem` can clear everyone it serves earlier.

Five bounds, each valid on its own (proofs in docs/planner.md, "Lower bound"):

- ``walk``: the farthest walk from the first release to the nearest usable corridor;
- ``release``: the same from the last release;
- ``throughput``: corridor capacity alone, with eligibility (Hall's condition);
- ``corridors``: roads without capacity, exact walks, releases and corridor capacity over time
  (a max-flow per horizon);
- ``roads``: street and bridge capacities on a condensed time-expanded network.

People who cannot reach any corridor their group may use are left out (the planner reports
them as unserved); so is a plan's clearance time.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from safepassage.errors import SafepassageError
from safepassage.planning.bound_corridors import build_demand, corridor_bound, demand_bucket
from safepassage.planning.bound_flow import people_scale
from safepassage.planning.bound_roads import road_bound
from safepassage.planning.bound_walk import (
    NEVER,
    Walks,
    next_open_step,
    release_masses,
    shortest_walks,
    throughput_bound_steps,
    walk_bound_steps,
)
from safepassage.planning.problem import PlanningProblem

__all__ = ["COMPONENTS", "BoundReport", "lower_bounds"]

COMPONENTS = ("walk", "release", "throughput", "corridors", "roads")
# Share of the time limit the corridor relaxation may use; the road relaxation gets the rest.
CORRIDOR_SHARE = 0.4


@dataclass(frozen=True)
class BoundReport:
    """Lower bounds on the clearance time, in minutes after the start.

    ``value_min`` is the best (largest) of ``components``; it is comparable with
    :attr:`Plan.clearance_time_min`. ``seconds`` holds the run time of every stage, ``notes``
    what a reader should know (unserved sources, coarsened steps, searches cut short).
    """

    value_min: float
    components: dict[str, float]
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _validate(problem: PlanningProblem, bound_step_min: float | None, time_limit_s: float) -> None:
    if bound_step_min is not None and not (math.isfinite(bound_step_min) and bound_step_min > 0):
        msg = f"bound_step_min must be a positive number of minutes or None, got {bound_step_min}"
        raise SafepassageError(msg)
    if not time_limit_s > 0:
        msg = f"time_limit_s must be > 0 seconds, got {time_limit_s}"
        raise SafepassageError(msg)
    if problem.release_cdf[-1] < 1.0:
        msg = "the problem's release_cdf must reach 1 by the end of the horizon"
        raise SafepassageError(msg)


def _minutes(problem: PlanningProblem, steps: int, name: str, notes: list[str]) -> float:
    """A bound in steps as minutes; past the horizon it is capped there, with a note."""
    if steps > problem.steps:
        notes.append(f"{name}: no plan can serve everyone within the horizon")
        steps = problem.steps
    return steps * problem.step_min


def _road_bucket(
    problem: PlanningProblem, bound_step_min: float | None, notes: list[str]
) -> int | None:
    if bound_step_min is None:
        return None
    m = max(1, round(bound_step_min / problem.step_min))
    if not math.isclose(m * problem.step_min, bound_step_min):
        notes.append(
            f"bound step {bound_step_min:g} min rounded to {m * problem.step_min:g} min, a whole "
            f"number of {problem.step_min:g}-min steps"
        )
    return m


def lower_bounds(
    problem: PlanningProblem, *, bound_step_min: float | None = None, time_limit_s: float = 60.0
) -> BoundReport:
    """Lower bounds on the clearance time of every plan feasible for ``problem``.

    Parameters
    ----------
    problem
        The planning problem.
    bound_step_min
        Bucket of the road relaxation's time-expanded network, in minutes (rounded to a whole
        number of steps); by default the smallest that keeps the network within
        ``bound_roads.COARSE_ARCS`` arcs, then ``FINE_ARCS`` when refining.
    time_limit_s
        Wall-clock budget; the max-flow searches stop when it runs out and keep the bound
        proved so far (a note says so).

    Returns
    -------
    BoundReport
        Every component in minutes after the start and their maximum.

    Raises
    ------
    SafepassageError
        An option is out of range.

    Notes
    -----
    Each component is a relaxation of the model, rounded so that it can only get easier; the
    argument is in docs/planner.md, "Lower bound".
    """
    _validate(problem, bound_step_min, time_limit_s)
    deadline = time.perf_counter() + time_limit_s
    seconds: dict[str, float] = {}
    notes: list[str] = []
    t0 = time.perf_counter()
    walks = shortest_walks(problem)
    seconds["walks"] = time.perf_counter() - t0
    if walks.unserved_count:
        people = float(problem.source_people[~walks.served].sum())
        notes.append(
            f"{walks.unserved_count} source(s) ({people:,.0f} people) cannot reach a corridor "
            "their group may use; left out of every bound"
        )
    if not walks.served.any():
        return BoundReport(0.0, dict.fromkeys(COMPONENTS, 0.0), seconds, notes)
    steps = _simple(problem, walks, seconds)
    steps.update(_relaxations(problem, walks, steps, bound_step_min, deadline, seconds, notes))
    components = {k: _minutes(problem, steps[k], k, notes) for k in COMPONENTS}
    return BoundReport(max(components.values()), components, seconds, notes)


def _simple(problem: PlanningProblem, walks: Walks, seconds: dict[str, float]) -> dict[str, int]:
    t0 = time.perf_counter()
    opens = next_open_step(problem)
    released, _ = release_masses(problem)
    out = {
        "walk": walk_bound_steps(problem, walks, int(released[0]), opens),
        "release": walk_bound_steps(problem, walks, int(released[-1]), opens),
    }
    seconds["walk_release"] = time.perf_counter() - t0
    return {k: min(v, int(NEVER)) for k, v in out.items()}


def _roads(
    problem: PlanningProblem,
    walks: Walks,
    scale: float,
    best: int,
    bound_step_min: float | None,
    deadline: float,
    notes: list[str],
) -> int:
    """The road relaxation for everyone; then, while time remains, for each group alone (its
    own speed and corridors: leaving the other groups out only relaxes), searching only above
    the best bound so far (horizons below it are already proved infeasible)."""
    bucket = _road_bucket(problem, bound_step_min, notes)
    road = road_bound(problem, walks, scale=scale, start=best, bucket=bucket, deadline=deadline)
    runs = [("all groups", road)]
    groups = np.unique(problem.source_group[walks.served])
    people = np.bincount(
        problem.source_group[walks.served], weights=problem.source_people[walks.served]
    )
    for g in groups[np.argsort(-people[groups])] if groups.shape[0] > 1 else []:
        floor = max(best, road.steps)
        if time.perf_counter() > deadline or floor > problem.steps:
            break
        one = road_bound(
            problem,
            walks,
            scale=scale,
            start=floor,
            bucket=bucket,
            deadline=deadline,
            groups=np.array([g]),
            proven=floor - 1,
            seconds_per_arc=max(r.seconds_per_arc for _, r in runs),
        )
        runs.append(
            (f"group {problem.groups[g]} alone, above {floor * problem.step_min:g} min", one)
        )
        if one.steps > floor:
            road = one
    for name, run in runs:
        notes.append(
            f"roads ({name}): buckets of {run.buckets} steps, {run.solves} max-flows, up to "
            f"{run.max_arcs:,} arcs, {run.aligned} street nodes aligned to whole steps"
            + ("" if run.complete else "; time limit reached, bound as proved by then")
        )
    return road.steps


def _relaxations(
    problem: PlanningProblem,
    walks: Walks,
    steps: dict[str, int],
    bound_step_min: float | None,
    deadline: float,
    seconds: dict[str, float],
    notes: list[str],
) -> dict[str, int]:
    t0 = time.perf_counter()
    served_people = float(problem.source_people[walks.served].sum())
    scale = people_scale(served_people)
    bucket = demand_bucket(problem, walks, None)
    demand = build_demand(problem, walks, bucket, scale)
    seconds["demand"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = {"throughput": throughput_bound_steps(demand.masks, demand.people, demand.capacity)}
    seconds["throughput"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if bucket > 1:
        notes.append(f"corridors: demand grouped in {bucket * problem.step_min:g}-min buckets")

    floor_steps = min(out["throughput"], problem.steps + 1)
    start = max(floor_steps, steps["release"] if steps["release"] < NEVER else 0)
    found = corridor_bound(
        demand,
        floor_steps=floor_steps,
        start=start,
        limit=problem.steps,
        deadline=t0 + CORRIDOR_SHARE * (deadline - t0),
    )
    out["corridors"] = found.steps
    if not found.complete:
        notes.append("corridors: time limit reached; the bound is what was proved by then")
    seconds["corridors"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    best = max([*out.values(), *(v for v in steps.values() if v < NEVER)])
    out["roads"] = _roads(
        problem, walks, scale, min(best, problem.steps), bound_step_min, deadline, notes
    )
    seconds["roads"] = time.perf_counter() - t0
    return out
