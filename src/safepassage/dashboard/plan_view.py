"""What the dashboard takes from a published plan bundle, prepared once per bundle.

A bundle (``reports/plan_bundle.py``) is several megabytes of JSON for a city the size of
Coquimbo. The map layers are cut down here to what the page draws (coordinates rounded to about
1 m) and gzipped once; the hourly series are kept as numpy arrays on the bundle's hour grid, so
each data request only adds the record to them.
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import math
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from numpy.typing import NDArray

__all__ = ["FLOW_CLASSES", "PlanView", "compact_json", "map_layers", "plan_view"]

_DIGITS = 5  # about 1 m of latitude: finer than any street drawn at city scale
# lower bounds of the planned-flow classes, as shares of the busiest street segment's people
FLOW_CLASSES = (0.5, 0.2, 0.05, 0.01, 0.0)
_SIMPLIFY_DEG = 1e-5  # Douglas-Peucker tolerance for drawn streets: about 1 m


@dataclass(frozen=True)
class PlanView:
    """The hourly series of one bundle on its hour grid (hour k starts ``t0 + 3600 k``)."""

    bundle_id: int
    name: str
    timezone: ZoneInfo
    t0: float  # epoch seconds of the plan's first hour
    population: float
    corridor_ids: list[str]
    corridors: dict[str, dict[str, Any]]
    arrivals: NDArray[np.float64]  # (corridors, hours)
    crossings: NDArray[np.float64]  # (corridors, hours)
    inside: NDArray[np.float64]  # (hours,) at each hour's start
    district_names: list[str]
    district_people: NDArray[np.float64]
    departures: NDArray[np.float64]  # (districts, hours)
    # planned people per district and corridor, normalised per corridor: the share of a
    # corridor's crossings that come from each district
    district_share: NDArray[np.float64]  # (districts, corridors)
    relief: dict[str, Any] | None

    @property
    def hours(self) -> int:
        return int(self.inside.size)


def _series(values: list[float] | None, hours: int) -> NDArray[np.float64]:
    out = np.zeros(hours)
    if values:
        data = np.asarray([0.0 if v is None else v for v in values], dtype=np.float64)[:hours]
        out[: data.size] = data
    return out


def plan_view(bundle_id: int, bundle: dict[str, Any]) -> PlanView:
    """The series the charts need from ``bundle`` (already checked by ``check_bundle``)."""
    hours = len(bundle["hours"])
    t0 = dt.datetime.fromisoformat(bundle["hours"][0]).timestamp() if hours else 0.0
    scenario = bundle.get("scenario", {})
    corridors = {str(c["id"]): c for c in bundle.get("corridors", [])}
    ids = list(corridors)
    planned = bundle.get("planned", {})
    arrivals = np.array([_series(planned.get(c, {}).get("arrivals"), hours) for c in ids])
    crossings = np.array([_series(planned.get(c, {}).get("crossings"), hours) for c in ids])
    districts = bundle.get("districts", [])
    names = [str(d["name"]) for d in districts]
    per_corridor = {
        str(d["area"]): d.get("corridors", {}) for d in bundle["summary"].get("districts", [])
    }
    share = np.array(
        [[float(per_corridor.get(n, {}).get(c, 0.0)) for c in ids] for n in names]
    ).reshape(len(names), len(ids))
    totals = share.sum(axis=0)
    share = np.divide(share, totals, out=np.zeros_like(share), where=totals > 0)
    return PlanView(
        bundle_id=bundle_id,
        name=str(scenario.get("name", "")),
        timezone=ZoneInfo(str(scenario.get("timezone", "UTC"))),
        t0=t0,
        population=float(bundle.get("population", 0.0)),
        corridor_ids=ids,
        corridors=corridors,
        arrivals=arrivals.reshape(len(ids), hours),
        crossings=crossings.reshape(len(ids), hours),
        inside=_series(bundle.get("people_inside"), hours),
        district_names=names,
        district_people=np.array([float(d["people"]) for d in districts]),
        departures=np.array([_series(d.get("departures"), hours) for d in districts]).reshape(
            len(names), hours
        ),
        district_share=share,
        relief=bundle.get("relief"),
    )


def _round_list(values: list[float | None]) -> list[float | None]:
    return [None if v is None else round(float(v), _DIGITS) for v in values]


def _lines(lines: dict[str, list[float | None]] | None) -> dict[str, list[float | None]]:
    if not lines:
        return {"lon": [], "lat": []}
    return {"lon": _round_list(lines["lon"]), "lat": _round_list(lines["lat"])}


def _parts(lines: dict[str, list[float | None]]) -> list[NDArray[np.float64]]:
    """The (k, 2) lon/lat arrays of a null-separated line set."""
    lon = np.array([np.nan if v is None else v for v in lines["lon"]], dtype=np.float64)
    lat = np.array([np.nan if v is None else v for v in lines["lat"]], dtype=np.float64)
    gaps = np.flatnonzero(np.isnan(lon))
    pieces = np.split(np.column_stack([lon, lat]), gaps)
    return [p[~np.isnan(p[:, 0])] for p in pieces if np.count_nonzero(~np.isnan(p[:, 0])) >= 2]


def _street_lines(lines: dict[str, list[float | None]] | None) -> dict[str, list[float | None]]:
    """Streets for drawing: edges chained into long polylines through junctions, then
    simplified by about 1 m (Douglas-Peucker).

    A browser's cost of drawing lines grows with their vertices and parts: Coquimbo's 12,926
    street edges (47,352 vertices) become about 3,500 polylines of 33,000 vertices, which look
    the same at any zoom a city map is read at.
    """
    if not lines or not lines.get("lon"):
        return {"lon": [], "lat": []}
    edges = [np.round(p, _DIGITS) for p in _parts(lines)]
    at_node: dict[tuple[float, float], list[int]] = {}
    for i, edge in enumerate(edges):
        for end in (tuple(edge[0]), tuple(edge[-1])):
            at_node.setdefault(end, []).append(i)
    used = [False] * len(edges)
    chains = []
    for i in range(len(edges)):
        if used[i]:
            continue
        used[i] = True
        chain = [edges[i]]
        tip: tuple[float, float] = tuple(edges[i][-1])
        while True:
            nxt = next((j for j in at_node.get(tip, []) if not used[j]), None)
            if nxt is None:
                break
            used[nxt] = True
            edge = edges[nxt] if tuple(edges[nxt][0]) == tip else edges[nxt][::-1]
            chain.append(edge[1:])
            tip = tuple(edge[-1])
        chains.append(np.concatenate(chain))
    owner = np.repeat(np.arange(len(chains)), [len(c) for c in chains])
    geoms = shapely.linestrings(np.concatenate(chains), indices=owner)
    simple = shapely.simplify(geoms, _SIMPLIFY_DEG)
    out: dict[str, list[float | None]] = {"lon": [], "lat": []}
    for line in simple:
        coords = shapely.get_coordinates(line)
        if out["lon"]:
            out["lon"].append(None)
            out["lat"].append(None)
        out["lon"].extend(round(float(v), _DIGITS) for v in coords[:, 0])
        out["lat"].extend(round(float(v), _DIGITS) for v in coords[:, 1])
    return out


def _flow_classes(routes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The planned flow on the streets: people per street segment, over all routes, in
    ``len(FLOW_CLASSES)`` classes (share of the busiest segment); each class one line set.

    The bundle's routes (each district's largest packet to each corridor) overlap on the main
    streets: Coquimbo's 532 routes have 149,000 vertices but about a tenth as many distinct
    segments. Drawing each segment once, as wide as its flow, is both lighter and what a planner
    wants to see (where the crowds will be).
    """
    flow: dict[tuple[tuple[float, float], tuple[float, float]], float] = {}
    paths = []
    for route in routes:
        people = float(route["people"])
        points = [
            (round(x, _DIGITS), round(y, _DIGITS))
            for x, y in zip(route["lon"], route["lat"], strict=True)
            if x is not None and y is not None
        ]
        keys = []
        for a, b in itertools.pairwise(points):
            if a == b:
                continue
            key = (a, b) if a < b else (b, a)
            flow[key] = flow.get(key, 0.0) + people
            keys.append((a, b, key))
        paths.append(keys)
    top = max(flow.values(), default=0.0)
    if top <= 0:
        return []
    lines: list[dict[str, list[float | None]]] = [{"lon": [], "lat": []} for _ in FLOW_CLASSES]
    ends: list[tuple[float, float] | None] = [None] * len(FLOW_CLASSES)
    done: set[tuple[tuple[float, float], tuple[float, float]]] = set()
    for keys in paths:
        for a, b, key in keys:
            if key in done:
                continue
            done.add(key)
            k = next(i for i, lo in enumerate(FLOW_CLASSES) if flow[key] >= lo * top)
            line = lines[k]
            if ends[k] != a:  # not a continuation of this class's last segment: a new part
                if line["lon"]:
                    line["lon"].append(None)
                    line["lat"].append(None)
                line["lon"].append(a[0])
                line["lat"].append(a[1])
            line["lon"].append(b[0])
            line["lat"].append(b[1])
            ends[k] = b
    return [
        {"min_share": lo, "min_people": round(lo * top), **line}
        for lo, line in zip(FLOW_CLASSES, lines, strict=True)
        if line["lon"]
    ]


