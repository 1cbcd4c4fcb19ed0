"""Monte Carlo stock forecast: 10,000 draws x 60 days x 6 commodities (issue 5: under 2 s).

Inputs: the WFP basket for 300,000 people with 10 days of food, half of them leaving over the
first week; planned convoys on two routes (a day's basket every fourth day, half a day's on the
other) at 80 % and 60 % reliability. Prints the best of ``--repeat`` runs and checks that the
same seed gives the same percentiles.

    .venv/bin/python benchmarks/relief_forecast.py [--draws 10000] [--days 60] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np

from safepassage.model.standards import WFP_RATION_G
from safepassage.planning.convoys import plan_convoys
from safepassage.planning.relief_inputs import ReliefInputs, person_days
from safepassage.planning.stock_forecast import forecast_stocks


def inputs_for(days: int) -> ReliefInputs:
    ration = np.array(list(WFP_RATION_G.values())) / 1000.0  # kg/person/day
    n_c, n_r = ration.shape[0], 2
    planned = np.zeros((days, n_r, n_c))
    planned[::4, 0, :] = ration * 300_000  # every fourth day, a day of the basket
    planned[1::4, 1, :] = ration * 300_000 / 2
    return ReliefInputs(
        start=dt.datetime(2030, 8, 1, 6),
        commodities=tuple(WFP_RATION_G),
        units=("kg",) * n_c,
        stock0=ration * 300_000 * 10,  # 10 days of food
        loss_rate=np.array([0.002, 0.001, 0.0005, 0.003, 0.001, 0.0]),
        ration=ration,
        local=np.zeros(n_c),
        mass_kg=np.ones(n_c),
        route_ids=("R1", "R2"),
        trucks_cap=np.full((n_r, days), 24.0),
        payload_t=np.array([24.0, 18.0]),
        turnaround_h=np.array([10.0, 16.0]),
        reliability=np.array([0.8, 0.6]),
        planned=planned,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    inputs = inputs_for(args.days)
    leave_min = np.linspace(0, 7 * 1440, 1000)
    people = person_days(300_000.0, leave_min, np.full(1000, 150.0), args.days)
    times, results = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        results.append(forecast_stocks(inputs, people, draws=args.draws, seed=42))
        times.append(time.perf_counter() - t0)
    same = all(np.array_equal(r.mc_stock, results[0].mc_stock) for r in results)
    fc = results[0]
    print(
        f"forecast: {args.draws:,} draws x {args.days} days x {len(inputs.commodities)} "
        f"commodities: best {min(times):.3f} s, worst {max(times):.3f} s (target < 2 s); "
        f"reproducible with the same seed: {same}"
    )
    t0 = time.perf_counter()
    plan = plan_convoys(inputs, fc.need, buffer_days=7.0)
    print(
        f"convoy plan (LP over {args.days} days x {len(inputs.commodities)} commodities): "
        f"{time.perf_counter() - t0:.3f} s; {plan.tonnes.sum():,.0f} t, "
        f"{len(plan.infeasible_days)} infeasible day(s)"
    )
    for c, name in enumerate(inputs.commodities):
        p10, p50, p90 = fc.mc_stockout_day[:, c]
        print(f"  {name:24s} stock-out day deterministic {fc.stockout_day[c]:>4} "
              f"P10 {p10:>4} P50 {p50:>4} P90 {p90:>4}")  # fmt: skip


if __name__ == "__main__":
    main()
