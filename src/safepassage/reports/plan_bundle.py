"""A published plan as one JSON document: what the service, the dashboard and the sitrep know
of the plan (figures, hourly series, map layers, relief forecast).

The bundle is built from a plan folder written by ``safepassage plan`` (``plan.json``,
``routes.geojson``, ``plan.npz``), the scenario it was made for and, optionally, the relief
folder written by ``safepassage supplies``. Its format is given in ``docs/publishing.md``.
Every figure in it is the plan's own: nothing is re-planned here.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from safepassage import OSM_ATTRIBUTION
from safepassage.errors import DataError
from safepassage.io.files import read_output_json
from safepassage.io.prepare import PreparedScenario
from safepassage.model.clock import local_after
from safepassage.planning.problem import build_problem
from safepassage.reports.map_layers import Lines, area_shapes, hazard_shapes, street_lines
from safepassage.reports.plan_input import load_plan_input

__all__ = ["BUNDLE_FORMAT", "BUNDLE_STREET_VERTICES", "build_plan_bundle", "check_bundle"]

BUNDLE_FORMAT = "safepassage-plan-bundle/1"
# streets are simplified to about this many vertices: ~2.5 MB of JSON, drawn in a browser in
# well under a second
BUNDLE_STREET_VERTICES = 120_000
_PACKET_FIELDS = (
    "packet_source",
    "packet_people",
    "packet_corridor",
    "packet_depart_min",
    "packet_arrive_min",
    "proc_indptr",
    "proc_step",
    "proc_people",
)
REQUIRED_KEYS = ("format", "scenario", "summary", "corridors", "hours", "planned")


def _lines(lines: Lines) -> dict[str, list[float | None]]:
    """NaN-separated float32 lines as JSON lists with null between the parts."""

    def column(values: NDArray[np.float32]) -> list[float | None]:
        return [None if math.isnan(v) else round(v, 6) for v in values.astype(float).tolist()]

    return {"lon": column(lines.lon), "lat": column(lines.lat)}


def _round(values: NDArray[np.float64], digits: int = 1) -> list[float]:
    return [round(v, digits) for v in values.tolist()]


def _packets(plan_dir: Path) -> dict[str, NDArray[Any]]:
    path = plan_dir / "plan.npz"
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in _PACKET_FIELDS}
    except FileNotFoundError:
        msg = f"{path}: not found; give --plan a folder written by `safepassage plan`"
        raise DataError(msg) from None
    except (OSError, ValueError, KeyError) as exc:
        msg = f"{path}: not a plan file ({exc}); write the plan again with `safepassage plan`"
        raise DataError(msg) from None


def _hourly(
    prepared: PreparedScenario, summary: dict[str, Any], packets: dict[str, NDArray[Any]]
) -> dict[str, Any]:
    """Planned arrivals and crossings per corridor (and group) per hour, departures per
    district per hour and the people still inside at each hour's start."""
    options = summary.get("options", {})
    problem = build_problem(
        prepared.scenario,
        prepared.network,
        prepared.population,
        np.array([s.node for s in prepared.corridor_snaps], dtype=np.int64),
        step_min=float(options.get("step_min", summary.get("step_min", 1.0))),
        max_days=float(options.get("max_days", 30.0)),
    )
    source = packets["packet_source"].astype(np.int64)
    if source.size and int(source.max()) >= problem.source_area.size:
        msg = "plan.npz: packets name sources the scenario does not have; plan it again"
        raise DataError(msg)
    people = packets["packet_people"].astype(np.float64)
    corridor = packets["packet_corridor"].astype(np.int64)
    proc_indptr = packets["proc_indptr"].astype(np.int64)
    proc_hour = np.floor(packets["proc_step"] * problem.step_min / 60.0).astype(np.int64)
    arrive_hour = np.floor(packets["packet_arrive_min"] / 60.0).astype(np.int64)
    depart_hour = np.floor(packets["packet_depart_min"] / 60.0).astype(np.int64)
    last = max(
        int(proc_hour.max(initial=0)),
        int(arrive_hour.max(initial=0)),
        int(depart_hour.max(initial=0)),
    )
    hours = last + 1
    n_corridors, n_groups = len(problem.corridor_ids), len(problem.groups)
    group = problem.source_group[source]
    arrived = np.zeros((n_corridors, hours))
    np.add.at(arrived, (corridor, arrive_hour), people)
    per_proc = np.repeat(np.arange(people.size), np.diff(proc_indptr))
    crossed = np.zeros((n_corridors, n_groups, hours))
    np.add.at(crossed, (corridor[per_proc], group[per_proc], proc_hour), packets["proc_people"])
    area = problem.source_area[source]
    departed = np.zeros((len(problem.areas), hours))
    np.add.at(departed, (area, depart_hour), people)
    total_crossed = crossed.sum(axis=(0, 1))
    population = float(prepared.population.people_per_area().sum())
    # at each hour's start: the population less everyone who crossed in the hours before
    inside = population - np.concatenate([[0.0], np.cumsum(total_crossed)[:-1]])
    start = problem.start
    return {
        "hours": [local_after(start, hours=h).isoformat(timespec="minutes") for h in range(hours)],
        "planned": {
            cid: {
                "arrivals": _round(arrived[c]),
                "crossings": _round(crossed[c].sum(axis=0)),
                "by_group": {gid: _round(crossed[c, g]) for g, gid in enumerate(problem.groups)},
            }
            for c, cid in enumerate(problem.corridor_ids)
        },
        "people_inside": _round(inside),
        "population": round(population, 1),
        "departures": {name: departed[a] for a, name in enumerate(problem.areas)},
    }


