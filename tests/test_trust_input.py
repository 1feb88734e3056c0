"""Bad input gets a clear error, for every estimator: missing values, failing user laws.

Each test here failed before the mends of issue 18 (items 7, 8, 9 and 11): a None in
``y`` reached the fit as NaN (and LAPACK printed to the terminal), a user law's
KeyError escaped unwrapped, a law that does not broadcast gave a wrong batched
bootstrap, and a registered law was unknown inside parallel workers.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV

from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor, ScalingLawRegressor
from sklearn_scaling.datasets import make_double_descent, make_lr_bsz_sweep, make_power_law
from sklearn_scaling.laws import Law, get_law, register_law, unregister_law
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


# -- user laws that fail (issue 18, item 8) -----------------------------------------------

POWER_BOUNDS = {"E": (0, np.inf), "A": (0, np.inf), "alpha": (0, 2)}


def _key_error(X, E, A, alpha):
    return {"E": E}["offset"] + A * X[:, 0] ** -alpha


def _runtime_error(X, E, A, alpha):
    raise RuntimeError("solver diverged")


def _complex(X, E, A, alpha):
    # A negative base to a fractional power: complex numbers.
    return E + A * (X[:, 0] - np.median(X[:, 0]) + 0j) ** -alpha


def _text(X, E, A, alpha):
    return np.full(X.shape[0], "1.0")


@pytest.mark.parametrize(
    "function, message",
    [
        (_key_error, r"law 'user': its function raised KeyError: 'offset' \(when called with E="),
        (_runtime_error, r"its function raised RuntimeError: solver diverged \(when called with"),
        (_complex, r"law 'user': its function returned complex values when called with E="),
        (_text, r"law 'user': its function must return numbers; got values of dtype <U3"),
    ],
    ids=["KeyError", "RuntimeError", "complex", "text"],
)
def test_a_failing_user_law_is_a_value_error_naming_the_law_and_parameters(function, message):
    law = Law("user", function, linear=("E", "A"), bounds=POWER_BOUNDS)
    X, y = make_power_law(n_samples=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning either
        with pytest.raises(ValueError, match=message):
            ScalingLawRegressor(law, n_starts=1).fit(X, y)
        with pytest.raises(ValueError, match=message):
            law(X, {"E": 1.0, "A": 2.0, "alpha": 0.5})


def _power(X, E, A, alpha):
    return E + A * X[:, 0] ** -alpha


def _raising_jacobian(X, E, A, alpha):
    raise KeyError("dE")


def test_a_failing_user_jacobian_names_the_law_and_parameters():
    law = Law("user", _power, jacobian=_raising_jacobian, bounds=POWER_BOUNDS)
    X = np.array([[1.0], [2.0]])
    with pytest.raises(
        ValueError, match=r"its jacobian raised KeyError: 'dE' \(when called with E=1"
    ):
        law.jacobian_matrix(X, np.array([1.0, 2.0, 0.5]))


@pytest.mark.parametrize(
    "bounds",
    [(True, False), (0.0, True), (np.False_, 1.0), ("0", "1"), (0.0, 1j), None, (0.0,)],
    ids=["bools", "bool-high", "numpy-bool", "strings", "complex", "None", "one-value"],
)
def test_non_numeric_bounds_are_rejected(bounds):
    with pytest.raises(ValueError, match=r"bounds\['alpha'\] must be a \(low, high\) pair of num"):
        Law("user", _power, bounds={**POWER_BOUNDS, "alpha": bounds})
    X, y = make_power_law(n_samples=30, random_state=0)
    with pytest.raises(ValueError, match=r"bounds\['alpha'\] must be a \(low, high\) pair of num"):
        ScalingLawRegressor("power_law", bounds={"alpha": bounds}).fit(X, y)


@pytest.mark.parametrize("bounds", [(True, 2.0), ("0", "1")], ids=["bool", "strings"])
def test_non_numeric_seed_estimator_bounds_are_rejected(bounds):
    est, X, y = _double_descent()
    with pytest.raises(ValueError, match=r"b0_bounds must be a \(low, high\) pair of numbers"):
        est.set_params(b0_bounds=bounds).fit(X, y)
    est, X, y = _log_power()
    with pytest.raises(ValueError, match=r"bounds\['gamma'\] must be a \(low, high\) pair of num"):
        est.set_params(bounds={"gamma": bounds}).fit(X, y)


def test_integer_bounds_are_numbers():
    law = Law("user", _power, bounds={**POWER_BOUNDS, "alpha": (np.int64(0), 2)})
    assert law.bounds["alpha"] == (0.0, 2.0)


# -- user laws that do not broadcast (issue 18, item 9) ----------------------------------


def _first_exponent(X, E, A, alpha):
    # Reads the exponent as one number: a batch of vectors all get the first one's.
    alpha = np.ravel(alpha)[0]
    return E + A * X[:, 0] ** -alpha


def _mean_exponent(X, E, A, alpha):
    return E + A * X[:, 0] ** -np.mean(alpha)


def _first_exponent_jacobian(X, E, A, alpha):
    alpha = np.ravel(alpha)[0]
    power = X[:, 0] ** -alpha
    E, A = np.broadcast_arrays(E, A)
    ones = np.ones_like(E * power)
    return np.stack([ones, ones * power, -A * power * np.log(X[:, 0])], axis=-1)


@pytest.mark.parametrize("function", [_first_exponent, _mean_exponent], ids=["first", "mean"])
def test_many_vectors_of_a_law_that_does_not_broadcast_equal_one_at_a_time(function):
    law = Law("user", function, linear=("E", "A"), bounds=POWER_BOUNDS)
    X = np.geomspace(1.0, 1e3, 7)[:, None]
    # Copies of one vector first (as a warm-started batch starts): they cannot tell.
    copies = np.repeat([[1.0, 2.0, 0.5]], 4, axis=0)
    np.testing.assert_array_equal(law.evaluate_many(X, copies)[1], law.evaluate(X, copies[1]))
    thetas = np.column_stack([np.ones(5), np.full(5, 2.0), np.linspace(0.5, 1.5, 5)])
    single = np.stack([law.evaluate(X, theta) for theta in thetas])
    np.testing.assert_allclose(law.evaluate_many(X, thetas), single, rtol=1e-12)


def test_a_declared_jacobian_that_does_not_broadcast_is_not_used_batched():
    law = Law("user", _power, jacobian=_first_exponent_jacobian, bounds=POWER_BOUNDS)
    X = np.geomspace(1.0, 1e3, 7)[:, None]
    thetas = np.column_stack([np.ones(5), np.full(5, 2.0), np.linspace(0.5, 1.5, 5)])
    many = law.jacobian_many(X, thetas)
    single = np.stack([law.jacobian_matrix(X, theta) for theta in thetas])
    assert many is None or np.allclose(many, single, rtol=1e-12)


def test_a_bootstrap_of_a_law_that_does_not_broadcast_equals_the_broadcasting_one():
    X, y = make_power_law(n_samples=40, random_state=0)
    boots = [
        BootstrapRegressor(
            ScalingLawRegressor(
                Law("user", function, linear=("E", "A"), bounds=POWER_BOUNDS), n_starts=1
            ),
            n_resamples=30,
            random_state=0,
        ).fit(X, y)
        for function in (_first_exponent, _power)
    ]
    np.testing.assert_allclose(boots[0].coefs_, boots[1].coefs_, rtol=1e-6)
    for a, b in zip(boots[0].predict_interval(X), boots[1].predict_interval(X), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


# -- registered laws in parallel workers (issue 18, item 11) ------------------------------


def _saturating(X, E, A, alpha):
    return E + A * X[:, 0] ** -alpha


def _registered(name):
    return register_law(
        Law(name, _saturating, linear=("E", "A"), bounds=POWER_BOUNDS, domain={"x": "positive"})
    )


@pytest.fixture
def registered_law():
    law = _registered("test_trust_registered")
    yield law
    unregister_law(law.name)


def test_a_registered_law_is_known_in_grid_search_workers(registered_law):
    X, y = make_power_law(n_samples=60, random_state=0)
    scores = {}
    for n_jobs in (1, 2):
        search = GridSearchCV(
            ScalingLawRegressor(registered_law.name, n_starts=1),
            {"law": [registered_law.name, "power_law"], "loss": ["huber", "squared"]},
            cv=3,
            n_jobs=n_jobs,
            error_score="raise",  # a worker that does not know the law fails the test
        ).fit(X, y)
        scores[n_jobs] = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores[2]))
    np.testing.assert_allclose(scores[2], scores[1], rtol=1e-8)


def test_a_pickle_carries_a_registered_law_but_never_replaces_one(registered_law):
    reg = ScalingLawRegressor(registered_law.name)
    blob = pickle.dumps(reg)
    unregister_law(registered_law.name)
    # As in a fresh worker process: the name is unknown until the estimator arrives.
    restored = pickle.loads(blob)
    assert restored.law == registered_law.name  # the parameter is unchanged
    assert get_law(registered_law.name).function is _saturating
    mine = register_law(Law(registered_law.name, _power, bounds=POWER_BOUNDS), replace=True)
    pickle.loads(blob)
    assert get_law(registered_law.name) is mine


def test_a_law_that_cannot_travel_leaves_the_estimator_picklable_and_the_error_clear():
    law = register_law(Law("test_trust_lambda", lambda X, c: c + 0.0 * X[:, 0]))
    try:
        blob = pickle.dumps(ScalingLawRegressor("test_trust_lambda"))
    finally:
        unregister_law(law.name)
    X, y = make_power_law(n_samples=20, random_state=0)
    with pytest.raises(ValueError, match="unknown law 'test_trust_lambda'.*pass the Law object"):
        pickle.loads(blob).fit(X, y)


def _raising_starts(X, y):
    raise KeyError("alpha")


@pytest.mark.parametrize(
    "starts, message",
    [
        (_raising_starts, r"law 'user': its starts\(X, y\) raised KeyError: 'alpha'"),
        ({"alpha": [0.5, 1j]}, r"starts for 'alpha' must be finite real numbers"),
        ({"alpha": ["0.5", "1"]}, r"starts for 'alpha' must be finite real numbers"),
        ({"alpha": [True, False]}, r"starts for 'alpha' must be finite real numbers"),
    ],
    ids=["raises", "complex", "text", "bools"],
)
def test_bad_user_starts_are_a_clear_error(starts, message):
    law = Law("user", _power, linear=("E", "A"), bounds=POWER_BOUNDS, starts=starts)
    X, y = make_power_law(n_samples=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning
        with pytest.raises(ValueError, match=message):
            ScalingLawRegressor(law, n_starts=1).fit(X, y)


def test_a_boolean_minimum_is_rejected():
    with pytest.raises(ValueError, match="minimum must be a number, a parameter or None"):
        Law("user", _power, minimum=True)


def test_a_failing_law_called_with_a_column_per_parameter_says_so():
    # The grouped fit calls a law with one parameter value per row.
    law = Law("user", _key_error, linear=("E", "A"), bounds=POWER_BOUNDS)
    columns = np.array([[1.0, 1.5], [2.0, 2.5], [0.5, 0.6]])
    with pytest.raises(ValueError, match=r"called with E=<2 values>, A=<2 values>, alpha=<2 val"):
        law.evaluate(np.ones((2, 1)), columns)
