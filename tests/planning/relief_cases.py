"""Small relief inputs built by hand, shared by the relief tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from safepassage.planning.relief_inputs import ReliefInputs

START = dt.datetime(2030, 8, 1, 6, 0)


def make_inputs(
    *,
    stock0: ArrayLike,
    ration: ArrayLike,
    days: int,
    loss_rate: ArrayLike | None = None,
    local: ArrayLike | None = None,
    mass_kg: ArrayLike | None = None,
    trucks_cap: ArrayLike | None = None,
    payload_t: Sequence[float] = (),
    turnaround_h: Sequence[float] | None = None,
    reliability: Sequence[float] | None = None,
    planned: ArrayLike | None = None,
) -> ReliefInputs:
    """Inputs over ``days`` days for ``len(stock0)`` commodities and ``len(payload_t)`` routes."""
    s0 = np.asarray(stock0, dtype=np.float64)
    n_c, n_r = s0.shape[0], len(payload_t)
    cap = np.zeros((n_r, days)) if trucks_cap is None else np.asarray(trucks_cap, np.float64)
    return ReliefInputs(
        start=START,
        commodities=tuple(f"c{i}" for i in range(n_c)),
        units=("kg",) * n_c,
        stock0=s0,
        loss_rate=np.zeros(n_c) if loss_rate is None else np.asarray(loss_rate, np.float64),
        ration=np.asarray(ration, dtype=np.float64),
        local=np.zeros(n_c) if local is None else np.asarray(local, np.float64),
        mass_kg=np.ones(n_c) if mass_kg is None else np.asarray(mass_kg, np.float64),
        route_ids=tuple(f"R{r}" for r in range(n_r)),
        trucks_cap=np.broadcast_to(cap, (n_r, days)).copy(),
        payload_t=np.asarray(payload_t, dtype=np.float64),
        turnaround_h=np.full(n_r, 10.0) if turnaround_h is None else np.asarray(turnaround_h),
        reliability=np.ones(n_r) if reliability is None else np.asarray(reliability),
        planned=np.zeros((days, n_r, n_c)) if planned is None else np.asarray(planned, float),
    )
