"""Day-by-day stock forecast per commodity, deterministic and by Monte Carlo.

Each day ``d`` (from the start of day ``d`` to the start of day ``d + 1``), per commodity:

1. the day's deliveries join the stock: ``available = stock + delivered``;
2. a share ``loss_rate`` of it is lost (spoilage, damage, looting): ``available *= 1 - loss``;
3. the people in the city need ``ration x person-days``, less what the city produces that day
   (wells, pumps: ``relief.local_supply_per_day``; a surplus is not stored): ``need =
   max(ration x person-days - local, 0)``; if ``available < need`` the commodity is **out of
   stock on day d** (the stock-out day) and only ``available`` is consumed;
4. ``stock(d + 1) = max(available - need, 0)``.

The Monte Carlo repeats this for ``draws`` draws at once (numpy arrays of shape (draws,
commodities)): each draw multiplies consumption and the loss rate of each commodity by a gamma
factor of mean 1 and the scenario's coefficient of variation, and lets each planned convoy through
with its route's reliability (one Bernoulli draw per route and day). With every coefficient 0 and
reliability 1, each draw is the deterministic forecast, so its P50 equals it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from safepassage.planning.relief_inputs import ReliefInputs

__all__ = ["Forecast", "forecast_stocks", "gamma_factors", "simulate"]

PERCENTILES = (0.1, 0.5, 0.9)


@dataclass(frozen=True, eq=False)
class Forecast:
    """The forecast over ``D`` days for ``C`` commodities (base units).

    ``stock[d]`` is the stock at the start of day ``d`` (``d = 0..D``); ``stockout_day[c]`` the
    first day commodity ``c`` falls short (``inf`` when it lasts the horizon). ``mc_stock[k]`` and
    ``mc_stockout_day[k]`` are the percentiles ``PERCENTILES[k]`` over the draws.
    """

    inputs: ReliefInputs
    person_days: NDArray[np.float64]  # (D,)
    need: NDArray[np.float64]  # (D, C) ration x person-days less local production
    delivered: NDArray[np.float64]  # (D, C)
    lost: NDArray[np.float64]  # (D, C)
    consumed: NDArray[np.float64]  # (D, C)
    stock: NDArray[np.float64]  # (D + 1, C)
    stockout_day: NDArray[np.float64]  # (C,)
    mc_stock: NDArray[np.float64]  # (3, D + 1, C)
    mc_stockout_day: NDArray[np.float64]  # (3, C)
    draws: int

    @property
    def cover_days(self) -> NDArray[np.float64]:
        """Days of cover at the start of each day: stock / the day's need (inf without need)."""
        need = np.vstack([self.need, self.need[-1:]])
        return np.divide(self.stock, need, out=np.full_like(self.stock, np.inf), where=need > 0)


