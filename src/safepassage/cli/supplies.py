"""``safepassage supplies SCENARIO [--plan DIR] --out DIR``: the relief side of the operation.

Stock forecast (deterministic and Monte Carlo), convoy plan, staffing of the services at the
corridors (with ``--plan``) and distribution points in the city. Methods: docs/relief.md.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from safepassage.cli.console import console, stage_progress
from safepassage.errors import SafepassageError, ScenarioError
from safepassage.io.atomic import ensure_directory, write_text_atomic
from safepassage.io.plan_store import load_plan
from safepassage.io.prepare import PreparedScenario, prepare_scenario
from safepassage.io.relief_files import (
    convoys_csv,
    districts_csv,
    forecast_csv,
    read_schedule_arrivals,
    sites_geojson,
    staffing_csv,
    write_burn_down_chart,
    write_json,
)
from safepassage.io.scenario_file import load_scenario
from safepassage.model.scenario import Scenario
from safepassage.planning.convoys import ConvoyPlan, plan_convoys
from safepassage.planning.relief_inputs import ReliefInputs, person_days, relief_inputs
from safepassage.planning.relief_summary import (
    convoy_summary,
    forecast_summary,
    needs_summary,
    siting_summary,
    staffing_summary,
)
from safepassage.planning.siting import (
    SitingResult,
    candidate_nodes,
    choose_sites,
    coverage_matrix,
    district_coverage,
    nearest_nodes,
)
from safepassage.planning.staffing import CorridorStaffing, staff_corridor
from safepassage.planning.stock_forecast import Forecast, forecast_stocks

__all__ = ["print_relief", "relief_and_write", "supplies_command"]


def _departures(plan_dir: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """When people leave the city (they cross a corridor), from the plan's processing steps."""
    if plan_dir is None:
        return np.zeros(0), np.zeros(0)
    plan = load_plan(plan_dir / "plan.npz")
    return (plan.proc_step + 1) * plan.step_min, plan.proc_people


def _plan_warnings(plan_dir: Path | None, scenario: Scenario) -> list[str]:
    """A plan made for another scenario file is used, but said so."""
    if plan_dir is None:
        return []
    try:
        made_for = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
        made_for = made_for["options"]["scenario"]
    except (OSError, ValueError, KeyError, TypeError):
        return [f"{plan_dir}: no readable plan.json; the plan's scenario is not checked"]
    if Path(made_for).resolve() != Path(str(scenario.source_path)).resolve():
        return [f"the plan in {plan_dir} was made for {made_for}, not {scenario.source_path}"]
    return []


def _staffing(scenario: Scenario, plan_dir: Path) -> tuple[list[CorridorStaffing], float]:
    services = scenario.relief.services
    target = services.target_wait_min or scenario.relief.standards.max_queue_min
    column = f"planned {services.basis}"
    hours, arrivals = read_schedule_arrivals(plan_dir / "schedule.csv", column=column)
    groups = {g.id for g in scenario.groups} | {g for by in arrivals.values() for g in by}
    shares = {g: services.medical_share.get(g, services.default_medical_share) for g in groups}
    staffing = [
        staff_corridor(
            corridor,
            hours,
            by_group,
            medical_share=shares,
            food_service_min=services.food_service_min,
            triage_service_min=services.triage_service_min,
            target_wait_min=target,
        )
        for corridor, by_group in sorted(arrivals.items())
    ]
    return staffing, target


