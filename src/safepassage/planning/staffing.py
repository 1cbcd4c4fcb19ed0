"""Services at the corridors: food handout counters and medical triage teams by Erlang C.

Each service is an M/M/c queue (Poisson arrivals, exponential service times, ``c`` servers, one
queue). With arrival rate ``lam`` per hour and mean service time ``s`` minutes, the offered load
is ``a = lam * s / 60`` erlangs; the probability that someone waits is Erlang's C formula
``C(c, a)`` and the expected wait in the queue is ``W = C(c, a) / (c * mu - lam)`` with
``mu = 60 / s`` per hour (A. K. Erlang, 1917; e.g. Gross & Harris, *Fundamentals of Queueing
Theory*, M/M/c). ``C`` is computed through the Erlang B recursion
``B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))``, ``C = c B / (c - a (1 - B))``, which stays
accurate for hundreds of servers where the factorials of the textbook formula overflow.

The fewest servers that keep the expected wait at or under the target are found by counting up
from ``floor(a) + 1`` (fewer servers than the load never clear the queue).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CorridorStaffing",
    "erlang_c",
    "mean_wait_min",
    "servers_needed",
    "staff_corridor",
]


def erlang_c(servers: int, load_erlangs: float) -> float:
    """Probability that an arrival waits, for ``servers`` servers offered ``load_erlangs``.

    1 when the load is at or above the number of servers (the queue grows without bound).
    """
    if servers < 1:
        raise ValueError(f"servers must be >= 1, got {servers}")
    if load_erlangs < 0:
        raise ValueError(f"load must be >= 0, got {load_erlangs}")
    if load_erlangs == 0:
        return 0.0
    if load_erlangs >= servers:
        return 1.0
    b = 1.0
    for k in range(1, servers + 1):
        b = load_erlangs * b / (k + load_erlangs * b)
    return servers * b / (servers - load_erlangs * (1.0 - b))


def mean_wait_min(servers: int, arrivals_pph: float, service_min: float) -> float:
    """Expected wait in the queue, minutes (``inf`` when the servers cannot keep up)."""
    load = arrivals_pph * service_min / 60.0
    if load >= servers:
        return math.inf
    if arrivals_pph == 0:
        return 0.0
    rate_per_min = 1.0 / service_min
    return erlang_c(servers, load) / (servers * rate_per_min - arrivals_pph / 60.0)


def servers_needed(arrivals_pph: float, service_min: float, target_wait_min: float) -> int:
    """Fewest servers keeping the expected wait at or under ``target_wait_min`` (0 for no one).

    Raises
    ------
    ValueError
        A negative rate or a service time or target that is not positive.
    """
    if arrivals_pph < 0 or service_min <= 0 or target_wait_min <= 0:
        msg = "arrivals must be >= 0, service time and target wait > 0"
        raise ValueError(msg)
    if arrivals_pph == 0:
        return 0
    load = arrivals_pph * service_min / 60.0
    servers = math.floor(load) + 1
    while mean_wait_min(servers, arrivals_pph, service_min) > target_wait_min:
        servers += 1
    return servers


@dataclass(frozen=True)
class CorridorStaffing:
    """Per hour of one corridor: arrivals, the medical arrivals, and the servers they need."""

    corridor: str
    hour_start: tuple[str, ...]
    arrivals: NDArray[np.float64]
    medical_arrivals: NDArray[np.float64]
    food_counters: NDArray[np.int64]
    triage_teams: NDArray[np.int64]
    food_wait_min: NDArray[np.float64]
    triage_wait_min: NDArray[np.float64]


def _waits(servers: list[int], arrivals: NDArray[np.float64], service_min: float) -> NDArray:
    return np.array(
        [
            mean_wait_min(c, a, service_min) if c else 0.0
            for c, a in zip(servers, arrivals.tolist(), strict=True)
        ]
    )


def staff_corridor(
    corridor: str,
    hour_start: tuple[str, ...],
    arrivals_by_group: Mapping[str, NDArray[np.float64]],
    *,
    medical_share: Mapping[str, float],
    food_service_min: float,
    triage_service_min: float,
    target_wait_min: float,
) -> CorridorStaffing:
    """Counters and triage teams for each hour of one corridor.

    Parameters
    ----------
    corridor, hour_start
        The corridor's id and the label of each hour (local time).
    arrivals_by_group
        People arriving in each hour, per group id (arrays as long as ``hour_start``).
    medical_share
        Share of each group that needs triage (groups not listed: 0).
    food_service_min, triage_service_min
        Mean service time at a food counter and at a triage team, minutes.
    target_wait_min
        Expected wait to stay under, minutes.
    """
    hours = len(hour_start)
    arrivals = np.zeros(hours)
    medical = np.zeros(hours)
    for group, counts in arrivals_by_group.items():
        arrivals += counts
        medical += counts * medical_share.get(group, 0.0)
    food = [servers_needed(a, food_service_min, target_wait_min) for a in arrivals.tolist()]
    triage = [servers_needed(m, triage_service_min, target_wait_min) for m in medical.tolist()]
    return CorridorStaffing(
        corridor=corridor,
        hour_start=hour_start,
        arrivals=arrivals,
        medical_arrivals=medical,
        food_counters=np.array(food, dtype=np.int64),
        triage_teams=np.array(triage, dtype=np.int64),
        food_wait_min=_waits(food, arrivals, food_service_min),
        triage_wait_min=_waits(triage, medical, triage_service_min),
    )
