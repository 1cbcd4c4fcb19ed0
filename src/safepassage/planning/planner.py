"""Plan an evacuation: the capacity-aware plan, the baseline an analyst would draw, and the lower
bound that no plan can beat, with the time each stage took."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from safepassage.planning.bound import BoundReport, lower_bounds
from safepassage.planning.engine import SHARE_PENALTY_MIN, run_engine
from safepassage.planning.paths import walk_trees
from safepassage.planning.plan import Plan
from safepassage.planning.problem import PlanningProblem

__all__ = ["PlanResult", "plan_evacuation"]


@dataclass(frozen=True, eq=False)
class PlanResult:
    problem: PlanningProblem
    plan: Plan
    baseline: Plan
    bound: BoundReport | None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        """clearance / bound − 1 (None without a positive bound)."""
        if self.bound is None or self.bound.value_min <= 0:
            return None
        return self.plan.clearance_time_min / self.bound.value_min - 1.0


def _rank(plan: Plan) -> tuple[float, float]:
    """Fewest people left unserved first, then the earliest clearance."""
    return (sum(u.people for u in plan.unserved), plan.clearance_time_min)


def plan_evacuation(
    problem: PlanningProblem, *, with_bound: bool = True, bound_time_limit_s: float = 60.0
) -> PlanResult:
    """The capacity-aware plan (balanced corridor choice with CCRP re-routing), the
    nearest-corridor baseline under the same capacities, and the lower bound."""
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    trees = walk_trees(problem)
    seconds["shortest_walks"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    # two passes, the better kept: plain balancing, and with groups that have a corridor of their
    # own keeping off shared ones (which helps when checkpoints bind, hurts when releases do)
    # the compiled loop releases the GIL: the two passes run side by side on two cores
    with ThreadPoolExecutor(max_workers=2) as pool:
        plans = list(
            pool.map(
                lambda p: run_engine(
                    problem, choice="balanced", reroute=True, trees=trees, share_penalty_min=p
                ),
                (0.0, SHARE_PENALTY_MIN),
            )
        )
    plan = min(plans, key=_rank)
    seconds["plan"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    baseline = run_engine(problem, choice="nearest", reroute=False, trees=trees)
    seconds["baseline"] = time.perf_counter() - t0
    bound = None
    if with_bound:
        t0 = time.perf_counter()
        bound = lower_bounds(problem, time_limit_s=bound_time_limit_s)
        seconds["bound"] = time.perf_counter() - t0
    return PlanResult(problem, plan, baseline, bound, seconds)
