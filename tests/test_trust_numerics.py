"""Trust, round 2 (issue 18), the numerical items: weights, units, bounds, misfits.

Each test asserts an invariant or a clear message over every estimator, not outputs.
"""

import warnings

import numpy as np
import pytest

from sklearn_scaling import (
    DoubleDescentRegressor,
    LogPowerHyperparamRegressor,
    ScalingLawRegressor,
    datasets,
)


def _power_law_data(n=30, seed=0):
    return datasets.make_power_law(n_samples=n, random_state=seed)


def _cases():
    X, y = _power_law_data()
    Xd, yd = datasets.make_double_descent(n_samples=60, random_state=0)
    Xl, yl = datasets.make_lr_bsz_sweep(n_samples=120, random_state=0)
    return [
        (ScalingLawRegressor("power_law", random_state=0), X, y),
        (DoubleDescentRegressor(random_state=0), Xd, yd),
        (LogPowerHyperparamRegressor(random_state=0), Xl, yl),
    ]


CASES = _cases()
IDS = ["power_law", "double_descent", "log_power"]


def _quiet_fit(estimator, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", RuntimeWarning)
        return estimator.fit(X, y, **kwargs)


# ----------------------------------------------------------- item 1: relative weights


@pytest.mark.parametrize(("estimator", "X", "y"), CASES, ids=IDS)
def test_scaling_every_weight_changes_no_fit_interval_or_attribute(estimator, X, y):
    base = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    fits = [
        _quiet_fit(estimator, X, y, sample_weight=base * c) for c in (1.0, 1.0 / base.sum(), 1e-6)
    ]
    query = X[:5]
    reference = fits[0].predict_interval(query)
    for fit in fits[1:]:
        np.testing.assert_allclose(fit.coef_, fits[0].coef_, rtol=1e-6, atol=1e-10)
        for got, want in zip(fit.predict_interval(query), reference, strict=True):
            assert np.all(np.isfinite(got))
            np.testing.assert_allclose(got, want, rtol=1e-6)
        assert fit.params_std_ == pytest.approx(fits[0].params_std_, rel=1e-5, nan_ok=True)
        assert fit.residual_scale_ == pytest.approx(fits[0].residual_scale_, rel=1e-6)


def test_no_residual_degrees_of_freedom_gives_infinite_intervals_and_says_so():
    X, y = _power_law_data()
    rows = np.argsort(X[:, 0])[[0, 15, 29]]  # three rows a power law passes through
    X, y = X[rows], y[rows]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.warns(UserWarning, match="no residual degrees of freedom"):
            reg = ScalingLawRegressor("power_law", loss="squared").fit(X, y)
        low, high = reg.predict_interval(X)
        _, std = reg.predict(X, return_std=True)
    assert np.all(low == -np.inf) and np.all(high == np.inf)
    assert np.all(std == np.inf)
    assert all(v == np.inf for v in reg.params_std_.values())
