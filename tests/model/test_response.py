import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from safepassage.model.response import ResponseCurve

CURVES = [
    ResponseCurve(distribution="immediate"),
    ResponseCurve(distribution="uniform", params={"start_min": 30, "end_min": 270}),
    ResponseCurve(distribution="exponential", params={"mean_min": 120}),
    ResponseCurve(distribution="weibull", params={"shape": 1.5, "scale_min": 240}),
    ResponseCurve(distribution="lognormal", params={"median_min": 180, "sigma": 0.6}),
    ResponseCurve(distribution="logistic", params={"midpoint_min": 240, "scale_min": 40}),
    ResponseCurve(table=[(0, 0.0), (60, 0.2), (240, 0.9), (480, 1.0)]),
    ResponseCurve(),
]


@pytest.mark.parametrize("curve", CURVES)
def test_cdf_is_a_distribution_over_time(curve):
    t = np.linspace(-60, 10_000, 2000)
    cdf = curve.cdf(t)
    assert (cdf >= 0).all() and (cdf <= 1).all()
    assert (np.diff(cdf) >= -1e-12).all()
    assert cdf[t < 0].max() == 0.0  # nobody leaves before the start
    assert cdf[-1] == pytest.approx(1.0, abs=1e-6)


def test_table_interpolates():
    curve = CURVES[-2]
    assert curve.cdf(150) == pytest.approx(0.2 + 0.7 * 90 / 180)


def test_uniform_values():
    curve = CURVES[1]
    assert curve.cdf(150) == pytest.approx(0.5)


@given(st.lists(st.floats(0.001, 1.0), min_size=1, max_size=8))
def test_tables_must_end_at_one(shares):
    rows = [(float(i * 10), s) for i, s in enumerate(sorted(shares))]
    if abs(rows[-1][1] - 1.0) < 1e-9 and len(rows) >= 2:
        ResponseCurve(table=rows)
    else:
        with pytest.raises(ValidationError):
            ResponseCurve(table=rows)


def test_distribution_and_table_together_are_refused():
    with pytest.raises(ValidationError, match="not both"):
        ResponseCurve(distribution="weibull", table=[(0, 0.0), (60, 1.0)])