def simulate(
    stock0: NDArray[np.float64],
    loss_rate: NDArray[np.float64],
    need: NDArray[np.float64],
    delivered: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Run the daily balance; vectorised over any leading shape of the stocks.

    Parameters
    ----------
    stock0, loss_rate
        Shape ``S`` (e.g. (C,) or (draws, C)): the stock at the start and the daily loss share.
    need, delivered
        Shape ``(D, *S)`` (or broadcastable to it): consumption wanted and deliveries per day.

    Returns
    -------
    stock, stockout_day
        ``(D + 1, *S)`` start-of-day stocks, and ``S`` first short day (``inf`` if none).
    """
    days = need.shape[0]
    s = np.array(stock0, dtype=np.float64)
    keep = 1.0 - loss_rate
    stocks = np.empty((days + 1, *s.shape))
    stocks[0] = s
    out = np.full(s.shape, np.inf)
    for d in range(days):
        available = (s + delivered[d]) * keep
        short = available < need[d] * (1 - 1e-12) - 1e-9
        out = np.where(short & np.isinf(out), float(d), out)
        s = np.maximum(available - need[d], 0.0)
        stocks[d + 1] = s
    return stocks, out


def gamma_factors(
    rng: np.random.Generator, cv: float, shape: tuple[int, ...]
) -> NDArray[np.float64]:
    """Random factors of mean 1 and coefficient of variation ``cv`` (all 1 when ``cv`` is 0)."""
    if cv <= 0:
        return np.ones(shape)
    k = 1.0 / cv**2
    return rng.gamma(k, 1.0 / k, size=shape)


def _deterministic(inputs: ReliefInputs, need: NDArray[np.float64]) -> dict[str, NDArray]:
    delivered = inputs.planned.sum(axis=1)
    stock, stockout = simulate(inputs.stock0, inputs.loss_rate, need, delivered)
    available = stock[:-1] + delivered
    lost = available * inputs.loss_rate
    consumed = np.minimum(need, available - lost)
    return {
        "delivered": delivered,
        "lost": lost,
        "consumed": consumed,
        "stock": stock,
        "stockout_day": stockout,
    }


def _monte_carlo(
    inputs: ReliefInputs, gross: NDArray[np.float64], draws: int, seed: int, cv: tuple[float, float]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    n_c = len(inputs.commodities)
    consumption = gamma_factors(rng, cv[0], (draws, n_c))
    loss = np.minimum(inputs.loss_rate * gamma_factors(rng, cv[1], (draws, n_c)), 0.999)
    days, n_r = inputs.planned.shape[0], inputs.planned.shape[1]
    arrives = rng.random((days, draws, n_r)) < inputs.reliability
    # (D, N, R) @ (D, R, C) -> (D, N, C): what gets through in each draw
    delivered = np.matmul(arrives.astype(np.float64), inputs.planned)
    need_draws = np.maximum(gross[:, None, :] * consumption[None, :, :] - inputs.local, 0.0)
    stock0 = np.broadcast_to(inputs.stock0, (draws, n_c))
    stocks, stockout = simulate(stock0, loss, need_draws, delivered)
    q = np.asarray(PERCENTILES)
    return (
        np.quantile(stocks, q, axis=1, method="inverted_cdf"),
        np.quantile(stockout, q, axis=0, method="inverted_cdf"),
    )


def forecast_stocks(
    inputs: ReliefInputs,
    person_days: NDArray[np.float64],
    *,
    draws: int = 10_000,
    seed: int = 0,
    consumption_cv: float = 0.1,
    loss_cv: float = 0.5,
) -> Forecast:
    """Forecast the stocks of ``inputs`` for the people-days in the city, day by day.

    Parameters
    ----------
    inputs
        Stocks, rations, losses and planned convoys (:func:`relief_inputs`).
    person_days
        ``(D,)`` people-days in the city per day (:func:`person_days`).
    draws, seed
        Monte Carlo draws, and the seed of ``numpy.random.default_rng`` (same seed, same result).
    consumption_cv, loss_cv
        Coefficients of variation of the consumption and loss-rate factors (>= 0).

    Returns
    -------
    Forecast
        The deterministic series and the P10/P50/P90 over the draws.
    """
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    if consumption_cv < 0 or loss_cv < 0:
        raise ValueError("coefficients of variation must be >= 0")
    person_days = np.asarray(person_days, dtype=np.float64)
    if person_days.shape != (inputs.planned.shape[0],):
        msg = f"person_days has shape {person_days.shape}, expected ({inputs.planned.shape[0]},)"
        raise ValueError(msg)
    gross = person_days[:, None] * inputs.ration[None, :]
    need = np.maximum(gross - inputs.local, 0.0)
    det = _deterministic(inputs, need)
    mc_stock, mc_out = _monte_carlo(inputs, gross, draws, seed, (consumption_cv, loss_cv))
    return Forecast(
        inputs=inputs,
        person_days=person_days,
        need=need,
        mc_stock=mc_stock,
        mc_stockout_day=mc_out,
        draws=draws,
        **det,
    )
