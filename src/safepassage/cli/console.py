"""Rich output shared by the commands: progress over stages and the summary tables.

Every string that comes from input (file names, messages, names in the scenario) is printed as a
rich :class:`~rich.text.Text`, never as markup: ``pop[old].csv`` or "[west, south, east, north]"
would otherwise lose their brackets, and ``:name:`` could turn into an emoji.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

__all__ = ["console", "err_console", "print_line", "print_summary", "stage_progress"]

console = Console()
err_console = Console(stderr=True)

_STAGE_LABELS = {
    "network": "Reading OSM and building the network",
    "corridors": "Snapping corridors",
    "population": "Placing population on the network",
    "planning": "Planning: routes, schedule, baseline and lower bound",
    "scenario": "Writing the demo scenario",
}


@contextmanager
def stage_progress(stages: list[str]) -> Iterator[Any]:
    """Yield an ``on_stage(name)`` callback that advances a progress bar over ``stages``."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    with progress:
        task = progress.add_task("Starting", total=len(stages))
        started = False

        def on_stage(name: str) -> None:
            nonlocal started
            if started:
                progress.advance(task)
            started = True
            progress.update(task, description=_STAGE_LABELS.get(name, name))

        yield on_stage
        progress.update(task, completed=len(stages))


def print_line(target: Console, label: str, message: str, *, style: str) -> None:
    """Print ``label`` in ``style`` and then ``message`` exactly as it is, on one line."""
    line = Text.assemble((label, style), " ", message)
    target.print(line, highlight=False, soft_wrap=True)


def _people(value: float) -> str:
    return f"{value:,.0f}"


def _row(*cells: str) -> list[Text]:
    """Table cells shown as written (no markup)."""
    return [Text(cell) for cell in cells]


def print_summary(summary: dict[str, Any]) -> None:
    """The tables of ``safepassage validate``: network, population sources, corridors, warnings."""
    net = summary["network"]
    table = Table(title=Text(f"Network: {net['osm']}"), show_header=False)
    table.add_row("mode / CRS", f"{net['mode']} / {net['crs']}")
    table.add_row(
        "walkable ways", f"{net['walkable_ways']:,} of {net['highway_ways']:,} highway ways"
    )
    table.add_row("nodes, edges (read)", f"{net['nodes_read']:,}, {net['segments_read']:,}")
    table.add_row(
        "dropped (not connected)",
        f"{net['components'] - 1} part(s): {net['dropped_nodes']:,} nodes, "
        f"{net['dropped_edges']:,} edges, {net['dropped_length_km']:,.1f} km",
    )
    table.add_row("nodes, edges (contracted)", f"{net['nodes']:,}, {net['edges']:,}")
    table.add_row("length", f"{net['length_km']:,.1f} km")
    if net["hazard_segments_closed"] or net["hazard_segments_slowed"]:
        table.add_row(
            "hazards",
            f"{net['hazard_segments_closed']:,} segments closed, "
            f"{net['hazard_segments_slowed']:,} slowed",
        )
    console.print(table)

    pop = summary["population"]
    table = Table(title="Population sources")
    for column in ("source", "format", "input", "placed", "dropped"):
        table.add_column(column, justify="left" if column in {"source", "format"} else "right")
    for source in pop["sources"]:
        table.add_row(
            *_row(
                source["name"],
                source["format"],
                _people(source["input"]),
                _people(source["placed"]),
                _people(source["dropped"]),
            )
        )
    table.add_row(
        "total",
        "",
        _people(pop["input"]),
        _people(pop["placed"]),
        _people(pop["dropped"]),
        style="bold",
    )
    console.print(table)
    console.print(
        f"compliance {pop['compliance']:.0%}: about {_people(pop['expected_to_leave'])} "
        "people expected to leave (leaving is voluntary)"
    )

    table = Table(title="Corridors")
    for column in ("id", "name", "status", "throughput/h", "eligible", "snap node", "snap m"):
        table.add_column(column)
    for c in summary["corridors"]:
        table.add_row(
            *_row(
                c["id"],
                c["name"],
                c["status"],
                f"{c['throughput_pph']:,.0f}",
                ", ".join(c["eligible_groups"]),
                str(c["node"]),
                f"{c['snap_distance_m']:,.0f}",
            )
        )
    console.print(table)
    for warning in summary["warnings"]:
        print_line(console, "warning:", warning, style="yellow")
    console.print(Text(net["attribution"], style="dim"))
