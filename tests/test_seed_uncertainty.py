"""Uncertainty of the seed estimators: sandwich covariance, delta-method intervals, bootstrap."""

import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.base import clone

from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor, datasets
from sklearn_scaling._fitting._double_descent import double_descent_problem, double_descent_refits
from sklearn_scaling._fitting._log_power import FORMS, fit_log_power, log_power_refits
from sklearn_scaling.laws import double_descent
from sklearn_scaling.uncertainty import BootstrapRegressor


@pytest.fixture(autouse=True)
def _quiet():
    # Fits on small synthetic data may end on a bound; that is not what is tested here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def _numeric_jacobian(function, coef, step=1e-6):
    columns = []
    for j in range(len(coef)):
        h = np.zeros_like(coef)
        h[j] = step * max(1.0, abs(coef[j]))
        columns.append((function(coef + h) - function(coef - h)) / (2 * h[j]))
    return np.column_stack(columns)


def _hc1(jac, residuals):
    n, p = jac.shape
    bread = np.linalg.inv(jac.T @ jac)
    return bread @ (jac.T * residuals**2) @ jac @ bread * n / (n - p)


def _bootstrap_weights(n, size, seed):
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, np.full(n, 1.0 / n), size=size).astype(float)


# ------------------------------------------------------------------ covariance


@pytest.mark.parametrize("shape", ["bump", "dip"])
def test_double_descent_covariance_is_white_sandwich_without_priors(shape):
    # Squared loss, no density weights, no priors: the sandwich is White's HC1 with the
    # law's Jacobian in coef_ -- here by finite differences of the law of y itself, so
    # the change of units of prior_units='f_scale' is checked too.
    X, y = datasets.make_double_descent(n_samples=150, noise=0.03, random_state=0)
    y = y if shape == "bump" else -y
    reg = DoubleDescentRegressor(
        shape=shape,
        loss="squared",
        density_weighting=False,
        alpha=0.0,
        prior_units="f_scale",
        random_state=0,
    ).fit(X, 7.0 * y)
    assert reg.at_bounds_ == ()
    jac = _numeric_jacobian(lambda c: double_descent(X, c, shape), reg.coef_)
    expected = _hc1(jac, 7.0 * y - reg.predict(X))
    np.testing.assert_allclose(reg.coef_cov_, expected, rtol=2e-3, atol=1e-12)
    # The readable parameters by the delta method through double_descent_shape.
    assert reg.params_std_["b0"] == pytest.approx(np.sqrt(expected[0, 0]), rel=2e-3)
    std_a_up = expit(reg.coef_[1]) * np.sqrt(expected[1, 1])
    assert reg.params_std_["A_up"] == pytest.approx(std_a_up, rel=2e-3)


def test_log_power_covariance_is_white_sandwich_without_ridge():
    X, y = datasets.make_lr_bsz_sweep(n_samples=300, noise=0.02, random_state=0)
    reg = LogPowerHyperparamRegressor(alpha=0.0, random_state=0).fit(X, y)
    assert reg.at_bounds_ == ()
    law = FORMS[reg._form_key]
    jac = _numeric_jacobian(lambda c: law.law(X, c), reg.coef_)
    expected = _hc1(jac, y - reg.predict(X))
    np.testing.assert_allclose(reg.coef_cov_, expected, rtol=1e-3, atol=1e-14)
    std = np.sqrt(np.diag(expected))
    np.testing.assert_allclose(list(reg.params_std_.values()), std, rtol=1e-3)


