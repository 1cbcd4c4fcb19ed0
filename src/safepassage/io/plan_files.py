"""Write a plan's files: ``plan.json`` (figures), ``routes.geojson`` (a route per district and
corridor with its people), ``schedule.csv`` (HXL: arrivals and crossings per corridor, hour and
group) and ``plan.npz`` (every packet, for ``safepassage check``)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from safepassage import OSM_ATTRIBUTION
from safepassage.io.atomic import write_text_atomic
from safepassage.io.plan_store import save_plan
from safepassage.io.plan_summary import packet_route_length_m
from safepassage.model.clock import local_after
from safepassage.planning.plan import Plan
from safepassage.planning.problem import PlanningProblem

__all__ = ["PLAN_FILES", "routes_geojson", "schedule_csv", "write_plan_files"]

PLAN_FILES = ("plan.json", "routes.geojson", "schedule.csv", "plan.npz")

SCHEDULE_HEADER = (
    ("corridor", "#loc+code+corridor"),
    ("corridor name", "#loc+name+corridor"),
    ("group", "#meta+group"),
    ("hour start", "#date+start"),
    ("hour end", "#date+end"),
    ("planned arrivals", "#affected+displaced+ind+arrived+planned"),
    ("planned crossings", "#affected+displaced+ind+crossed+planned"),
)


def _route_coordinates(problem: PlanningProblem, plan: Plan, packet: int) -> list[list[float]]:
    net = problem.network
    edges, forward, _ = plan.route(packet)
    coords: list[list[float]] = []
    for e, fwd in zip(edges.tolist(), forward.tolist(), strict=True):
        part = net.edge_geometry(e)
        part = part if fwd else part[::-1]
        coords.extend(part[1:].round(6).tolist() if coords else part.round(6).tolist())
    if not coords:
        node = int(problem.source_node[plan.packet_source[packet]])
        coords = [[round(float(net.lon[node]), 6), round(float(net.lat[node]), 6)]] * 2
    return coords


def routes_geojson(problem: PlanningProblem, plan: Plan) -> dict[str, Any]:
    """One feature per (district, corridor): the route of its largest packet, with the people of
    the district planned for that corridor."""
    area = problem.source_area[plan.packet_source]
    key = area * len(problem.corridor_ids) + plan.packet_corridor
    people = np.bincount(key, weights=plan.packet_people)
    length = packet_route_length_m(problem, plan)
    order = np.lexsort((-plan.packet_people, key))
    first = order[np.r_[True, key[order][1:] != key[order][:-1]]]
    features = []
    for packet in first.tolist():
        a, c = int(area[packet]), int(plan.packet_corridor[packet])
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": _route_coordinates(problem, plan, packet),
                },
                "properties": {
                    "area": problem.areas[a],
                    "corridor": problem.corridor_ids[c],
                    "people": round(float(people[key[packet]]), 1),
                    "route_length_m": round(float(length[packet]), 0),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "attribution": OSM_ATTRIBUTION,
        "note": "Routes are options with their capacity, not orders.",
        "features": features,
    }


def schedule_csv(problem: PlanningProblem, plan: Plan, corridor_names: dict[str, str]) -> str:
    """HXL-tagged arrivals and crossings per corridor, local hour and group."""
    steps_per_hour = max(1, round(60 / problem.step_min))
    hours = int(np.ceil(problem.steps / steps_per_hour))
    groups = problem.source_group[plan.packet_source]
    shape = (len(problem.corridor_ids), len(problem.groups), hours)
    arrived = np.zeros(shape)
    crossed = np.zeros(shape)
    arrive_hour = np.floor(plan.packet_arrive_min / 60.0).astype(np.int64)
    np.add.at(
        arrived,
        (plan.packet_corridor, groups, np.minimum(arrive_hour, hours - 1)),
        plan.packet_people,
    )
    per_step = np.repeat(np.arange(plan.packet_count), np.diff(plan.proc_indptr))
    np.add.at(
        crossed,
        (plan.packet_corridor[per_step], groups[per_step], plan.proc_step // steps_per_hour),
        plan.proc_people,
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([h for h, _ in SCHEDULE_HEADER])
    writer.writerow([t for _, t in SCHEDULE_HEADER])
    for c, g, h in zip(*np.nonzero((arrived > 0) | (crossed > 0)), strict=True):
        start = local_after(problem.start, hours=int(h))
        writer.writerow(
            [
                problem.corridor_ids[c],
                corridor_names.get(problem.corridor_ids[c], ""),
                problem.groups[g],
                start.isoformat(timespec="minutes"),
                local_after(start, hours=1).isoformat(timespec="minutes"),
                f"{arrived[c, g, h]:.1f}",
                f"{crossed[c, g, h]:.1f}",
            ]
        )
    return out.getvalue()


def write_plan_files(
    out_dir: Path,
    problem: PlanningProblem,
    plan: Plan,
    summary: dict[str, Any],
    corridor_names: dict[str, str],
) -> list[Path]:
    """Write the four files into ``out_dir`` (each whole or not at all)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    save_plan(plan, out_dir / "plan.npz")
    write_text_atomic(
        out_dir / "routes.geojson", json.dumps(routes_geojson(problem, plan), separators=(",", ":"))
    )
    write_text_atomic(out_dir / "schedule.csv", schedule_csv(problem, plan, corridor_names))
    write_text_atomic(out_dir / "plan.json", json.dumps(summary, indent=2, ensure_ascii=False))
    return [out_dir / name for name in PLAN_FILES]
