"""Cut the people of each origin (a node and a group) into packets that leave together.

Departures follow the response curve on a common grid of step boundaries: the times at which the
share of people ready reaches each of ``levels`` equal levels, plus a regular grid every
``max_wait_min`` while people are still getting ready, plus the time everyone is ready. An origin
sends a packet at a grid time once at least ``min_people`` have become ready since its last
packet, or once its oldest ready person has waited ``max_hold_min``, and always at the last time:
small origins send few packets, nobody waits long, and nobody leaves before being ready (the
release rule of the model).

Until the corridors are saturated (the people ready exceed what every corridor together could
have processed by then, plus an hour of it: see :func:`saturation_step`) the grid is finer and the
hold shorter (``EARLY_HOLD_MIN``): an early packet reaches an idle checkpoint, so waiting to fill
it loses processing time that no later hour gives back; later, when queues stand at the
checkpoints anyway, a longer hold costs nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import NDArray

from safepassage.planning.problem import PlanningProblem

__all__ = [
    "EARLY_HOLD_MIN",
    "GRID_CHOICES_MIN",
    "HOLD_CHOICES_MIN",
    "MAX_HOLD_MIN",
    "PACKET_BUDGET",
    "Origins",
    "Packets",
    "count_packets",
    "make_packets",
    "make_packets_within",
    "origins_of",
    "saturation_step",
]

# The longest a ready person waits for their origin's packet to fill, and the grid of departure
# times: shorter and finer mean more, smaller packets and plans closer to the bound, but more
# time and memory. The planner takes the finest grid of GRID_CHOICES_MIN whose packets stay
# within PACKET_BUDGET, with EARLY_HOLD_MIN until the corridors saturate and the longest hold
# after (docs/planner.md, item 2).
MAX_HOLD_MIN = 60.0
HOLD_CHOICES_MIN = (15.0, 60.0, 120.0, 180.0)
# A finer grid of departure times matters more than a shorter hold: Monaco by road at 1,500
# people an hour clears in 13.23 h on a 30-min grid, 13.05 h on a 5-min grid and 13.03 h on a
# 2-min grid (bound 12.98 h).
GRID_CHOICES_MIN = (2.0, 5.0, 15.0, 30.0)
PACKET_BUDGET = 480_000
# Before the corridors saturate the grid and the hold are at most this: the demo at 1,500 people
# an hour clears in 100.50 h with it on a 30-min grid against 100.90 h without (bound 100.02 h).
EARLY_HOLD_MIN = 15.0
SATURATION_QUEUE_H = 1.0


@dataclass(frozen=True, eq=False)
class Origins:
    """Sources grouped by (node, group): ``source_origin[s]`` is the origin of source ``s``."""

    node: NDArray[np.int64]
    group: NDArray[np.int64]
    people: NDArray[np.float64]
    source_origin: NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Packets:
    origin: NDArray[np.int64]
    people: NDArray[np.float64]
    depart_min: NDArray[np.float64]


def origins_of(problem: PlanningProblem) -> Origins:
    groups = len(problem.groups)
    key = problem.source_node * groups + problem.source_group
    unique, inverse = np.unique(key, return_inverse=True)
    people = np.bincount(inverse, weights=problem.source_people, minlength=unique.shape[0])
    return Origins(
        unique // groups, unique % groups, people.astype(np.float64), inverse.astype(np.int64)
    )


def saturation_step(problem: PlanningProblem, queue_h: float = SATURATION_QUEUE_H) -> int:
    """The first step at which the people ready exceed what every corridor together could have
    processed since the start plus ``queue_h`` hours at their peak rate (``steps`` when never)."""
    per_step = problem.corridor_capacity.sum(axis=0)
    capacity = per_step.cumsum()
    ready = problem.release_cdf[: capacity.size] * problem.total_people
    queue = queue_h * 60.0 / problem.step_min * float(per_step.max(initial=0.0))
    over = np.flatnonzero(ready >= capacity + queue)
    return int(over[0]) if over.size else int(problem.steps)


def _grid(problem: PlanningProblem, levels: int, max_wait_min: float) -> NDArray[np.int64]:
    cdf = problem.release_cdf
    first = int(np.argmax(cdf > 0))
    last = int(np.argmax(cdf >= 1.0))
    at_levels = np.searchsorted(cdf, np.arange(1, levels + 1) / levels - 1e-12, side="left")
    every = max(1, round(max_wait_min / problem.step_min))
    regular = np.arange(first, last + 1, every)
    grid = np.unique(np.concatenate([at_levels, regular, [first, last]]))
    return grid[(grid >= first) & (grid <= last)]


@numba.njit(cache=True)
def _scan(
    people: NDArray[np.float64],
    share: NDArray[np.float64],
    minutes: NDArray[np.float64],
    min_people: float,
    max_hold_min: NDArray[np.float64],
    size: int,
) -> tuple[int, NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:  # pragma: no cover
    """Scan the grid per origin: its packets as (origin, grid index, people), origin by origin.

    Origin ``o`` has ``people[o] * share[j]`` people ready by grid time ``j``; it sends what is
    ready once that is ``min_people`` or more, or once its oldest ready person has waited
    ``max_hold_min[j]``, and always at the last grid time. Returns the number of packets and,
    when ``size`` is that number, the packets (the second of two passes; 0: count only).
    """
    n = 0
    count_only = size == 0
    origin = np.empty(size, dtype=np.int64)
    index = np.empty(size, dtype=np.int64)
    amount = np.empty(size, dtype=np.float64)
    last = share.shape[0] - 1
    for o in range(people.shape[0]):
        sent = 0.0
        waiting_since = np.inf
        for j in range(share.shape[0]):
            pending = people[o] * share[j] - sent
            if pending <= 1e-12:
                continue
            if np.isinf(waiting_since):
                waiting_since = minutes[j]
            if j == last or pending >= min_people or minutes[j] - waiting_since >= max_hold_min[j]:
                if not count_only:
                    origin[n], index[n], amount[n] = o, j, pending
                n += 1
                sent += pending
                waiting_since = np.inf
    return n, origin, index, amount


def make_packets(
    problem: PlanningProblem,
    origins: Origins,
    *,
    min_people: float,
    levels: int = 64,
    max_wait_min: float = 30.0,
    max_hold_min: float = MAX_HOLD_MIN,
    early_hold_min: float = EARLY_HOLD_MIN,
) -> Packets:
    """Packets of every origin, ordered by departure time then origin; before the corridors
    saturate, the grid and the hold are ``early_hold_min`` at most."""
    minutes, share, hold = _scan_grid(problem, levels, max_wait_min, max_hold_min, early_hold_min)
    size = _scan(origins.people, share, minutes, min_people, hold, 0)[0]
    _, o, j, amount = _scan(origins.people, share, minutes, min_people, hold, size)
    depart = minutes[j]
    order = np.lexsort((o, depart))
    return Packets(origin=o[order], people=amount[order], depart_min=depart[order])


def count_packets(
    problem: PlanningProblem,
    origins: Origins,
    *,
    min_people: float,
    levels: int = 64,
    max_wait_min: float = 30.0,
    max_hold_min: float = MAX_HOLD_MIN,
    early_hold_min: float = EARLY_HOLD_MIN,
) -> int:
    """How many packets :func:`make_packets` would make with these settings."""
    minutes, share, hold = _scan_grid(problem, levels, max_wait_min, max_hold_min, early_hold_min)
    return int(_scan(origins.people, share, minutes, min_people, hold, 0)[0])


def _scan_grid(
    problem: PlanningProblem,
    levels: int,
    max_wait_min: float,
    max_hold_min: float,
    early_hold_min: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The departure grid as :func:`_scan` takes it: its minutes, the share of people ready
    by each, and the hold at each."""
    grid = _grid(problem, levels, max_wait_min)
    early = saturation_step(problem)
    if early_hold_min < max_wait_min:
        fine = _grid(problem, levels, early_hold_min)
        grid = np.union1d(fine[fine < early], grid)
    hold = np.where(grid < early, min(early_hold_min, max_hold_min), max_hold_min)
    minutes = grid.astype(np.float64) * problem.step_min
    share = problem.release_cdf[grid].astype(np.float64)
    return minutes, share, hold.astype(np.float64)


