"""``safepassage plan SCENARIO --out DIR`` and ``safepassage check DIR``."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from safepassage.cli.console import console, stage_progress
from safepassage.errors import DataError, SafepassageError
from safepassage.io.plan_files import write_plan_files
from safepassage.io.plan_store import load_plan
from safepassage.io.plan_summary import plan_summary
from safepassage.io.prepare import PreparedScenario, prepare_scenario
from safepassage.io.scenario_file import load_scenario
from safepassage.model.scenario import Scenario
from safepassage.planning.bound import lower_bounds
from safepassage.planning.checker import check_plan
from safepassage.planning.engine import run_engine
from safepassage.planning.planner import PlanResult, plan_evacuation
from safepassage.planning.problem import PlanningProblem, build_problem
from safepassage.planning.whatif import changed_problem, what_if

__all__ = ["check_command", "plan_and_write", "plan_command", "print_plan"]


def _problem(prepared: PreparedScenario, options: dict[str, Any]) -> PlanningProblem:
    """The problem the options describe; with a what-if, the changed one."""
    nodes = np.array([s.node for s in prepared.corridor_snaps], dtype=np.int64)
    problem = build_problem(
        prepared.scenario,
        prepared.network,
        prepared.population,
        nodes,
        step_min=options["step_min"],
        max_days=options["max_days"],
    )
    change = options.get("what_if")
    if change:
        at_step = math.ceil(change["at_min"] / problem.step_min - 1e-9)
        problem = changed_problem(
            problem, at_step=at_step, close=change["close"], throughput_factor=change["factors"]
        )
    return problem


def _what_if_options(
    scenario: Scenario, close: list[str], at: str | None, throughput: list[str]
) -> dict[str, Any] | None:
    """Parse --close/--at/--throughput into the options stored in plan.json."""
    if not close and not throughput:
        if at is not None:
            raise SafepassageError("--at needs --close or --throughput: what changes at that time?")
        return None
    at_min = 0.0
    if at is not None:
        try:
            moment = dt.datetime.fromisoformat(at)
        except ValueError:
            msg = f"--at {at!r} is not a date-time; write it like 2026-12-02T10:00 (local time)"
            raise SafepassageError(msg) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=scenario.tz)
        at_min = (moment - scenario.start_local).total_seconds() / 60.0
        if at_min < 0:
            raise SafepassageError(f"--at {at} is before the scenario starts ({scenario.start})")
    pph = {c.id: c.throughput_pph for c in scenario.corridors}
    factors: dict[str, float] = {}
    for item in throughput:
        ident, _, value = item.partition("=")
        try:
            new = float(value)
        except ValueError:
            new = -1.0
        if ident not in pph or new < 0:
            msg = (
                f"--throughput {item!r}: write CORRIDOR=PEOPLE_PER_HOUR with a corridor of "
                f"the scenario ({', '.join(pph)}) and a number >= 0"
            )
            raise SafepassageError(msg)
        factors[ident] = new / pph[ident]
    for ident in close:
        if ident not in pph:
            msg = f"--close {ident!r}: no such corridor; the scenario has {', '.join(pph)}"
            raise SafepassageError(msg)
    return {
        "at_min": at_min,
        "at": at,
        "close": close,
        "factors": factors,
        "throughput_pph": dict(item.partition("=")[::2] for item in throughput),
    }


def _hours(minutes: float | None) -> str:
    return "-" if minutes is None else f"{minutes / 60:,.1f} h"


def print_plan(summary: dict[str, Any]) -> None:
    table = Table(
        title="Evacuation plan (options with their capacity; leaving is voluntary)",
        show_header=False,
    )
    table.add_row("people expected to leave", f"{summary['people_expected_to_leave']:,.0f}")
    table.add_row("planned evacuees", f"{summary['evacuees']:,.0f}")
    for row in summary["unserved"]:
        table.add_row("unserved", f"{row['people']:,.0f} ({row['reason']})")
    table.add_row(
        "clearance time",
        f"{_hours(summary['clearance_time_min'])} (last crossing by {summary['clearance_time']})",
    )
    table.add_row("lower bound", _hours(summary["lower_bound_min"]))
    gap = summary["gap"]
    table.add_row("gap (clearance / bound - 1)", "-" if gap is None else f"{gap:.2%}")
    table.add_row("baseline (nearest corridor)", _hours(summary["baseline_clearance_time_min"]))
    console.print(table)
    table = Table(title="Corridors")
    for column in ("id", "people", "first arrival", "last arrival", "peak queue", "busiest hour"):
        table.add_column(column)
    for c in summary["corridors"]:
        table.add_row(
            c["id"],
            f"{c['people']:,.0f}",
            c["first_arrival"] or "-",
            c["last_arrival"] or "-",
            f"{c['peak_queue_people']:,.0f}",
            f"{c['busiest_hour_start']} ({c['busiest_hour_people']:,.0f})",
        )
    console.print(table)


def _what_if_result(
    base: PlanResult, change: dict[str, Any], with_bound: bool
) -> tuple[PlanResult, dict[str, Any]]:
    """Re-plan ``base`` with the change; the result and the comparison with the base plan."""
    w = what_if(
        base.problem,
        base.plan,
        at_min=change["at_min"],
        close=change["close"],
        throughput_factor=change["factors"],
    )
    baseline = run_engine(w.problem, choice="nearest", reroute=False)
    bound = lower_bounds(w.problem) if with_bound else None
    result = PlanResult(w.problem, w.plan, baseline, bound, {**base.seconds, **w.plan.seconds})
    ids = base.problem.corridor_ids
    before = np.bincount(
        base.plan.packet_corridor, weights=base.plan.packet_people, minlength=len(ids)
    )
    after = np.bincount(w.plan.packet_corridor, weights=w.plan.packet_people, minlength=len(ids))
    comparison = {
        "base_clearance_time_min": base.plan.clearance_time_min,
        "clearance_change_min": w.plan.clearance_time_min - base.plan.clearance_time_min,
        "people_not_yet_out": round(w.continued_people, 1),
        "people_rerouted": round(w.rerouted_people, 1),
        "corridor_people": {
            ids[c]: {"base": round(float(before[c]), 1), "what_if": round(float(after[c]), 1)}
            for c in range(len(ids))
        },
    }
    return result, comparison


def plan_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="scenario .toml")],
    out: Annotated[Path, typer.Option("--out", help="folder for the plan's files")],
    step_min: Annotated[float, typer.Option("--step-min", help="time step, minutes")] = 1.0,
    max_days: Annotated[float, typer.Option("--max-days", help="longest horizon, days")] = 30.0,
    bound: Annotated[
        bool, typer.Option("--bound/--no-bound", help="compute the lower bound")
    ] = True,
    close: Annotated[
        list[str] | None, typer.Option("--close", help="what-if: close this corridor (repeat)")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="what-if: from this local time, e.g. 2026-12-02T10:00"),
    ] = None,
    throughput: Annotated[
        list[str] | None,
        typer.Option("--throughput", help="what-if: CORRIDOR=PEOPLE_PER_HOUR (repeat)"),
    ] = None,
) -> None:
    """Plan the evacuation: routes, schedule, clearance time, lower bound and baseline; with
    --close/--throughput, re-plan everyone not yet out from --at and show the difference."""
    options: dict[str, Any] = {"step_min": step_min, "max_days": max_days}
    scenario = load_scenario(scenario_path)
    change = _what_if_options(scenario, close or [], at, throughput or [])
    with stage_progress(["network", "corridors", "population", "planning"]) as on_stage:
        prepared = prepare_scenario(scenario, on_stage=on_stage)
        on_stage("planning")
        summary = plan_and_write(prepared, options, out, bound=bound, change=change)
    print_plan(summary)
    comparison = summary.get("what_if")
    if comparison:
        console.print(
            f"what-if: clearance {comparison['clearance_change_min'] / 60:+.1f} h against the "
            f"base plan; {comparison['people_rerouted']:,.0f} people re-routed",
            highlight=False,
        )
    console.print(f"plan written to {out}: plan.json, routes.geojson, schedule.csv, plan.npz")


def plan_and_write(
    prepared: PreparedScenario,
    options: dict[str, Any],
    out: Path,
    *,
    bound: bool,
    change: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Plan (and re-plan for a what-if), write the four files into ``out``; the summary."""
    scenario = prepared.scenario
    result = plan_evacuation(_problem(prepared, options), with_bound=bound and not change)
    comparison = None
    if change:
        result, comparison = _what_if_result(result, change, bound)
        options = {**options, "what_if": change}
    summary = plan_summary(result, options={**options, "scenario": str(scenario.source_path)})
    if comparison:
        summary["what_if"] = comparison
    names = {c.id: c.name for c in scenario.corridors}
    write_plan_files(out, result.problem, result.plan, summary, names)
    return summary


