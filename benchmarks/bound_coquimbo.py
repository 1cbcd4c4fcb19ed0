"""Time and value of every lower bound on the Coquimbo scenario, in the issue's two kinds.

Issue target: the bound in at most 60 s on the 2-core machine, peak memory under 4 GiB.

- *checkpoint-limited*: the scenario as it is (four corridors, 1,000-4,000 people per hour);
- *road-limited*: the same with every corridor at 15,000 people per hour;
- *streets only* (extra, to exercise the road relaxation): corridors unlimited and always open,
  everybody ready at the start, one group, street capacities divided by ten.

    .venv/bin/python benchmarks/bound_coquimbo.py [--time-limit 60]
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import time
from pathlib import Path

import numpy as np

from safepassage.io.prepare import prepare_scenario
from safepassage.io.scenario_file import load_scenario
from safepassage.model.scenario import Scenario
from safepassage.planning.bound import COMPONENTS, lower_bounds
from safepassage.planning.problem import PlanningProblem, build_problem

SCENARIO = Path(__file__).resolve().parents[1] / "examples" / "coquimbo" / "scenario.toml"


def problem_of(scenario: Scenario) -> PlanningProblem:
    prepared = prepare_scenario(scenario)
    nodes = np.array([s.node for s in prepared.corridor_snaps], dtype=np.int64)
    return build_problem(scenario, prepared.network, prepared.population, nodes)


def streets_only(problem: PlanningProblem) -> PlanningProblem:
    return dataclasses.replace(
        problem,
        corridor_capacity=np.full_like(problem.corridor_capacity, 1e6),
        release_cdf=np.ones_like(problem.release_cdf),
        source_group=np.zeros_like(problem.source_group),
        eligible=np.ones_like(problem.eligible),
        edge_capacity=problem.edge_capacity / 10.0,
    )


def run(label: str, problem: PlanningProblem, time_limit_s: float) -> None:
    t0 = time.perf_counter()
    report = lower_bounds(problem, time_limit_s=time_limit_s)
    total = time.perf_counter() - t0
    print(f"\n== {label}: bound {report.value_min:,.0f} min in {total:.1f} s")
    for name in COMPONENTS:
        print(f"   {name:<11} {report.components[name]:10,.0f} min")
    print("   seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in report.seconds.items()))
    for note in report.notes:
        print(f"   - {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    scenario = load_scenario(SCENARIO)
    base = problem_of(scenario)
    print(
        f"Coquimbo: {base.network.node_count:,} nodes, {base.network.edge_count:,} edges, "
        f"{base.source_node.shape[0]:,} sources, {base.total_people:,.0f} people, "
        f"{base.steps:,} steps of {base.step_min:g} min"
    )
    run("checkpoint-limited", base, args.time_limit)
    fast = [c.model_copy(update={"throughput_pph": 15_000.0}) for c in scenario.corridors]
    run(
        "road-limited", problem_of(scenario.model_copy(update={"corridors": fast})), args.time_limit
    )
    run("streets only", streets_only(base), args.time_limit)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