def make_packets_within(
    problem: PlanningProblem,
    origins: Origins,
    *,
    min_people: float,
    budget: int = PACKET_BUDGET,
) -> Packets:
    """Packets within ``budget``: the finest grid of ``GRID_CHOICES_MIN`` with the short early
    hold and then the longest hold (once queues stand at the checkpoints a long hold costs
    nothing, and it makes the fewest packets); when none fits (corridors that never saturate keep
    the early grid and hold all along), the 30-min grid without the early rule and the shortest
    hold of ``HOLD_CHOICES_MIN`` that fits; the longest when none does."""
    choices = [(g, HOLD_CHOICES_MIN[-1], EARLY_HOLD_MIN) for g in GRID_CHOICES_MIN]
    choices += [(GRID_CHOICES_MIN[-1], h, math.inf) for h in HOLD_CHOICES_MIN]
    for grid_min, hold, early in choices:
        base = (problem, origins)
        count = count_packets(
            *base,
            min_people=min_people,
            max_wait_min=grid_min,
            max_hold_min=hold,
            early_hold_min=early,
        )
        if count <= budget or (grid_min, hold, early) == choices[-1]:
            return make_packets(
                *base,
                min_people=min_people,
                max_wait_min=grid_min,
                max_hold_min=hold,
                early_hold_min=early,
            )
    raise AssertionError("unreachable: the last choice is always taken")
