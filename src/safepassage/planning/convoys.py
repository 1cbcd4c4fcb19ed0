"""Convoy plan: trucks per day and per supply route to keep every commodity above a buffer.

The buffer is ``buffer_days`` days of cover: at the end of day ``d`` the stock of each commodity
must cover the need of the next ``buffer_days`` days (``target[d]``). The deliveries ``x[d, c]``
solve one linear programme over every day and commodity (HiGHS through
:func:`scipy.optimize.linprog`; docs/relief.md, "Convoy plan"):

- the daily balance of :mod:`safepassage.planning.stock_forecast`,
  ``s[d] = (s[d-1] + x[d]) (1 - loss) - need[d] + u[d]``, ``s >= 0``, where ``u`` is need left
  unmet (``0 <= u <= need``);
- the trucks the open routes let in during their windows, times the payload, bound the tonnage
  of each day: ``sum_c mass_c x[d, c] <= capacity_t[d]``;
- shortfall ``z[d] >= target[d] - s[d]``, ``z >= 0``;
- minimise unmet need first, then the shortfall in days of cover (``z / need of the next day``),
  then, by a token amount, deliveries, the earlier ones more (so nothing arrives before it must:
  a closure is bridged by delivering just before it).

The plan is checked by running the forecast's balance with these deliveries: days whose
end-of-day stock is below the target are **infeasible**, by the shortfall (in the commodity's
unit and in days of cover); no schedule within capacity does better.

Trucks go to the route with the shortest turnaround first (fewest trucks in the fleet). The fleet a
route needs follows the CARE Emergency Toolkit 5.3: trips per truck = period / (round trip
x (1 + contingency)), trucks = loads / trips, on the busiest day. Commodities that cannot be
weighed (medical kits without ``relief.mass_kg_per_unit``) are planned in their own unit and left
off the trucks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import linprog

from safepassage.planning.relief_inputs import ReliefInputs
from safepassage.planning.stock_forecast import simulate

__all__ = ["ConvoyPlan", "buffer_targets", "plan_convoys"]


@dataclass(frozen=True, eq=False)
class ConvoyPlan:
    """Deliveries needed per day and commodity (base units), and the trucks that carry them."""

    inputs: ReliefInputs
    buffer_days: float
    target: NDArray[np.float64]  # (D, C) end-of-day stock to keep
    deliver: NDArray[np.float64]  # (D, C) deliveries planned
    tonnes: NDArray[np.float64]  # (D,) weight of the weighable deliveries
    capacity_t: NDArray[np.float64]  # (D,) what the open routes can bring in
    trucks: NDArray[np.int64]  # (R, D) per route and day
    fleet: NDArray[np.int64]  # (R,) trucks each route needs on its busiest day
    stock_end: NDArray[np.float64]  # (D, C) end-of-day stock with the plan
    shortfall: NDArray[np.float64]  # (D, C) target - stock_end where positive
    shortfall_cover_days: NDArray[np.float64]  # (D, C) the shortfall in days of need

    @property
    def infeasible_days(self) -> list[int]:
        """Days on which some commodity ends below its buffer."""
        return [int(d) for d in np.flatnonzero((self.shortfall > 1e-6).any(axis=1))]


def buffer_targets(need: NDArray[np.float64], buffer_days: float) -> NDArray[np.float64]:
    """End-of-day targets: the need of the ``buffer_days`` days after each day.

    Beyond the horizon the last day's need is assumed to go on; a fractional buffer takes that
    fraction of the last day.
    """
    days = need.shape[0]
    if need.shape[1] == 0:
        return np.zeros_like(need)
    extra = int(np.ceil(buffer_days)) + 1
    ext = np.vstack([need, np.repeat(need[-1:], extra, axis=0)])
    cum = np.vstack([np.zeros((1, need.shape[1])), np.cumsum(ext, axis=0)])
    grid = np.arange(cum.shape[0], dtype=np.float64)
    start = np.arange(days) + 1.0
    return np.column_stack(
        [
            np.interp(start + buffer_days, grid, cum[:, c]) - np.interp(start, grid, cum[:, c])
            for c in range(need.shape[1])
        ]
    ).reshape(days, need.shape[1])


def _tonnes(deliver: NDArray[np.float64], mass_kg: NDArray[np.float64]) -> NDArray[np.float64]:
    weighed = np.nan_to_num(mass_kg, nan=0.0)
    return deliver @ weighed / 1000.0


def _balance_rows(
    keep: NDArray[np.float64], stock0: NDArray[np.float64], need: NDArray[np.float64]
) -> tuple[sparse.csr_matrix, NDArray[np.float64]]:
    """``s[d] - keep s[d-1] - keep x[d] - u[d] = -need[d]`` over the blocks (x, s, z, u)."""
    days, n_c = need.shape
    n = days * n_c
    keep_all = np.tile(keep, days)
    k = np.arange(n)
    rows = np.r_[k, k[n_c:], k, k]
    cols = np.r_[n + k, n + k[n_c:] - n_c, k, 3 * n + k]
    vals = np.r_[np.ones(n), -keep_all[n_c:], -keep_all, -np.ones(n)]
    b = -need.ravel().copy()
    b[:n_c] += keep * stock0
    return sparse.csr_matrix((vals, (rows, cols)), shape=(n, 4 * n)), b


def _capacity_rows(tonnes_per_unit: NDArray[np.float64], days: int) -> sparse.csr_matrix:
    """``sum_c tonnes_per_unit[c] x[d, c]`` for each day, over the blocks (x, s, z, u)."""
    n_c = tonnes_per_unit.shape[0]
    n = days * n_c
    k = np.arange(n)
    return sparse.csr_matrix((np.tile(tonnes_per_unit, days), (k // n_c, k)), shape=(days, 4 * n))


def _costs(need: NDArray[np.float64]) -> NDArray[np.float64]:
    """Objective over (x, s, z, u), in days of need: unmet need first, then shortfall in days of
    cover, then a token cost per delivery that grows with earliness (deliver as late as the buffer
    allows)."""
    days, n_c = need.shape
    next_need = np.vstack([need[1:], need[-1:]])
    z_cost = 1.0 / np.maximum(next_need, 0.01)
    u_cost = np.broadcast_to(10.0 * (z_cost.sum(axis=0) + 1.0), (days, n_c))
    x_cost = np.broadcast_to(1e-4 * (2.0 - np.arange(days)[:, None] / days), (days, n_c))
    return np.concatenate([x_cost.ravel(), np.zeros(days * n_c), z_cost.ravel(), u_cost.ravel()])


def _deliveries(
    inputs: ReliefInputs,
    need: NDArray[np.float64],
    target: NDArray[np.float64],
    capacity_t: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The deliveries that leave the least shortfall below the targets within capacity (LP).

    Quantities are scaled to days of need (each commodity's mean daily need is 1) so that the
    costs stand well above the solver's tolerances.
    """
    days, n_c = need.shape
    n = days * n_c
    if n == 0:
        return np.zeros_like(need)
    unit = np.maximum(need.mean(axis=0), 1e-9)
    a_eq, b_eq = _balance_rows(1.0 - inputs.loss_rate, inputs.stock0 / unit, need / unit)
    eye = sparse.eye(n, format="csr")
    empty = sparse.csr_matrix((n, n))
    a_short = sparse.hstack([empty, -eye, -eye, empty], format="csr")
    a_cap = _capacity_rows(np.nan_to_num(inputs.mass_kg, nan=0.0) * unit / 1000.0, days)
    upper = np.r_[np.full(3 * n, np.inf), (need / unit).ravel()]
    result = linprog(
        _costs(need / unit),
        A_ub=sparse.vstack([a_short, a_cap], format="csr"),
        b_ub=np.r_[-(target / unit).ravel(), capacity_t],
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=np.column_stack([np.zeros(4 * n), upper]),
        method="highs",
    )
    if result.status != 0:  # the model is always feasible (u absorbs any shortage)
        raise RuntimeError(f"convoy plan LP failed: {result.message}")
    return np.maximum(result.x[:n].reshape(days, n_c), 0.0) * unit


