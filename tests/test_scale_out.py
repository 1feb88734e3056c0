"""Parallel work: n_jobs inside one fit, and a grid search on a dask cluster."""

import contextlib

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor, ScalingLawRegressor
from sklearn_scaling.datasets import make_double_descent, make_lr_bsz_sweep
from sklearn_scaling.model_selection import ExtrapolationSplit


@pytest.mark.parametrize(
    ("estimator", "make_data"),
    [
        (DoubleDescentRegressor(n_starts=3, random_state=0), make_double_descent),
        (LogPowerHyperparamRegressor(random_state=0), make_lr_bsz_sweep),
    ],
)
def test_n_jobs_gives_the_sequential_result(estimator, make_data):
    X, y = make_data(random_state=1)
    sequential = estimator.set_params(n_jobs=None).fit(X, y).coef_.copy()
    parallel = estimator.set_params(n_jobs=2).fit(X, y).coef_
    np.testing.assert_array_equal(parallel, sequential)


def _search():
    return GridSearchCV(
        DoubleDescentRegressor(n_starts=1, random_state=0),
        {"shape": ["bump", "dip"], "alpha": [0.1, 1.0]},
        cv=ExtrapolationSplit(n_splits=3),
        scoring="neg_mean_squared_error",
        n_jobs=2,
    )


@contextlib.contextmanager
def _local_dask_cluster():
    """joblib's dask backend on a one-worker in-process cluster (skipped without dask)."""
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_backend("dask"),
    ):
        yield


def test_grid_search_on_a_dask_cluster_matches_local():
    X, y = make_double_descent(n_samples=90, random_state=2)
    local = _search().fit(X, y)
    with _local_dask_cluster():
        on_dask = _search().fit(X, y)
    assert on_dask.best_params_ == local.best_params_
    np.testing.assert_allclose(
        on_dask.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], rtol=1e-10
    )
    np.testing.assert_array_equal(on_dask.best_estimator_.coef_, local.best_estimator_.coef_)


def _curves(n_curves=12, seed=0):
    rng = np.random.default_rng(seed)
    x = np.tile(np.logspace(1, 3, 10), n_curves)
    codes = np.repeat(np.arange(n_curves), 10)
    y = rng.uniform(0.5, 2, n_curves)[codes] + rng.uniform(2, 20, n_curves)[codes] * x**-0.4
    return np.column_stack([codes, x]), y * np.exp(rng.normal(0, 0.01, y.size))


def test_grouped_fit_spreads_curves_over_jobs_with_the_sequential_result():
    X, y = _curves()
    reg = ScalingLawRegressor("power_law", group=0, target_space="log", random_state=0)
    sequential = reg.set_params(n_jobs=None).fit(X, y).coef_.copy()
    parallel = reg.set_params(n_jobs=2).fit(X, y).coef_
    np.testing.assert_array_equal(parallel, sequential)


def test_grouped_fit_on_a_dask_cluster_matches_local():
    X, y = _curves()
    reg = ScalingLawRegressor("power_law", group=0, target_space="log", n_jobs=2)
    local = reg.fit(X, y).coef_.copy()
    with _local_dask_cluster():
        on_dask = reg.fit(X, y).coef_
    np.testing.assert_array_equal(on_dask, local)
