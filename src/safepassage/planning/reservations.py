"""Time-dependent reservation of edge capacity (compiled with numba).

Edge use is a ring of ``window`` steps: ``used[e, k % window]`` holds the people entering edge
``e`` in step ``k``, for steps ``base <= k < base + window``. Beside it, ``skip[e, k % window]``
is a disjoint-set forest over the steps of each edge: a step with less than ``full_below[e]``
room left points past itself (path halving), so that a search for room skips a long queue of
full steps in near-constant time instead of step by step. Packets are routed in order of
departure and never enter an edge before they depart, so the steps before ``base`` (the current
departure step) are never needed again and their columns are reused for the steps ahead. A packet
of ``q`` people may enter edge ``e`` in step ``k`` when ``used[e, k] + q <= capacity[e]``;
otherwise it waits at the node for a later step. Waiting keeps the first-in-first-out property,
so the earliest-arrival search below is a plain Dijkstra over arrival times (the time-dependent
shortest path of Lu, George & Shekhar's CCRP).
"""

from __future__ import annotations

import heapq

import numba
import numpy as np

__all__ = ["EPS", "TIME_TOL_MIN", "advance", "earliest_arrival", "reserve", "step_at", "walk_fixed"]

EPS = 1e-9
# A time within this many minutes below a step boundary counts in the step that starts there,
# as the checker counts it (its default tolerance): sums of walking times land a hair short.
TIME_TOL_MIN = 1e-6


@numba.njit(cache=True)
def step_at(t, step_min):
    """The step a street is entered in at time ``t`` (minutes)."""
    return int(np.floor((t + TIME_TOL_MIN) / step_min))


@numba.njit(cache=True)
def advance(used, skip, base, new_base):
    """Move the ring's start from step ``base`` to ``new_base``, clearing the reused columns
    (their steps become ``k + window``, with no use and no skip)."""
    window = used.shape[1]
    if new_base - base >= window:
        for k in range(new_base, new_base + window):
            used[:, k % window] = 0.0
            skip[:, k % window] = k
    else:
        for k in range(base, new_base):
            used[:, k % window] = 0.0
            skip[:, k % window] = k + window
    return new_base


@numba.njit(cache=True)
def _room_from(skip, edge, k, end):
    """The first step >= k (below ``end``) not marked full on ``edge``, or ``end``."""
    window = skip.shape[1]
    while k < end:
        parent = skip[edge, k % window]
        if parent == k:
            return k
        if parent < end:
            grand = skip[edge, parent % window]
            skip[edge, k % window] = grand  # path halving
            k = grand
        else:
            return end
    return end


@numba.njit(cache=True)
def _first_free_step(used, skip, base, edge, k, steps, cap, q):
    """First step >= k in which q more people fit on ``edge``; ``steps`` if none within the
    horizon and the ring."""
    window = used.shape[1]
    end = min(steps, base + window)
    k = _room_from(skip, edge, k, end)
    while k < end and used[edge, k % window] + q > cap + EPS:
        k = _room_from(skip, edge, k + 1, end)
    return k if k < end else steps


@numba.njit(cache=True)
def walk_fixed(arcs, arc_edge, edge_time, edge_cap, used, skip, base, steps, step_min, t0, q):
    """Walk a fixed route from time ``t0``, waiting before an edge until ``q`` people fit.

    Returns the entry time of each arc and the arrival time (inf when the horizon ends first).
    """
    enter = np.empty(arcs.shape[0], dtype=np.float64)
    t = t0
    for i in range(arcs.shape[0]):
        e = arc_edge[arcs[i]]
        k = _first_free_step(used, skip, base, e, step_at(t, step_min), steps, edge_cap[e], q)
        if k >= steps:
            return enter, np.inf
        t = max(t, k * step_min)
        enter[i] = t
        t += edge_time[e]
    return enter, t


@numba.njit(cache=True)
def reserve(arcs, arc_edge, enter, q, used, skip, edge_cap, full_below, step_min):
    """Book ``q`` people entering each arc of a route at its entry time; a step left with less
    than ``full_below`` room is marked full."""
    window = used.shape[1]
    for i in range(arcs.shape[0]):
        e = arc_edge[arcs[i]]
        k = step_at(enter[i], step_min)
        used[e, k % window] += q
        if edge_cap[e] - used[e, k % window] < full_below[e]:
            skip[e, k % window] = k + 1


@numba.njit(cache=True)
def earliest_arrival(
    indptr,
    arc_head,
    arc_edge,
    edge_time,
    edge_open,
    edge_cap,
    used,
    skip,
    base,
    steps,
    step_min,
    source,
    t0,
    target,
    q,
    to_target,
    limit,
    max_settled,
):
    """Earliest arrival at ``target`` leaving ``source`` at ``t0`` with room for ``q`` people on
    every edge at the step it is entered, if it is before ``limit``. Returns (arrival, arcs,
    entry times); arrival is inf and the arrays empty when the target cannot be reached before
    ``limit`` or within the horizon, or when the search settles ``max_settled`` nodes first.

    ``to_target[v]`` is the static shortest walk from ``v`` to the target: waiting only ever adds
    time, so it never overestimates and the search is an A* that settles few nodes; a node that
    cannot reach the target before ``limit`` (a route already known) is never queued."""
    n = indptr.shape[0] - 1
    best = np.full(n, np.inf)
    via = np.full(n, -1, dtype=np.int64)
    entered = np.zeros(n, dtype=np.float64)
    done = np.zeros(n, dtype=np.bool_)
    best[source] = t0
    settled = 0
    heap = [(np.float64(t0 + to_target[source]), np.int64(source))]
    while heap:
        _, u = heapq.heappop(heap)
        t = best[u]
        if done[u]:
            continue
        done[u] = True
        settled += 1
        if u == target or settled > max_settled:
            break
        for a in range(indptr[u], indptr[u + 1]):
            e = arc_edge[a]
            v = np.int64(arc_head[a])
            if not edge_open[e] or done[v]:
                continue
            k = _first_free_step(used, skip, base, e, step_at(t, step_min), steps, edge_cap[e], q)
            if k >= steps:
                continue
            start = max(t, k * step_min)
            arrive = start + edge_time[e]
            if arrive < best[v] and arrive + to_target[v] < limit:
                best[v] = arrive
                via[v] = a
                entered[v] = start
                heapq.heappush(heap, (arrive + to_target[v], v))
    if not done[target]:
        return np.inf, np.empty(0, np.int64), np.empty(0, np.float64)
    count = 0
    node = target
    while node != source:
        count += 1
        a = via[node]
        node = _tail(indptr, a)
    arcs = np.empty(count, dtype=np.int64)
    times = np.empty(count, dtype=np.float64)
    node = target
    for i in range(count - 1, -1, -1):
        a = via[node]
        arcs[i] = a
        times[i] = entered[node]
        node = _tail(indptr, a)
    return best[target], arcs, times


@numba.njit(cache=True)
def _tail(indptr, arc):
    """The node whose CSR row holds ``arc`` (binary search in indptr)."""
    lo, hi = 0, indptr.shape[0] - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if indptr[mid] <= arc:
            lo = mid
        else:
            hi = mid
    return lo
