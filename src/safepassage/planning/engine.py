"""The routing engine shared by the planner and the baseline.

People at the same node and of the same group (an *origin*) share their routes. Their packets are
taken in order of departure. Each packet chooses a corridor (``balanced``: where it would be
processed soonest, given the walk and what is already booked there; ``nearest``: the shortest
walk, as an analyst would assign it), walks the shortest route while reserving edge capacity step
by step (waiting where a street is full), optionally takes a faster route over the reserved
network (``reroute``: CCRP's time-dependent earliest-arrival search), and is booked into the
corridor's processing steps. The compiled loop is :func:`engine_kernel.route_packets`; each
routed packet is then shared among the sources (areas) of its origin in proportion to their people.
"""

from __future__ import annotations

import time
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from safepassage.planning.csr import take_rows
from safepassage.planning.engine_kernel import UNREACHABLE, route_packets
from safepassage.planning.packets import Origins, Packets, make_packets_within, origins_of
from safepassage.planning.paths import WalkTrees, walk_trees
from safepassage.planning.plan import Plan, Unserved
from safepassage.planning.problem import PlanningProblem

__all__ = [
    "SHARE_PENALTY_MIN",
    "Choice",
    "FixedEntries",
    "Routed",
    "route_jobs",
    "run_engine",
    "unserved_reason",
]

Choice = Literal["balanced", "nearest"]

# Steps of edge use kept ahead of the current departure (see reservations.py): a packet that would
# still be walking this long after leaving counts as not out within the horizon.
USAGE_WINDOW_STEPS = 2048
# A re-route search that settles this many nodes without beating the fixed route gives up and
# keeps it: on congested road networks an unbounded search explores the whole city for every
# packet (Coquimbo by road: 100 s a pass unbounded, 24 s with 500, 9 s with 100, the same
# clearance time; the walking benchmarks are unchanged).
REROUTE_MAX_SETTLED = 100
# How much later (minutes) a group with a corridor of its own accepts to finish there rather than
# take a corridor that other groups need (see _sharing_penalty): the planner tries 0 and this.
SHARE_PENALTY_MIN = 480.0


def unserved_reason(problem: PlanningProblem, group: int, code: int) -> str:
    """Why the kernel left people of ``group`` unserved (its reason ``code``)."""
    name = problem.groups[group]
    if code != UNREACHABLE:
        return "not out within the planning horizon"
    usable = problem.corridor_capacity.sum(axis=1) > 0
    if not (problem.eligible[group] & usable).any():
        return f"no open corridor admits group {name}"
    return f"no eligible open corridor for group {name} can be reached on roads left open"


def _share_among_sources(
    problem: PlanningProblem,
    origins: Origins,
    routed: Routed,
    packets: Packets,
    seconds: dict[str, float],
) -> Plan:
    origin = packets.origin[routed.parent]
    # every source of each routed packet's origin gets its share of the packet
    by_origin = np.argsort(origins.source_origin, kind="stable")
    first = np.searchsorted(origins.source_origin[by_origin], origin, side="left")
    count = np.searchsorted(origins.source_origin[by_origin], origin, side="right") - first
    rows = np.repeat(np.arange(routed.parent.shape[0]), count)
    source = by_origin[
        np.repeat(first - np.cumsum(count) + count, count) + np.arange(rows.shape[0])
    ]
    share = problem.source_people[source] / origins.people[origin[rows]]
    arcs, new_path_ptr = take_rows(routed.path_arc, routed.path_ptr, rows)
    enter, _ = take_rows(routed.path_enter, routed.path_ptr, rows)
    steps, new_proc_ptr = take_rows(routed.proc_step, routed.proc_ptr, rows)
    amounts, _ = take_rows(routed.proc_people, routed.proc_ptr, rows)
    amounts = amounts * np.repeat(share, np.diff(new_proc_ptr))
    net = problem.network
    lost: dict[tuple[int, str], float] = {}
    for p in np.flatnonzero(routed.unserved > 1e-9):
        o = int(packets.origin[p])
        reason = unserved_reason(problem, int(origins.group[o]), int(routed.why[p]))
        for s in np.flatnonzero(origins.source_origin == o):
            key = (int(s), reason)
            lost[key] = lost.get(key, 0.0) + float(
                routed.unserved[p] * problem.source_people[s] / origins.people[o]
            )
    return Plan(
        packet_source=source.astype(np.int64),
        packet_people=routed.people[rows] * share,
        packet_corridor=routed.corridor[rows],
        packet_depart_min=packets.depart_min[routed.parent][rows],
        packet_arrive_min=routed.arrive[rows],
        path_indptr=new_path_ptr,
        path_edge=net.arc_edge[arcs].astype(np.int64),
        path_forward=net.arc_forward[arcs],
        path_enter_min=enter,
        proc_indptr=new_proc_ptr,
        proc_step=steps,
        proc_people=amounts,
        step_min=problem.step_min,
        unserved=[Unserved(s, p, r) for (s, r), p in sorted(lost.items())],
        seconds=seconds,
    )


def _free_steps(capacity: NDArray[np.float64]) -> NDArray[np.int64]:
    """The kernel's disjoint-set forest over steps, one row per corridor (with a sentinel at
    ``steps``): an open step is its own root; a closed one points to the first open step after
    it, so nights and other closed hours are skipped at once."""
    corridors, steps = capacity.shape
    index = np.where(capacity > 1e-9, np.arange(steps), steps)
    nxt = np.minimum.accumulate(index[:, ::-1], axis=1)[:, ::-1]
    return np.concatenate([nxt, np.full((corridors, 1), steps)], axis=1).astype(np.int64)