def _choose(
    scenario: Scenario, cover: Any, weight: np.ndarray, options: dict[str, Any]
) -> tuple[SitingResult, str, list[str]]:
    """Solve in the mode the options and the scenario ask for; a default coverage target that
    cannot be reached falls back to the best reachable share, with a warning."""
    settings = scenario.relief.siting
    sites = options.get("sites") or settings.sites
    target = None if sites else (options.get("coverage") or settings.coverage_target)
    warnings: list[str] = []
    explicit = options.get("coverage") or "coverage_target" in settings.model_fields_set
    if target is not None and not explicit:
        reachable = np.asarray(cover.sum(axis=1)).ravel() > 0
        best = float(weight[reachable].sum() / weight.sum())
        if best < target:
            warnings.append(
                f"siting: {target:.0%} of the people cannot be covered (at most {best:.1%} live "
                f"within walking distance of a candidate); choosing the fewest sites for "
                f"{np.floor(best * 1000) / 10:.1f}%"
            )
            target = float(np.floor(best * 1000) / 1000)
    try:
        result = choose_sites(
            cover,
            weight,
            sites=sites,
            coverage_target=target,
            time_limit_s=settings.time_limit_s,
        )
    except ScenarioError as exc:
        field = "relief.siting.sites" if sites else "relief.siting.coverage_target"
        option = "--sites" if options.get("sites") else "--coverage"
        given = options.get("sites") or options.get("coverage")
        where = option if given else f"{scenario.source_path}: {field}"
        raise ScenarioError(f"{where}: {exc}") from None
    mode = f"{sites} sites" if sites else f"fewest sites for {target:.1%} coverage"
    return result, mode, warnings


def _siting(prepared: PreparedScenario, stay_share: float, options: dict[str, Any]) -> dict:
    scenario, network = prepared.scenario, prepared.network
    settings = scenario.relief.siting
    walk_m = settings.walk_m or scenario.relief.standards.water_point_max_distance_m
    people = prepared.population.people_per_node(network.node_count) * stay_share
    demand = np.flatnonzero(people > 0)
    if demand.shape[0] == 0:
        return {"walk_m": walk_m, "sites": 0, "people": 0.0, "note": "no one remains in the city"}
    if settings.candidates:
        candidates = np.unique(nearest_nodes(network, list(settings.candidates)))
    else:
        candidates = candidate_nodes(people, max_candidates=settings.max_candidates)
    t0 = time.perf_counter()
    cover = coverage_matrix(network.to_csgraph("length_m"), demand, candidates, walk_m)
    result, mode, warnings = _choose(scenario, cover, people[demand], options)
    covered_node = np.zeros(network.node_count, dtype=bool)
    covered_node[demand[result.covered]] = True
    pop = prepared.population
    chosen = candidates[result.chosen]
    summary = siting_summary(
        result,
        walk_m=walk_m,
        candidates=int(candidates.shape[0]),
        sites_lonlat=list(
            zip(network.lon[chosen].tolist(), network.lat[chosen].tolist(), strict=True)
        ),
        districts=district_coverage(
            covered_node,
            pop.origin_node,
            pop.origin_area,
            pop.origin_people * stay_share,
            pop.areas,
        ),
    )
    summary["seconds"] = round(time.perf_counter() - t0, 2)
    summary["mode"] = mode
    summary["warnings"] = warnings
    return summary


def _forecast_and_convoys(
    inputs: ReliefInputs, days: np.ndarray, scenario: Scenario, options: dict[str, Any]
) -> tuple[Forecast, ConvoyPlan]:
    relief = scenario.relief
    unc = relief.uncertainty
    forecast = forecast_stocks(
        inputs,
        days,
        draws=options.get("draws") or unc.draws,
        seed=unc.seed if options.get("seed") is None else options["seed"],
        consumption_cv=unc.consumption_cv,
        loss_cv=unc.loss_cv,
    )
    buffer = options.get("buffer_days")
    convoys = plan_convoys(
        inputs,
        forecast.need,
        buffer_days=relief.buffer_days if buffer is None else buffer,
        contingency=relief.standards.transport_contingency,
    )
    return forecast, convoys