def test_double_descent_std_matches_a_monte_carlo_spread():
    # Fits to many noise draws of one law (each on its own seed objective, priors and
    # density weights included, warm-started from the truth): the spread of their
    # predictions is what the delta-method std of one fit estimates.
    X, y, truth = datasets.make_double_descent(
        n_samples=200, noise=0.03, random_state=1, return_params=True
    )
    rng = np.random.default_rng(2)
    clean = double_descent(X, truth)
    targets = clean + rng.normal(0.0, 0.03, size=(300, len(clean)))
    coefs, _, converged = double_descent_refits(
        X[:, 0], targets, np.ones_like(targets), truth, max_iter=300, tol=1e-8
    )
    assert converged.mean() > 0.95
    query = np.linspace(-0.5, 2.5, 7)[:, None]
    spread = np.std(double_descent(query, coefs[converged]), axis=1, ddof=1)
    stds = []
    for b in range(5):
        reg = DoubleDescentRegressor(random_state=0).fit(X, targets[b])
        stds.append(reg.predict(query, return_std=True)[1])
    ratio = np.median(stds, axis=0) / spread
    assert np.all((ratio > 0.6) & (ratio < 1.6)), ratio


# ------------------------------------------------------------------ units and shapes


@pytest.mark.parametrize("factor", [1e-3, 3.7, 250.0])
def test_std_scales_with_y_under_f_scale_units(factor):
    X, y = datasets.make_double_descent(n_samples=120, random_state=3)
    query = np.linspace(-1.0, 4.0, 9)[:, None]
    base = DoubleDescentRegressor(prior_units="f_scale", random_state=0).fit(X, y)
    scaled = DoubleDescentRegressor(prior_units="f_scale", random_state=0).fit(X, factor * y)
    _, std = base.predict(query, return_std=True)
    _, std_scaled = scaled.predict(query, return_std=True)
    np.testing.assert_allclose(std_scaled, factor * std, rtol=1e-6)
    for name in ("b0", "A_up", "A_dn"):
        assert scaled.params_std_[name] == pytest.approx(factor * base.params_std_[name], rel=1e-6)
    for name in ("c1", "c2", "s_left", "s_right"):
        assert scaled.params_std_[name] == pytest.approx(base.params_std_[name], rel=1e-6)
    assert scaled.residual_scale_ == pytest.approx(factor * base.residual_scale_, rel=1e-9)
    low, high = base.predict_interval(query)
    low_s, high_s = scaled.predict_interval(query)
    np.testing.assert_allclose(high_s - low_s, factor * (high - low), rtol=1e-6)


def test_two_targets_get_one_covariance_each():
    X, Y = datasets.make_double_descent(n_samples=100, n_targets=2, random_state=4)
    reg = DoubleDescentRegressor(random_state=0).fit(X, Y)
    assert reg.coef_cov_.shape == (2, 6, 6)
    assert reg.params_std_["c1"].shape == (2,) and reg.residual_scale_.shape == (2,)
    query = np.linspace(-1.0, 3.0, 5)[:, None]
    mean, std = reg.predict(query, return_std=True)
    low, high = reg.predict_interval(query, kind="observation")
    assert mean.shape == std.shape == low.shape == high.shape == (5, 2)
    for t in range(2):
        single = DoubleDescentRegressor(random_state=0).fit(X, Y[:, t])
        np.testing.assert_allclose(reg.coef_cov_[t], single.coef_cov_, rtol=1e-9)
        np.testing.assert_allclose(std[:, t], single.predict(query, return_std=True)[1])
        single_low, single_high = single.predict_interval(query, kind="observation")
        np.testing.assert_allclose(low[:, t], single_low)
        np.testing.assert_allclose(high[:, t], single_high)
    with pytest.raises(ValueError, match="one target column at a time"):
        reg._bootstrap_refits(X, Y[:, 0], np.ones((2, len(X))))