def _corridors(prepared: PreparedScenario) -> list[dict[str, Any]]:
    scenario = prepared.scenario
    rows = []
    for corridor in scenario.corridors:
        windows = corridor.windows
        rows.append(
            {
                "id": corridor.id,
                "name": corridor.name,
                "lon": corridor.lon,
                "lat": corridor.lat,
                "throughput_pph": corridor.throughput_pph,
                "status": corridor.status.value,
                "windows": [list(w) for w in windows.daily]
                or [[a.isoformat(), b.isoformat()] for a, b in windows.intervals],
                "groups": scenario.eligible(corridor),
                "services": [
                    {
                        "name": s.name,
                        "kind": s.kind,
                        "lon": corridor.lon if s.lon is None else s.lon,
                        "lat": corridor.lat if s.lat is None else s.lat,
                    }
                    for s in corridor.services
                ],
            }
        )
    return rows


def _read_json(path: Path) -> Any:
    return read_output_json(path, option="--relief", command="supplies")


def _relief(relief_dir: Path) -> tuple[dict[str, Any], list[dict[str, float]]]:
    """The stock forecast per commodity and day, convoys and warnings; distribution points."""
    summary = _read_json(relief_dir / "relief.json")
    path = relief_dir / "stock_forecast.csv"
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    except FileNotFoundError:
        msg = f"{path}: not found; give --relief a folder written by `safepassage supplies`"
        raise DataError(msg) from None
    rows = [r for r in rows if not str(r.get("date", "")).startswith("#")]
    dates: list[str] = []
    series: dict[str, dict[str, list[float | None]]] = {}
    columns = {
        "stock": "stock at start of day",
        "p10": "stock P10",
        "p50": "stock P50",
        "p90": "stock P90",
        "cover_days": "days of cover",
    }
    for i, row in enumerate(rows, start=3):
        try:
            values = {key: float(row[col]) if row[col] else None for key, col in columns.items()}
        except (KeyError, ValueError, TypeError):
            msg = f"{path}: row {i} is not a stock forecast row; run `safepassage supplies` again"
            raise DataError(msg) from None
        if row["date"] not in dates:
            dates.append(row["date"])
        by_key = series.setdefault(row["commodity"], {key: [] for key in columns})
        for key, value in values.items():
            by_key[key].append(value)
    forecast = summary.get("forecast", {})
    stockout = {c["commodity"]: c for c in forecast.get("commodities", [])}
    units = {row["commodity"]: row["unit"] for row in rows}
    commodities = [
        {
            "commodity": name,
            "unit": units[name],
            **values,
            "stockout_date": stockout.get(name, {}).get("stockout_date"),
            "stockout_date_p10": stockout.get(name, {}).get("stockout_date_p10"),
            "stockout_date_p90": stockout.get(name, {}).get("stockout_date_p90"),
        }
        for name, values in series.items()
    ]
    points_path = relief_dir / "distribution_points.geojson"
    points = []
    if points_path.exists():
        for feature in _read_json(points_path).get("features", []):
            lon, lat = feature["geometry"]["coordinates"][:2]
            points.append({"lon": float(lon), "lat": float(lat)})
    relief = {
        "dates": dates,
        "commodities": commodities,
        "convoys": summary.get("convoys"),
        "warnings": summary.get("warnings", []),
        "needs_at_start": summary.get("needs_at_start"),
    }
    return relief, points


