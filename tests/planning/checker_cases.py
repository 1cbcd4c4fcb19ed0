"""Small planning problems and plans made by hand, for the checker's tests.

``bridge_problem`` is four nodes in a line with a closed shortcut::

    0 --e0-- 1 ==e1 (bridge)== 2 --e2 (one way)--> 3
    0 ----------------- e3 (closed) --------------- 3

Corridor C0 sits at node 3 and opens at minute 5; C1 at node 2 serves the mobility-impaired
only. ``bridge_packets`` is a correct plan for it, packet by packet; every figure in it was worked
out by hand (see the comments), so a test can break exactly one of them.

``line_problem`` and ``greedy_plan`` generate random problems on a line and valid plans for them
by a simple constructive rule, for property tests.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from safepassage.planning.plan import Plan, Unserved
from safepassage.planning.problem import PlanningProblem
from tests.model.test_contraction import make_network

START = dt.datetime(2024, 3, 1, 6, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Packet:
    """One packet as a person would write it: arcs are (edge, forward, enter_min)."""

    source: int
    people: float
    corridor: int
    depart: float
    arrive: float
    arcs: Sequence[tuple[int, bool, float]] = ()
    proc: Sequence[tuple[int, float]] = ()


def make_plan(
    packets: Sequence[Packet], *, step_min: float = 1.0, unserved: Sequence[Unserved] = ()
) -> Plan:
    """The CSR arrays of a plan written packet by packet."""
    arcs = [a for p in packets for a in p.arcs]
    procs = [q for p in packets for q in p.proc]
    return Plan(
        packet_source=np.array([p.source for p in packets], dtype=np.int64),
        packet_people=np.array([p.people for p in packets], dtype=np.float64),
        packet_corridor=np.array([p.corridor for p in packets], dtype=np.int64),
        packet_depart_min=np.array([p.depart for p in packets], dtype=np.float64),
        packet_arrive_min=np.array([p.arrive for p in packets], dtype=np.float64),
        path_indptr=np.cumsum([0] + [len(p.arcs) for p in packets]).astype(np.int64),
        path_edge=np.array([a[0] for a in arcs], dtype=np.int64),
        path_forward=np.array([a[1] for a in arcs], dtype=bool),
        path_enter_min=np.array([a[2] for a in arcs], dtype=np.float64),
        proc_indptr=np.cumsum([0] + [len(p.proc) for p in packets]).astype(np.int64),
        proc_step=np.array([q[0] for q in procs], dtype=np.int64),
        proc_people=np.array([q[1] for q in procs], dtype=np.float64),
        step_min=step_min,
        unserved=list(unserved),
    )


def problem_on(
    network_nodes: int,
    edges: Sequence[tuple[int, int]],
    *,
    edge_minutes: np.ndarray,
    edge_capacity: np.ndarray,
    corridor_node: Sequence[int],
    corridor_capacity: np.ndarray,
    eligible: np.ndarray,
    sources: Sequence[tuple[int, int, float]],
    release_cdf: np.ndarray,
    groups: tuple[str, ...] = ("general",),
    oneway: Sequence[bool] | None = None,
    edge_open: Sequence[bool] | None = None,
    step_min: float = 1.0,
) -> PlanningProblem:
    """A problem whose arrays are given directly; ``sources`` are (node, group, people)."""
    m = len(edges)
    closed = None if edge_open is None else ~np.asarray(edge_open)
    network = make_network(network_nodes, edges, [100.0] * m, oneway=oneway, closed=closed)
    corridors = len(corridor_node)
    return PlanningProblem(
        network=network,
        start=START,
        step_min=step_min,
        steps=int(corridor_capacity.shape[1]),
        groups=groups,
        group_speed_mps=np.full(len(groups), 1.2),
        edge_minutes=np.asarray(edge_minutes, dtype=np.float64),
        edge_capacity=np.asarray(edge_capacity, dtype=np.float64),
        edge_open=np.ones(m, bool) if edge_open is None else np.asarray(edge_open, dtype=bool),
        corridor_ids=tuple(f"C{c}" for c in range(corridors)),
        corridor_node=np.asarray(corridor_node, dtype=np.int64),
        corridor_capacity=np.asarray(corridor_capacity, dtype=np.float64),
        eligible=np.asarray(eligible, dtype=bool),
        source_node=np.array([s[0] for s in sources], dtype=np.int64),
        source_group=np.array([s[1] for s in sources], dtype=np.int64),
        source_area=np.arange(len(sources), dtype=np.int64),
        source_people=np.array([s[2] for s in sources], dtype=np.float64),
        areas=tuple(f"area {s}" for s in range(len(sources))),
        release_cdf=np.asarray(release_cdf, dtype=np.float64),
    )


def bridge_problem() -> PlanningProblem:
    steps = 20
    general = np.array([2.0, 3.0, 1.0, 1.0])  # minutes to walk e0..e3
    c0 = np.where(np.arange(steps) >= 5, 10.0, 0.0)  # opens at minute 5
    c1 = np.full(steps, 10.0)
    release = np.ones(steps + 1)
    release[:3] = [0.0, 0.5, 0.5]  # nobody ready at 0, half from minute 1, all from minute 3
    return problem_on(
        4,
        [(0, 1), (1, 2), (2, 3), (0, 3)],
        edge_minutes=np.stack([general, 2.0 * general]),
        edge_capacity=np.array([100.0, 10.0, 100.0, 100.0]),  # e1 is the bridge
        corridor_node=[3, 2],
        corridor_capacity=np.stack([c0, c1]),
        eligible=np.array([[True, False], [True, True]]),  # C1: mobility-impaired only
        sources=[(0, 0, 30.0), (1, 1, 10.0), (3, 0, 5.0)],
        release_cdf=release,
        groups=("general", "mobility"),
        oneway=[False, False, True, False],
        edge_open=[True, True, True, False],
    )


def bridge_packets() -> dict[str, Packet]:
    """A correct plan for ``bridge_problem``: the bridge carries 10 people in steps 3, 4, 5 and 6
    (its capacity), C0 processes 5, 6, 4, 10 and 10 people in steps 5, 7, 8, 9 and 10."""
    return {
        # source 0 (30 general people at node 0): 15 may leave from minute 1, all from minute 3
        "A": Packet(0, 10.0, 0, 1.0, 7.0, [(0, True, 1.0), (1, True, 3.0), (2, True, 6.0)],
                    [(7, 6.0), (8, 4.0)]),
        "B": Packet(0, 10.0, 0, 3.0, 9.0, [(0, True, 3.0), (1, True, 5.0), (2, True, 8.0)],
                    [(9, 10.0)]),
        # C and D wait a minute at node 1 for the bridge
        "C": Packet(0, 9.0, 0, 3.0, 10.0, [(0, True, 3.0), (1, True, 6.0), (2, True, 9.0)],
                    [(10, 9.0)]),
        "D": Packet(0, 1.0, 0, 3.0, 10.0, [(0, True, 3.0), (1, True, 6.0), (2, True, 9.0)],
                    [(10, 1.0)]),
        # source 1 (10 mobility-impaired at node 1) crosses the bridge in 6 minutes to C1
        "M": Packet(1, 10.0, 1, 4.0, 10.0, [(1, True, 4.0)], [(10, 10.0)]),
        # source 2 (5 general people) already stands at C0's node: no route
        "E": Packet(2, 5.0, 0, 3.0, 3.0, [], [(5, 5.0)]),
    }  # fmt: skip


def bridge_plan(packets: dict[str, Packet] | None = None, **kwargs: object) -> Plan:
    chosen = bridge_packets() if packets is None else packets
    return make_plan(list(chosen.values()), **kwargs)  # type: ignore[arg-type]


# -- random problems on a line, with plans built by a constructive rule -------------------------


def line_problem(
    edge_minutes: Sequence[float],
    edge_capacity: Sequence[float],
    corridor_capacity: Sequence[float],
    release_cdf: Sequence[float],
    people: float,
    *,
    step_min: float = 1.0,
) -> PlanningProblem:
    """One source at node 0, one corridor at the far end of a line of len(edge_minutes) edges."""
    n = len(edge_minutes)
    return problem_on(
        n + 1,
        [(i, i + 1) for i in range(n)],
        edge_minutes=np.array([edge_minutes]),
        edge_capacity=np.array(edge_capacity),
        corridor_node=[n],
        corridor_capacity=np.array([corridor_capacity]),
        eligible=np.array([[True]]),
        sources=[(0, 0, people)],
        release_cdf=np.array(release_cdf),
        step_min=step_min,
    )


def greedy_plan(problem: PlanningProblem, sizes: Sequence[float]) -> Plan | None:
    """Send packets of ``sizes`` one by one, each as early as release, edge and corridor
    capacities left by the packets before it allow; whoever is not sent is unserved.

    Returns None when a packet does not fit in the horizon (or exceeds an edge's capacity).
    """
    step, steps = problem.step_min, problem.steps
    total = float(problem.source_people[0])
    edge_load: dict[tuple[int, int], float] = {}
    corridor_left = problem.corridor_capacity[0].copy()
    minutes = problem.edge_minutes[0]
    packets: list[Packet] = []
    gone = 0.0
    for size in sizes:
        k = 0  # depart at the first step boundary by which enough people are ready
        while k <= steps and gone + size > total * problem.release_cdf[min(k, steps)]:
            k += 1
        if k > steps:
            return None
        depart = ready = k * step
        arcs = []
        for e in range(minutes.shape[0]):
            if size > problem.edge_capacity[e]:
                return None
            k = math.floor(ready / step)
            while edge_load.get((e, k), 0.0) + size > problem.edge_capacity[e]:
                k += 1
            enter = max(ready, k * step)
            edge_load[e, k] = edge_load.get((e, k), 0.0) + size
            arcs.append((e, True, enter))
            ready = enter + minutes[e]
        proc, left = [], size
        for k in range(math.ceil(ready / step), steps):
            take = min(left, corridor_left[k])
            if take > 0:
                proc.append((k, take))
                corridor_left[k] -= take
                left -= take
            if left <= 0:
                break
        if left > 0:
            return None
        packets.append(Packet(0, size, 0, depart, ready, arcs, proc))
        gone += size
    unserved = [Unserved(0, total - gone, "not sent")] if total > gone else []
    return make_plan(packets, step_min=step, unserved=unserved)
