"""An evacuation plan: packets of people, each with its source, departure, route, corridor and the
steps in which the corridor processes it.

A plan is an option with its capacity, never a movement order: leaving is voluntary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["Plan", "Unserved"]


@dataclass(frozen=True)
class Unserved:
    """People of one source the plan cannot serve, and why."""

    source: int
    people: float
    reason: str


@dataclass(frozen=True, eq=False)
class Plan:
    """Packets ``p = 0..P-1`` (arrays indexed by packet), with routes and processing in CSR form.

    - ``packet_source[p]`` indexes the problem's sources; ``packet_people[p]`` people leave it at
      ``packet_depart_min[p]`` and reach corridor ``packet_corridor[p]`` at
      ``packet_arrive_min[p]`` (minutes after the start).
    - Route: arcs ``path_indptr[p]:path_indptr[p+1]`` of ``path_edge`` (edge ids), walked from
      ``u`` to ``v`` when ``path_forward`` else from ``v`` to ``u``, entered at ``path_enter_min``.
    - Processing: ``proc_indptr[p]:proc_indptr[p+1]`` of ``proc_step``/``proc_people``: how many of
      the packet's people the corridor processes in which step.
    """

    packet_source: NDArray[np.int64]
    packet_people: NDArray[np.float64]
    packet_corridor: NDArray[np.int64]
    packet_depart_min: NDArray[np.float64]
    packet_arrive_min: NDArray[np.float64]
    path_indptr: NDArray[np.int64]
    path_edge: NDArray[np.int64]
    path_forward: NDArray[np.bool_]
    path_enter_min: NDArray[np.float64]
    proc_indptr: NDArray[np.int64]
    proc_step: NDArray[np.int64]
    proc_people: NDArray[np.float64]
    step_min: float
    unserved: list[Unserved] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def packet_count(self) -> int:
        return int(self.packet_source.shape[0])

    @property
    def evacuees(self) -> float:
        return float(self.packet_people.sum())

    @property
    def clearance_time_min(self) -> float:
        """End of the last step in which anyone is processed (0 for an empty plan)."""
        busy = self.proc_step[self.proc_people > 0]
        return float((busy.max() + 1) * self.step_min) if busy.shape[0] else 0.0

    def route(
        self, packet: int
    ) -> tuple[NDArray[np.int64], NDArray[np.bool_], NDArray[np.float64]]:
        lo, hi = self.path_indptr[packet], self.path_indptr[packet + 1]
        return self.path_edge[lo:hi], self.path_forward[lo:hi], self.path_enter_min[lo:hi]

    def processing(self, packet: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        lo, hi = self.proc_indptr[packet], self.proc_indptr[packet + 1]
        return self.proc_step[lo:hi], self.proc_people[lo:hi]
