"""Relief outputs: HXL CSVs of the daily stock series, the convoy plan and the corridor staffing;
the burn-down chart (PNG and SVG); ``relief.json``; and the plan's schedule read back.

Every file is written whole or not at all (:mod:`safepassage.io.atomic`).
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from safepassage import OSM_ATTRIBUTION
from safepassage.errors import DataError
from safepassage.io.atomic import write_bytes_atomic, write_text_atomic
from safepassage.planning.convoys import ConvoyPlan
from safepassage.planning.staffing import CorridorStaffing
from safepassage.planning.stock_forecast import PERCENTILES, Forecast

__all__ = [
    "RELIEF_FILES",
    "convoys_csv",
    "districts_csv",
    "forecast_csv",
    "read_schedule_arrivals",
    "sites_geojson",
    "staffing_csv",
    "write_burn_down_chart",
    "write_json",
]

RELIEF_FILES = (
    "relief.json",
    "stock_forecast.csv",
    "burn_down.png",
    "burn_down.svg",
    "convoy_plan.csv",
    "corridor_staffing.csv",  # with --plan
    "distribution_points.geojson",  # unless --no-siting
    "district_coverage.csv",
)

FORECAST_HEADER = (
    ("date", "#date"),
    ("commodity", "#item+code"),
    ("unit", "#item+unit"),
    ("people in the city (person-days)", "#population+num"),
    ("need", "#indicator+need+num"),
    ("delivered", "#indicator+delivered+num"),
    ("lost", "#indicator+lost+num"),
    ("consumed", "#indicator+consumed+num"),
    ("stock at start of day", "#indicator+stock+num"),
    ("days of cover", "#indicator+cover_days+num"),
    ("stock P10", "#indicator+stock+p10+num"),
    ("stock P50", "#indicator+stock+p50+num"),
    ("stock P90", "#indicator+stock+p90+num"),
)
CONVOY_HEADER = (
    ("date", "#date"),
    ("route", "#loc+code+route"),
    ("trucks", "#capacity+trucks+num"),
    ("route capacity (trucks)", "#capacity+trucks+max+num"),
    ("tonnes all routes", "#output+tonnes+num"),
    ("capacity all routes (t)", "#capacity+tonnes+num"),
    ("infeasible", "#status+infeasible"),
    ("largest shortfall (days of cover)", "#indicator+shortfall+cover_days+num"),
    ("short commodity", "#item+code+short"),
)
DISTRICT_HEADER = (
    ("district", "#loc+name+district"),
    ("people who stay", "#population+num"),
    ("within walking distance", "#population+covered+num"),
    ("outside", "#population+outside+num"),
    ("coverage", "#indicator+coverage+pct"),
)
STAFFING_HEADER = (
    ("corridor", "#loc+code+corridor"),
    ("hour start", "#date+start"),
    ("planned arrivals", "#affected+arrived+planned+num"),
    ("needing triage", "#affected+medical+num"),
    ("food counters", "#capacity+food_counters+num"),
    ("triage teams", "#capacity+triage_teams+num"),
    ("expected food wait (min)", "#indicator+wait+food+num"),
    ("expected triage wait (min)", "#indicator+wait+medical+num"),
)


def _csv(header: tuple[tuple[str, str], ...], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([h for h, _ in header])
    writer.writerow([t for _, t in header])
    writer.writerows(rows)
    return buffer.getvalue()


def _num(value: float, digits: int = 3) -> str:
    return "" if not math.isfinite(value) else f"{value:.{digits}f}"


def forecast_csv(forecast: Forecast) -> str:
    """The daily series, one row per day and commodity (HXL-tagged)."""
    inputs = forecast.inputs
    cover = forecast.cover_days
    rows: list[list[Any]] = []
    for d in range(inputs.days):
        for c, commodity in enumerate(inputs.commodities):
            rows.append(
                [
                    inputs.date(d).isoformat(),
                    commodity,
                    inputs.units[c],
                    _num(forecast.person_days[d], 1),
                    _num(forecast.need[d, c]),
                    _num(forecast.delivered[d, c]),
                    _num(forecast.lost[d, c]),
                    _num(forecast.consumed[d, c]),
                    _num(forecast.stock[d, c]),
                    _num(cover[d, c], 2),
                    *(_num(forecast.mc_stock[k, d, c]) for k in range(len(PERCENTILES))),
                ]
            )
    return _csv(FORECAST_HEADER, rows)


def convoys_csv(plan: ConvoyPlan) -> str:
    """Trucks per day and route, with the day's tonnage, capacity and shortfall (HXL-tagged)."""
    inputs = plan.inputs
    worst = plan.shortfall_cover_days.max(axis=1, initial=0.0)
    short = plan.shortfall_cover_days.argmax(axis=1) if inputs.commodities else None
    rows: list[list[Any]] = []
    routes = inputs.route_ids or ("",)
    for d in range(inputs.days):
        infeasible = bool(worst[d] > 0)
        short_name = inputs.commodities[int(short[d])] if short is not None and infeasible else ""
        for r, route in enumerate(routes):
            trucks = int(plan.trucks[r, d]) if inputs.route_ids else 0
            cap = int(inputs.trucks_cap[r, d]) if inputs.route_ids else 0
            rows.append(
                [
                    inputs.date(d).isoformat(),
                    route,
                    trucks,
                    cap,
                    _num(plan.tonnes[d], 1),
                    _num(plan.capacity_t[d], 1),
                    "yes" if infeasible else "no",
                    _num(worst[d], 2),
                    short_name,
                ]
            )
    return _csv(CONVOY_HEADER, rows)


