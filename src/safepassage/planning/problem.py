"""The evacuation planning problem as arrays: who is where, when they are ready, what roads and
corridors can carry.

The flow model (docs/planner.md, "Flow model"):

- Time is continuous, in minutes after the scenario's start; capacities are counted per time step
  of ``step_min`` minutes, step ``k`` covering ``[k·step, (k+1)·step)``.
- Edge ``e`` takes ``edge_minutes[g, e]`` minutes to walk for group ``g`` (its length over the
  group's speed, hazards included). At most ``edge_capacity[e]`` capacity units may *enter* it
  during one step, both directions together (walking: people, width × specific flow × step;
  driving: passenger cars, lanes × lane capacity × step). A person of group ``g`` takes
  ``units_per_person[g]`` units: 1 walking; the vehicle's passenger-car equivalent over the
  people it carries driving. Closed edges carry nobody.
- People may wait at nodes without limit.
- Corridor ``c`` sits at node ``corridor_node[c]``; it processes at most ``corridor_capacity[c, k]``
  people in step ``k`` (throughput × open minutes of the step), and only people who arrived at its
  node by the start of that step. Group ``g`` may use corridor ``c`` only if ``eligible[g, c]``.
- Source ``s`` holds ``source_people[s]`` people of group ``source_group[s]`` at node
  ``source_node[s]`` (from area ``source_area[s]``); by time ``k·step`` at most
  ``source_people[s] · release_cdf[k]`` of them may have left.
- The clearance time is the end of the last step in which someone is processed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from safepassage.errors import SafepassageError
from safepassage.model.network import Network
from safepassage.model.population import PopulationPlacement
from safepassage.model.scenario import Scenario, TravelMode
from safepassage.planning.windows import step_capacity

__all__ = ["RELEASE_QUANTILE", "PlanningProblem", "build_problem"]

# A continuous response curve never reaches 1; the last 0.1 % are taken as ready at its
# 99.9th percentile, so that a clearance time exists.
RELEASE_QUANTILE = 0.999


@dataclass(frozen=True, eq=False)
class PlanningProblem:
    """Arrays of one planning run; see the module docstring for the model."""

    network: Network
    start: dt.datetime
    step_min: float
    steps: int  # the horizon: arrays over time have this many steps
    groups: tuple[str, ...]
    group_speed_mps: NDArray[np.float64]  # [G]
    edge_minutes: NDArray[np.float64]  # [G, E]
    edge_capacity: NDArray[np.float64]  # [E] people entering per step, both directions
    edge_open: NDArray[np.bool_]  # [E]
    corridor_ids: tuple[str, ...]
    corridor_node: NDArray[np.int64]  # [C]
    corridor_capacity: NDArray[np.float64]  # [C, steps]
    eligible: NDArray[np.bool_]  # [G, C]
    source_node: NDArray[np.int64]  # [S]
    source_group: NDArray[np.int64]  # [S]
    source_area: NDArray[np.int64]  # [S]
    source_people: NDArray[np.float64]  # [S]
    areas: tuple[str, ...]
    release_cdf: NDArray[np.float64]  # [steps + 1], share ready by time k·step; ends at 1
    # [G] street capacity units one person uses; None: 1 for every group (walking)
    person_units: NDArray[np.float64] | None = None

    @property
    def total_people(self) -> float:
        return float(self.source_people.sum())

    @property
    def units_per_person(self) -> NDArray[np.float64]:
        """[G] capacity units one person of each group takes on a street."""
        if self.person_units is None:
            return np.ones(len(self.groups))
        return self.person_units

    @property
    def edge_people_capacity(self) -> NDArray[np.float64]:
        """[E] the most people that may enter each edge in one step, whatever their groups: a
        relaxation of the edge capacity for the lower bound."""
        return self.edge_capacity / float(self.units_per_person.min())


def _release_cdf(scenario: Scenario, step_min: float, steps: int) -> NDArray[np.float64]:
    cdf = scenario.response.cdf(np.arange(steps + 1) * step_min)
    done = cdf >= RELEASE_QUANTILE
    if not done.any():
        msg = (
            f"the response curve leaves {1 - cdf[-1]:.1%} of people not yet ready after "
            f"{steps * step_min / 1440:.0f} days; shorten it or plan over a longer horizon"
        )
        raise SafepassageError(msg)
    cdf = np.where(done, 1.0, cdf)
    return np.maximum.accumulate(cdf)


def _horizon_steps(
    scenario: Scenario, people_per_group: NDArray[np.float64], step_min: float, max_days: float
) -> int:
    """Enough steps for each group's eligible corridors to process that group, and all corridors
    everyone, twice over (plus two days for walking and the response curve), within
    ``max_days``; every group with an open corridor must fit into its capacity by then, and
    the response curve must have everyone ready."""
    steps = int(np.ceil(max_days * 1440 / step_min))
    capacity = np.stack(
        [
            step_capacity(
                c, start=scenario.start_local, zone=scenario.tz, step_min=step_min, steps=steps
            )
            for c in scenario.corridors
        ]
    )
    needed = 0
    demands = [
        (
            group.id,
            np.array([group.id in scenario.eligible(c) for c in scenario.corridors]),
            float(people),
        )
        for group, people in zip(scenario.groups, people_per_group, strict=True)
        if people > 0
    ]
    demands.append(
        ("everyone", np.ones(len(scenario.corridors), bool), float(people_per_group.sum()))
    )
    for name, usable, people in demands:
        cumulative = np.cumsum(capacity[usable].sum(axis=0))
        if cumulative[-1] <= 0:
            continue  # nobody of this group can leave: the planner reports them unserved
        if cumulative[-1] < people:
            msg = (
                f"the corridors open to {name} can process {cumulative[-1]:,.0f} people in "
                f"{max_days:g} days, fewer than the {people:,.0f} expected to leave; open "
                "corridors, widen windows or plan over more days (--max-days)"
            )
            raise SafepassageError(msg)
        needed = max(needed, int(np.searchsorted(cumulative, 2.0 * people)))
    # and the response curve must have everyone ready well inside the horizon
    ready = scenario.response.cdf(np.arange(steps + 1) * step_min) >= RELEASE_QUANTILE
    if ready.any():
        needed = max(needed, int(np.argmax(ready)))
    return min(steps, max(needed + int(np.ceil(2 * 1440 / step_min)), 1))


def _travel(
    scenario: Scenario, network: Network
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64] | None]:
    """Minutes per group and edge, each group's walking speed (m/s; NaN driving: vehicles go at
    the road's speed), and the capacity units a person takes (None walking: one each)."""
    groups = scenario.groups
    if scenario.network.mode is TravelMode.DRIVE:
        drive = scenario.drive
        minutes = np.repeat(network.time_s[None, :] / 60.0, len(groups), axis=0)
        units = np.array(
            [
                (g.vehicle_pce or drive.vehicle_pce)
                / (g.people_per_vehicle or drive.people_per_vehicle)
                for g in groups
            ]
        )
        return minutes, np.full(len(groups), np.nan), units
    walk = scenario.flow.walking_speed_mps
    speeds = np.array([g.walking_speed_mps or walk for g in groups])
    minutes = network.time_s[None, :] * (walk / speeds)[:, None] / 60.0
    return minutes, speeds, None


