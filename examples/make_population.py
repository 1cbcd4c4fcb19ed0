"""Write the SYNTHETIC population points of the example cities that have no population data.

For Helsinki, Monaco, Andorra and Liechtenstein there is no open population layer in the shared
data, so each example gets an HXL points CSV (``examples/<city>/population.csv``) made here:

1. build the walking network the city's ``scenario.toml`` describes (same OSM file, same clip);
2. draw ``points`` distinct nodes at random among the nodes of the street classes people live
   along (optionally inside a smaller box around the town);
3. move each one by less than ``JITTER_M`` metres in a random direction, so that the points are
   not exactly on nodes but every one is still next to the network;
4. share the city's round ``total`` among the points (lognormal weights, rounded to whole
   people with the largest-remainder method, so the column adds up to ``total`` exactly).

The numbers are invented; they are not estimates of where anybody lives. The output is the same
on every run (fixed seeds, no network access).

Run it from anywhere with the project's Python::

    .venv/bin/python examples/make_population.py            # all four cities
    .venv/bin/python examples/make_population.py monaco     # one city
"""

from __future__ import annotations

import argparse
import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import Transformer
from scipy.spatial import cKDTree

from safepassage.io.network_build import build_network
from safepassage.io.scenario_file import load_scenario
from safepassage.model.network import Network

EXAMPLES = Path(__file__).resolve().parent
JITTER_M = 40.0  # < 50 m: a point never lands far from the street it was drawn on
HEADER = ("lat", "lon", "population", "name")
HXL_TAGS = ("#geo+lat", "#geo+lon", "#population", "#loc+name")
# street classes people live along; paths, tracks and steps in the hills are left out
LIVING_CLASSES = frozenset(
    {
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "living_street",
        "pedestrian",
        "service",
    }
)


@dataclass(frozen=True)
class City:
    label: str
    total: int
    points: int
    seed: int
    # (west, south, east, north) box around the town, or None for the whole network
    town_bbox: tuple[float, float, float, float] | None = None
    classes: frozenset[str] = LIVING_CLASSES


CITIES: dict[str, City] = {
    # the extract is the city centre, where most streets are footways
    "helsinki": City("Helsinki", 20_000, 60, seed=1001, classes=LIVING_CLASSES | {"footway"}),
    # Monaco with Beausoleil and Cap-d'Ail, not the hills up to La Turbie and Èze
    "monaco": City("Monaco", 38_000, 80, seed=1002, town_bbox=(7.405, 43.724, 7.445, 43.756)),
    "andorra": City("Andorra", 80_000, 150, seed=1003),
    "liechtenstein": City("Liechtenstein", 39_000, 120, seed=1004),
}


def candidate_nodes(network: Network, city: City) -> np.ndarray:
    """Nodes touching an edge of one of ``city.classes`` (and inside ``city.town_bbox``)."""
    names = np.asarray(network.highway_names)
    edge_class = np.char.replace(names[network.highway].astype(str), "_link", "")
    living = np.isin(edge_class, sorted(city.classes))
    nodes = np.unique(np.concatenate([network.edge_u[living], network.edge_v[living]]))
    if city.town_bbox is not None:
        west, south, east, north = city.town_bbox
        lon, lat = network.lon[nodes], network.lat[nodes]
        nodes = nodes[(lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)]
    if nodes.shape[0] < city.points:
        msg = f"{city.label}: only {nodes.shape[0]} candidate nodes for {city.points} points"
        raise SystemExit(msg)
    return nodes


def whole_people(weights: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` in proportion to ``weights`` into integers adding up to ``total``."""
    exact = weights / weights.sum() * total
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


def make_points(network: Network, city: City) -> list[tuple[float, float, int, str]]:
    rng = np.random.default_rng(city.seed)
    nodes = np.sort(rng.choice(candidate_nodes(network, city), size=city.points, replace=False))
    radius = JITTER_M * np.sqrt(rng.uniform(0.0, 1.0, city.points))  # uniform over the disc
    angle = rng.uniform(0.0, 2.0 * math.pi, city.points)
    x = network.x_m[nodes] + radius * np.cos(angle)
    y = network.y_m[nodes] + radius * np.sin(angle)
    lon, lat = Transformer.from_crs(network.crs, "EPSG:4326", always_xy=True).transform(x, y)
    people = whole_people(rng.lognormal(0.0, 0.6, city.points), city.total)
    return [
        (round(float(la), 6), round(float(lo), 6), int(p), f"{city.label} synthetic {i:03d}")
        for i, (la, lo, p) in enumerate(zip(lat, lon, people, strict=True), start=1)
    ]


def check_on_network(network: Network, points: list[tuple[float, float, int, str]]) -> float:
    """Largest distance in metres from a written point to its nearest network node."""
    to_m = Transformer.from_crs("EPSG:4326", network.crs, always_xy=True)
    x, y = to_m.transform([p[1] for p in points], [p[0] for p in points])
    distance, _ = cKDTree(np.column_stack([network.x_m, network.y_m])).query(
        np.column_stack([x, y])
    )
    return float(distance.max())


def write_city(name: str) -> None:
    city = CITIES[name]
    scenario = load_scenario(EXAMPLES / name / "scenario.toml")
    network = build_network(scenario.network, flow=scenario.flow).network
    points = make_points(network, city)
    farthest = check_on_network(network, points)
    if farthest >= 50.0:
        raise SystemExit(f"{city.label}: a point is {farthest:.1f} m from the network")
    out = EXAMPLES / name / "population.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerow(HXL_TAGS)
        writer.writerows(points)
    total = sum(p[2] for p in points)
    print(f"{out}: {len(points)} synthetic points, {total:,} people, farthest {farthest:.1f} m")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cities", nargs="*", help=f"any of {', '.join(CITIES)}; default: all")
    args = parser.parse_args()
    unknown = sorted(set(args.cities) - set(CITIES))
    if unknown:
        parser.error(f"unknown city {', '.join(unknown)}; choose from {', '.join(CITIES)}")
    for name in args.cities or list(CITIES):
        write_city(name)


if __name__ == "__main__":
    main()
