"""Bad input gets a clear error, for every estimator: missing values, failing user laws.

Each test here failed before the mends of issue 18 (items 7, 8, 9 and 11): a None in
``y`` reached the fit as NaN (and LAPACK printed to the terminal), a user law's
KeyError escaped unwrapped, a law that does not broadcast gave a wrong batched
bootstrap, and a registered law was unknown inside parallel workers.
"""

import warnings

import pandas as pd
import pytest

from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor, ScalingLawRegressor
from sklearn_scaling.datasets import make_double_descent, make_lr_bsz_sweep, make_power_law
from sklearn_scaling.uncertainty import BootstrapRegressor


def _scaling_law():
    X, y = make_power_law(n_samples=40, random_state=0)
    return ScalingLawRegressor("power_law", n_starts=1, random_state=0), X, y


def _double_descent():
    X, y = make_double_descent(n_samples=40, random_state=0)
    return DoubleDescentRegressor(random_state=0), X, y


def _log_power():
    X, y = make_lr_bsz_sweep(n_samples=60, random_state=0)
    return LogPowerHyperparamRegressor(random_state=0), X, y


def _bootstrap():
    est, X, y = _scaling_law()
    return BootstrapRegressor(est, n_resamples=5, random_state=0), X, y


ESTIMATORS = {
    "scaling_law": _scaling_law,
    "double_descent": _double_descent,
    "log_power": _log_power,
    "bootstrap": _bootstrap,
}


def _with_missing(values, missing, row, column=None):
    values = values.astype(object)
    if column is None:
        values[row] = missing
    else:
        values[row, column] = missing
    return values


@pytest.mark.parametrize("make", ESTIMATORS.values(), ids=ESTIMATORS.keys())
@pytest.mark.parametrize("missing", [None, pd.NA], ids=["None", "pd.NA"])
@pytest.mark.parametrize("where", ["y", "X", "y-series", "X-frame"])
def test_missing_values_are_a_clear_error_before_fitting(make, missing, where, capfd):
    est, X, y = make()
    if where.startswith("y"):
        y = _with_missing(y, missing, 3)
        if where == "y-series":
            y = pd.Series(y)
    else:
        X = _with_missing(X, missing, 2, 0)
        if where == "X-frame":
            X = pd.DataFrame(X)
    name = where[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=rf"{name} has missing values .* first at row"):
            est.fit(X, y)
    # Nothing reached LAPACK, which prints its complaints straight to the terminal.
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.parametrize("make", ESTIMATORS.values(), ids=ESTIMATORS.keys())
def test_missing_values_in_predict_are_a_clear_error(make):
    est, X, y = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    with pytest.raises(ValueError, match="X has missing values"):
        est.predict(_with_missing(X, pd.NA, 1, 0))
