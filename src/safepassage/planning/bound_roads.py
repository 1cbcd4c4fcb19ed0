"""The road relaxation of the lower bound: street and bridge capacities on a condensed
time-expanded network, one commodity at the fastest group's speed (docs/planner.md,
"Lower bound").

Every max-flow that finds a horizon infeasible proves that no plan clears within it, whatever
bucket size or alignment that relaxation used; so the search may change them as it goes. It
runs in rounds:

1. a coarse search (networks of at most ``COARSE_ARCS`` arcs) brackets the horizon;
2. while time remains and the bound rises, the street nodes whose arcs cross the minimum cut
   of the largest infeasible horizon are aligned to whole steps (their windows then hold
   ``m`` steps, not ``m + 1``), the bucket is made as fine as ``FINE_ARCS`` allows, and the
   search resumes upwards from the horizon proved so far.

Each max-flow is skipped when the time it would take (from the rate of the earlier ones) does
not fit before the deadline.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from safepassage.planning.bound_flow import search_horizon
from safepassage.planning.bound_roads_graph import RoadGraph, potentials, road_graph
from safepassage.planning.bound_roads_ten import (
    RoadExpansion,
    TimeExpanded,
    earliest,
    expand,
    time_expanded,
)
from safepassage.planning.bound_walk import Walks, release_masses
from safepassage.planning.problem import PlanningProblem

__all__ = ["COARSE_ARCS", "FINE_ARCS", "RoadBound", "road_bound"]

COARSE_ARCS = 1_000_000
FINE_ARCS = 4_000_000
BUCKETS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720)
ROUNDS = 6


@dataclass
class RoadBound:
    """A valid bound in steps (one more than the largest horizon proved infeasible), and how
    it was found."""

    steps: int
    complete: bool = True
    solves: int = 0
    max_arcs: int = 0
    buckets: list[int] = field(default_factory=list)
    aligned: int = 0
    seconds_per_arc: float = 0.0  # slowest max-flow rate seen, to size the next run


@dataclass
class _Clock:
    """The deadline, and the max-flow time per arc seen so far (to skip what cannot finish)."""

    deadline: float
    seconds_per_arc: float = 0.0

    def fits(self, arcs: int) -> bool:
        # 1.5: a larger network is slower per arc than the ones timed so far
        return time.perf_counter() + 1.5 * self.seconds_per_arc * arcs < self.deadline


def _early_units(graph: RoadGraph, problem: PlanningProblem, p: NDArray[np.int64]) -> NDArray:
    """Earliest shifted time (units) anyone can be at each node, for sizing the expansion."""
    steps, _ = release_masses(problem)
    starts = np.flatnonzero(graph.supply_people > 0)
    reduced = graph.units + p[graph.heads] - p[graph.tails]
    return earliest(graph, reduced, starts, steps[0] * graph.units_per_step + p[starts])


class _Oracle:
    """Feasibility of horizons for one set of aligned nodes; the bucket is the finest whose
    network fits ``budget`` arcs at the horizon asked (or ``fixed``)."""

    def __init__(
        self,
        problem: PlanningProblem,
        graph: RoadGraph,
        aligned: NDArray[np.bool_],
        scale: float,
        budget: int,
        fixed: int | None,
        clock: _Clock,
        result: RoadBound,
    ) -> None:
        self.problem, self.graph, self.scale = problem, graph, scale
        self.budget, self.fixed, self.clock, self.result = budget, fixed, clock, result
        self.p = potentials(graph, aligned)
        early = _early_units(graph, problem, self.p)
        self.early = np.where(np.isfinite(early), early, np.inf)
        self.arcs_per_node = np.bincount(graph.tails, minlength=graph.n) + 1.0
        self.expansions: dict[int, RoadExpansion] = {}
        self.cut_horizon = -1
        self.cut: tuple[TimeExpanded, NDArray[np.int64]] | None = None

    def bucket(self, horizon: int) -> int:
        if self.fixed is not None:
            return self.fixed
        span = np.maximum(horizon * self.graph.units_per_step - self.early, 0.0)
        for m in BUCKETS:
            if (self.arcs_per_node * span).sum() / (m * self.graph.units_per_step) <= self.budget:
                return m
        return BUCKETS[-1]

    def expansion(self, m: int) -> RoadExpansion:
        if m not in self.expansions:
            self.expansions[m] = expand(self.problem, self.graph, self.p, m, self.scale)
        return self.expansions[m]

    def __call__(self, horizon: int) -> bool | None:
        t0 = time.perf_counter()
        m = self.bucket(horizon)
        ten = time_expanded(self.expansion(m), horizon)
        if ten is None:
            return False
        if not self.clock.fits(ten.flow.arc_count):
            return None
        ok, solver = ten.flow.solve()
        rate = (time.perf_counter() - t0) / max(ten.flow.arc_count, 1)
        self.clock.seconds_per_arc = max(self.clock.seconds_per_arc, rate)
        self.result.solves += 1
        self.result.max_arcs = max(self.result.max_arcs, ten.flow.arc_count)
        if m not in self.result.buckets:
            self.result.buckets.append(m)
        if not ok and horizon > self.cut_horizon:
            self.cut_horizon = horizon
            self.cut = (ten, np.asarray(solver.get_source_side_min_cut(), dtype=np.int64))
        return ok

    def cut_tails(self) -> NDArray[np.int64]:
        """Street nodes (not yet on whole steps) whose arcs cross the last minimum cut."""
        if self.cut is None:
            return np.zeros(0, np.int64)
        ten, source_side = self.cut
        inside = np.zeros(ten.node_street.shape[0], bool)
        inside[source_side] = True
        crossing = inside[ten.flow.tails] & ~inside[ten.flow.heads] & (ten.arc_street_tail >= 0)
        tails = np.unique(ten.arc_street_tail[crossing])
        return tails[self.p[tails] % self.graph.units_per_step != 0]


def road_bound(
    problem: PlanningProblem,
    walks: Walks,
    *,
    scale: float,
    start: int,
    bucket: int | None,
    deadline: float,
    groups: NDArray[np.int64] | None = None,
    proven: int = 0,
    seconds_per_arc: float = 0.0,
) -> RoadBound:
    """The road relaxation's bound in steps for the people of ``groups`` (default: all).

    Horizons up to ``proven`` are taken as already proved infeasible (pass 0 for the road
    relaxation's own value); ``start`` is where the first search looks (a guess, no proof).
    ``seconds_per_arc`` carries the max-flow rate measured by an earlier run.
    """
    graph = road_graph(problem, walks, groups)
    if not (graph.supply_people > 0).any():
        return RoadBound(0)
    clock = _Clock(deadline, seconds_per_arc)
    result = RoadBound(proven + 1)
    aligned = np.zeros(graph.n, bool)
    oracle = _Oracle(problem, graph, aligned, scale, COARSE_ARCS, bucket, clock, result)
    first = max(start, proven + 1)
    result.steps, result.complete = _push(oracle, proven, first, problem.steps)
    for _ in range(ROUNDS):
        if not result.complete or result.steps > problem.steps or not clock.fits(1):
            break
        tails = oracle.cut_tails()
        fine = _Oracle(problem, graph, aligned, scale, FINE_ARCS, bucket, clock, result)
        if tails.shape[0] == 0 and fine.bucket(result.steps) >= oracle.bucket(result.steps):
            break
        aligned = aligned.copy()
        aligned[tails] = True
        oracle = _Oracle(problem, graph, aligned, scale, FINE_ARCS, bucket, clock, result)
        result.aligned = int(aligned.sum())
        # a sharper relaxation only pays if it proves the best bound so far (``first`` is the
        # best of the other bounds) infeasible; feasibility is monotone, so one max-flow tells
        target = max(result.steps, first)
        if oracle(target) is not False:
            break
        result.steps, result.complete = _push(oracle, target, target + 1, problem.steps)
    result.seconds_per_arc = clock.seconds_per_arc
    return result


def _push(oracle: _Oracle, proven: int, start: int, limit: int) -> tuple[int, bool]:
    """Search upwards from ``proven`` (infeasible) with ``oracle``; returns the new bound."""
    found = search_horizon(
        oracle,
        infeasible_below=proven + 1,
        start=start,
        limit=limit,
        deadline=oracle.clock.deadline,
    )
    return found.steps, found.complete
