"""What-if: re-plan the people of the changed corridors not yet out from a moment on, with
those corridors closed or their throughput changed from then.

Packets of unchanged corridors keep their plan: their routes and processing stay booked, so the
operation is disturbed no more than the change forces. At ``at`` (rounded up to a step boundary)
every packet of a changed corridor is cut in two: the people already processed stay as they
were; the others keep the part of their route they had entered before ``at`` and continue from
where that leaves them (the node they are walking to, or the corridor where they queue, or their
home if they had not left), no earlier than ``at``. Those continuations are routed by the same
engine over what the kept packets leave of the streets and corridors, and stitched to their
route so far, so the result is one plan of the changed problem that the checker can replay.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from safepassage.errors import SafepassageError
from safepassage.planning.csr import Joined, indptr_of, row_index
from safepassage.planning.engine import FixedEntries, Routed, route_jobs, unserved_reason
from safepassage.planning.paths import walk_trees
from safepassage.planning.plan import Plan, Unserved
from safepassage.planning.problem import PlanningProblem
from safepassage.planning.reservations import TIME_TOL_MIN

__all__ = ["WhatIf", "what_if"]


@dataclass(frozen=True, eq=False)
class WhatIf:
    problem: PlanningProblem  # the changed problem
    plan: Plan
    at_min: float
    rerouted_people: float  # people whose corridor changed
    continued_people: float  # people of the changed corridors not yet out at ``at``


def changed_problem(
    problem: PlanningProblem,
    *,
    at_step: int,
    close: Sequence[str],
    throughput_factor: Mapping[str, float],
) -> PlanningProblem:
    """The problem with the corridors in ``close`` shut, and the others' capacity scaled, from
    step ``at_step`` on."""
    capacity = problem.corridor_capacity.copy()
    for ident in [*close, *throughput_factor]:
        if ident not in problem.corridor_ids:
            known = ", ".join(problem.corridor_ids)
            msg = f"corridor {ident!r} is not in the scenario; known corridors: {known}"
            raise SafepassageError(msg)
    for ident in close:
        capacity[problem.corridor_ids.index(ident), at_step:] = 0.0
    for ident, factor in throughput_factor.items():
        capacity[problem.corridor_ids.index(ident), at_step:] *= factor
    return dataclasses.replace(problem, corridor_capacity=capacity)


@dataclass
class _Cut:
    """Per base packet: people already out by ``at`` and where the rest continue from."""

    out: NDArray[np.float64]
    node: NDArray[np.int64]
    ready: NDArray[np.float64]
    prefix_len: NDArray[np.int64]


def _cut(problem: PlanningProblem, plan: Plan, at_step: int, at: float) -> _Cut:
    n = plan.packet_count
    per_proc = np.repeat(np.arange(n), np.diff(plan.proc_indptr))
    early = plan.proc_step < at_step
    out = np.bincount(per_proc[early], weights=plan.proc_people[early], minlength=n).astype(float)
    per_arc = np.repeat(np.arange(n), np.diff(plan.path_indptr))
    entered = plan.path_enter_min < at - 1e-9
    prefix_len = np.bincount(per_arc[entered], minlength=n).astype(np.int64)
    node = problem.source_node[plan.packet_source].copy()
    ready = np.maximum(plan.packet_depart_min, at)
    has = prefix_len > 0
    last = plan.path_indptr[:-1][has] + prefix_len[has] - 1
    edges, fwd = plan.path_edge[last], plan.path_forward[last]
    net = problem.network
    node[has] = np.where(fwd, net.edge_v[edges], net.edge_u[edges])
    group = problem.source_group[plan.packet_source[has]]
    reach = plan.path_enter_min[last] + problem.edge_minutes[group, edges]
    ready[has] = np.maximum(reach, at)
    return _Cut(out, node, ready, prefix_len)


def what_if(
    problem: PlanningProblem,
    base: Plan,
    *,
    at_min: float,
    close: Sequence[str] = (),
    throughput_factor: Mapping[str, float] | None = None,
) -> WhatIf:
    """Re-plan ``base`` from ``at_min`` with corridors closed or changed (see module doc)."""
    t0 = time.perf_counter()
    at_step = max(0, math.ceil(at_min / problem.step_min - 1e-9))
    at = at_step * problem.step_min
    changed = changed_problem(
        problem, at_step=at_step, close=close, throughput_factor=throughput_factor or {}
    )
    touched = [problem.corridor_ids.index(c) for c in [*close, *(throughput_factor or {})]]
    whole = ~np.isin(base.packet_corridor, touched)  # packets that keep their plan
    cut = _cut(problem, base, at_step, at)
    cut.out = np.where(whole, base.packet_people, cut.out)
    rest = base.packet_people - cut.out
    going = np.flatnonzero(rest > 1e-9)
    order = going[np.lexsort((going, cut.ready[going]))]
    later = dataclasses.replace(
        changed, corridor_capacity=_capacity_left(changed, base, whole, at_step)
    )
    routed = route_jobs(
        later,
        walk_trees(later),
        cut.node[order],
        problem.source_group[base.packet_source[order]],
        rest[order],
        cut.ready[order],
        choice="balanced",
        reroute=True,
        start_step=at_step,
        fixed=_entries_kept(problem, base, whole, cut, at_step),
    )
    plan = _stitch(problem, base, cut, order, routed, at_step, whole)
    moved = _rerouted(base, order, routed)
    seconds = {"what_if": time.perf_counter() - t0}
    plan = dataclasses.replace(plan, seconds=seconds)
    return WhatIf(changed, plan, at, moved, float(rest[going].sum()))


def _capacity_left(
    changed: PlanningProblem, base: Plan, whole: NDArray[np.bool_], at_step: int
) -> NDArray[np.float64]:
    """Corridor capacity for the continuations: none before ``at`` (those steps are the base
    plan's), and from then on what the packets that keep their plan leave."""
    capacity = np.where(
        np.arange(changed.steps)[None, :] >= at_step, changed.corridor_capacity, 0.0
    )
    per_proc = np.repeat(np.arange(base.packet_count), np.diff(base.proc_indptr))
    kept = whole[per_proc] & (base.proc_step >= at_step)
    np.subtract.at(
        capacity,
        (base.packet_corridor[per_proc[kept]], base.proc_step[kept]),
        base.proc_people[kept],
    )
    return np.maximum(capacity, 0.0)


def _entries_kept(
    problem: PlanningProblem, base: Plan, whole: NDArray[np.bool_], cut: _Cut, at_step: int
) -> FixedEntries:
    """Street entries, from ``at`` on, of the arcs kept as they were, sorted by step: the
    packets that keep their plan, and routes so far (entered a hair before ``at``, they may
    count in its step)."""
    per_arc = np.repeat(np.arange(base.packet_count), np.diff(base.path_indptr))
    in_prefix = np.arange(per_arc.shape[0]) - base.path_indptr[per_arc] < cut.prefix_len[per_arc]
    step = np.floor((base.path_enter_min + TIME_TOL_MIN) / problem.step_min).astype(np.int64)
    kept = (whole[per_arc] | in_prefix) & (step >= at_step) & (step < problem.steps)
    packet = per_arc[kept]
    group = problem.source_group[base.packet_source[packet]]
    units = base.packet_people[packet] * problem.units_per_person[group]
    by_step = np.argsort(step[kept], kind="stable")
    return FixedEntries(
        base.path_edge[kept][by_step].astype(np.int64), step[kept][by_step], units[by_step]
    )


def _rerouted(base: Plan, order: NDArray[np.int64], routed: Routed) -> float:
    before = base.packet_corridor[order[routed.parent]]
    return float(routed.people[routed.corridor != before].sum())


def _stitch(
    problem: PlanningProblem,
    base: Plan,
    cut: _Cut,
    order: NDArray[np.int64],
    routed: Routed,
    at_step: int,
    whole: NDArray[np.bool_],
) -> Plan:
    """One plan: the packets that keep their plan, whole; the other base packets' people
    already out (their route, their processing before ``at``); then each continuation (route so
    far + new route, new processing)."""
    net = problem.network
    kept = np.flatnonzero(cut.out > 1e-9)
    # kept parts: the whole base route, only the processing before `at`
    k_arcs, k_path_ptr = row_index(base.path_indptr, kept)
    k_procs, k_proc_ptr = row_index(base.proc_indptr, kept)
    k_step, k_people = base.proc_step[k_procs], base.proc_people[k_procs]
    k_rows = np.repeat(np.arange(kept.shape[0]), np.diff(k_proc_ptr))
    early = (k_step < at_step) | whole[kept][k_rows]
    k_proc_ptr = indptr_of(np.bincount(k_rows[early], minlength=kept.shape[0]))
    k_step, k_people = k_step[early], k_people[early]
    # continuations: the base route entered before `at`, then the new route
    p = order[routed.parent]
    pre, pre_ptr = row_index(base.path_indptr, p, cut.prefix_len[p])
    join = Joined(pre_ptr, routed.path_ptr)
    c_ptr = join.indptr
    c_edge = join(base.path_edge[pre], net.arc_edge[routed.path_arc].astype(np.int64))
    c_fwd = join(base.path_forward[pre], net.arc_forward[routed.path_arc])
    c_enter = join(base.path_enter_min[pre], routed.path_enter)
    both = np.concatenate([kept, p])
    lost = {(u.source, u.reason): u.people for u in base.unserved}
    for j in np.flatnonzero(routed.unserved > 1e-9).tolist():
        source = int(base.packet_source[order[j]])
        key = (
            source,
            unserved_reason(problem, int(problem.source_group[source]), int(routed.why[j])),
        )
        lost[key] = lost.get(key, 0.0) + float(routed.unserved[j])
    return Plan(
        packet_source=base.packet_source[both],
        packet_people=np.concatenate([cut.out[kept], routed.people]),
        packet_corridor=np.concatenate([base.packet_corridor[kept], routed.corridor]),
        packet_depart_min=base.packet_depart_min[both],
        packet_arrive_min=np.concatenate([base.packet_arrive_min[kept], routed.arrive]),
        path_indptr=np.concatenate([k_path_ptr, k_path_ptr[-1] + c_ptr[1:]]),
        path_edge=np.concatenate([base.path_edge[k_arcs], c_edge]),
        path_forward=np.concatenate([base.path_forward[k_arcs], c_fwd]).astype(bool),
        path_enter_min=np.concatenate([base.path_enter_min[k_arcs], c_enter]),
        proc_indptr=np.concatenate([k_proc_ptr, k_proc_ptr[-1] + routed.proc_ptr[1:]]),
        proc_step=np.concatenate([k_step, routed.proc_step]),
        proc_people=np.concatenate([k_people, routed.proc_people]),
        step_min=problem.step_min,
        unserved=[Unserved(s, v, r) for (s, r), v in sorted(lost.items())],
    )
