"""Districts of the demo city with invented populations, and its hazard areas, as GeoJSON text.

The ten districts tile the city: the river splits it into a north and a south bank, and each bank
is cut into districts by north-south lines (the Old Town and the Citadel share one strip). People
are spread by an invented density that is highest in the centre by the river, and every district's
count is a multiple of ten, summing to exactly ``total``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import mapping
from shapely.geometry.polygon import orient

from safepassage.demo.grid import Grid
from safepassage.demo.layout import CITY_NAME, FRONT_LINE_M, River, to_lonlat

__all__ = [
    "DEMO_POPULATION",
    "District",
    "Hazard",
    "districts_geojson",
    "frontline_hazard",
    "hazards_geojson",
    "make_districts",
    "rubble_hazard",
    "uxo_hazard",
]

DEMO_POPULATION = 300_000  # people still in the city: the order of besieged-city figures
_X_M, _Y_M = 3600.0, 2600.0  # districts cover x in [-3600, 3600], y in [-2600, 2600] m
# code, name, bank, west, east, south, north (m; None: the river or the city's edge)
_DISTRICTS: tuple[tuple[str, str, int, float, float, float | None, float | None], ...] = (
    ("RV01", "Orchard Hill", 1, -_X_M, -1800.0, None, None),
    ("RV02", "North Bank", 1, -1800.0, -600.0, None, None),
    ("RV03", "Old Town", 1, -600.0, 700.0, None, 1300.0),
    ("RV04", "Citadel", 1, -600.0, 700.0, 1300.0, None),
    ("RV05", "Market", 1, 700.0, 2000.0, None, None),
    ("RV06", "Eastern Quarter", 1, 2000.0, _X_M, None, None),
    ("RV07", "Tannery Row", -1, -_X_M, -1800.0, None, None),
    ("RV08", "Station District", -1, -1800.0, -200.0, None, None),
    ("RV09", "Bridgeside", -1, -200.0, 1400.0, None, None),
    ("RV10", "Kiln Heights", -1, 1400.0, _X_M, None, None),
)


@dataclass(frozen=True)
class District:
    code: str
    name: str
    polygon: shapely.Polygon  # local metres
    population: int


@dataclass(frozen=True)
class Hazard:
    """A hazard area in local metres, with the fields a scenario's ``[[hazards]]`` entry needs."""

    id: str
    name: str
    effect: str
    polygon: shapely.Polygon
    speed_factor: float | None = None


def _bank(river: River, side: int) -> shapely.Polygon:
    line = river.centreline(-_X_M, _X_M, step_m=50.0).tolist()
    edge = [(_X_M, side * _Y_M), (-_X_M, side * _Y_M)]
    return shapely.Polygon([*line, *edge])


def _density(x: NDArray[np.float64], y: NDArray[np.float64], river: River) -> NDArray[np.float64]:
    """Relative people per km²: highest in the centre by the river, a floor at the edges."""
    r2 = (x / 2000.0) ** 2 + ((y - river.y_at(x)) / 1400.0) ** 2
    return 0.25 + 1.25 * np.exp(-r2)


def _shares(
    polygons: Sequence[shapely.Polygon], river: River, rng: np.random.Generator
) -> NDArray[np.float64]:
    xs, ys = np.meshgrid(np.arange(-_X_M, _X_M, 100.0) + 50.0, np.arange(-_Y_M, _Y_M, 100.0) + 50.0)
    x, y = xs.ravel(), ys.ravel()
    density = _density(x, y, river)
    weight = np.array([density[shapely.contains_xy(p, x, y)].sum() for p in polygons])
    weight *= rng.uniform(0.9, 1.1, size=weight.shape[0])
    return weight / weight.sum()


