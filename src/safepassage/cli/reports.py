"""``safepassage map SCENARIO [--plan DIR] --out map.html`` and
``safepassage leaflets SCENARIO --plan DIR --lang ar,en --out DIR``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from safepassage.cli.console import console, stage_progress
from safepassage.errors import SafepassageError
from safepassage.io.atomic import check_writable, ensure_directory
from safepassage.io.prepare import PreparedScenario, prepare_scenario
from safepassage.io.scenario_file import load_scenario
from safepassage.reports.i18n import parse_langs
from safepassage.reports.leaflets import write_leaflets
from safepassage.reports.map_html import write_map
from safepassage.reports.pdf import CHROMIUM
from safepassage.reports.plan_input import PlanInput, load_plan_input

__all__ = ["leaflets_command", "map_command"]


def _prepare(
    scenario_path: Path, plan_dir: Path | None
) -> tuple[PreparedScenario, PlanInput | None]:
    scenario = load_scenario(scenario_path)
    with stage_progress(["network", "corridors", "population"]) as on_stage:
        prepared = prepare_scenario(scenario, on_stage=on_stage)
    plan = load_plan_input(plan_dir, prepared) if plan_dir is not None else None
    return prepared, plan


def map_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="scenario .toml")],
    out: Annotated[Path, typer.Option("--out", help="the HTML file to write")],
    plan_dir: Annotated[
        Path | None, typer.Option("--plan", help="folder written by `safepassage plan`")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="en or ar")] = "en",
) -> None:
    """Write one self-contained HTML map (opens offline, e.g. from a USB stick)."""
    langs = parse_langs(lang)
    if len(langs) != 1:
        raise SafepassageError(f"--lang {lang!r}: the map takes one language, en or ar")
    check_writable(out, what="--out")
    prepared, plan = _prepare(scenario_path, plan_dir)
    size = write_map(prepared, plan, out, lang=langs[0])
    console.print(f"map written to {out} ({size / 1e6:.1f} MB, works offline)", highlight=False)


def leaflets_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="scenario .toml")],
    plan_dir: Annotated[Path, typer.Option("--plan", help="folder written by `safepassage plan`")],
    out: Annotated[Path, typer.Option("--out", help="folder for the PDFs")],
    lang: Annotated[str, typer.Option("--lang", help="languages, e.g. ar,en")] = "ar,en",
) -> None:
    """Write a printable A5 leaflet (PDF) per district and language for residents."""
    langs = parse_langs(lang)
    if not CHROMIUM.exists():
        msg = (
            f"{CHROMIUM}: chromium not found, needed to print the leaflets; install it with "
            "`apt-get install --no-install-recommends chromium fonts-noto-core`"
        )
        raise SafepassageError(msg)
    ensure_directory(out, what="--out")
    prepared, plan = _prepare(scenario_path, plan_dir)
    assert plan is not None  # --plan is required here
    start = time.perf_counter()
    paths = write_leaflets(prepared, plan, out, langs=langs)
    seconds = time.perf_counter() - start
    console.print(
        f"{len(paths)} leaflet(s) written to {out} in {seconds:.1f} s "
        f"({', '.join(langs)}; one per district and language)",
        highlight=False,
    )
