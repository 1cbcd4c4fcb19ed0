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

from dataclasses import dataclass

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
    "make_packets",
    "make_packets_within",
    "origins_of",
    "saturation_step",
]

# The longest a ready person waits for their origin's packet to fill. Shorter holds mean more,
# smaller packets: the demo at 1,500 people an hour clears in 101.98 h with 180 min, 100.90 h
# with 60 and 100.60 h with 30 (bound 100.02 h), because early departures keep the corridors
# busy while their queues are still short; Monaco in 24.52 h with 60 and 24.50 h with 15 (bound
# 24.38 h). But 30 min takes Coquimbo's plan to 466,000 packets and 3.9 GB (60 min: 287,000
# and 2.5 GB), so the planner takes the shortest of HOLD_CHOICES_MIN whose packets stay within
# PACKET_BUDGET (the demo: 461,550 at 60 min).
MAX_HOLD_MIN = 60.0
HOLD_CHOICES_MIN = (15.0, 60.0, 120.0, 180.0)
# A finer grid of departure times matters more than a shorter hold: Monaco by road at 1,500
# people an hour clears in 13.23 h on a 30-min grid with a 15-min hold, 13.05 h on a 5-min grid
# with a 60-min hold and 13.02 h on a 2-min grid (bound 12.98 h).
GRID_CHOICES_MIN = (2.0, 5.0, 15.0, 30.0)
PACKET_BUDGET = 480_000
# Before saturation: the demo at 1,500 people an hour clears in 100.50 h with a 15-min early
# grid and hold (545,000 packets) against 100.90 h without (461,550); bound 100.02 h.
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


def _send_mask(
    ready: NDArray[np.float64],
    minutes: NDArray[np.float64],
    min_people: float,
    max_hold_min: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """Which grid times each origin sends a packet at (a scan over the grid, vectorised over
    origins)."""
    origins, times = ready.shape
    send = np.zeros((origins, times), dtype=bool)
    sent = np.zeros(origins)
    waiting_since = np.full(origins, np.inf)
    for j in range(times):
        pending = ready[:, j] - sent
        waiting_since = np.where(
            (pending > 1e-12) & np.isinf(waiting_since), minutes[j], waiting_since
        )
        go = (pending >= min_people) | (
            (pending > 1e-12) & (minutes[j] - waiting_since >= max_hold_min[j])
        )
        if j == times - 1:
            go = pending > 1e-12
        send[:, j] = go
        sent = np.where(go, ready[:, j], sent)
        waiting_since = np.where(go, np.inf, waiting_since)
    return send


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
    grid = _grid(problem, levels, max_wait_min)
    early = saturation_step(problem)
    if early_hold_min < max_wait_min:
        fine = _grid(problem, levels, early_hold_min)
        grid = np.union1d(fine[fine < early], grid)
    ready = origins.people[:, None] * problem.release_cdf[grid][None, :]  # [O, J] cumulative
    minutes = grid.astype(np.float64) * problem.step_min
    hold = np.where(grid < early, min(early_hold_min, max_hold_min), max_hold_min)
    send = _send_mask(ready, minutes, min_people, hold)
    o, j = np.nonzero(send)
    sent = ready[o, j]
    # people in a packet: ready by its time minus ready by the origin's previous packet
    previous = np.zeros_like(sent)
    same = np.zeros(o.shape[0], dtype=bool)
    same[1:] = o[1:] == o[:-1]
    previous[1:][same[1:]] = sent[:-1][same[1:]]
    amount = sent - previous
    keep = amount > 0
    o, j, amount = o[keep], j[keep], amount[keep]
    depart = grid[j] * problem.step_min
    order = np.lexsort((o, depart))
    return Packets(origin=o[order], people=amount[order], depart_min=depart[order].astype(float))


def make_packets_within(
    problem: PlanningProblem,
    origins: Origins,
    *,
    min_people: float,
    budget: int = PACKET_BUDGET,
) -> Packets:
    """Packets on the finest grid of ``GRID_CHOICES_MIN`` and, on it, with the shortest hold of
    ``HOLD_CHOICES_MIN`` that make at most ``budget`` of them (the coarsest when none does)."""
    for grid_min in GRID_CHOICES_MIN:
        for hold in HOLD_CHOICES_MIN:
            packets = make_packets(
                problem, origins, min_people=min_people, max_wait_min=grid_min, max_hold_min=hold
            )
            if packets.people.shape[0] <= budget:
                return packets
    return packets  # the last choice's packets when none is within the budget