def relief_and_write(
    prepared: PreparedScenario, out: Path, *, plan_dir: Path | None, options: dict[str, Any]
) -> dict[str, Any]:
    """Forecast, convoy plan, staffing and siting for ``prepared``; write the files into ``out``.

    Returns the summary written to ``relief.json``.
    """
    scenario = prepared.scenario
    relief = scenario.relief
    inputs = relief_inputs(scenario)
    total = prepared.population.placed_people
    depart_min, depart_people = _departures(plan_dir)
    days = person_days(total, depart_min, depart_people, inputs.days)
    forecast, convoys = _forecast_and_convoys(inputs, days, scenario, options)
    summary: dict[str, Any] = {
        "scenario": str(scenario.source_path),
        "plan": str(plan_dir) if plan_dir else None,
        "people_in_city_at_start": round(total, 1),
        "needs_at_start": needs_summary(total, relief.standards),
        "needs_at_end": needs_summary(float(days[-1]), relief.standards),
        "forecast": forecast_summary(forecast),
        "convoys": convoy_summary(convoys),
        "warnings": [*inputs.warnings, *_plan_warnings(plan_dir, scenario)],
    }
    write_text_atomic(out / "stock_forecast.csv", forecast_csv(forecast))
    write_text_atomic(out / "convoy_plan.csv", convoys_csv(convoys))
    write_burn_down_chart(forecast, out)
    if plan_dir is not None:
        staffing, target = _staffing(scenario, plan_dir)
        summary["staffing"] = staffing_summary(staffing, target)
        write_text_atomic(out / "corridor_staffing.csv", staffing_csv(staffing))
    if options.get("siting", True):
        stay_share = float(days[-1] / total) if total > 0 else 1.0
        summary["siting"] = _siting(prepared, stay_share, options)
        summary["warnings"] += summary["siting"].pop("warnings", [])
        write_json(out / "distribution_points.geojson", sites_geojson(summary["siting"]))
        write_text_atomic(out / "district_coverage.csv", districts_csv(summary["siting"]))
    write_json(out / "relief.json", summary)
    return summary


_STOCKOUT_KEYS = ("stockout_date", "stockout_date_p10", "stockout_date_p50", "stockout_date_p90")


def _day_month(iso: str | None) -> str:
    """``2030-09-25`` as ``25 Sep`` (the table's title gives the year); ``-`` for none."""
    return "-" if iso is None else dt.date.fromisoformat(iso).strftime("%d %b")


def _forecast_table(summary: dict[str, Any]) -> Table:
    fc = summary["forecast"]
    table = Table(
        title=f"Stock-out dates from {fc['start'][:16]} ({fc['draws']:,} draws)",
        title_justify="left",
        caption=f"-: lasts beyond the horizon ({fc['horizon_end']}); all convoys: every planned "
        "convoy arrives and people eat the ration",
    )
    table.add_column("commodity", no_wrap=True)
    for column in ("cover", "all convoys", "P10", "P50", "P90"):
        table.add_column(column)
    for row in fc["commodities"]:
        cover = row["days_of_cover_at_start"]
        table.add_row(
            row["commodity"],
            "-" if cover is None else f"{cover:.1f} d",
            *(_day_month(row[k]) for k in _STOCKOUT_KEYS),
        )
    return table


def _convoy_lines(cv: dict[str, Any]) -> tuple[Table, str]:
    table = Table(title=f"Convoy plan (buffer {cv['buffer_days']:g} days of cover)")
    for column in ("route", "payload", "trucks (total)", "peak trucks/day", "fleet"):
        table.add_column(column)
    for r in cv["routes"]:
        table.add_row(
            r["id"],
            f"{r['payload_t']:g} t",
            f"{r['trucks_total']:,}",
            str(r["trucks_peak_day"]),
            str(r["fleet_needed"]),
        )
    first = cv["first_infeasible_date"]
    if first:
        worst = max(d["short_days_of_cover"] for d in cv["infeasible_days"])
        state = (
            f"{cv['infeasible_day_count']} day(s) below the buffer from {first} "
            f"(worst short by {worst:.1f} days of cover)"
        )
    else:
        state = "the buffer holds every day"
    return table, f"{cv['total_tonnes']:,.0f} t to deliver; {state}"


def _staffing_table(st: dict[str, Any]) -> Table:
    table = Table(
        title=f"Services at the corridors (expected wait <= {st['target_wait_min']:g} min)"
    )
    for column in ("corridor", "busiest hour", "arrivals", "food counters", "triage teams"):
        table.add_column(column)
    for r in st["corridors"]:
        table.add_row(
            r["corridor"],
            str(r["busiest_hour"]),
            f"{r['busiest_hour_arrivals']:,.0f}",
            str(r["food_counters_peak"]),
            str(r["triage_teams_peak"]),
        )
    return table