def build_plan_bundle(
    prepared: PreparedScenario,
    plan_dir: Path,
    relief_dir: Path | None = None,
    *,
    max_street_vertices: int = BUNDLE_STREET_VERTICES,
) -> dict[str, Any]:
    """The bundle of a plan folder (and relief folder) for the scenario it was made for.

    Raises
    ------
    DataError
        A file is missing or unreadable, or the plan was made for another scenario.
    """
    plan_dir = Path(plan_dir)
    plan = load_plan_input(plan_dir, prepared)
    hourly = _hourly(prepared, plan.summary, _packets(plan_dir))
    departures = hourly.pop("departures")
    districts = [
        {
            "name": shape.name,
            "people": round(shape.people, 1),
            "centre": [round(shape.centre[0], 6), round(shape.centre[1], 6)],
            "outline": _lines(shape.outline),
            "departures": _round(departures.get(shape.name, np.zeros(0))),
        }
        for shape in area_shapes(prepared)
    ]
    streets, _ = street_lines(prepared.network, max_vertices=max_street_vertices)
    closed, _ = street_lines(prepared.network, closed=True, max_vertices=max_street_vertices)
    scenario = prepared.scenario
    relief, points = _relief(Path(relief_dir)) if relief_dir is not None else (None, [])
    return {
        "format": BUNDLE_FORMAT,
        "attribution": OSM_ATTRIBUTION,
        "note": "Options with their capacity, not movement orders: leaving is voluntary.",
        "scenario": {
            "name": scenario.name,
            "start": scenario.start_local.isoformat(timespec="minutes"),
            "timezone": scenario.timezone,
            "step_min": float(plan.summary.get("step_min", 1.0)),
        },
        "summary": plan.summary,
        "corridors": _corridors(prepared),
        **hourly,
        "districts": districts,
        "streets": _lines(streets),
        "closed_streets": _lines(closed),
        "hazards": [
            {
                "name": h.hazard.name or h.hazard.id,
                "effect": h.hazard.effect,
                "outline": _lines(h.outline),
            }
            for h in hazard_shapes(scenario.hazards)
        ],
        "routes": [
            {
                "area": r.area,
                "corridor": r.corridor,
                "people": round(r.people, 1),
                "length_m": round(r.length_m, 0),
                "lon": [round(p[0], 6) for p in r.lonlat],
                "lat": [round(p[1], 6) for p in r.lonlat],
            }
            for r in plan.routes
        ],
        "distribution_points": points,
        "relief": relief,
    }


def check_bundle(bundle: Any) -> dict[str, Any]:
    """``bundle`` if it looks like a plan bundle of this format.

    Raises
    ------
    DataError
        It is not a JSON object of format ``safepassage-plan-bundle/1`` with the keys the readers
        need.
    """
    if not isinstance(bundle, dict):
        raise DataError(
            "a plan bundle is a JSON object; build it with `safepassage operations publish`"
        )
    if bundle.get("format") != BUNDLE_FORMAT:
        msg = f"plan bundle format {bundle.get('format')!r}; this version reads {BUNDLE_FORMAT!r}"
        raise DataError(msg)
    missing = [key for key in REQUIRED_KEYS if key not in bundle]
    if missing:
        raise DataError(f"plan bundle lacks {', '.join(missing)}; publish the plan again")
    return bundle