def test_parameters_on_a_bound_get_no_standard_error():
    X, y = datasets.make_double_descent(n_samples=120, random_state=5)
    reg = DoubleDescentRegressor(b0_bounds=(-0.3, 0.5), random_state=0).fit(X, y)
    assert "b0" in reg.at_bounds_
    assert np.all(reg.coef_cov_[0] == 0.0) and np.all(reg.coef_cov_[:, 0] == 0.0)
    # A readable parameter has none exactly when it depends on a raw one that is held.
    depends = {
        "b0": {"b0"},
        "A_up": {"A_up_raw"},
        "A_dn": {"A_dn_raw"},
        "c1": {"c0", "s_raw", "k_raw"},
        "c2": {"c0", "s_raw", "k_raw"},
        "s_left": {"s_raw", "k_raw"},
        "s_right": {"s_raw", "k_raw"},
    }
    for name, raw in depends.items():
        assert np.isnan(reg.params_std_[name]) == bool(raw & set(reg.at_bounds_)), name
    assert np.isfinite(reg.params_std_["A_dn"]) or "A_dn_raw" in reg.at_bounds_
    held = LogPowerHyperparamRegressor(bounds={"d": (0.0, 0.01)}, random_state=0)
    held.fit(*datasets.make_lr_bsz_sweep(n_samples=300, random_state=0))
    assert "d" in held.at_bounds_
    for name, std in held.params_std_.items():
        assert np.isnan(std) == (name in held.at_bounds_), name


# ------------------------------------------------------------------ intervals


@pytest.mark.parametrize("shape", ["bump", "dip"])
def test_double_descent_intervals_contain_the_prediction(shape):
    X, y = datasets.make_double_descent(n_samples=120, random_state=6)
    y = y if shape == "bump" else -y
    reg = DoubleDescentRegressor(shape=shape, random_state=0).fit(X, y)
    query = np.linspace(-1.0, 4.0, 11)[:, None]
    mean, std = reg.predict(query, return_std=True)
    np.testing.assert_array_equal(mean, reg.predict(query))
    low, high = reg.predict_interval(query, coverage=0.9)
    obs_low, obs_high = reg.predict_interval(query, coverage=0.9, kind="observation")
    assert np.all(std > 0)
    assert np.all((obs_low < low) & (low < mean) & (mean < high) & (high < obs_high))
    narrow_low, _ = reg.predict_interval(query, coverage=0.5)
    assert np.all(narrow_low > low)
    # A new run lands in its 90% observation interval about 90% of the time.
    X_new, y_new = datasets.make_double_descent(n_samples=2000, random_state=7)
    y_new = y_new if shape == "bump" else -y_new
    new_low, new_high = reg.predict_interval(X_new, kind="observation")
    assert 0.8 < np.mean((new_low <= y_new) & (y_new <= new_high)) < 0.98


@pytest.mark.parametrize("shape", ["bump", "dip"])
def test_double_descent_interval_holds_the_data_only_fit_beyond_the_data(shape):
    # The priors bias the fit beyond the data; the data's own fit (alpha=0) is what
    # they pull it away from, so the prior fit's law interval must hold the data-only
    # fit's prediction there, and its own interval too (the union of the two).
    for seed in range(6):
        X, y = datasets.make_double_descent(random_state=seed)
        y = y if shape == "bump" else -y
        beyond = np.array([[X[:, 0].max() + 0.7], [X[:, 0].max() + 1.0]])
        prior = DoubleDescentRegressor(shape=shape, random_state=0).fit(X, y)
        data = DoubleDescentRegressor(shape=shape, alpha=0.0, random_state=0).fit(X, y)
        low, high = prior.predict_interval(beyond)
        data_low, data_high = data.predict_interval(beyond)
        slack = 1e-3 * (high - low)
        assert np.all(low - slack <= data_low) and np.all(data_high <= high + slack), seed
        mean = prior.predict(beyond)
        assert np.all((low < mean) & (mean < high))


