"""``safepassage demo``: generate the fictional demo city and run everything on it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from safepassage.cli.console import console, print_summary, stage_progress
from safepassage.cli.plan import plan_and_write, print_plan
from safepassage.cli.supplies import print_relief, relief_and_write
from safepassage.demo.city import write_demo_scenario
from safepassage.demo.operation import DEMO_OPERATION, write_demo_operation
from safepassage.io.atomic import ensure_directory, write_text_atomic
from safepassage.io.network_export import write_network_geojson
from safepassage.io.prepare import PreparedScenario, prepare_scenario
from safepassage.io.scenario_file import load_scenario
from safepassage.io.summary import prepared_summary
from safepassage.reports.leaflets import write_leaflets
from safepassage.reports.map_html import write_map
from safepassage.reports.pdf import CHROMIUM
from safepassage.reports.plan_input import load_plan_input

__all__ = ["demo_command"]

SITREP_AFTER_H = 48


def demo_command(
    out: Annotated[
        Path, typer.Option("--out", help="folder for the demo's outputs", readable=False)
    ] = Path("out/demo"),
    seed: Annotated[int, typer.Option("--seed", help="seed of the generated city")] = 7,
) -> None:
    """Write the demo scenario (a fictional besieged city) and run safepassage on it."""
    ensure_directory(out, what="--out")
    stages = ["scenario", "network", "corridors", "population", "planning"]
    with stage_progress(stages) as on_stage:
        on_stage("scenario")
        scenario_path = write_demo_scenario(out / "scenario", seed=seed)
        scenario = load_scenario(scenario_path)
        prepared = prepare_scenario(scenario, on_stage=on_stage)
        on_stage("planning")
        options = {"step_min": 1.0, "max_days": 30.0}
        plan = plan_and_write(prepared, options, out / "plan", bound=True)
    summary = prepared_summary(prepared)
    print_summary(summary)
    write_text_atomic(out / "validation.json", json.dumps(summary, indent=2, ensure_ascii=False))
    write_network_geojson(prepared.network, out / "network.geojson")
    print_plan(plan)
    console.print(Text(f"\nDemo scenario in {scenario_path.parent} (copy and edit it);"))
    console.print(
        Text(
            f"outputs in {out}: validation.json, network.geojson, plan/ (plan.json, "
            "routes.geojson, schedule.csv, plan.npz)"
        )
    )
    relief = relief_and_write(prepared, out / "relief", plan_dir=out / "plan", options={})
    print_relief(relief)
    console.print(Text(f"relief files in {out / 'relief'} (docs/relief.md explains each figure)"))
    plan_input = load_plan_input(out / "plan", prepared)
    size = write_map(prepared, plan_input, out / "map.html")
    console.print(
        Text(f"map in {out / 'map.html'} ({size / 1e6:.1f} MB, one file that opens offline)")
    )
    record = write_demo_operation(prepared, out / "plan", out / "relief", out / "operations.sqlite")
    added = ", ".join(f"{n:,} {table}" for table, n in record.added.items())
    console.print(
        Text(
            f"operations record in {record.database}: the plan published to operation "
            f"'{record.operation}' and a SIMULATED week of field reports ({added})"
        )
    )
    console.print(
        Text(
            f"dashboard: safepassage serve --db {record.database}, then open "
            f"http://127.0.0.1:8000/ with the demo viewer token {record.viewer_token}"
        )
    )
    if not CHROMIUM.exists():
        console.print(
            Text(
                f"leaflets and situation reports skipped: {CHROMIUM} not found (install it "
                "with apt-get install --no-install-recommends chromium fonts-noto-core)"
            )
        )
        return
    leaflets = write_leaflets(prepared, plan_input, out / "leaflets", langs=["ar", "en"])
    console.print(Text(f"leaflets in {out / 'leaflets'}: {len(leaflets)} PDFs (ar, en)"))
    for path in _write_sitreps(record.database, prepared, out):
        console.print(Text(f"situation report in {path}"))


def _write_sitreps(database_path: Path, prepared: PreparedScenario, out: Path) -> list[Path]:
    """The demo's situation report in English and Arabic, two days into the operation (the
    simulated record goes on for a week; the plan's crossings end on day 4)."""
    from safepassage.reports.sitrep import SitrepRequest, gather_sitrep, write_sitrep
    from safepassage.storage.db import open_database

    as_of = prepared.scenario.start_local + dt.timedelta(hours=SITREP_AFTER_H)
    database = open_database(str(database_path), migrate=False)
    try:
        figures = gather_sitrep(database, SitrepRequest(operation=DEMO_OPERATION, as_of=as_of))
    finally:
        database.dispose()
    return [write_sitrep(figures, out / f"sitrep.{lang}.pdf", lang=lang) for lang in ("en", "ar")]
