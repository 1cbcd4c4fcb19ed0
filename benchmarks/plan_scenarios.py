"""Planner, baseline and lower bound on every example scenario and the demo, in two kinds.

- checkpoint-limited: every corridor at 1,500 people per hour (observed corridors are limited by
  their checkpoints): the plan must balance corridors, windows, eligibility and departures;
- road-limited: every corridor at 15,000 people per hour, so that streets and bridges bind.

An instance named ``NAME:drive`` is the same scenario in drive mode: buses of 40 people at 2.0
passenger-car equivalents, and for groups slower than the default walker (the mobility-impaired)
ambulances of 4 at 1.5 (see docs/planner.md, "Drive mode").

Each instance runs in its own process so that its peak memory is its own. Prints clearance time,
bound and gap, the baseline, the simple bounds, and the seconds of every stage.

    .venv/bin/python benchmarks/plan_scenarios.py [NAME[:drive] ...]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ["coquimbo", "monaco", "helsinki", "andorra", "liechtenstein"]
KINDS = {"checkpoint": 1_500.0, "road": 15_000.0}


def _scenario_path(name: str) -> Path:
    if name == "demo":
        from safepassage.demo.city import write_demo_scenario

        return write_demo_scenario(Path(tempfile.mkdtemp()) / "demo")
    return ROOT / "examples" / name / "scenario.toml"


def _by_road(scenario: Any) -> Any:
    from safepassage.model.drive import DriveParameters
    from safepassage.model.scenario import TravelMode

    groups = [
        g.model_copy(update={"people_per_vehicle": 4.0, "vehicle_pce": 1.5})
        if g.walking_speed_mps is not None and g.walking_speed_mps < scenario.flow.walking_speed_mps
        else g
        for g in scenario.groups
    ]
    return scenario.model_copy(
        update={
            "network": scenario.network.model_copy(update={"mode": TravelMode.DRIVE}),
            "drive": DriveParameters(people_per_vehicle=40.0, vehicle_pce=2.0),
            "groups": groups,
        }
    )


def _measure(instance: str, kind: str) -> dict[str, object]:
    import numpy as np

    from safepassage.io.prepare import prepare_scenario
    from safepassage.io.scenario_file import load_scenario
    from safepassage.planning.checker import check_plan
    from safepassage.planning.planner import plan_evacuation
    from safepassage.planning.problem import build_problem

    name, _, mode = instance.partition(":")
    scenario = load_scenario(_scenario_path(name))
    source = scenario.source_path or Path(".")
    if mode == "drive":
        scenario = _by_road(scenario)
    corridors = [c.model_copy(update={"throughput_pph": KINDS[kind]}) for c in scenario.corridors]
    scenario = scenario.model_copy(update={"corridors": corridors}).with_source(source)
    t0 = time.perf_counter()
    prepared = prepare_scenario(scenario)
    prepare_s = time.perf_counter() - t0
    nodes = np.array([s.node for s in prepared.corridor_snaps])
    problem = build_problem(scenario, prepared.network, prepared.population, nodes)
    result = plan_evacuation(problem)
    check = check_plan(problem, result.plan)
    bound = result.bound
    assert bound is not None
    return {
        "people": problem.total_people,
        "nodes": prepared.network.node_count,
        "clearance_h": result.plan.clearance_time_min / 60,
        "bound_h": bound.value_min / 60,
        "gap": result.gap,
        "baseline_h": result.baseline.clearance_time_min / 60,
        "simple": {k: round(v / 60, 2) for k, v in bound.components.items()},
        "checker_ok": check.ok,
        "seconds": {"prepare": prepare_s, **result.seconds},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(_measure(sys.argv[2], sys.argv[3])))
        return
    names = sys.argv[1:] or [*EXAMPLES, "demo", *(f"{name}:drive" for name in EXAMPLES)]
    print(
        f"{'instance':<24}{'people':>9}{'clear h':>9}{'bound h':>9}{'gap':>8}{'base h':>8}"
        f"{'plan s':>8}{'bound s':>8}{'MB':>7}  ok  bounds (h)"
    )
    for name in names:
        for kind in KINDS:
            run = subprocess.run(
                [sys.executable, __file__, "--one", name, kind],
                capture_output=True,
                text=True,
                check=False,
            )
            if run.returncode:
                print(f"{name}/{kind}: failed: {run.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(run.stdout)
            s = r["seconds"]
            print(
                f"{name + '/' + kind:<24}{r['people']:>9,.0f}{r['clearance_h']:>9.2f}"
                f"{r['bound_h']:>9.2f}{r['gap']:>8.4f}{r['baseline_h']:>8.2f}"
                f"{s['plan']:>8.2f}{s['bound']:>8.2f}{r['peak_rss_mb']:>7.0f}  "
                f"{'yes' if r['checker_ok'] else 'NO '} {r['simple']}"
            )


if __name__ == "__main__":
    main()