def test_double_descent_interval_says_when_the_data_alone_leave_the_law_loose():
    # One row outweighs the rest 1e300 to 1: without the priors the data are that row,
    # which fixes nothing beyond it. The interval there is then infinite (never NaN),
    # and predict_interval says why.
    X, y = datasets.make_double_descent(n_samples=120, random_state=1)
    weight = np.r_[1e300, np.ones(119)]
    reg = DoubleDescentRegressor(random_state=0).fit(X, y, sample_weight=weight)
    query = np.array([[X[:, 0].max() + 1.0]])
    with pytest.warns(UserWarning, match="without the priors the data do not identify"):
        low, high = reg.predict_interval(query)
    assert np.all(np.isinf(low) & np.isinf(high) & (low < 0) & (high > 0))
    assert np.all(np.isfinite(reg.predict(query)))


def test_double_descent_law_intervals_cover_the_truth_beyond_the_data():
    # Issue 18 item 13: 90% law intervals 10x beyond the data cover the true law 80-95%
    # of the time; inside the data they stay near nominal (not above ~97%).
    covered = []
    for seed in range(60):
        X, y, truth = datasets.make_double_descent(random_state=seed, return_params=True)
        points = np.array([[1.0], [X[:, 0].max() + 1.0]])
        low, high = DoubleDescentRegressor(random_state=0).fit(X, y).predict_interval(points)
        value = double_descent(points, truth)
        covered.append((low <= value) & (value <= high))
    inside, beyond = np.mean(covered, axis=0)
    assert 0.8 <= beyond <= 0.97, beyond
    assert 0.8 <= inside <= 0.97, inside


def test_log_power_intervals_contain_the_prediction_and_respect_clipping():
    X, y = datasets.make_lr_bsz_sweep(n_samples=300, random_state=8)
    reg = LogPowerHyperparamRegressor(optimum="scaling", random_state=0).fit(X, y)
    mean, std = reg.predict(X[:20], return_std=True)
    low, high = reg.predict_interval(X[:20])
    obs_low, obs_high = reg.predict_interval(X[:20], kind="observation")
    assert np.all((obs_low < low) & (low < mean) & (mean < high) & (high < obs_high))
    # prediction_bounds: the interval of the unclipped law, clipped; a clipped value
    # does not move with the parameters, so its std is 0.
    cut = float(np.median(mean))
    clipped = clone(reg).set_params(prediction_bounds=(cut, 10.0)).fit(X, y)
    np.testing.assert_allclose(clipped.coef_, reg.coef_)
    c_mean, c_std = clipped.predict(X[:20], return_std=True)
    c_low, c_high = clipped.predict_interval(X[:20])
    below = mean < cut
    assert np.all(c_std[below] == 0.0) and np.allclose(c_std[~below], std[~below])
    np.testing.assert_allclose(c_low, np.clip(low, cut, 10.0))
    np.testing.assert_allclose(c_high, np.clip(high, cut, 10.0))
    assert np.all((c_low <= c_mean) & (c_mean <= c_high))


@pytest.mark.parametrize("estimator", ["double_descent", "log_power"])
def test_intervals_shrink_as_one_over_root_n(estimator):
    widths = []
    for n in (200, 800):
        if estimator == "double_descent":
            X, y = datasets.make_double_descent(n_samples=n, noise=0.03, random_state=9)
            reg = DoubleDescentRegressor(random_state=0)
            query = np.linspace(-0.5, 2.5, 7)[:, None]
        else:
            X, y = datasets.make_lr_bsz_sweep(n_samples=n, noise=0.02, random_state=9)
            reg = LogPowerHyperparamRegressor(random_state=0)
            query = X[:7]
        _, std = reg.fit(X, y).predict(query, return_std=True)
        widths.append(np.median(std))
    assert widths[0] / widths[1] == pytest.approx(2.0, rel=0.3)


# ------------------------------------------------------------------ batched refits


