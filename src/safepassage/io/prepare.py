"""Import everything a scenario names: network, population, corridor locations; check they fit.

This is what ``safepassage validate`` runs and what the planner starts from.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse.csgraph import connected_components

from safepassage.errors import DataError
from safepassage.io.network_build import NetworkBuild, build_network
from safepassage.io.population import place_population
from safepassage.io.projection import NodeIndex
from safepassage.model.network import Network
from safepassage.model.population import PopulationPlacement
from safepassage.model.scenario import Corridor, CorridorStatus, Scenario

__all__ = ["MAX_CORRIDOR_SNAP_M", "CorridorSnap", "PreparedScenario", "prepare_scenario"]

# A corridor is a checkpoint on a road; one farther than this from every walkable way is a typo
# in its coordinates (swapped lat/lon, wrong sign) or lies outside the extract.
MAX_CORRIDOR_SNAP_M = 1000.0


@dataclass(frozen=True)
class CorridorSnap:
    corridor_id: str
    node: int
    distance_m: float


@dataclass
class PreparedScenario:
    scenario: Scenario
    build: NetworkBuild
    population: PopulationPlacement
    corridor_snaps: list[CorridorSnap]
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def network(self) -> Network:
        return self.build.network


def _service_points(scenario: Scenario) -> list[tuple[str, float, float]]:
    """(label, lon, lat) of every service placed apart from its corridor's checkpoint."""
    return [
        (f"corridors[{i}] ({c.id}).services[{j}] ({s.name})", s.lon, s.lat)
        for i, c in enumerate(scenario.corridors)
        for j, s in enumerate(c.services)
        if s.lon is not None and s.lat is not None
    ]


def _check_near_network(
    network: Network, points: list[tuple[str, float, float]], source: str
) -> tuple[np.ndarray, np.ndarray]:
    """Snap (label, lon, lat) points to nodes; one farther than 1 km is an error."""
    lon = np.array([p[1] for p in points])
    lat = np.array([p[2] for p in points])
    nodes, distances = NodeIndex.of(network).nearest_lonlat(lon, lat)
    for (label, p_lon, p_lat), distance in zip(points, distances, strict=True):
        if distance > MAX_CORRIDOR_SNAP_M:
            msg = (
                f"{source}: {label}: {distance:,.0f} m from the nearest node of the walkable "
                f"network (at most {MAX_CORRIDOR_SNAP_M:,.0f} m); check lat = {p_lat}, "
                f"lon = {p_lon} (swapped, or outside the map?)"
            )
            raise DataError(msg)
    return nodes, distances


def _snap_corridors(scenario: Scenario, network: Network) -> list[CorridorSnap]:
    corridors = scenario.corridors
    source = str(scenario.source_path or "scenario")
    points = [(f"corridors[{i}] ({c.id})", c.lon, c.lat) for i, c in enumerate(corridors)]
    nodes, distances = _check_near_network(network, points, source)
    services = _service_points(scenario)
    if services:
        _check_near_network(network, services, source)
    return [
        CorridorSnap(c.id, int(n), float(d))
        for c, n, d in zip(corridors, nodes, distances, strict=True)
    ]


def _reachability_warnings(
    scenario: Scenario, network: Network, people: np.ndarray, snaps: list[CorridorSnap]
) -> list[str]:
    """People who cannot reach any open corridor over roads that hazards leave open."""
    warnings: list[str] = []
    _, labels = connected_components(network.to_csgraph("length_m"), directed=False)
    open_ids = {c.id for c in scenario.corridors if c.status is CorridorStatus.OPEN}
    reach = {int(labels[s.node]) for s in snaps if s.corridor_id in open_ids}
    stranded = float(people[~np.isin(labels, list(reach))].sum()) if reach else float(people.sum())
    if not open_ids:
        warnings.append("no corridor is open: nobody can leave under this scenario")
    elif stranded > 0:
        warnings.append(
            f"{stranded:,.0f} people cannot reach an open corridor over roads left open by the "
            "hazards; they will be reported as unserved"
        )
    return warnings


def _eligibility_warnings(scenario: Scenario) -> list[str]:
    warnings = []
    open_corridors: list[Corridor] = [
        c for c in scenario.corridors if c.status is CorridorStatus.OPEN
    ]
    for group in scenario.groups:
        if group.share > 0 and not any(group.id in scenario.eligible(c) for c in open_corridors):
            warnings.append(f"group {group.id} ({group.share:.0%}) has no open eligible corridor")
    for corridor in scenario.corridors:
        if corridor.status is not CorridorStatus.OPEN:
            warnings.append(f"corridor {corridor.id} is {corridor.status.value}")
    return warnings


def prepare_scenario(
    scenario: Scenario, *, on_stage: Callable[[str], None] | None = None
) -> PreparedScenario:
    """Build the network, snap the corridors and place the population of ``scenario``.

    Raises
    ------
    DataError
        A file is missing or wrong, a corridor is more than 1 km from any road, or people lie
        outside the network's area (unless the scenario drops them).
    """
    stage = on_stage or (lambda _name: None)
    seconds: dict[str, float] = {}
    keep = [(c.lon, c.lat) for c in scenario.corridors]
    keep += [(lon, lat) for _, lon, lat in _service_points(scenario)]
    stage("network")
    t0 = time.perf_counter()
    build = build_network(
        scenario.network,
        flow=scenario.flow,
        drive=scenario.drive,
        hazards=scenario.hazards,
        keep_lonlat=keep,
    )
    seconds["network"] = time.perf_counter() - t0
    stage("corridors")
    snaps = _snap_corridors(scenario, build.network)
    stage("population")
    t0 = time.perf_counter()
    population = place_population(scenario.population, build.network)
    seconds["population"] = time.perf_counter() - t0
    warnings = _eligibility_warnings(scenario)
    people = population.people_per_node(build.network.node_count)
    warnings += _reachability_warnings(scenario, build.network, people, snaps)
    if build.dropped_nodes:
        warnings.append(
            f"{build.components - 1} part(s) of the street network not connected to the largest "
            f"one dropped ({build.dropped_nodes:,} nodes, {build.dropped_length_m / 1000:.1f} km); "
            "people there are placed on the nearest connected street"
        )
    for hazard_id, touched in build.hazard_segments.items():
        if touched == 0:
            warnings.append(f"hazard {hazard_id} touches no usable road; check its polygon")
    if population.dropped_people > 0:
        warnings.append(f"{population.dropped_people:,.0f} people outside the network dropped")
    return PreparedScenario(scenario, build, population, snaps, warnings, seconds)
