"""``safepassage validate SCENARIO``: import everything the scenario names and show the counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from safepassage.cli.console import console, print_summary, stage_progress
from safepassage.io.atomic import check_writable, write_text_atomic
from safepassage.io.prepare import prepare_scenario
from safepassage.io.scenario_file import load_scenario
from safepassage.io.summary import prepared_summary

__all__ = ["validate_command"]


def validate_command(
    # readable=False: load_scenario reports an unreadable file in one line, not a usage box
    scenario_path: Annotated[
        Path, typer.Argument(metavar="SCENARIO", help="scenario .toml file", readable=False)
    ],
    json_out: Annotated[
        Path | None,
        typer.Option("--json", help="also write the summary as JSON to this file", readable=False),
    ] = None,
) -> None:
    """Check a scenario: network, population placed and dropped, corridor snapping, warnings."""
    if json_out is not None:
        check_writable(json_out, what="--json")  # before the import, which can take a while
    scenario = load_scenario(scenario_path)
    with stage_progress(["network", "corridors", "population"]) as on_stage:
        prepared = prepare_scenario(scenario, on_stage=on_stage)
    summary = prepared_summary(prepared)
    print_summary(summary)
    if json_out is not None:
        write_text_atomic(json_out, json.dumps(summary, indent=2, ensure_ascii=False))
        console.print(Text(f"summary written to {json_out}"))