def _full_below(problem: PlanningProblem, job_units: NDArray[np.float64]) -> NDArray[np.float64]:
    """Room below which a step of an edge counts as full for the search (reservations.py): the
    10th percentile of the jobs' sizes in capacity units, so that nine jobs in ten never miss a
    step with room for them (smaller ones may wait a step longer: never more use than room)."""
    size = float(np.percentile(job_units, 10)) if job_units.size else 0.0
    return np.minimum(problem.edge_capacity, size).astype(np.float64)


def _sharing_penalty(problem: PlanningProblem, penalty_min: float) -> NDArray[np.float64]:
    """Steps added, in the corridor choice, for group g taking corridor c: ``penalty_min`` times
    the share of c's eligible people who belong to other groups. A group with a corridor of its
    own keeps off the corridors others depend on unless its own is much slower."""
    groups = len(problem.groups)
    demand = np.bincount(problem.source_group, weights=problem.source_people, minlength=groups)
    eligible_demand = problem.eligible * demand[:, None]  # [G, C]
    total = eligible_demand.sum(axis=0)
    others = np.where(total > 0, (total[None, :] - eligible_demand) / np.maximum(total, 1e-12), 0)
    return np.ascontiguousarray(penalty_min / problem.step_min * others, dtype=np.float64)


class FixedEntries(NamedTuple):
    """Street entries booked already, sorted by step: edge, step, capacity units."""

    edge: NDArray[np.int64]
    step: NDArray[np.int64]
    units: NDArray[np.float64]

    @classmethod
    def none(cls) -> FixedEntries:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))


class Routed(NamedTuple):
    """What the compiled loop returns (see :func:`engine_kernel.route_packets`): per routed row
    its parent job, people, corridor, arrival, route and processing (CSR); per job the people
    left unserved and the reason code."""

    parent: NDArray[np.int64]
    people: NDArray[np.float64]
    corridor: NDArray[np.int64]
    arrive: NDArray[np.float64]
    path_ptr: NDArray[np.int64]
    path_arc: NDArray[np.int64]
    path_enter: NDArray[np.float64]
    proc_ptr: NDArray[np.int64]
    proc_step: NDArray[np.int64]
    proc_people: NDArray[np.float64]
    unserved: NDArray[np.float64]
    why: NDArray[np.int64]


def route_jobs(
    problem: PlanningProblem,
    trees: WalkTrees,
    node: NDArray[np.int64],
    group: NDArray[np.int64],
    people: NDArray[np.float64],
    depart_min: NDArray[np.float64],
    *,
    choice: Choice,
    reroute: bool,
    share_penalty_min: float = 0.0,
    start_step: int = 0,
    fixed: FixedEntries | None = None,
) -> Routed:
    """Run the compiled loop on jobs given in order of departure, none before ``start_step``;
    ``fixed``: street entries already booked by packets not routed here."""
    net = problem.network
    remaining = np.ascontiguousarray(problem.corridor_capacity, dtype=np.float64).copy()
    window = min(problem.steps, USAGE_WINDOW_STEPS)
    ring_steps = np.arange(start_step, start_step + window, dtype=np.int64)
    column_step = np.empty(window, np.int64)
    column_step[ring_steps % window] = ring_steps
    fixed = fixed or FixedEntries.none()
    units = np.ascontiguousarray(problem.units_per_person, dtype=np.float64)
    return Routed(
        *route_packets(
            node,
            group,
            people,
            depart_min,
            trees.minutes,
            trees.next_arc,
            net.indptr,
            net.arc_head.astype(np.int64),
            net.arc_edge.astype(np.int64),
            np.ascontiguousarray(problem.edge_minutes),
            problem.edge_open,
            problem.edge_capacity,
            problem.corridor_node,
            remaining,
            _free_steps(remaining),
            np.zeros((net.edge_count, window)),
            np.repeat(column_step[None, :], net.edge_count, axis=0),
            _full_below(problem, people * units[group]),
            problem.steps,
            problem.step_min,
            choice == "nearest",
            reroute,
            _sharing_penalty(problem, share_penalty_min),
            units,
            REROUTE_MAX_SETTLED,
            start_step,
            fixed.edge,
            fixed.step,
            fixed.units,
        )
    )


def run_engine(
    problem: PlanningProblem,
    *,
    choice: Choice,
    reroute: bool,
    min_packet_people: float | None = None,
    trees: WalkTrees | None = None,
    share_penalty_min: float = 0.0,
) -> Plan:
    """Route every packet of ``problem``; see the module docstring."""
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    trees = trees or walk_trees(problem)
    seconds["shortest_walks"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    origins = origins_of(problem)
    size = min_packet_people or max(1.0, problem.total_people / 40_000)
    packets = make_packets_within(problem, origins, min_people=size)
    seconds["packets"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    routed = route_jobs(
        problem,
        trees,
        origins.node[packets.origin],
        origins.group[packets.origin],
        packets.people,
        packets.depart_min,
        choice=choice,
        reroute=reroute,
        share_penalty_min=share_penalty_min,
    )
    seconds["routing"] = time.perf_counter() - t0
    return _share_among_sources(problem, origins, routed, packets, seconds)
