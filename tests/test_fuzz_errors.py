"""Fuzzing as a hostile new user: drawn bad input is a clear error, drawn valid data a fit.

Over every estimator and every law the package registers, hypothesis draws

* bad input -- NaN, infinity, None, text or booleans in ``X`` or ``y``, wrong shapes,
  bad sample weights, bad bounds, user laws that raise, return complex numbers, text
  or the wrong shape -- and each must be a ``ValueError`` (scikit-learn's own for
  what it checks) with a message, and no warning on the way;
* valid data from the package's generators, whose fit must predict finite values
  without a numpy warning, and give the same fit again with the same random_state.

The number of examples is the hypothesis profile's (``tests/conftest.py``): bounded by
default, many more with ``HYPOTHESIS_PROFILE=long``.
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone

pytest.importorskip("hypothesis")
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sklearn_scaling import (  # noqa: E402
    DoubleDescentRegressor,
    LogPowerHyperparamRegressor,
    ScalingLawRegressor,
    datasets,
)
from sklearn_scaling.laws import Law, get_law  # noqa: E402
from sklearn_scaling.laws._base import _PACKAGE_LAWS  # noqa: E402
from sklearn_scaling.uncertainty import BootstrapRegressor  # noqa: E402

# The laws the package registers itself (tests register and remove their own).
LAWS = sorted(_PACKAGE_LAWS)

MAKERS = {
    "chinchilla": datasets.make_chinchilla,
    "data_constrained": datasets.make_data_constrained,
    "power_law": datasets.make_power_law,
    "broken_power_law": datasets.make_broken_power_law,
    "rectified": datasets.make_rectified,
    "double_descent": datasets.make_double_descent,
    "log_power": datasets.make_lr_bsz_sweep,
}

ESTIMATORS = [f"law:{name}" for name in LAWS] + ["double_descent", "log_power", "bootstrap"]


def _generic_data(law, n_samples, seed):
    """Data inside the law's domain, for a law without a generator (errors come first)."""
    rng = np.random.default_rng(seed)
    columns = []
    for feature in law.features:
        rule = law.domain.get(feature)
        if isinstance(rule, tuple):
            low, high = (np.clip(v, -1e3, 1e3) for v in rule)
            columns.append(rng.uniform(low, high, n_samples))
        else:
            columns.append(10.0 ** rng.uniform(0.0, 3.0, n_samples))
    return np.column_stack(columns), 1.0 + rng.uniform(0.0, 1.0, n_samples)


def _make(kind, n_samples=30, seed=0):
    """``(estimator, X, y)``: valid data of ``n_samples`` rows for ``kind``."""
    if kind.startswith("law:"):
        name = kind[4:]
        maker = MAKERS.get(name)
        if maker is None:
            X, y = _generic_data(get_law(name), n_samples, seed)
        else:
            X, y = maker(n_samples=n_samples, random_state=seed)
        return ScalingLawRegressor(name, n_starts=1, random_state=seed), X, y
    if kind == "double_descent":
        X, y = datasets.make_double_descent(n_samples=n_samples, random_state=seed)
        return DoubleDescentRegressor(random_state=seed), X, y
    if kind == "log_power":
        X, y = datasets.make_lr_bsz_sweep(n_samples=n_samples, random_state=seed)
        return LogPowerHyperparamRegressor(random_state=seed), X, y
    X, y = datasets.make_power_law(n_samples=n_samples, random_state=seed)
    estimator = ScalingLawRegressor("power_law", n_starts=1, random_state=seed)
    return BootstrapRegressor(estimator, n_resamples=4, random_state=seed), X, y


def _n_params(estimator):
    inner = getattr(estimator, "estimator", estimator)
    if isinstance(inner, ScalingLawRegressor):
        return get_law(inner.law).n_parameters
    return 6 if isinstance(inner, DoubleDescentRegressor) else 10  # their default forms