def _trucks(inputs: ReliefInputs, tonnes: NDArray[np.float64]) -> NDArray[np.int64]:
    n_r, days = inputs.trucks_cap.shape
    trucks = np.zeros((n_r, days), dtype=np.int64)
    order = np.lexsort((-inputs.payload_t, inputs.turnaround_h))
    for d in range(days):
        left = tonnes[d]
        for r in order.tolist():
            if left <= 1e-6:
                break
            n = min(int(inputs.trucks_cap[r, d]), int(np.ceil(left / inputs.payload_t[r] - 1e-6)))
            trucks[r, d] = n
            left -= n * inputs.payload_t[r]
    return trucks


def _fleet(inputs: ReliefInputs, trucks: NDArray[np.int64], contingency: float) -> NDArray:
    trips_per_day = 24.0 / (inputs.turnaround_h * (1.0 + contingency))
    busiest = trucks.max(axis=1, initial=0).astype(np.float64)
    return np.ceil(busiest / trips_per_day - 1e-9).astype(np.int64)


def plan_convoys(
    inputs: ReliefInputs,
    need: NDArray[np.float64],
    *,
    buffer_days: float = 7.0,
    contingency: float = 0.25,
) -> ConvoyPlan:
    """Plan the deliveries and trucks that keep ``buffer_days`` of cover of every commodity.

    Parameters
    ----------
    inputs
        Stocks, losses, routes (capacity per day, payload, turnaround) from :func:`relief_inputs`.
    need
        ``(D, C)`` consumption per day less local production (the forecast's ``need``).
    buffer_days
        Days of cover to keep at the end of every day (>= 0).
    contingency
        Share added to the round-trip time when sizing the fleet (CARE: 25 %).

    Returns
    -------
    ConvoyPlan
        Deliveries, trucks per route and day, fleet per route, and the infeasible days.
    """
    if buffer_days < 0:
        raise ValueError(f"buffer_days must be >= 0, got {buffer_days}")
    target = buffer_targets(need, buffer_days)
    capacity_t = inputs.trucks_cap.T @ inputs.payload_t  # zeros without an open route
    deliver = _deliveries(inputs, need, target, capacity_t)
    stock, _ = simulate(inputs.stock0, inputs.loss_rate, need, deliver)
    stock_end = stock[1:]
    shortfall = np.maximum(target - stock_end, 0.0)
    shortfall[shortfall < 1e-6 * np.maximum(target, 1.0)] = 0.0
    next_need = np.vstack([need[1:], need[-1:]])
    cover = np.divide(shortfall, next_need, out=np.zeros_like(shortfall), where=next_need > 0)
    tonnes = _tonnes(deliver, inputs.mass_kg)
    trucks = _trucks(inputs, tonnes)
    return ConvoyPlan(
        inputs=inputs,
        buffer_days=buffer_days,
        target=target,
        deliver=deliver,
        tonnes=tonnes,
        capacity_t=capacity_t,
        trucks=trucks,
        fleet=_fleet(inputs, trucks, contingency),
        stock_end=stock_end,
        shortfall=shortfall,
        shortfall_cover_days=cover,
    )
