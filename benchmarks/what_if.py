"""What-if re-plan time on the example scenarios, in both benchmark kinds.

For each instance: the base plan (planner only, no bound), then the re-plan with the corridor that
carries the most people closed 12 hours after the start; prints the re-plan's seconds, the people
re-routed and the clearance times before and after, and whether the checker accepts the result.

    .venv/bin/python benchmarks/what_if.py [NAME[:drive] ...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from plan_scenarios import KINDS, _by_road, _scenario_path

CLOSE_AT_MIN = 12 * 60.0


def _measure(instance: str, kind: str) -> str:
    from safepassage.io.prepare import prepare_scenario
    from safepassage.io.scenario_file import load_scenario
    from safepassage.planning.checker import check_plan
    from safepassage.planning.planner import plan_evacuation
    from safepassage.planning.problem import build_problem
    from safepassage.planning.whatif import what_if

    name, _, mode = instance.partition(":")
    scenario = load_scenario(_scenario_path(name))
    source = scenario.source_path or Path(".")
    if mode == "drive":
        scenario = _by_road(scenario)
    corridors = [c.model_copy(update={"throughput_pph": KINDS[kind]}) for c in scenario.corridors]
    scenario = scenario.model_copy(update={"corridors": corridors}).with_source(source)
    prepared = prepare_scenario(scenario)
    nodes = np.array([s.node for s in prepared.corridor_snaps])
    problem = build_problem(scenario, prepared.network, prepared.population, nodes)
    base = plan_evacuation(problem, with_bound=False).plan
    busiest = int(np.argmax(np.bincount(base.packet_corridor, weights=base.packet_people)))
    closed = problem.corridor_ids[busiest]
    what_if(problem, base, at_min=CLOSE_AT_MIN, close=[closed])  # warm the compiled kernel
    t0 = time.perf_counter()
    result = what_if(problem, base, at_min=CLOSE_AT_MIN, close=[closed])
    seconds = time.perf_counter() - t0
    ok = check_plan(result.problem, result.plan).ok
    return (
        f"{instance + '/' + kind:<26}{closed:<18}{seconds:>7.2f}{result.rerouted_people:>11,.0f}"
        f"{base.clearance_time_min / 60:>9.2f}{result.plan.clearance_time_min / 60:>9.2f}"
        f"  {'yes' if ok else 'NO'}"
    )


def main() -> None:
    names = sys.argv[1:] or ["coquimbo", "monaco", "helsinki", "andorra", "liechtenstein", "demo"]
    print(
        f"{'instance':<26}{'closed':<18}{'re-plan s':>7}{'re-routed':>11}{'base h':>9}{'new h':>9}"
    )
    for name in names:
        for kind in KINDS:
            print(_measure(name, kind), flush=True)


if __name__ == "__main__":
    main()
