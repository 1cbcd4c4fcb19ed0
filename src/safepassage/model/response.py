"""Departure-time response curve: the share of people ready to leave t minutes after the start.

Either a named distribution with parameters in minutes, or a table of (minutes, cumulative share).
The curves are the usual ones in evacuation modelling: Weibull and logistic S-curves (Lindell &
Prater; Fu & Wilmot), uniform and exponential for simple what-ifs.
"""

from __future__ import annotations

from enum import StrEnum
from itertools import pairwise

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Distribution", "ResponseCurve"]


class Distribution(StrEnum):
    IMMEDIATE = "immediate"
    UNIFORM = "uniform"
    EXPONENTIAL = "exponential"
    WEIBULL = "weibull"
    LOGNORMAL = "lognormal"
    LOGISTIC = "logistic"


# parameter names each distribution needs, all in minutes except shape/sigma/steepness
_PARAMS: dict[Distribution, tuple[str, ...]] = {
    Distribution.IMMEDIATE: (),
    Distribution.UNIFORM: ("start_min", "end_min"),
    Distribution.EXPONENTIAL: ("mean_min",),
    Distribution.WEIBULL: ("shape", "scale_min"),
    Distribution.LOGNORMAL: ("median_min", "sigma"),
    Distribution.LOGISTIC: ("midpoint_min", "scale_min"),
}


class ResponseCurve(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    distribution: Distribution | None = Field(
        default=None, description="default: immediate (everyone ready at the start)"
    )
    params: dict[str, float] = Field(default_factory=dict)
    table: list[tuple[float, float]] | None = Field(
        default=None, description="[[minutes, cumulative share], ...], increasing, ending at 1"
    )

    @model_validator(mode="after")
    def _check(self) -> ResponseCurve:
        if self.table is not None:
            if self.params or self.distribution is not None:
                raise ValueError("give a distribution with params or a table, not both")
            minutes = [m for m, _ in self.table]
            shares = [s for _, s in self.table]
            if len(self.table) < 2:
                raise ValueError("a response table needs at least two rows [minutes, share]")
            if any(b <= a for a, b in pairwise(minutes)) or minutes[0] < 0:
                raise ValueError("response table minutes must start at >= 0 and increase")
            if any(b < a for a, b in pairwise(shares)):
                raise ValueError("response table shares must not decrease")
            if not (shares[0] >= 0 and abs(shares[-1] - 1.0) < 1e-9):
                raise ValueError("response table shares must lie in [0, 1] and end at 1")
            return self
        needed = set(_PARAMS[self.distribution or Distribution.IMMEDIATE])
        if set(self.params) != needed:
            msg = (
                f"distribution {self.kind.value} needs params "
                f"{sorted(needed) or 'none'}, got {sorted(self.params) or 'none'}"
            )
            raise ValueError(msg)
        if any(v < 0 for v in self.params.values()):
            raise ValueError("response params are minutes or shapes and must be >= 0")
        for key in ("shape", "scale_min", "mean_min", "median_min", "sigma"):
            if key in self.params and self.params[key] <= 0:
                raise ValueError(f"response param {key} must be > 0")
        p = self.params
        if self.distribution is Distribution.UNIFORM and p["end_min"] <= p["start_min"]:
            raise ValueError("uniform response: end_min must be after start_min")
        return self

    @property
    def kind(self) -> Distribution:
        return self.distribution or Distribution.IMMEDIATE

    def cdf(self, minutes: ArrayLike) -> NDArray[np.float64]:
        """Cumulative share of people ready to leave at each time (minutes after the start)."""
        t = np.asarray(minutes, dtype=np.float64)
        if self.table is not None:
            xs, ys = np.asarray(self.table, dtype=np.float64).T
            return np.interp(t, xs, ys, left=0.0, right=1.0)
        from scipy import stats  # here, not at the top: it takes a second to import

        p = self.params
        match self.kind:
            case Distribution.IMMEDIATE:
                return (t >= 0).astype(np.float64)
            case Distribution.UNIFORM:
                width = p["end_min"] - p["start_min"]
                return np.asarray(stats.uniform.cdf(t, loc=p["start_min"], scale=width))
            case Distribution.EXPONENTIAL:
                return np.asarray(stats.expon.cdf(t, scale=p["mean_min"]))
            case Distribution.WEIBULL:
                return np.asarray(stats.weibull_min.cdf(t, p["shape"], scale=p["scale_min"]))
            case Distribution.LOGNORMAL:
                return np.asarray(stats.lognorm.cdf(t, p["sigma"], scale=p["median_min"]))
            case Distribution.LOGISTIC:
                # truncated at t = 0 so that nobody leaves before the start
                raw = stats.logistic.cdf(t, loc=p["midpoint_min"], scale=p["scale_min"])
                at0 = stats.logistic.cdf(0.0, loc=p["midpoint_min"], scale=p["scale_min"])
                return np.where(t < 0, 0.0, (raw - at0) / (1.0 - at0))
        msg = f"unknown distribution {self.distribution}"
        raise AssertionError(msg)