def build_problem(
    scenario: Scenario,
    network: Network,
    population: PopulationPlacement,
    corridor_nodes: NDArray[np.int64],
    *,
    step_min: float = 1.0,
    max_days: float = 30.0,
) -> PlanningProblem:
    """The planning problem of a prepared scenario.

    People expected to leave are the placed people times ``population.compliance``, split over the
    groups by their shares.
    """
    if not step_min > 0:
        msg = f"step_min must be > 0 minutes, got {step_min}"
        raise SafepassageError(msg)
    groups = scenario.groups
    edge_minutes, speeds, person_units = _travel(scenario, network)
    compliance = scenario.population.compliance
    shares = np.array([g.share for g in groups])
    rows = population.origin_people.shape[0]
    source_people = (population.origin_people[:, None] * shares[None, :] * compliance).ravel()
    keep = source_people > 0
    per_group = source_people.reshape(rows, len(groups)).sum(axis=0)
    steps = _horizon_steps(scenario, per_group, step_min, max_days)
    corridor_capacity = np.stack(
        [
            step_capacity(
                c, start=scenario.start_local, zone=scenario.tz, step_min=step_min, steps=steps
            )
            for c in scenario.corridors
        ]
    )
    eligible = np.array(
        [[g.id in scenario.eligible(c) for c in scenario.corridors] for g in groups], dtype=bool
    )
    return PlanningProblem(
        network=network,
        start=scenario.start_local,
        step_min=float(step_min),
        steps=steps,
        groups=tuple(g.id for g in groups),
        group_speed_mps=speeds,
        edge_minutes=edge_minutes,
        edge_capacity=network.capacity_ppm * step_min,
        edge_open=~network.closed,
        corridor_ids=tuple(c.id for c in scenario.corridors),
        corridor_node=np.asarray(corridor_nodes, dtype=np.int64),
        corridor_capacity=corridor_capacity,
        eligible=eligible,
        source_node=np.repeat(population.origin_node, len(groups))[keep],
        source_group=np.tile(np.arange(len(groups)), rows)[keep],
        source_area=np.repeat(population.origin_area, len(groups))[keep],
        source_people=source_people[keep],
        areas=population.areas,
        release_cdf=_release_cdf(scenario, step_min, steps),
        person_units=person_units,
    )