def check_command(
    plan_dir: Annotated[Path, typer.Argument(metavar="DIR", help="folder written by `plan`")],
) -> None:
    """Replay a plan independently of the planner; exit 0 only when every rule holds."""
    summary_path = plan_dir / "plan.json"
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        options = summary["options"]
        scenario_path = Path(options["scenario"])
    except FileNotFoundError:
        msg = f"{summary_path}: not found; give a folder written by `safepassage plan`"
        raise DataError(msg) from None
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        msg = f"{summary_path}: not a plan summary ({exc}); re-run `safepassage plan`"
        raise DataError(msg) from None
    scenario = load_scenario(scenario_path)
    with stage_progress(["network", "corridors", "population"]) as on_stage:
        prepared = prepare_scenario(scenario, on_stage=on_stage)
    problem = _problem(prepared, options)
    plan = load_plan(plan_dir / "plan.npz")
    report = check_plan(problem, plan, claimed_clearance_min=summary.get("clearance_time_min"))
    console.print(report.summary(), highlight=False)
    bound = summary.get("lower_bound_min")
    if bound is not None and plan.clearance_time_min < bound - 1e-6:
        console.print(f"the plan beats its own lower bound ({bound} min): a bug", highlight=False)
        raise typer.Exit(1)
    if not report.ok:
        raise typer.Exit(3)
