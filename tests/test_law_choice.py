"""Choosing the law itself by extrapolation: GridSearchCV swaps whole Pipeline steps."""

import numpy as np
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, PolynomialFeatures, StandardScaler

from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor, laws
from sklearn_scaling.datasets import make_double_descent, make_lr_bsz_sweep
from sklearn_scaling.model_selection import ExtrapolationSplit


def _training_compute(X):
    return 6.0 * X[:, 2] * X[:, 3]


def _polynomial(transform):
    return make_pipeline(
        FunctionTransformer(transform), PolynomialFeatures(2), StandardScaler(), RidgeCV()
    )


def _scaling_sweep():
    X, _ = make_lr_bsz_sweep(n_samples=400, random_state=3)
    true = np.r_[2.0, 0.3, 0.3, 0.3, 0.3, 0.05, 0.02, 0.0, np.log(3e-3), -0.5, 0.3, 6.2, 0, 0.5]
    noise = np.random.default_rng(0).normal(0, 0.005, len(X))
    return X, laws.log_power_scaling(X, true, size_terms="power") + noise


@pytest.mark.parametrize(
    ("data", "law", "baseline", "scale"),
    [
        (
            lambda: make_double_descent(n_samples=160, noise=0.01, random_state=0),
            DoubleDescentRegressor(random_state=0),
            _polynomial(None),
            0,
        ),
        (
            _scaling_sweep,
            LogPowerHyperparamRegressor(optimum="scaling", size_terms="power", random_state=0),
            _polynomial(np.log),
            _training_compute,
        ),
    ],
    ids=["double-descent", "log-power"],
)
def test_extrapolation_search_picks_the_true_law_over_baselines(data, law, baseline, scale):
    X, y = data()
    # The largest fifth of the scale is never seen by the search: it judges the choice.
    scale_values = X[:, 0] if scale == 0 else scale(X)
    seen = scale_values <= np.quantile(scale_values, 0.8)
    search = GridSearchCV(
        Pipeline([("law", DummyRegressor())]),
        # The prior strength is searched too: the seed's default priors are tuned for
        # noisy scores and bias the curve on clean data enough for a constant to win.
        [{"law": [law], "law__alpha": [0.0, 0.01, 1.0]}, {"law": [baseline, DummyRegressor()]}],
        cv=ExtrapolationSplit(n_splits=3, scale=scale),
        scoring="neg_mean_squared_error",
    ).fit(X[seen], y[seen])
    assert type(search.best_params_["law"]) is type(law)
    chosen_error = np.mean((search.predict(X[~seen]) - y[~seen]) ** 2)
    baseline_fit = baseline.fit(X[seen], y[seen])
    assert chosen_error < np.mean((baseline_fit.predict(X[~seen]) - y[~seen]) ** 2)
