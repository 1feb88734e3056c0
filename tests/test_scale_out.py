"""Parallel work: n_jobs inside one fit, and a grid search on a dask cluster."""

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor
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


def test_grid_search_on_a_dask_cluster_matches_local():
    distributed = pytest.importorskip("dask.distributed")
    X, y = make_double_descent(n_samples=90, random_state=2)
    local = _search().fit(X, y)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_backend("dask"),
    ):
        on_dask = _search().fit(X, y)
    assert on_dask.best_params_ == local.best_params_
    np.testing.assert_allclose(
        on_dask.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], rtol=1e-10
    )
    np.testing.assert_array_equal(on_dask.best_estimator_.coef_, local.best_estimator_.coef_)
