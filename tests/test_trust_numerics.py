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


# ------------------------------------------- items 5 and 6: bounds judged by the gradient


def _quadratic_problem(minimum, lower, upper):
    from sklearn_scaling._fitting._engine import RobustProblem

    minimum = np.asarray(minimum, dtype=float)

    def residuals(theta):
        return np.concatenate([theta - minimum, np.zeros(0)])

    def jacobian(theta):
        return np.eye(len(minimum))

    return RobustProblem(
        residuals=residuals,
        jacobian=jacobian,
        data_weight=np.ones(len(minimum)),
        lower=np.asarray(lower, dtype=float),
        upper=np.asarray(upper, dtype=float),
    )


@pytest.mark.parametrize(
    ("x", "minimum", "lower", "upper", "expected"),
    [
        # Stopped a hair inside a bound the cost presses on: on it.
        (1.00066, 0.5, 1.0, 3.0, True),
        (0.6000046, 0.3, 0.6, 5.0, True),
        (-7.99995, -9.0, -8.0, 8.0, True),
        (2.99, 4.0, 1.0, 3.0, True),
        # Near a bound but at the cost's own minimum: not on it.
        (1.00066, 1.00066, 1.0, 3.0, False),
        # Bounds many decades wide, the fit nowhere near them: not on them.
        (5.0, 5.0, 1e-10, 1e10, False),
        (5.0, 5.0, -1e12, 1e12, False),
    ],
)
def test_a_bound_binds_when_the_gradient_presses_on_it(x, minimum, lower, upper, expected):
    from sklearn_scaling._fitting._engine import at_bounds

    problem = _quadratic_problem([minimum], [lower], [upper])
    mask = at_bounds(np.array([x]), problem.lower, problem.upper, problem=problem)
    assert bool(mask[0]) is expected


