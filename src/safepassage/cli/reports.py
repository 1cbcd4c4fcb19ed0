"""``safepassage map SCENARIO [--plan DIR] --out map.html``,
``safepassage leaflets SCENARIO --plan DIR --lang ar,en --out DIR`` and
``safepassage sitrep --db URL --operation ID --lang en|ar --out sitrep.pdf``."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from safepassage.cli.console import console, err_console, print_line, stage_progress
from safepassage.cli.service import DbOption
from safepassage.errors import SafepassageError
from safepassage.io.atomic import check_writable, ensure_directory
from safepassage.io.prepare import PreparedScenario, prepare_scenario
from safepassage.io.scenario_file import load_scenario
from safepassage.reports.i18n import parse_langs
from safepassage.reports.leaflets import write_leaflets
from safepassage.reports.map_html import write_map
from safepassage.reports.pdf import CHROMIUM
from safepassage.reports.plan_input import PlanInput, load_plan_input
from safepassage.storage.db import DEFAULT_DB

__all__ = ["leaflets_command", "map_command", "sitrep_command"]


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
    _check_chromium("the leaflets")
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


def _as_of(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        msg = f"--as-of {value!r}: not a date and time; write e.g. 2030-08-04T06:00+03:00"
        raise SafepassageError(msg) from None


def _check_chromium(what: str) -> None:
    if not CHROMIUM.exists():
        msg = (
            f"{CHROMIUM}: chromium not found, needed to print {what}; install it with "
            "`apt-get install --no-install-recommends chromium fonts-noto-core`"
        )
        raise SafepassageError(msg)


def sitrep_command(
    operation: Annotated[str, typer.Option("--operation", help="The operation's code (or id).")],
    out: Annotated[Path, typer.Option("--out", help="the PDF file to write")],
    db: DbOption = DEFAULT_DB,
    lang: Annotated[str, typer.Option("--lang", help="en or ar")] = "en",
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="End of the period (ISO; without an offset: the plan's time zone). "
            "Default: the latest record, rounded up to the hour.",
        ),
    ] = None,
    period_hours: Annotated[
        float, typer.Option("--period-hours", help="Hours the report covers, up to --as-of.")
    ] = 24.0,
    number: Annotated[
        int | None,
        typer.Option("--number", help="Report number. Default: periods since the plan's start."),
    ] = None,
) -> None:
    """Write a situation report (PDF) from the operations record and the published plan.

    The database is only read. Counts of people are suppressed as in the public exports.
    """
    from safepassage.reports.sitrep import SitrepRequest, gather_sitrep, write_sitrep
    from safepassage.storage.db import open_database

    langs = parse_langs(lang)
    if len(langs) != 1:
        raise SafepassageError(f"--lang {lang!r}: the sitrep takes one language, en or ar")
    request = SitrepRequest(
        operation=operation, as_of=_as_of(as_of), period_hours=period_hours, number=number
    )
    check_writable(out, what="--out")
    start = time.perf_counter()
    database = open_database(db, migrate=False)
    try:
        figures = gather_sitrep(database, request)
    finally:
        database.dispose()
    _check_chromium("the sitrep")
    write_sitrep(figures, out, lang=langs[0])
    seconds = time.perf_counter() - start
    print_line(
        err_console,
        "classification:",
        f"{figures.classification.value} (the strictest of the tables read)",
        style="bold",
    )
    console.print(
        f"sitrep No. {figures.number} as of {figures.as_of:%Y-%m-%d %H:%M} UTC "
        f"({figures.period_hours:g} h) written to {out} in {seconds:.1f} s",
        highlight=False,
    )