def staffing_csv(staffing: list[CorridorStaffing]) -> str:
    """Counters and triage teams per corridor and hour (HXL-tagged)."""
    rows: list[list[Any]] = []
    for s in staffing:
        for h, hour in enumerate(s.hour_start):
            rows.append(
                [
                    s.corridor,
                    hour,
                    _num(s.arrivals[h], 1),
                    _num(s.medical_arrivals[h], 1),
                    int(s.food_counters[h]),
                    int(s.triage_teams[h]),
                    _num(s.food_wait_min[h], 2),
                    _num(s.triage_wait_min[h], 2),
                ]
            )
    return _csv(STAFFING_HEADER, rows)


def districts_csv(siting: dict[str, Any]) -> str:
    """Coverage of the distribution points per district (HXL-tagged), from the siting summary."""
    rows = [
        [d["district"], _num(d["people"], 1), _num(d["covered"], 1), _num(d["outside"], 1),
         _num(100 * d["coverage"], 1)]
        for d in siting.get("districts", [])
    ]  # fmt: skip
    return _csv(DISTRICT_HEADER, rows)


def sites_geojson(siting: dict[str, Any]) -> dict[str, Any]:
    """The chosen distribution points as GeoJSON points (positions are network nodes, so the
    OpenStreetMap attribution goes with them)."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": list(lonlat)},
            "properties": {"site": i + 1, "walk_m": siting["walk_m"]},
        }
        for i, lonlat in enumerate(siting.get("site_lonlat", []))
    ]
    return {"type": "FeatureCollection", "attribution": OSM_ATTRIBUTION, "features": features}


def read_schedule_arrivals(
    path: Path, *, column: str = "planned arrivals"
) -> tuple[tuple[str, ...], dict[str, dict[str, NDArray[np.float64]]]]:
    """Planned arrivals (or ``column``: ``planned crossings``) per corridor, group and hour from a
    plan's ``schedule.csv``.

    Returns the sorted hour labels and ``{corridor: {group: people per hour}}``.

    Raises
    ------
    DataError
        The file is missing or lacks the schedule's columns.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"{path}: not found; give --plan a folder written by `safepassage plan`"
        raise DataError(msg) from None
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) < 2 or not {"corridor", "group", "hour start", column} <= set(rows[0]):
        msg = f"{path}: not a plan schedule (columns corridor, group, hour start, {column})"
        raise DataError(msg)
    col = {name: i for i, name in enumerate(rows[0])}
    data = rows[2:] if rows[1] and rows[1][0].startswith("#") else rows[1:]
    for i, row in enumerate(data, start=len(rows) - len(data) + 1):
        if len(row) < len(rows[0]):
            msg = f"{path}: row {i} has {len(row)} fields, the header {len(rows[0])}"
            raise DataError(msg + "; write the plan again with `safepassage plan`")
    hours = tuple(sorted({row[col["hour start"]] for row in data}))
    index = {h: i for i, h in enumerate(hours)}
    out: dict[str, dict[str, NDArray[np.float64]]] = {}
    for i, row in enumerate(data, start=len(rows) - len(data) + 1):
        try:
            people = float(row[col[column]] or 0.0)
        except (ValueError, IndexError):
            raise DataError(f"{path}: row {i}: {column} is not a number") from None
        by_group = out.setdefault(row[col["corridor"]], {})
        series = by_group.setdefault(row[col["group"]], np.zeros(len(hours)))
        series[index[row[col["hour start"]]]] += people
    return hours, out


def write_burn_down_chart(forecast: Forecast, folder: Path) -> list[Path]:
    """``burn_down.png`` and ``burn_down.svg``: days of cover per commodity with the P10-P90 band.

    Matplotlib with the Agg backend (no display needed).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    inputs = forecast.inputs
    n = max(len(inputs.commodities), 1)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
    days = np.arange(inputs.days + 1)
    for c, commodity in enumerate(inputs.commodities):
        ax = axes[c // cols][c % cols]
        scale = 1000.0 if inputs.units[c] in {"kg", "l"} else 1.0
        unit = {"kg": "t", "l": "m3"}.get(inputs.units[c], inputs.units[c])
        ax.fill_between(
            days,
            forecast.mc_stock[0, :, c] / scale,
            forecast.mc_stock[2, :, c] / scale,
            alpha=0.3,
            label="P10-P90",
        )
        ax.plot(days, forecast.mc_stock[1, :, c] / scale, label="P50")
        ax.plot(days, forecast.stock[:, c] / scale, "k--", linewidth=0.8, label="deterministic")
        out = forecast.mc_stockout_day[1, c]
        if math.isfinite(out):
            ax.axvline(out, color="red", linewidth=0.8, label="P50 stock-out")
        ax.set_title(commodity, fontsize=9)
        ax.set_ylabel(unit, fontsize=8)
        ax.set_xlabel(f"days after {inputs.start:%Y-%m-%d}", fontsize=8)
        ax.tick_params(labelsize=7)
    for k in range(len(inputs.commodities), rows * cols):
        axes[k // cols][k % cols].axis("off")
    if inputs.commodities:
        axes[0][0].legend(fontsize=7)
    else:
        axes[0][0].text(0.5, 0.5, "no stocks in the scenario", ha="center", va="center")
    fig.suptitle(f"Stock burn-down ({forecast.draws:,} Monte Carlo draws)", fontsize=10)
    fig.tight_layout()
    paths = []
    for suffix in ("png", "svg"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=suffix, dpi=120)
        path = folder / f"burn_down.{suffix}"
        write_bytes_atomic(path, buffer.getvalue())
        paths.append(path)
    plt.close(fig)
    return paths


def write_json(path: Path, data: dict[str, Any]) -> None:
    """``data`` as indented UTF-8 JSON, written atomically."""
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