def test_wide_bounds_far_from_the_fit_are_not_reported():
    X, y = _power_law_data()
    bounds = {"E": (-1e12, 1e12), "A": (-1e12, 1e12), "alpha": (1e-12, 1e6)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg = ScalingLawRegressor("power_law", bounds=bounds).fit(X, y)
    assert reg.at_bounds_ == ()


def test_every_parameter_on_a_bound_is_a_fit_reported_at_its_bounds():
    X, y = _power_law_data()
    bounds = {"E": (10.0, 11.0), "A": (100.0, 101.0), "alpha": (2.0, 3.0)}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.warns(UserWarning, match="on a bound"):
            reg = ScalingLawRegressor("power_law", bounds=bounds).fit(X, y)
        low, high = reg.predict_interval(X[:4])
    assert set(reg.at_bounds_) == {"E", "A", "alpha"}
    assert np.all(np.isfinite(low)) and np.all(np.isfinite(high))
    assert all(np.isnan(v) for v in reg.params_std_.values())


# ------------------------------------- item 2: huge weights, tiny units; item 10: huge y


def _strict():
    """Every RuntimeWarning (numpy's overflow and invalid-value warnings) is an error."""
    context = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("ignore", UserWarning)
    warnings.simplefilter("error", RuntimeWarning)
    return context


@pytest.mark.parametrize(("estimator", "X", "y"), CASES, ids=IDS)
def test_a_huge_finite_weight_leaks_no_overflow(estimator, X, y):
    weight = np.ones(len(y))
    weight[3] = 1e300
    context = _strict()
    try:
        fit = estimator.fit(X, y, sample_weight=weight)
        low, high = fit.predict_interval(X[:4])
        assert np.all(np.isfinite(fit.predict(X)))
        assert np.all(low <= high)
    finally:
        context.__exit__(None, None, None)


def moe(X, a, b, c, d):
    """Clark et al.'s mixture-of-experts law, every parameter nonlinear."""
    log_n, log_e = np.log(X[:, 0]), np.log(X[:, 1])
    return np.exp(a * log_n + b * log_e + c * log_n * log_e + d)


def _moe_data(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([10 ** rng.uniform(6, 9, n), 2.0 ** rng.integers(0, 9, n)])
    return X, moe(X, -0.08, -0.02, 0.002, 1.5) * np.exp(rng.normal(0.0, 0.01, n))


@pytest.mark.parametrize(
    ("law", "data"),
    [
        ("data_constrained", lambda: datasets.make_data_constrained(n_samples=60, random_state=0)),
        ("chinchilla", lambda: datasets.make_chinchilla(n_samples=60, random_state=0)),
        ("power_law", lambda: _power_law_data()),
    ],
)
def test_x_in_tiny_units_is_a_fit_or_a_clear_error_never_scipys(law, data):
    X, y = data()
    context = _strict()
    try:
        fit = ScalingLawRegressor(law).fit(X * 1e-290, y)
        assert np.all(np.isfinite(fit.predict(X * 1e-290)))
    except ValueError as exc:
        assert "infs or NaNs" not in str(exc)
    finally:
        context.__exit__(None, None, None)


def test_a_user_law_with_many_starts_in_log_space_fits():
    from sklearn_scaling.laws import Law

    X, y = _moe_data()
    law = Law("test_moe", moe, features=("N", "E"))
    context = _strict()
    try:
        reg = ScalingLawRegressor(law, n_starts=256, target_space="log", loss="squared")
        assert reg.fit(X, y).score(X, y) > 0.9
    finally:
        context.__exit__(None, None, None)


def test_targets_too_large_for_the_loss_say_so():
    from sklearn_scaling.laws import Law

    def offset_power(X, E, alpha):
        return E + X[:, 0] ** -alpha

    law = Law("test_offset_power", offset_power, bounds={"E": (-np.inf, np.inf), "alpha": (0, 3)})
    X, y = _power_law_data()
    with pytest.raises(ValueError, match="y .* too large") as info:
        ScalingLawRegressor(law).fit(X, y * 1e200)
    assert "f_scale" not in str(info.value)


# ------------------------------------------------- item 13: intervals hold the priors' pull


def _coverage_beyond_the_data(make_case, estimator, n_sets):
    covered = []
    for seed in range(n_sets):
        X, y, points, truth = make_case(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            low, high = estimator.fit(X, y).predict_interval(points, coverage=0.9)
        covered.append((truth >= low) & (truth <= high))
    return np.mean(covered)


def _double_descent_case(seed):
    from sklearn_scaling.laws import double_descent

    X, y, truth = datasets.make_double_descent(random_state=seed, return_params=True)
    points = X[:, 0].max() + np.array([[0.7], [1.0]])
    return X, y, points, double_descent(points, truth)


def _log_power_case(seed):
    from sklearn_scaling.laws import log_power

    X, y, truth = datasets.make_lr_bsz_sweep(n_samples=200, random_state=seed, return_params=True)
    d_max, n_max = X[:, 2].max(), X[:, 3].max()
    points = np.array([[truth[6], 256.0, k * d_max, k * n_max] for k in (5.0, 10.0)])
    return X, y, points, log_power(points, truth)


@pytest.mark.parametrize(
    ("case", "estimator", "n_sets"),
    [
        (_double_descent_case, DoubleDescentRegressor(random_state=0), 20),
        (_log_power_case, LogPowerHyperparamRegressor(random_state=0), 10),
    ],
    ids=["double_descent", "log_power"],
)
def test_seed_intervals_beyond_the_data_hold_the_priors_pull(case, estimator, n_sets):
    # 90% law intervals 5x and 10x beyond the data held the truth 23% (double descent)
    # and 0% (log-power) of the time: the priors' and bounds' bias was outside them.
    # (benchmarks/bench_uncertainty.py measures the coverage on 200 data sets.)
    assert _coverage_beyond_the_data(case, estimator, n_sets) >= 0.6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_power_fit_says_its_intervals_beyond_the_data_fall_short(seed):
    # Issue 18 item 13's alternative for the log-power seed estimator, whose 90% law
    # intervals 10x beyond the data cover 69% (bench_uncertainty): every such fit says so
    # at fit time, because its fit ends on one of seed 001's bounds.
    X, y, _, _ = _log_power_case(seed)
    with pytest.warns(UserWarning, match="covers the truth less often than it says") as record:
        reg = LogPowerHyperparamRegressor(random_state=0).fit(X, y)
    assert reg.at_bounds_
    assert any("%" in str(w.message) for w in record)


def test_without_priors_or_bounds_the_interval_is_the_plain_delta_interval():
    from scipy import stats

    X, y = _power_law_data()
    reg = ScalingLawRegressor("power_law", loss="squared").fit(X, y)
    mean, std = reg.predict(X[:5], return_std=True)
    low, high = reg.predict_interval(X[:5])
    t = stats.t.ppf(0.95, len(y) - 3)
    np.testing.assert_allclose(high - mean, t * std, rtol=1e-9)
    np.testing.assert_allclose(mean - low, t * std, rtol=1e-9)


# ------------------------------------------------------------------ item 4: units of y


def _law_data(name):
    makers = {
        "power_law": lambda: datasets.make_power_law(n_samples=30, random_state=0),
        "broken_power_law": lambda: datasets.make_broken_power_law(n_samples=30, random_state=0),
        "chinchilla": lambda: datasets.make_chinchilla(n_samples=60, random_state=0),
        "data_constrained": lambda: datasets.make_data_constrained(n_samples=60, random_state=0),
        "rectified": lambda: datasets.make_rectified(n_samples=30, random_state=0),
        "double_descent": lambda: datasets.make_double_descent(n_samples=60, random_state=0),
        "log_power": lambda: datasets.make_lr_bsz_sweep(n_samples=150, random_state=0),
    }
    return makers[name]() if name in makers else None


REGISTRY = ["power_law", "broken_power_law", "chinchilla", "data_constrained", "rectified"]
REGISTRY += ["double_descent", "log_power"]
_BASE_FITS = {}


@pytest.mark.parametrize("name", REGISTRY)
@pytest.mark.parametrize("c", [1e-300, 1e-5, 1e5, 1e300])
def test_every_registry_law_fits_c_times_y_as_c_times_the_law(name, c):
    X, y = _law_data(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        if name not in _BASE_FITS:
            _BASE_FITS[name] = ScalingLawRegressor(name, random_state=0).fit(X, y).predict(X)
        base = _BASE_FITS[name]
        scaled = ScalingLawRegressor(name, random_state=0).fit(X, c * y).predict(X) / c
    assert np.max(np.abs(scaled - base)) <= 1e-5 * np.ptp(y)


@pytest.mark.parametrize("c", [1e-300, 0.3, 1e300])
def test_double_descent_in_loss_scale_units_is_unit_free(c):
    X, y = _law_data("double_descent")
    reg = DoubleDescentRegressor(prior_units="f_scale", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        base = reg.fit(X, y).predict(X)
        scaled = reg.fit(X, c * y).predict(X) / c
    assert np.max(np.abs(scaled - base)) <= 1e-5 * np.ptp(y)


def test_double_descent_says_when_the_units_of_y_bend_its_fit():
    # 0.3 * y: R^2 0.93 against 0.96 in units that suit the priors, silently before.
    X, y = _law_data("double_descent")
    with pytest.warns(UserWarning, match="units of y do not suit"):
        DoubleDescentRegressor(random_state=0).fit(X, 0.3 * y)


@pytest.mark.parametrize("c", [1e-300, 1e300])
@pytest.mark.parametrize("estimator", ["double_descent", "log_power"])
def test_seed_estimators_reject_targets_beyond_their_units_clearly(estimator, c):
    X, y = _law_data(estimator)
    reg = (
        DoubleDescentRegressor(random_state=0)
        if estimator == "double_descent"
        else LogPowerHyperparamRegressor(random_state=0)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="units of y"):
            reg.fit(X, c * y)


# ------------------------------------------------------ issue 17: no silent misfit


def pure_power_law(X, A, alpha):
    return A * X[:, 0] ** -alpha


@pytest.mark.parametrize("bounded", [True, False])
@pytest.mark.parametrize("seed", range(6))
def test_a_pure_power_law_in_log_space_leaves_its_start_exponent(bounded, seed):
    # Huber (f_scale 1e-3) on log residuals stopped at the start exponent (0.3 for a
    # truth of 0.13, train R^2 -1.6; unbounded, at 0.96 for 0.49, R^2 -9.3): 26 of 60.
    from sklearn_scaling.laws import Law

    bounds = {"A": (0.0, np.inf), "alpha": (0.0, 3.0)} if bounded else None
    law = Law("test_pure", pure_power_law, linear=("A",), bounds=bounds)
    rng = np.random.default_rng(seed + 20)
    X = 10 ** rng.uniform(6, 9, (30, 1))
    alpha, amplitude = rng.uniform(0.05, 0.6), 10 ** rng.uniform(0, 3)
    y = amplitude * X[:, 0] ** -alpha * np.exp(rng.normal(0.0, 0.02, 30))
    reg = ScalingLawRegressor(law, target_space="log").fit(X, y)
    assert reg.params_["alpha"] == pytest.approx(alpha, abs=0.02)
    assert reg.score(X, y) > 0.8


def test_exact_pure_power_law_data_are_fitted_exactly_in_log_space():
    from sklearn_scaling.laws import Law

    law = Law("test_pure", pure_power_law, linear=("A",), domain={"x": "positive"})
    X = np.logspace(6, 9, 20)[:, None]
    y = 30.0 * X[:, 0] ** -0.13
    reg = ScalingLawRegressor(law, target_space="log").fit(X, y)
    assert reg.params_["alpha"] == pytest.approx(0.13, rel=1e-6)


def proportional(X, A):
    return A * X[:, 0]


@pytest.mark.parametrize("target_space", ["linear", "log"])
def test_a_fit_worse_than_a_constant_says_so_and_is_not_converged(target_space):
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_scaling.laws import Law

    # Bounds that forbid the data's slope: the best law is far worse than a flat line.
    law = Law("test_falling", proportional, linear=("A",), bounds={"A": (-np.inf, 1e-6)})
    X = np.linspace(1.0, 10.0, 20)[:, None]
    y = 5.0 + X[:, 0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg = ScalingLawRegressor(law, target_space=target_space).fit(X, y)
    assert any(
        issubclass(w.category, ConvergenceWarning)
        and "worse than the best constant" in str(w.message)
        for w in caught
    )
    assert reg.converged_ is False


@pytest.mark.parametrize(("estimator", "X", "y"), CASES, ids=IDS)
def test_good_fits_are_not_called_worse_than_a_constant(estimator, X, y):
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert estimator.fit(X, y).converged_
    assert not any(issubclass(w.category, ConvergenceWarning) for w in caught)