def map_layers(bundle: dict[str, Any]) -> dict[str, Any]:
    """The plan's map layers as the page draws them (no hourly series, no relief figures)."""
    all_lat = [v for v in bundle.get("streets", {}).get("lat", []) if v is not None]
    all_lat += [float(c["lat"]) for c in bundle.get("corridors", [])]
    mid_lat = float(np.mean(all_lat)) if all_lat else 0.0
    return {
        "attribution": bundle.get("attribution", ""),
        "note": bundle.get("note", ""),
        "aspect": math.cos(math.radians(mid_lat)),
        "streets": _street_lines(bundle.get("streets")),
        "closed_streets": _street_lines(bundle.get("closed_streets")),
        "districts": [
            {
                "name": d["name"],
                "people": d["people"],
                "centre": _round_list(list(d["centre"])),
                "outline": _lines(d.get("outline")),
            }
            for d in bundle.get("districts", [])
        ],
        "hazards": [
            {"name": h["name"], "effect": h["effect"], "outline": _lines(h.get("outline"))}
            for h in bundle.get("hazards", [])
        ],
        "flow": _flow_classes(bundle.get("routes", [])),
        # one dot per route, half way along it, for its district, corridor and people
        "routes": [
            {
                "area": r["area"],
                "corridor": r["corridor"],
                "people": r["people"],
                "length_m": r["length_m"],
                "lon": round(r["lon"][len(r["lon"]) // 2], _DIGITS),
                "lat": round(r["lat"][len(r["lat"]) // 2], _DIGITS),
            }
            for r in bundle.get("routes", [])
            if r["lon"]
        ],
        "distribution_points": [
            {"lon": round(p["lon"], _DIGITS), "lat": round(p["lat"], _DIGITS)}
            for p in bundle.get("distribution_points", [])
        ],
        "services": [
            {"corridor": c["id"], **s}
            for c in bundle.get("corridors", [])
            for s in c.get("services", [])
        ],
    }


def compact_json(payload: Any) -> tuple[bytes, bytes]:
    """``payload`` as compact UTF-8 JSON, and the same gzipped (level 6: fast, about 4x)."""
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    return raw, gzip.compress(raw, compresslevel=6, mtime=0)