def _needs_line(needs: dict[str, Any]) -> str:
    return (
        f"for the {needs['people']:,.0f} people who stay: {needs['food_t_per_day']:,.1f} t of "
        f"food and {needs['water_m3_per_day']:,.0f} m3 of water a day, {needs['taps']:,} taps "
        f"or {needs['hand_pumps']:,} hand pumps, {needs['toilets_first_phase']:,} toilets "
        "(WFP basket; Sphere 2018)"
    )


def print_relief(summary: dict[str, Any]) -> None:
    """The relief tables: forecast, convoys, staffing and coverage."""
    console.print(_needs_line(summary["needs_at_end"]), highlight=False, markup=False)
    if summary["forecast"]["commodities"]:
        console.print(_forecast_table(summary))
        table, line = _convoy_lines(summary["convoys"])
        console.print(table)
        console.print(line, highlight=False, markup=False)
    if "staffing" in summary:
        console.print(_staffing_table(summary["staffing"]))
    if summary.get("siting", {}).get("people"):
        si = summary["siting"]
        console.print(
            f"distribution points: {si['sites']} sites cover {si['coverage']:.1%} of "
            f"{si['people']:,.0f} people within {si['walk_m']:g} m walking "
            f"({si['people_outside']:,.0f} outside; gap {si['optimality_gap']:.2%})",
            highlight=False,
            markup=False,
        )
        worst = sorted(si["districts"], key=lambda d: d["coverage"])[:3]
        console.print(
            "least covered districts: "
            + ", ".join(
                f"{d['district']} ({d['coverage']:.0%} of {d['people']:,.0f})" for d in worst
            ),
            highlight=False,
            markup=False,
        )
    for warning in summary["warnings"]:
        console.print(f"warning: {warning}", style="yellow", highlight=False, markup=False)


def supplies_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="scenario .toml")],
    out: Annotated[Path, typer.Option("--out", help="folder for the relief files")],
    plan: Annotated[
        Path | None, typer.Option("--plan", help="folder written by `safepassage plan`")
    ] = None,
    draws: Annotated[int | None, typer.Option("--draws", help="Monte Carlo draws")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Monte Carlo seed")] = None,
    buffer_days: Annotated[
        float | None, typer.Option("--buffer-days", help="days of cover to keep")
    ] = None,
    sites: Annotated[
        int | None, typer.Option("--sites", help="distribution points to choose")
    ] = None,
    coverage: Annotated[
        float | None,
        typer.Option("--coverage", help="fewest distribution points covering this share"),
    ] = None,
    siting: Annotated[
        bool, typer.Option("--siting/--no-siting", help="choose distribution points")
    ] = True,
) -> None:
    """Forecast stocks, plan convoys, staff corridor services, site distribution points."""
    if draws is not None and draws < 1:
        raise SafepassageError(f"--draws {draws}: give at least 1 draw")
    if coverage is not None and not 0 < coverage <= 1:
        raise SafepassageError(f"--coverage {coverage}: give a share above 0 and at most 1")
    if buffer_days is not None and buffer_days < 0:
        raise SafepassageError(f"--buffer-days {buffer_days}: give 0 or more days")
    scenario = load_scenario(scenario_path)
    relief_inputs(scenario)  # bad relief input fails before the network is built
    if plan is not None and not (plan / "plan.npz").is_file():
        msg = f"{plan}: no plan.npz there; give --plan a folder written by `safepassage plan`"
        raise SafepassageError(msg)
    ensure_directory(out, what="--out")
    options = {
        "draws": draws,
        "seed": seed,
        "buffer_days": buffer_days,
        "sites": sites,
        "coverage": coverage,
        "siting": siting,
    }
    with stage_progress(["network", "corridors", "population", "relief"]) as on_stage:
        prepared = prepare_scenario(scenario, on_stage=on_stage)
        on_stage("relief")
        summary = relief_and_write(prepared, out, plan_dir=plan, options=options)
    print_relief(summary)
    console.print(
        f"relief files written to {out}: relief.json, stock_forecast.csv, burn_down.png/.svg, "
        "convoy_plan.csv"
        + (", corridor_staffing.csv" if plan else "")
        + (", distribution_points.geojson, district_coverage.csv" if siting else ""),
        highlight=False,
    )