@pytest.mark.parametrize(
    "options",
    [{}, {"prior_units": "f_scale"}, {"shape": "dip", "loss": "soft_l1"}],
)
def test_double_descent_batched_refits_reach_clone_and_refit(options):
    X, y = datasets.make_double_descent(n_samples=90, random_state=10)
    y = -y if options.get("shape") == "dip" else y
    reg = DoubleDescentRegressor(random_state=0, **options).fit(X, y)
    weights = _bootstrap_weights(len(y), 6, seed=0)
    coefs, cost, converged = double_descent_refits(
        X[:, 0],
        y,
        weights,
        reg.coef_,
        shape=reg.shape,
        loss=reg.loss,
        strengths=reg._strengths(),
        prior_units=reg.prior_units,
        tol=reg.tol,
    )
    assert converged.all()
    for b, w in enumerate(weights):
        separate = clone(reg).fit(X, y, sample_weight=w)
        # The batch's cost is the resample's own objective, as the refit's cost_ is...
        keep = w > 0
        unit = separate.f_scale_ if reg.prior_units == "f_scale" else 1.0
        sign = 1.0 if reg.shape == "bump" else -1.0
        problem = double_descent_problem(
            X[keep, 0], sign * y[keep] / unit, w[keep], loss=reg.loss, sign=sign,
            f_scale=separate.f_scale_ / unit, strengths=reg._strengths(),
        )  # fmt: skip
        internal = reg.coef_.copy() if unit == 1.0 else None
        if internal is not None:
            internal = coefs[b].copy()
            internal[0] *= sign
            assert problem.cost(internal) == pytest.approx(cost[b], rel=1e-9)
        # ...and reaches the clone-and-refit's within 0.1%.
        assert cost[b] <= separate.cost_ * (1 + 1e-3)


@pytest.mark.parametrize("optimum", ["fixed", "scaling"])
def test_log_power_batched_refits_reach_clone_and_refit(optimum):
    X, y = datasets.make_lr_bsz_sweep(n_samples=250, random_state=11)
    reg = LogPowerHyperparamRegressor(optimum=optimum, random_state=0).fit(X, y)
    weights = _bootstrap_weights(len(y), 4, seed=1)
    coefs, cost, converged = log_power_refits(reg._form_key, X, y, weights, reg.coef_, tol=reg.tol)
    assert converged.all()
    for b, w in enumerate(weights):
        # The batch's cost is the resample's own objective (its std(y) and ridge rows)...
        keep = w > 0
        own = fit_log_power(X[keep], y[keep], w[keep], form=reg._form_key)
        assert own.problem.cost(coefs[b] / own.units) == pytest.approx(cost[b], rel=1e-9)
        # ...and reaches the clone-and-refit's within 0.1%.
        separate = clone(reg).fit(X, y, sample_weight=w)
        assert cost[b] <= separate.cost_ * (1 + 1e-3)


# ------------------------------------------------------------------ bootstrap


@pytest.mark.parametrize("method", ["cases", "residuals"])
@pytest.mark.parametrize("estimator", ["double_descent", "log_power"])
def test_bootstrap_is_reproducible_and_batched(estimator, method):
    if estimator == "double_descent":
        X, y = datasets.make_double_descent(n_samples=80, random_state=12)
        inner = DoubleDescentRegressor(random_state=0)
    else:
        X, y = datasets.make_lr_bsz_sweep(n_samples=200, random_state=12)
        inner = LogPowerHyperparamRegressor(random_state=0)
    boot = BootstrapRegressor(inner, n_resamples=40, method=method, random_state=3)
    first = clone(boot).fit(X, y)
    second = clone(boot).fit(X, y)
    assert first.estimators_ is None  # the batched path
    np.testing.assert_array_equal(first.coefs_, second.coefs_)
    query = X[:5]
    np.testing.assert_array_equal(
        first.predict_interval(query, kind="observation")[0],
        second.predict_interval(query, kind="observation")[0],
    )
    low, high = first.predict_interval(query)
    mean = first.predict(query)
    assert np.all((low <= mean) & (mean <= high))


