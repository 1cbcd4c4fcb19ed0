"""The compiled inner loop of the routing engine (see :mod:`safepassage.planning.engine`).

Everything per packet happens here, in numba: corridor choice against the booked processing
slots, the walk along the shortest route with step-by-step edge reservations, the optional
earliest-arrival re-route (CCRP) and the booking of processing steps.
"""

from __future__ import annotations

import numba
import numpy as np

from safepassage.planning.reservations import EPS, advance, earliest_arrival, reserve, walk_fixed

__all__ = ["BEYOND_HORIZON", "UNREACHABLE", "route_packets"]

UNREACHABLE = 1
BEYOND_HORIZON = 2


@numba.njit(cache=True)
def _grow(a, n):
    """``a``, or a copy at least twice as long when it has fewer than ``n`` places."""
    if n <= a.shape[0]:
        return a
    b = np.empty(max(n, 2 * a.shape[0]), dtype=a.dtype)
    b[: a.shape[0]] = a
    return b


@numba.njit(cache=True)
def _first_step(arrive, step_min):
    return int(np.ceil(arrive / step_min - 1e-9))


@numba.njit(cache=True)
def _free(parent, k):
    """The first step at or after ``k`` with room left (``steps`` if none): a disjoint-set forest
    over steps in which a full or closed step points past itself (path halving), so a long queue
    of full steps is skipped in near-constant time."""
    while parent[k] != k:
        parent[k] = parent[parent[k]]
        k = parent[k]
    return k


@numba.njit(cache=True)
def _finish_step(row, parent, k, people):
    """The step in which the last of ``people`` would be processed, first fit from ``k``."""
    left = people
    steps = row.shape[0]
    k = _free(parent, min(k, steps))
    while k < steps:
        left -= row[k]
        if left <= EPS:
            return k
        k = _free(parent, k + 1)
    return steps


@numba.njit(cache=True)
def _bottleneck(arcs, arc_edge, edge_cap):
    """The most people that can enter every street of a route in one step."""
    bottleneck = np.inf
    for a in arcs:
        bottleneck = min(bottleneck, edge_cap[arc_edge[a]])
    return bottleneck


@numba.njit(cache=True)
def _choose(
    g,
    node,
    walks,
    next_arc,
    arc_head,
    arc_edge,
    times,
    edge_cap,
    used,
    skip,
    base,
    steps,
    step_min,
    remaining,
    free,
    depart,
    people,
    nearest,
    penalty,
    unit,
):
    """The corridor this packet should use: the nearest by walk, or (balanced) the one where its
    last person would be processed soonest, walking its shortest route through the streets as
    they are already booked (so a congested bridge counts), plus ``penalty[c]`` steps for
    taking a corridor that other groups need. -1: no eligible corridor can be reached; -2: one
    can, but the streets have no room for the packet within the horizon."""
    best = -1
    best_q = 0.0
    best_finish = np.inf
    best_walk = np.inf
    for c in range(walks.shape[0]):
        if not np.isfinite(walks[c]):
            continue
        arcs = _shortest_arcs(next_arc[g, c], arc_head, node)
        q = min(people, _bottleneck(arcs, arc_edge, edge_cap) / unit)
        if nearest:
            finish = 0.0
        else:
            _, arrive = walk_fixed(
                arcs, arc_edge, times, edge_cap, used, skip, base, steps, step_min, depart, q * unit
            )
            if not np.isfinite(arrive):
                continue
            k = _first_step(arrive, step_min)
            finish = float(_finish_step(remaining[c], free[c], k, q)) + penalty[c]
        if finish < best_finish or (finish == best_finish and walks[c] < best_walk):
            best, best_q, best_finish, best_walk = c, q, finish, walks[c]
    if best < 0 and np.isfinite(walks).any():
        return -2, 0.0  # reachable, but no street has room within the horizon
    return best, best_q


@numba.njit(cache=True)
def _inject(used, skip, edge_cap, full_below, base, fix_edge, fix_step, fix_units, i):
    """Add the fixed entries from ``i`` on whose steps the ring now holds; returns the next."""
    window = used.shape[1]
    while i < fix_step.shape[0] and fix_step[i] < base + window:
        k = fix_step[i]
        if k >= base:
            e = fix_edge[i]
            used[e, k % window] += fix_units[i]
            if edge_cap[e] - used[e, k % window] < full_below[e]:
                skip[e, k % window] = k + 1
        i += 1
    return i


@numba.njit(cache=True)
def _shortest_arcs(next_arc, arc_head, node):
    count = 0
    v = node
    while next_arc[v] >= 0:
        count += 1
        v = arc_head[next_arc[v]]
    arcs = np.empty(count, dtype=np.int64)
    v = node
    for i in range(count):
        arcs[i] = next_arc[v]
        v = arc_head[arcs[i]]
    return arcs