def _round_to_tens(shares: NDArray[np.float64], total: int) -> list[int]:
    """Counts that are multiples of 10, proportional to ``shares``, adding up to ``total``."""
    tens = shares * (total // 10)
    counts = np.floor(tens).astype(np.int64)
    short = total // 10 - int(counts.sum())
    counts[np.argsort(-(tens - counts), kind="stable")[:short]] += 1
    return [int(c) * 10 for c in counts]


def make_districts(
    river: River, rng: np.random.Generator, *, total: int = DEMO_POPULATION
) -> list[District]:
    """The ten districts with populations adding up to ``total`` (a multiple of 10)."""
    banks = {1: _bank(river, 1), -1: _bank(river, -1)}
    polygons = []
    for _, _, bank, west, east, south, north in _DISTRICTS:
        box = shapely.box(
            west, -_Y_M if south is None else south, east, _Y_M if north is None else north
        )
        polygons.append(orient(shapely.intersection(banks[bank], box), sign=1.0))
    counts = _round_to_tens(_shares(polygons, river, rng), total)
    return [
        District(code, name, polygon, count)
        for (code, name, *_), polygon, count in zip(_DISTRICTS, polygons, counts, strict=True)
    ]


def _lonlat_geometry(polygon: shapely.Polygon) -> dict[str, Any]:
    """GeoJSON geometry (RFC 7946: lon/lat, 6 decimals, exterior ring counter-clockwise)."""
    lonlat = shapely.transform(polygon, lambda xy: np.column_stack(to_lonlat(*xy.T, digits=6)))
    return dict(mapping(lonlat))


def _feature_lines(features: list[dict[str, Any]], name: str) -> str:
    """A FeatureCollection with one feature per line: readable, and diffs stay small."""
    head = json.dumps({"type": "FeatureCollection", "name": name})[:-1]
    body = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    return f'{head}, "features": [\n{body}\n]}}\n'


def districts_geojson(districts: Sequence[District]) -> str:
    """The districts as a GeoJSON FeatureCollection with ``name``, ``code``, ``population``."""
    features = [
        {
            "type": "Feature",
            "properties": {"name": d.name, "code": d.code, "population": d.population},
            "geometry": _lonlat_geometry(d.polygon),
        }
        for d in districts
    ]
    return _feature_lines(features, f"{CITY_NAME} districts")


def frontline_hazard() -> Hazard:
    """The front line along the north-east: the ring road there and its approaches are closed."""
    return Hazard(
        "frontline_ne",
        "Front line, north-east (roads closed)",
        "close",
        orient(shapely.Polygon(FRONT_LINE_M), sign=1.0),
    )


def uxo_hazard(grid: Grid) -> Hazard:
    """A reported unexploded shell in a street of the Station District: that street is closed.

    The area is a 30 m circle round the middle of one grid segment, so it closes the street but
    leaves the junctions at both ends open.
    """
    row, column = 9, 18
    junctions = set(grid.node[grid.node >= 0].tolist())
    candidates = [
        seg
        for seg in grid.lines[("row", row)]
        if seg.a in junctions and seg.b in junctions and seg.tags["highway"] == "residential"
    ]
    seg = min(candidates, key=lambda s: abs(s.order - column))
    i = int(seg.order)
    mx = float(grid.x[i, row] + grid.x[i + 1, row]) / 2
    my = float(grid.y[i, row] + grid.y[i + 1, row]) / 2
    circle = shapely.Point(mx, my).buffer(30.0, quad_segs=4)
    return Hazard(
        "uxo_station",
        "Reported unexploded ordnance, Station District (street closed)",
        "close",
        orient(circle, sign=1.0),
    )


def rubble_hazard() -> Hazard:
    """Rubble in the Old Town's streets: walking there takes twice as long."""
    ring = [
        (-450.0, 650.0),
        (450.0, 620.0),
        (600.0, 1000.0),
        (300.0, 1350.0),
        (-350.0, 1300.0),
        (-550.0, 950.0),
    ]
    return Hazard(
        "old_town_rubble",
        "Rubble in the Old Town (walking at half speed)",
        "slow",
        orient(shapely.Polygon(ring), sign=1.0),
        speed_factor=0.5,
    )


def hazards_geojson(hazards: Sequence[Hazard]) -> str:
    """Hazard areas as a GeoJSON FeatureCollection (properties: id, name, effect)."""
    features = []
    for hazard in hazards:
        properties: dict[str, Any] = {"id": hazard.id, "name": hazard.name, "effect": hazard.effect}
        if hazard.speed_factor is not None:
            properties["speed_factor"] = hazard.speed_factor
        features.append(
            {
                "type": "Feature",
                "properties": properties,
                "geometry": _lonlat_geometry(hazard.polygon),
            }
        )
    return _feature_lines(features, f"{CITY_NAME} hazards")