def test_bootstrap_spread_agrees_with_the_sandwich():
    X, y = datasets.make_double_descent(n_samples=200, noise=0.03, random_state=13)
    reg = DoubleDescentRegressor(random_state=0).fit(X, y)
    boot = BootstrapRegressor(DoubleDescentRegressor(random_state=0), n_resamples=300)
    boot.set_params(random_state=0).fit(X, y)
    query = np.linspace(-0.5, 2.5, 7)[:, None]
    spread = np.std(boot.resample_predictions(query), axis=0, ddof=1)
    ratio = reg.predict(query, return_std=True)[1] / spread
    assert np.all((ratio > 0.6) & (ratio < 1.6)), ratio


# ----------------------------------------------------------------- one fitting path


def test_double_descent_penalty_of_a_batch_is_each_problems_own():
    """The priors of many problems at once equal each problem's, values and Jacobian."""
    from sklearn_scaling._fitting._double_descent import (
        DEFAULT_PENALTIES,
        RAW_LAW,
        DoubleDescentPenalty,
    )

    X, y = datasets.make_double_descent(n_samples=40, random_state=3)
    weights = _bootstrap_weights(len(y), 3, seed=4)
    share = weights / weights.sum(axis=1, keepdims=True)
    lows, highs = np.array([-1.0, 0.0, 0.5]), np.array([2.0, 3.0, 2.5])
    thetas = np.array([[-0.5, 0.3, -0.2, 1.0, -1.0, 0.5]]) + np.linspace(0, 0.4, 3)[:, None]
    values, jacobians = RAW_LAW.evaluate_many(X, thetas), RAW_LAW.jacobian_many(X, thetas)
    for sign in (1.0, -1.0):
        batch = DoubleDescentPenalty(DEFAULT_PENALTIES, sign, share, lows, highs)
        q, rows = batch(thetas, values, jacobians, np.arange(3))
        for b in range(3):
            one = DoubleDescentPenalty(DEFAULT_PENALTIES, sign, share[b], lows[b], highs[b])
            q_b, rows_b = one(thetas[[b]], values[[b]], jacobians[[b]], np.zeros(1, int))
            np.testing.assert_allclose(q[b], q_b[0], rtol=1e-12)
            np.testing.assert_allclose(rows[b], rows_b[0], rtol=1e-12, atol=1e-15)

            # The rows are the derivative of q, the law's Jacobian carried through.
            def q_at(theta, b=b, one=one):
                return one(theta[None], RAW_LAW.evaluate_many(X, theta[None]), None, [0])[0][0]

            np.testing.assert_allclose(
                rows[b], _numeric_jacobian(q_at, thetas[b]), rtol=1e-5, atol=1e-8
            )


def test_registry_double_descent_jacobian_is_the_derivative():
    from sklearn_scaling.laws import get_law

    law = get_law("double_descent")
    X = np.linspace(-1.0, 3.0, 25)[:, None]
    thetas = np.array([[-0.5, 0.3, -0.2, 1.0, -1.0, 0.5], [0.2, -0.4, 0.6, 0.5, 0.3, -1.0]])
    many = law.jacobian_many(X, thetas)
    for theta, jac in zip(thetas, many, strict=True):
        numeric = _numeric_jacobian(lambda t: law.evaluate(X, t), theta)
        np.testing.assert_allclose(jac, numeric, rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(law.jacobian_matrix(X, theta), jac, rtol=1e-12)


def test_batched_refinement_reaches_the_trust_region_objective():
    """fit_law's refine='batch' ends no higher than one least_squares per start."""
    from sklearn_scaling._fitting._double_descent import fit_double_descent

    X, y = datasets.make_double_descent(n_samples=60, noise=0.02, random_state=5)
    cost = {}
    for refine in ("least_squares", "batch"):
        result = fit_double_descent(X[:, 0], y, rng=np.random.default_rng(0), refine=refine)
        # The cost reported is the objective of the problem solved at the solution.
        assert result.problem.cost(result.internal_x) == pytest.approx(result.cost, rel=1e-12)
        cost[refine] = result.cost
    assert cost["batch"] <= cost["least_squares"] * (1 + 1e-9)