@numba.njit(cache=True, nogil=True)
def route_packets(
    pk_node,
    pk_group,
    pk_people,
    pk_depart,
    walk_min,
    next_arc,
    indptr,
    arc_head,
    arc_edge,
    edge_time,
    edge_open,
    edge_cap,
    corridor_node,
    remaining,
    free,
    used,
    skip,
    full_below,
    steps,
    step_min,
    nearest,
    reroute,
    penalty,
    person_units,
    max_settled,
    base0,
    fix_edge,
    fix_step,
    fix_units,
):
    """Route packets in the given order (by departure). ``used`` is the ring of edge use (see
    :mod:`safepassage.planning.reservations`), in capacity units: a person of group ``g`` takes
    ``person_units[g]`` of them. Returns per output row (a packet may be split where
    a street is narrower than the packet): parent packet, people, corridor, arrival, route and
    processing in CSR form; and per input packet the people left unserved and why.

    The ring starts at step ``base0``. ``fix_*`` (sorted by step) are street entries booked
    already, by packets this call does not route (a what-if's unchanged packets): each is
    added to the ring when its step comes into it."""
    n_in = pk_node.shape[0]
    cap_rows = n_in + 16
    parent = np.empty(cap_rows, np.int64)
    people = np.empty(cap_rows, np.float64)
    corridor = np.empty(cap_rows, np.int64)
    arrive_at = np.empty(cap_rows, np.float64)
    path_ptr = np.zeros(cap_rows + 1, np.int64)
    path_arc = np.empty(16 * cap_rows, np.int64)
    path_enter = np.empty(16 * cap_rows, np.float64)
    proc_ptr = np.zeros(cap_rows + 1, np.int64)
    proc_step = np.empty(4 * cap_rows, np.int64)
    proc_people = np.empty(4 * cap_rows, np.float64)
    unserved = np.zeros(n_in, np.float64)
    why = np.zeros(n_in, np.int64)
    rows = 0
    base = base0
    nf = _inject(used, skip, edge_cap, full_below, base, fix_edge, fix_step, fix_units, 0)
    for p in range(n_in):
        g, node, depart = pk_group[p], pk_node[p], pk_depart[p]
        base = advance(used, skip, base, max(base, int(np.floor(depart / step_min))))
        nf = _inject(used, skip, edge_cap, full_below, base, fix_edge, fix_step, fix_units, nf)
        walks = walk_min[g, :, node]
        times = edge_time[g]
        left_p = pk_people[p]
        unit = person_units[g]
        while left_p > EPS:
            c, q = _choose(
                g,
                node,
                walks,
                next_arc,
                arc_head,
                arc_edge,
                times,
                edge_cap,
                used,
                skip,
                base,
                steps,
                step_min,
                remaining,
                free,
                depart,
                left_p,
                nearest,
                penalty[g],
                unit,
            )
            if c < 0:
                unserved[p] += left_p
                why[p] = UNREACHABLE if c == -1 else BEYOND_HORIZON
                break
            left_p -= q
            arcs = _shortest_arcs(next_arc[g, c], arc_head, node)
            enter, arrive = walk_fixed(
                arcs, arc_edge, times, edge_cap, used, skip, base, steps, step_min, depart, q * unit
            )
            use_arcs = arcs
            if reroute and arrive > depart + walks[c] + step_min:
                better, arcs2, enter2 = earliest_arrival(
                    indptr,
                    arc_head,
                    arc_edge,
                    times,
                    edge_open,
                    edge_cap,
                    used,
                    skip,
                    base,
                    steps,
                    step_min,
                    node,
                    depart,
                    corridor_node[c],
                    q * unit,
                    walk_min[g, c],
                    arrive,
                    max_settled,
                )
                if better < arrive:
                    arrive, use_arcs, enter = better, arcs2, enter2
            if not np.isfinite(arrive):
                unserved[p] += q
                why[p] = BEYOND_HORIZON
                continue
            reserve(use_arcs, arc_edge, enter, q * unit, used, skip, edge_cap, full_below, step_min)
            # book processing steps, first fit from the arrival step
            row = remaining[c]
            k = _free(free[c], min(_first_step(arrive, step_min), steps))
            left = q
            start = proc_ptr[rows]
            count = 0
            while left > EPS and k < steps:
                take = min(left, row[k])
                row[k] -= take
                left -= take
                if start + count >= proc_step.shape[0]:
                    proc_step = _grow(proc_step, start + count + 64)
                    proc_people = _grow(proc_people, start + count + 64)
                proc_step[start + count] = k
                proc_people[start + count] = take
                count += 1
                if row[k] <= EPS:
                    free[c, k] = k + 1
                k = _free(free[c], k + 1)
            if left > EPS:
                unserved[p] += left
                why[p] = BEYOND_HORIZON
            if rows + 1 >= parent.shape[0]:
                parent = _grow(parent, 2 * rows + 2)
                people = _grow(people, 2 * rows + 2)
                corridor = _grow(corridor, 2 * rows + 2)
                arrive_at = _grow(arrive_at, 2 * rows + 2)
                path_ptr = _grow(path_ptr, 2 * rows + 3)
                proc_ptr = _grow(proc_ptr, 2 * rows + 3)
            parent[rows] = p
            people[rows] = q - left
            corridor[rows] = c
            arrive_at[rows] = arrive
            proc_ptr[rows + 1] = start + count
            at = path_ptr[rows]
            path_arc = _grow(path_arc, at + use_arcs.shape[0])
            path_enter = _grow(path_enter, at + use_arcs.shape[0])
            path_arc[at : at + use_arcs.shape[0]] = use_arcs
            path_enter[at : at + use_arcs.shape[0]] = enter
            path_ptr[rows + 1] = at + use_arcs.shape[0]
            rows += 1
    return (
        parent[:rows],
        people[:rows],
        corridor[:rows],
        arrive_at[:rows],
        path_ptr[: rows + 1],
        path_arc[: path_ptr[rows]],
        path_enter[: path_ptr[rows]],
        proc_ptr[: rows + 1],
        proc_step[: proc_ptr[rows]],
        proc_people[: proc_ptr[rows]],
        unserved,
        why,
    )