def _assert_clear_error(fit):
    """``fit()`` raises a ValueError with a message, and warns nothing on the way."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError) as caught:
            fit()
    message = str(caught.value)
    assert len(message) > 15, f"an error without a clear message: {message!r}"
    # Not numpy's or scipy's words: those say nothing of what the user passed.
    for leaked in ("array must not contain infs or NaNs", "zero-size array", "SVD did not"):
        assert leaked not in message
    return message


# ------------------------------------------------------------------- bad X and y

BAD_VALUES = {
    "nan": np.nan,
    "inf": np.inf,
    "-inf": -np.inf,
    "None": None,
    "text": "abc",
    "number-as-text": "1.5",
}


@settings(deadline=None)
@given(
    kind=st.sampled_from(ESTIMATORS),
    where=st.sampled_from(["X", "y"]),
    bad=st.sampled_from(sorted(BAD_VALUES)),
    row=st.integers(0, 29),
    column=st.integers(0, 10),
    container=st.sampled_from(["array", "list"]),
)
# Issue 18, item 7: a None in y reached LAPACK, which printed, and a LinAlgError escaped.
@example(kind="log_power", where="y", bad="None", row=3, column=0, container="array")
@example(kind="law:chinchilla", where="y", bad="None", row=0, column=0, container="list")
def test_a_bad_value_in_X_or_y_is_a_clear_error(kind, where, bad, row, column, container):
    estimator, X, y = _make(kind)
    value = BAD_VALUES[bad]
    if where == "X" and bad == "number-as-text":
        bad, value = "text", BAD_VALUES["text"]  # scikit-learn reads "1.5" in X as 1.5
    if where == "X":
        X = X.astype(object) if not isinstance(value, float) else X.copy()
        X[row, column % X.shape[1]] = value
    else:
        y = y.astype(object) if not isinstance(value, float) else y.copy()
        y[row] = value
    if container == "list":
        X, y = X.tolist(), y.tolist()
    _assert_clear_error(lambda: estimator.fit(X, y))


SHAPES = [
    "X-1d",
    "X-3d",
    "X-extra-column",
    "X-missing-column",
    "X-no-rows",
    "too-few-rows",
    "y-shorter",
    "y-2d-columns",
    "y-constant",
    "X-complex",
    "y-complex",
    "y-bool",
]


@settings(deadline=None)
@given(kind=st.sampled_from(ESTIMATORS), shape=st.sampled_from(SHAPES))
def test_a_wrong_shape_or_kind_of_data_is_a_clear_error(kind, shape):
    estimator, X, y = _make(kind)
    if shape == "y-2d-columns" and kind == "double_descent":
        shape = "y-shorter"  # several target columns are valid there: one fit each
    if shape == "X-1d":
        X = X[:, 0]
    elif shape == "X-3d":
        X = X[:, :, None]
    elif shape == "X-extra-column":
        X = np.column_stack([X, X[:, :1]])
    elif shape == "X-missing-column":
        X = X[:, :-1] if X.shape[1] > 1 else np.empty((len(y), 0))
    elif shape == "X-no-rows":
        X, y = X[:0], y[:0]
    elif shape == "too-few-rows":
        n = _n_params(estimator) - 1
        X, y = X[:n], y[:n]
    elif shape == "y-shorter":
        y = y[:-1]
    elif shape == "y-2d-columns":
        y = np.column_stack([y, y])
    elif shape == "y-constant":
        y = np.full_like(y, 0.5)
    elif shape == "X-complex":
        X = X + 1j
    elif shape == "y-complex":
        y = y + 1j
    elif shape == "y-bool":
        y = y > np.median(y)
    _assert_clear_error(lambda: estimator.fit(X, y))


@settings(deadline=None)
@given(
    kind=st.sampled_from(ESTIMATORS),
    bad=st.sampled_from(["negative", "nan", "inf", "zeros", "short", "2d", "text", "complex"]),
    row=st.integers(0, 29),
)
def test_bad_sample_weights_are_a_clear_error(kind, bad, row):
    estimator, X, y = _make(kind)
    weight = np.ones(len(y))
    if bad == "negative":
        weight[row] = -1.0
    elif bad in ("nan", "inf"):
        weight[row] = float(bad)
    elif bad == "zeros":
        weight[:] = 0.0
    elif bad == "short":
        weight = weight[:-1]
    elif bad == "2d":
        weight = np.ones((len(y), 2))
    elif bad == "text":
        weight = weight.astype(object)
        weight[row] = "heavy"
    else:
        weight = weight + 1j
    _assert_clear_error(lambda: estimator.fit(X, y, sample_weight=weight))


# ----------------------------------------------------------------------- bad bounds

BAD_PAIRS = {
    "bools": (True, False),
    "bool-end": (0.0, True),
    "text": ("0", "1"),
    "nan": (np.nan, 1.0),
    "reversed": (2.0, 1.0),
    "equal": (1.0, 1.0),
    "scalar": 1.0,
    "triple": (0.0, 1.0, 2.0),
    "none": None,
    "complex": (0.0, 1j),
}


@settings(deadline=None)
@given(
    target=st.sampled_from(["law", "estimator", "b0_bounds", "log_power"]),
    name=st.sampled_from(LAWS),
    bad=st.sampled_from(sorted(BAD_PAIRS)),
    unknown=st.booleans(),
)
def test_bad_bounds_are_a_clear_error(target, name, bad, unknown):
    pair = BAD_PAIRS[bad]
    if target == "law":
        law = get_law(name)
        bounds = {**law.bounds, law.parameters[-1]: pair}
        _assert_clear_error(lambda: Law("drawn", law.function, bounds=bounds))
        return
    if target == "estimator":
        estimator, X, y = _make(f"law:{name}")
        parameter = "not_a_parameter" if unknown else get_law(name).parameters[0]
        estimator.set_params(bounds={parameter: pair if not unknown else (0.0, 1.0)})
    elif target == "b0_bounds":
        estimator, X, y = _make("double_descent")
        estimator.set_params(b0_bounds=pair if pair is not None else (1.0, 0.0))  # None: free
    else:
        estimator, X, y = _make("log_power")
        estimator.set_params(bounds={"not_a_parameter" if unknown else "gamma": pair})
    _assert_clear_error(lambda: estimator.fit(X, y))


# ------------------------------------------------------------------ broken user laws

EXCEPTIONS = [
    KeyError,
    RuntimeError,
    ZeroDivisionError,
    AttributeError,
    LookupError,
    AssertionError,
    NotImplementedError,
    OverflowError,
    FloatingPointError,
    TypeError,
]


def _broken_law(behaviour, exception):
    def law(X, E, A, alpha):
        x = X[:, 0]
        if behaviour == "raise":
            raise exception("the user's bug")
        if behaviour == "complex":
            return E + A * (x - np.median(x) + 0j) ** -alpha
        if behaviour == "longer":
            return np.r_[E + A * x**-alpha, 1.0]
        if behaviour == "columns":
            return np.column_stack([E + A * x**-alpha] * 2)
        if behaviour == "text":
            return np.full(x.shape, "0.5")
        if behaviour == "none":
            return None
        return np.full(x.shape, np.nan)  # "nan": never finite

    return law


@settings(deadline=None)
@given(
    behaviour=st.sampled_from(["raise", "complex", "longer", "columns", "text", "none", "nan"]),
    exception=st.sampled_from(EXCEPTIONS),
    linear=st.booleans(),
    target_space=st.sampled_from(["linear", "log"]),
)
def test_a_broken_user_law_is_a_clear_error_naming_it(behaviour, exception, linear, target_space):
    law = Law(
        "drawn_user_law",
        _broken_law(behaviour, exception),
        linear=("E", "A") if linear else (),
        bounds={"E": (0, np.inf), "A": (0, np.inf), "alpha": (0.1, 2)},
    )
    X, y = datasets.make_power_law(n_samples=20, random_state=0)
    estimator = ScalingLawRegressor(law, n_starts=1, target_space=target_space)
    message = _assert_clear_error(lambda: estimator.fit(X, y))
    if behaviour == "nan":
        # Not an error of the function's own: the fit says no start gives a finite value.
        assert "finite" in message
        return
    assert "drawn_user_law" in message
    message = _assert_clear_error(lambda: law(X, {"E": 1.0, "A": 1.0, "alpha": 0.5}))
    assert "drawn_user_law" in message


# ------------------------------------------------------------------------ valid data


@settings(deadline=None)
@given(
    kind=st.sampled_from([f"law:{name}" for name in LAWS if name in MAKERS] + ESTIMATORS[-3:]),
    n_samples=st.integers(40, 80),
    seed=st.integers(0, 2**16),
    log=st.booleans(),
    weighted=st.booleans(),
)
def test_valid_data_gives_finite_predictions_and_the_same_fit_twice(
    kind, n_samples, seed, log, weighted
):
    estimator, X, y = _make(kind, n_samples=n_samples, seed=seed)
    if log and kind.startswith("law:") and np.all(y > 0):
        estimator.set_params(target_space="log")
    weight = None
    if weighted:
        weight = np.random.default_rng(seed).uniform(0.1, 10.0, len(y))
    fits = []
    for _ in range(2):
        with warnings.catch_warnings():
            # A bound or slow convergence may be warned about; numpy's words may not.
            warnings.simplefilter("error", RuntimeWarning)
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            warnings.simplefilter("ignore", UserWarning)
            fitted = clone(estimator).fit(X, y, sample_weight=weight)
            prediction = fitted.predict(X)
        assert prediction.shape == y.shape
        assert np.all(np.isfinite(prediction))
        fits.append((prediction, getattr(fitted, "coef_", None)))
    np.testing.assert_array_equal(fits[0][0], fits[1][0])
    if fits[0][1] is not None:
        np.testing.assert_array_equal(fits[0][1], fits[1][1])
