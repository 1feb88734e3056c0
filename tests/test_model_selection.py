"""Tests for :mod:`sklearn_scaling.model_selection`."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.linear_model import Ridge
from sklearn.model_selection import (
    GridSearchCV,
    TimeSeriesSplit,
    cross_val_score,
    cross_validate,
)

from sklearn_scaling.model_selection import ExtrapolationSplit

SEEDS = [0, 1, 2, 3, 4]


def _tied_data(seed, n_samples=60, n_scales=12):
    """Shuffled rows whose scale (column 1) takes few values with very uneven repeats."""
    rng = np.random.default_rng(seed)
    values = np.sort(rng.choice(np.logspace(6, 10, 50), size=n_scales, replace=False))
    # Dirichlet weights give some scales many runs and others one or two.
    weights = rng.dirichlet(np.full(n_scales, 0.5))
    scale = rng.choice(values, size=n_samples, p=weights)
    # Every requested scale appears at least once, so the tests know how many there are.
    scale[:n_scales] = values
    rng.shuffle(scale)
    X = np.column_stack([rng.normal(size=n_samples), scale, rng.uniform(size=n_samples)])
    return X, scale


def _check_invariants(cv, X, scale):
    folds = list(cv.split(X))
    assert len(folds) == cv.get_n_splits(X) == cv.n_splits
    n_samples = len(scale)
    previous_train, previous_test_max = None, -np.inf
    for train, test in folds:
        for idx in (train, test):
            assert idx.dtype.kind == "i"
            assert len(idx) > 0
            assert np.all(np.diff(idx) > 0)  # sorted ascending, no duplicates
            assert idx.min() >= 0 and idx.max() < n_samples
        assert np.intersect1d(train, test).size == 0
        # Extrapolation: every test scale beyond every training scale.
        assert scale[test].min() > scale[train].max()
        # Equal-scale rows never straddle: the test set holds whole scale groups.
        assert np.array_equal(test, np.flatnonzero(np.isin(scale, scale[test])))
        # Test blocks move up the scale.
        assert scale[test].min() > previous_test_max
        previous_test_max = scale[test].max()
        if previous_train is not None:
            assert np.all(np.isin(previous_train, train))
            assert len(train) > len(previous_train)
        previous_train = train
    return folds


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_splits", [1, 2, 3, 5])
def test_invariants_with_ties(seed, n_splits):
    X, scale = _tied_data(seed)
    cv = ExtrapolationSplit(n_splits, scale=1)
    folds = _check_invariants(cv, X, scale)
    # Without a gap the training set is every row below the test block.
    for train, test in folds:
        assert np.array_equal(train, np.flatnonzero(scale < scale[test].min()))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("test_size", [1, 2])
@pytest.mark.parametrize("gap", [0, 2])
def test_invariants_with_test_size_and_gap(seed, test_size, gap):
    X, scale = _tied_data(seed)
    cv = ExtrapolationSplit(3, scale=1, test_size=test_size, gap=gap)
    folds = _check_invariants(cv, X, scale)
    values = np.unique(scale)
    for train, test in folds:
        assert len(np.unique(scale[test])) == test_size
        # Exactly `gap` distinct scale values lie between train and test.
        between = values[(values > scale[train].max()) & (values < scale[test].min())]
        assert len(between) == gap
    # The test blocks are the largest scales.
    assert scale[folds[-1][1]].max() == values[-1]
    assert len(np.unique(scale[np.concatenate([t for _, t in folds])])) == 3 * test_size


@pytest.mark.parametrize("seed", SEEDS)
def test_balanced_by_rows(seed):
    # Two scales hold most runs: balancing distinct values would put almost all rows
    # into one test block.
    rng = np.random.default_rng(seed)
    scale = np.concatenate([np.arange(1.0, 11.0), np.full(45, 20.0), np.full(45, 30.0)])
    scale = rng.permutation(scale)
    X = scale[:, None]
    folds = list(ExtrapolationSplit(2).split(X))
    test_rows = [len(test) for _, test in folds]
    assert test_rows == [45, 45]


def test_distinct_scales_give_equal_test_blocks():
    # With all scales distinct, the rows per test block match TimeSeriesSplit.
    scale = np.array([5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0, 10.0, 11.0])
    for _, test in ExtrapolationSplit(3).split(scale[:, None]):
        assert len(test) == len(scale) // 4


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "params", [{}, {"n_splits": 3}, {"gap": 2}, {"test_size": 3}, {"n_splits": 2, "gap": 1}]
)
def test_matches_time_series_split_on_distinct_sorted_scales(seed, params):
    rng = np.random.default_rng(seed)
    scale = rng.permutation(np.linspace(1.0, 2.0, 23))
    order = np.argsort(scale)
    ours = list(ExtrapolationSplit(**params).split(scale[:, None]))
    theirs = list(TimeSeriesSplit(**params).split(scale))
    assert len(ours) == len(theirs)
    for (train, test), (ts_train, ts_test) in zip(ours, theirs, strict=True):
        # TimeSeriesSplit indexes the sorted rows; map back to the original rows.
        assert np.array_equal(train, np.sort(order[ts_train]))
        assert np.array_equal(test, np.sort(order[ts_test]))


def test_indices_refer_to_original_rows():
    X = np.array([[30.0], [10.0], [20.0], [10.0], [40.0], [30.0]])
    folds = list(ExtrapolationSplit(3).split(X))
    expected = [([1, 3], [2]), ([1, 2, 3], [0, 5]), ([0, 1, 2, 3, 5], [4])]
    assert len(folds) == len(expected)
    for (train, test), (exp_train, exp_test) in zip(folds, expected, strict=True):
        assert train.tolist() == exp_train
        assert test.tolist() == exp_test


@pytest.mark.parametrize("seed", SEEDS)
def test_scale_spellings_give_identical_folds(seed):
    X, scale = _tied_data(seed)
    # Compute scale = N * D, as a product of two columns with ties.
    rng = np.random.default_rng(seed)
    X[:, 0] = rng.choice([1.0, 2.0, 4.0], size=len(X))
    X[:, 2] = scale / X[:, 0]
    frame = pd.DataFrame(X, columns=["n", "compute", "d"])
    spellings = [
        (ExtrapolationSplit(3, scale=1), X),
        (ExtrapolationSplit(3, scale=-2), X),
        (ExtrapolationSplit(3, scale=1), frame),
        (ExtrapolationSplit(3, scale="compute"), frame),
        (ExtrapolationSplit(3, scale=lambda X: X[:, 1]), X),
        (ExtrapolationSplit(3, scale=lambda X: X["compute"].to_numpy()), frame),
        (ExtrapolationSplit(3, scale=1), sparse.csr_matrix(X)),
        (ExtrapolationSplit(3, scale=1), X.tolist()),
    ]
    reference = list(spellings[0][0].split(spellings[0][1]))
    for cv, data in spellings[1:]:
        folds = list(cv.split(data))
        assert len(folds) == len(reference)
        for (train, test), (ref_train, ref_test) in zip(folds, reference, strict=True):
            assert np.array_equal(train, ref_train)
            assert np.array_equal(test, ref_test)


def test_callable_scale_product_of_columns():
    rng = np.random.default_rng(0)
    X = rng.choice([1.0, 2.0, 3.0, 5.0], size=(40, 2))
    compute = 6 * X[:, 0] * X[:, 1]
    cv = ExtrapolationSplit(4, scale=lambda X: 6 * X[:, 0] * X[:, 1])
    _check_invariants(cv, X, compute)


def test_too_few_distinct_scales():
    X = np.array([[1.0], [1.0], [2.0], [2.0], [3.0], [3.0]])
    with pytest.raises(ValueError, match=r"3 distinct values.*n_splits=3.*at least 4"):
        ExtrapolationSplit(3).split(X)
    # Two splits of three distinct values are fine.
    assert len(list(ExtrapolationSplit(2).split(X))) == 2
    with pytest.raises(ValueError, match=r"3 distinct values.*gap=1 need at least 4"):
        ExtrapolationSplit(2, gap=1).split(X)
    with pytest.raises(ValueError, match=r"3 distinct values.*test_size=2.*at least 5"):
        ExtrapolationSplit(2, test_size=2).split(X)


def test_error_is_raised_when_split_is_called():
    # Errors surface at split(), not at the first next(), so tracebacks point at the call.
    with pytest.raises(ValueError, match="distinct values"):
        ExtrapolationSplit(5).split(np.ones((10, 1)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_scale(bad):
    X = np.arange(10.0)[:, None]
    X[3, 0] = bad
    with pytest.raises(ValueError, match="must be finite; 1 of 10"):
        ExtrapolationSplit(2).split(X)
    with pytest.raises(ValueError, match="must be finite"):
        ExtrapolationSplit(2, scale=lambda X: X[:, 0]).split(X)


def test_str_scale_needs_dataframe():
    X = np.arange(20.0).reshape(10, 2)
    with pytest.raises(ValueError, match="needs X to be a DataFrame"):
        ExtrapolationSplit(2, scale="compute").split(X)
    with pytest.raises(ValueError, match="'compute' is not a column"):
        ExtrapolationSplit(2, scale="compute").split(pd.DataFrame(X, columns=["a", "b"]))


def test_bad_column_index_and_callable_output():
    X = np.arange(20.0).reshape(10, 2)
    with pytest.raises(ValueError, match="out of range"):
        ExtrapolationSplit(2, scale=2).split(X)
    with pytest.raises(ValueError, match="needs a 2-D X"):
        ExtrapolationSplit(2, scale=0).split(np.arange(10.0))
    with pytest.raises(ValueError, match=r"of shape \(10,\); got shape \(9,\)"):
        ExtrapolationSplit(2, scale=lambda X: X[1:, 0]).split(X)
    with pytest.raises(ValueError, match=r"got shape \(10, 2\)"):
        ExtrapolationSplit(2, scale=lambda X: X).split(X)
    with pytest.raises(ValueError, match="must be numeric"):
        ExtrapolationSplit(2, scale=lambda X: ["a"] * len(X)).split(X)


@pytest.mark.parametrize("n_splits", [0, -1, 2.0, True, None])
def test_bad_n_splits(n_splits):
    with pytest.raises(ValueError, match="n_splits"):
        ExtrapolationSplit(n_splits)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"test_size": 0}, "test_size"),
        ({"test_size": 1.5}, "test_size"),
        ({"gap": -1}, "gap"),
        ({"gap": 0.5}, "gap"),
    ],
)
def test_bad_test_size_and_gap(params, match):
    with pytest.raises(ValueError, match=match):
        ExtrapolationSplit(2, **params)


def test_bad_scale_type():
    with pytest.raises(TypeError, match="scale must be"):
        ExtrapolationSplit(2, scale=1.0)


def test_parameters_changed_after_construction_are_checked():
    cv = ExtrapolationSplit(2)
    cv.n_splits = 0
    with pytest.raises(ValueError, match="n_splits"):
        cv.split(np.arange(10.0)[:, None])


def test_groups_are_ignored_with_a_warning():
    X = np.arange(10.0)[:, None]
    with pytest.warns(UserWarning, match="groups parameter is ignored"):
        folds = list(ExtrapolationSplit(2).split(X, groups=np.zeros(10)))
    reference = list(ExtrapolationSplit(2).split(X))
    for (train, test), (ref_train, ref_test) in zip(folds, reference, strict=True):
        assert np.array_equal(train, ref_train)
        assert np.array_equal(test, ref_test)


def _one_line(text):
    # scikit-learn's repr of a splitter wraps long lines.
    return " ".join(text.split())


def test_repr():
    assert _one_line(repr(ExtrapolationSplit())) == (
        "ExtrapolationSplit(gap=0, min_train_size=None, n_splits=5, scale=0, test_size=None)"
    )
    assert _one_line(repr(ExtrapolationSplit(3, scale="C", test_size=2, gap=1))) == (
        "ExtrapolationSplit(gap=1, min_train_size=None, n_splits=3, scale='C', test_size=2)"
    )


def _regression_data(seed=0, n_samples=80):
    rng = np.random.default_rng(seed)
    log_n = rng.choice(np.linspace(6, 10, 9), size=n_samples)
    other = rng.normal(size=n_samples)
    X = np.column_stack([log_n, other])
    y = 3.0 - 0.3 * log_n + 0.1 * other + rng.normal(scale=0.01, size=n_samples)
    return X, y


@pytest.mark.parametrize("as_frame", [False, True])
def test_cross_val_score_and_cross_validate(as_frame):
    X, y = _regression_data()
    scale = 0
    if as_frame:
        X = pd.DataFrame(X, columns=["log_n", "other"])
        scale = "log_n"
    cv = ExtrapolationSplit(3, scale=scale)
    scores = cross_val_score(Ridge(), X, y, cv=cv, scoring="neg_mean_squared_error")
    assert scores.shape == (3,)
    assert np.all(np.isfinite(scores))
    result = cross_validate(Ridge(), X, y, cv=cv, return_indices=True)
    assert np.all(np.isfinite(result["test_score"]))
    log_n = np.asarray(X)[:, 0]
    for train, test in zip(result["indices"]["train"], result["indices"]["test"], strict=True):
        assert log_n[test].min() > log_n[train].max()


def test_grid_search_cv():
    X, y = _regression_data()
    search = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=ExtrapolationSplit(3))
    search.fit(X, y)
    assert search.n_splits_ == 3
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_params_["alpha"] in (0.1, 1.0)
