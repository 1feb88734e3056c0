"""Options of the log-power family beyond the seed law: size terms, moving optimum, skew."""

import numpy as np
import pytest

from sklearn_scaling import LogPowerHyperparamRegressor, laws
from sklearn_scaling.datasets import make_lr_bsz_sweep

TRUE_SCALING = np.array(
    [2.0, 0.3, 0.3, 0.3, 0.3, 0.05, 0.02, 0.0, np.log(3e-3), -0.5, 0.3, np.log(512), 0.0, 0.5]
)


@pytest.fixture(scope="module")
def sweep():
    return make_lr_bsz_sweep(n_samples=300, noise=0.01, random_state=0)


@pytest.fixture(scope="module")
def scaling_sweep():
    """Runs drawn from a law whose optimal learning rate and batch size move with scale."""
    X, _ = make_lr_bsz_sweep(n_samples=400, random_state=1)
    noise = np.random.default_rng(0).normal(0, 0.002, len(X))
    return X, laws.log_power_scaling(X, TRUE_SCALING, size_terms="power") + noise


@pytest.mark.parametrize("size_terms", ["log_power", "power"])
@pytest.mark.parametrize("skew", [False, True])
def test_scaling_optimum_is_a_minimum_of_the_fitted_law(scaling_sweep, size_terms, skew):
    X, y = scaling_sweep
    reg = LogPowerHyperparamRegressor(
        optimum="scaling", size_terms=size_terms, skew=skew, random_state=0
    ).fit(X, y)
    # coef_ holds exactly the form's parameters and params_ names them, in that order.
    names = laws.LOG_POWER_SCALING_PARAMS + (laws.SKEW_PARAMS if skew else ())
    assert len(reg.coef_) == len(names) == (16 if skew else 14)
    assert tuple(reg.params_) == names
    np.testing.assert_array_equal(np.fromiter(reg.params_.values(), float), reg.coef_)
    data, params = np.array([2e10, 1e11]), np.array([1e8, 5e8])
    lr = reg.optimal_learning_rate(data, params)
    batch = reg.optimal_batch_size(data, params)
    at_optimum = reg.predict(np.column_stack([lr, batch, data, params]))
    for factor in (0.8, 1.25):
        assert np.all(at_optimum < reg.predict(np.column_stack([lr * factor, batch, data, params])))
        assert np.all(at_optimum < reg.predict(np.column_stack([lr, batch * factor, data, params])))


def test_power_size_terms_keep_improving_with_scale(scaling_sweep):
    X, y = scaling_sweep
    reg = LogPowerHyperparamRegressor(optimum="scaling", size_terms="power", random_state=0)
    reg.fit(X, y)
    assert reg.params_["b"] >= 0 and reg.params_["c"] >= 0
    sizes = np.logspace(9, 13, 9)
    rows = np.column_stack(
        [
            reg.optimal_learning_rate(sizes, 1e9),
            reg.optimal_batch_size(sizes, 1e9),
            sizes,
            np.full_like(sizes, 1e9),
        ]
    )
    assert np.all(np.diff(reg.predict(rows)) <= 0)


def test_skew_terms_are_linear_and_recovered():
    """Data drawn from a skewed law: the fit finds the skew with the right sign."""
    rng = np.random.default_rng(0)
    X, _ = make_lr_bsz_sweep(n_samples=400, random_state=1)
    true = np.r_[TRUE_SCALING, 0.02, 0.0]
    y = laws.log_power_scaling(X, true, size_terms="power") + rng.normal(0, 0.002, len(X))
    reg = LogPowerHyperparamRegressor(
        optimum="scaling", size_terms="power", skew=True, alpha=0.0, random_state=0
    ).fit(X, y)
    assert reg.params_["skew_lr"] == pytest.approx(0.02, abs=0.005)
    np.testing.assert_allclose(
        reg.predict(X), laws.log_power_scaling(X, true, size_terms="power"), atol=0.01
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"skew": True}, "optimum='scaling'"),
        # The estimator's own message, or scikit-learn's parameter validation's.
        ({"optimum": "scaling", "skew": "yes"}, "skew.*(True or False|'bool')"),
        ({"size_terms": "exponential"}, "size_terms.*(one of|among)"),
    ],
)
def test_invalid_form_options(sweep, options, message):
    X, y = sweep
    with pytest.raises(ValueError, match=message):
        LogPowerHyperparamRegressor(**options).fit(X, y)
