"""Behaviour of both estimators on valid data, and how they reject bad input.

scikit-learn's generic checks (tests/test_common.py) draw data with column counts or
values these laws cannot take, so the properties they would have checked -- pickling,
determinism, sample-order and batch invariance, dtypes, read-only input, sample
weights, multi-output -- are checked here on data from the package's generators.
"""

import pickle
import warnings
from functools import partial

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor, laws
from sklearn_scaling.datasets import (
    DEFAULT_DOUBLE_DESCENT_PARAMS,
    make_double_descent,
    make_lr_bsz_sweep,
)
from sklearn_scaling.model_selection import ExtrapolationSplit

NOISE = 0.005

# True parameters for the log-power forms the generators do not cover: the size part
# (a, b, alpha, c, beta) of each size_terms option, and the moving optimum of
# optimum='scaling' (d, e, interaction, lr_0, lr_N, lr_D, bsz_0, bsz_N, bsz_D). With
# 4 d e > interaction**2 the scaling law's bowl has its minimum at the optimum.
SIZE_PARAMS = {
    "log_power": np.array([4.4, -0.01, 1.5, -0.012, 1.5]),
    "power": np.array([1.9, 0.25, 0.3, 0.35, 0.35]),
}
FIXED_TAIL = np.array([0.05, 3e-3, 0.03, 1.0, 0.003])  # d, lr_opt, e, gamma, interaction
SCALING_TAIL = np.array([0.05, 0.02, 0.0, np.log(3e-3), -0.3, 0.1, np.log(512.0), 0.1, 0.4])
LOG_POWER_FORMS = [(o, s) for o in ("fixed", "scaling") for s in ("log_power", "power")]


def log_power_data(n_samples, optimum="fixed", size_terms="log_power", noise=NOISE, seed=0):
    """``X`` from the sweep generator, ``y`` from the law of that form (and the truth)."""
    X, _ = make_lr_bsz_sweep(n_samples, random_state=seed)
    if optimum == "fixed":
        params, law = np.r_[SIZE_PARAMS[size_terms], FIXED_TAIL], laws.log_power
    else:
        params, law = np.r_[SIZE_PARAMS[size_terms], SCALING_TAIL], laws.log_power_scaling
    clean = law(X, params, size_terms=size_terms)
    y = clean + noise * np.random.default_rng(seed).standard_normal(n_samples)
    return X, y, clean


def dip_data(n_samples, noise=NOISE, seed=0):
    """The generator's law mirrored into a dip (fall, then rise), and the truth."""
    X, _ = make_double_descent(n_samples, random_state=seed)
    clean = laws.double_descent(X, DEFAULT_DOUBLE_DESCENT_PARAMS, "dip")
    return X, clean + noise * np.random.default_rng(seed).standard_normal(n_samples)


def _double_descent():
    X, y = make_double_descent(80, random_state=0)
    return DoubleDescentRegressor(random_state=0), X, y


def _double_descent_dip():
    X, y = dip_data(80, noise=0.02)
    return DoubleDescentRegressor(shape="dip", random_state=0), X, y


def _log_power():
    X, y = make_lr_bsz_sweep(150, random_state=0)
    return LogPowerHyperparamRegressor(random_state=0), X, y


def _log_power_scaling_power():
    X, y, _ = log_power_data(150, "scaling", "power", noise=0.01)
    return LogPowerHyperparamRegressor(optimum="scaling", size_terms="power", random_state=0), X, y


CASES = {
    "double_descent": _double_descent,
    "double_descent_dip": _double_descent_dip,
    "log_power": _log_power,
    "log_power_scaling_power": _log_power_scaling_power,
}


@pytest.fixture(params=list(CASES))
def case(request):
    """An unfitted estimator and valid data for it."""
    return CASES[request.param]()


@pytest.fixture(params=["double_descent", "log_power"])
def basic_case(request):
    return CASES[request.param]()


# ------------------------------------------------------------ persistence, determinism


def test_pickle_round_trip(case):
    est, X, y = case
    est.fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    assert_array_equal(restored.coef_, est.coef_)
    assert_array_equal(restored.predict(X), est.predict(X))


def test_refit_and_clone_give_identical_coef(case):
    est, X, y = case
    first = est.fit(X, y).coef_.copy()
    assert_array_equal(est.fit(X, y).coef_, first)
    assert_array_equal(clone(est).fit(X, y).coef_, first)
    fresh = type(est)(**est.get_params())
    assert_array_equal(fresh.fit(X, y).coef_, first)


def test_n_jobs_gives_the_same_fit(case):
    est, X, y = case
    serial = clone(est).fit(X, y)
    parallel = clone(est).set_params(n_jobs=2).fit(X, y)
    assert_array_equal(parallel.coef_, serial.coef_)


def test_random_state_instance_gives_a_reproducible_fit(basic_case):
    # A RandomState instance is drawn from once per fit, like an int seed.
    est, X, y = basic_case
    a = clone(est).set_params(random_state=np.random.RandomState(3)).fit(X, y)
    b = clone(est).set_params(random_state=np.random.RandomState(3)).fit(X, y)
    assert_array_equal(a.coef_, b.coef_)


# --------------------------------------------------------------------------- invariances


def test_sample_order_invariance(case):
    est, X, y = case
    reference = clone(est).fit(X, y)
    order = np.random.default_rng(1).permutation(len(y))
    permuted = clone(est).fit(X[order], y[order])
    assert_allclose(permuted.coef_, reference.coef_, rtol=1e-6, atol=1e-8)
    assert_allclose(permuted.predict(X), reference.predict(X), rtol=1e-9)


def test_batch_invariance(case):
    est, X, y = case
    est.fit(X, y)
    full = est.predict(X)
    subset = np.random.default_rng(2).choice(len(y), size=len(y) // 3, replace=False)
    assert_allclose(est.predict(X[subset]), full[subset], rtol=1e-12)
    batches = [est.predict(X[i : i + 7]) for i in range(0, len(y), 7)]
    assert_allclose(np.concatenate(batches), full, rtol=1e-12)
    assert_allclose(est.predict(X[:1]), full[:1], rtol=1e-12)


# ------------------------------------------------------------------------- input types


@pytest.mark.parametrize("where", ["X", "y"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_input_is_rejected(basic_case, where, value):
    est, X, y = basic_case
    X, y = X.copy(), y.copy()
    if where == "X":
        X[3, -1] = value
    else:
        y[3] = value
    with pytest.raises(ValueError, match="NaN|infinity"):
        est.fit(X, y)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_input_is_rejected_at_predict(basic_case, value):
    est, X, y = basic_case
    est.fit(X, y)
    X = X[:5].copy()
    X[2, 0] = value
    with pytest.raises(ValueError, match="NaN|infinity"):
        est.predict(X)


def test_float32_input(case):
    est, X, y = case
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    fitted = clone(est).fit(X32, y32)
    upcast = clone(est).fit(X32.astype(np.float64), y32.astype(np.float64))
    assert_array_equal(fitted.coef_, upcast.coef_)
    pred = fitted.predict(X32)
    assert pred.dtype == np.float64
    assert_array_equal(pred, upcast.predict(X32.astype(np.float64)))


def test_integer_input_double_descent():
    X, y = make_double_descent(80, random_state=0)
    # log10 compute in quarter decades and the score in thousandths, as integers.
    X_int, y_int = np.round(4 * X).astype(np.int64), np.round(1000 * y).astype(np.int64)
    est = DoubleDescentRegressor(random_state=0)
    fitted = clone(est).fit(X_int, y_int)
    as_float = clone(est).fit(X_int.astype(float), y_int.astype(float))
    assert_array_equal(fitted.coef_, as_float.coef_)
    assert_array_equal(fitted.predict(X_int), as_float.predict(X_int.astype(float)))


def test_integer_input_log_power():
    pd = pytest.importorskip("pandas")
    X, y = make_lr_bsz_sweep(150, random_state=0)
    # Batch, data and model sizes are integers by nature (a learning rate is not, and
    # no integer learning rate would sit inside seed 001's bounds on lr_opt).
    frame = pd.DataFrame(
        {
            "lr": X[:, 0],
            "bsz": X[:, 1].astype(np.int64),
            "data_size": np.round(X[:, 2]).astype(np.int64),
            "params": np.round(X[:, 3]).astype(np.int64),
        }
    )
    est = LogPowerHyperparamRegressor(random_state=0)
    fitted = clone(est).fit(frame, y)
    as_float = clone(est).fit(frame.astype(float), y)
    assert_array_equal(fitted.coef_, as_float.coef_)
    assert_array_equal(fitted.predict(frame), as_float.predict(frame.astype(float)))


def test_dataframe_input(case):
    pd = pytest.importorskip("pandas")
    est, X, y = case
    names = [f"feature_{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=names)
    fitted = clone(est).fit(frame, pd.Series(y, name="target"))
    assert_array_equal(fitted.feature_names_in_, names)
    assert fitted.n_features_in_ == X.shape[1]
    plain = clone(est).fit(X, y)
    assert not hasattr(plain, "feature_names_in_")
    assert_array_equal(fitted.coef_, plain.coef_)
    assert_array_equal(fitted.predict(frame), plain.predict(X))

    # Feature-name checks behave as for any scikit-learn estimator.
    renamed = frame.rename(columns={names[0]: "other"})
    with pytest.raises(ValueError, match="feature names should match"):
        fitted.predict(renamed)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        fitted.predict(X)
    with pytest.warns(UserWarning, match="fitted without feature names"):
        plain.predict(frame)


def test_dataframe_multi_output_target():
    pd = pytest.importorskip("pandas")
    X, Y = make_double_descent(80, n_targets=2, random_state=0)
    est = DoubleDescentRegressor(random_state=0)
    fitted = clone(est).fit(pd.DataFrame(X, columns=["log_flops"]), pd.DataFrame(Y))
    assert_array_equal(fitted.coef_, clone(est).fit(X, Y).coef_)


def test_read_only_arrays(case):
    est, X, y = case
    reference = clone(est).fit(X, y)
    X_ro, y_ro = X.copy(), y.copy()
    X_ro.flags.writeable = False
    y_ro.flags.writeable = False
    fitted = clone(est).fit(X_ro, y_ro)
    assert_array_equal(fitted.coef_, reference.coef_)
    assert_array_equal(fitted.predict(X_ro), reference.predict(X))


def test_memmap_input(case, tmp_path):
    est, X, y = case
    reference = clone(est).fit(X, y)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    X_map = np.load(tmp_path / "X.npy", mmap_mode="r")
    y_map = np.load(tmp_path / "y.npy", mmap_mode="r")
    assert isinstance(X_map, np.memmap) and not X_map.flags.writeable
    fitted = clone(est).fit(X_map, y_map)
    assert_array_equal(fitted.coef_, reference.coef_)
    assert_array_equal(fitted.predict(X_map), reference.predict(X))


def test_column_count_mismatch_at_predict(basic_case):
    est, X, y = basic_case
    est.fit(X, y)
    name = type(est).__name__
    wider = np.column_stack([X, X[:, :1]])
    with pytest.raises(ValueError, match=f"X has {X.shape[1] + 1} features, but {name} is"):
        est.predict(wider)
    if X.shape[1] > 1:
        with pytest.raises(ValueError, match=f"X has 1 features, but {name} is expecting"):
            est.predict(X[:, :1])


def test_not_fitted():
    X, y = make_double_descent(20, random_state=0)
    with pytest.raises(NotFittedError):
        DoubleDescentRegressor().predict(X)
    with pytest.raises(NotFittedError):
        DoubleDescentRegressor().score(X, y)
    X, y = make_lr_bsz_sweep(20, random_state=0)
    est = LogPowerHyperparamRegressor()
    with pytest.raises(NotFittedError):
        est.predict(X)
    with pytest.raises(NotFittedError):
        est.optimal_learning_rate(1e10, 1e8)
    with pytest.raises(NotFittedError):
        est.optimal_batch_size(1e10, 1e8)


# ------------------------------------------------------------------------- multi-output


def test_double_descent_multi_output():
    X, Y = make_double_descent(80, n_targets=3, random_state=0)
    est = DoubleDescentRegressor(random_state=0).fit(X, Y)
    assert est.coef_.shape == (3, 6)
    assert est.predict(X).shape == (80, 3)
    assert_array_equal(est.predict(X), laws.double_descent(X, est.coef_))
    for value in est.params_.values():
        assert np.shape(value) == (3,)
    for attribute in ("cost_", "nfev_", "converged_", "f_scale_", "asymptote_"):
        assert np.shape(getattr(est, attribute)) == (3,)
    assert np.shape(est.peak_["log_compute"]) == np.shape(est.peak_["value"]) == (3,)
    for column in range(3):
        single = DoubleDescentRegressor(random_state=0).fit(X, Y[:, column])
        assert_array_equal(est.coef_[column], single.coef_)
        assert est.peak_["value"][column] == single.peak_["value"]
        assert est.asymptote_[column] == single.asymptote_


def test_double_descent_column_vector_target_stays_2d():
    X, y = make_double_descent(80, random_state=0)
    est = DoubleDescentRegressor(random_state=0).fit(X, y[:, None])
    assert est.coef_.shape == (1, 6)
    assert est.predict(X).shape == (80, 1)
    assert_array_equal(est.coef_[0], DoubleDescentRegressor(random_state=0).fit(X, y).coef_)


# ------------------------------------------------------------------------ sample weight


def test_integer_sample_weight_equals_repeated_rows(case):
    est, X, y = case
    weights = np.random.default_rng(3).integers(0, 4, size=len(y))
    weighted = clone(est).fit(X, y, sample_weight=weights)
    repeated = clone(est).fit(np.repeat(X, weights, axis=0), np.repeat(y, weights))
    assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-6, atol=1e-8)
    assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-6, atol=1e-8)


def test_zero_sample_weight_equals_dropped_rows(case):
    est, X, y = case
    weights = np.ones(len(y))
    weights[::4] = 0.0
    weighted = clone(est).fit(X, y, sample_weight=weights)
    dropped = clone(est).fit(X[weights > 0], y[weights > 0])
    assert_allclose(weighted.coef_, dropped.coef_, rtol=1e-6, atol=1e-8)
    assert_allclose(weighted.predict(X), dropped.predict(X), rtol=1e-6, atol=1e-8)


def test_unit_sample_weight_equals_none(case):
    est, X, y = case
    unweighted = clone(est).fit(X, y)
    ones = clone(est).fit(X, y, sample_weight=np.ones(len(y)))
    assert_array_equal(ones.coef_, unweighted.coef_)


def test_sample_weight_changes_the_fit(basic_case):
    # Weights are used, not silently ignored.
    est, X, y = basic_case
    weights = np.where(X[:, -1] > np.median(X[:, -1]), 5.0, 1.0)
    weighted = clone(est).fit(X, y, sample_weight=weights)
    assert not np.allclose(weighted.coef_, clone(est).fit(X, y).coef_)


# ------------------------------------------------------------------- meta-estimators


def _exp10(X):
    return np.power(10.0, X)


def test_pipeline_with_log10_compute():
    X, y = make_double_descent(80, random_state=0)
    compute = np.power(10.0, X)  # compute in units of 1e21 FLOPs
    pipe = make_pipeline(FunctionTransformer(np.log10), DoubleDescentRegressor(random_state=0))
    pipe.fit(compute, y)
    direct = DoubleDescentRegressor(random_state=0).fit(np.log10(compute), y)
    assert_array_equal(pipe[-1].coef_, direct.coef_)
    assert_array_equal(pipe.predict(compute), direct.predict(np.log10(compute)))
    assert pipe.score(compute, y) == direct.score(np.log10(compute), y)


def test_pipeline_from_log10_features():
    X, y = make_lr_bsz_sweep(150, random_state=0)
    log_X = np.log10(X)  # a sweep logged as log10 of every hyperparameter
    pipe = make_pipeline(FunctionTransformer(_exp10), LogPowerHyperparamRegressor(random_state=0))
    pipe.fit(log_X, y)
    direct = LogPowerHyperparamRegressor(random_state=0).fit(_exp10(log_X), y)
    assert_array_equal(pipe[-1].coef_, direct.coef_)
    assert_allclose(pipe.predict(log_X), direct.predict(X), rtol=1e-9)
    restored = pickle.loads(pickle.dumps(pipe))
    assert_array_equal(restored.predict(log_X), pipe.predict(log_X))


def test_clone_keeps_params_and_drops_fit(basic_case):
    est, X, y = basic_case
    est.set_params(n_starts=3, max_nfev=500).fit(X, y)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert not hasattr(copy, "coef_")


def test_cross_val_score():
    X, y = make_double_descent(120, random_state=0)
    scores = cross_val_score(
        DoubleDescentRegressor(random_state=0), X, y, cv=ExtrapolationSplit(n_splits=3)
    )
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    X, y = make_lr_bsz_sweep(150, random_state=0)
    scores = cross_val_score(
        LogPowerHyperparamRegressor(random_state=0),
        X,
        y,
        cv=KFold(3, shuffle=True, random_state=0),
    )
    # Interpolating a well-specified law: every fold is explained well.
    assert scores.shape == (3,) and np.all(scores > 0.9)


def _training_compute(X):
    return 6.0 * X[:, 2] * X[:, 3]


@pytest.mark.parametrize(
    "est, make_data, grid, cv",
    [
        (
            DoubleDescentRegressor(random_state=0),
            lambda: make_double_descent(100, random_state=0),
            {"loss": ["huber", "squared"], "alpha": [0.0, 1.0]},
            ExtrapolationSplit(n_splits=2),
        ),
        (
            DoubleDescentRegressor(random_state=0),
            lambda: make_double_descent(100, random_state=0),
            {"amplitude_penalty": [0.0, 3e-4], "density_weighting": [True, False]},
            KFold(3, shuffle=True, random_state=0),
        ),
        (
            LogPowerHyperparamRegressor(random_state=0),
            lambda: make_lr_bsz_sweep(150, random_state=0),
            {"alpha": [0.0, 0.003], "loss": ["squared", "soft_l1"]},
            ExtrapolationSplit(n_splits=2, scale=_training_compute),
        ),
    ],
    ids=["dd-extrapolation", "dd-kfold", "log-power-extrapolation"],
)
def test_grid_search(est, make_data, grid, cv):
    X, y = make_data()
    search = GridSearchCV(est, grid, cv=cv).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    best = search.best_estimator_
    for name, value in search.best_params_.items():
        assert best.get_params()[name] == value
    refit = clone(est).set_params(**search.best_params_).fit(X, y)
    assert_array_equal(best.coef_, refit.coef_)


# ------------------------------------------------------------------------- bad input


def _dd(**params):
    X, y = make_double_descent(40, random_state=0)
    return DoubleDescentRegressor(**params), X, y


def _lp(**params):
    X, y = make_lr_bsz_sweep(40, random_state=0)
    return LogPowerHyperparamRegressor(**params), X, y


def _set(X, row, column, value):
    X = X.copy()
    X[row, column] = value
    return X


BAD_DATA = {
    "dd-two-columns": (_dd, lambda X, y: (np.column_stack([X, X]), y), r"exactly 1 column.*got 2"),
    "lp-three-columns": (_lp, lambda X, y: (X[:, :3], y), r"exactly 4 column.*got 3"),
    "lp-one-column": (_lp, lambda X, y: (X[:, :1], y), r"exactly 4 column.*got 1"),
    "lp-zero-lr": (_lp, lambda X, y: (_set(X, 5, 0, 0.0), y), r"column 0 \(learning rate\)"),
    "lp-negative-lr": (_lp, lambda X, y: (_set(X, 5, 0, -1e-3), y), r"column 0 \(learning rate\)"),
    "lp-batch-below-1": (_lp, lambda X, y: (_set(X, 5, 1, 0.5), y), r"column 1 \(batch size\)"),
    "lp-zero-batch": (_lp, lambda X, y: (_set(X, 5, 1, 0.0), y), r"column 1 \(batch size\)"),
    "lp-data-size-1": (_lp, lambda X, y: (_set(X, 5, 2, 1.0), y), r"column 2 \(data size\)"),
    "lp-param-size-1": (
        _lp,
        lambda X, y: (_set(X, 5, 3, 1.0), y),
        r"column 3 \(non-embedding parameters\)",
    ),
    "dd-fewer-rows-than-params": (_dd, lambda X, y: (X[:5], y[:5]), r"6 parameters.*got 5"),
    "lp-fewer-rows-than-params": (_lp, lambda X, y: (X[:9], y[:9]), r"10 parameters.*got 9"),
    "dd-constant-y": (_dd, lambda X, y: (X, np.full_like(y, -0.5)), "y is constant"),
    "dd-one-constant-column": (
        _dd,
        lambda X, y: (X, np.column_stack([y, np.zeros_like(y)])),
        r"y is constant \(target column 1\)",
    ),
    "lp-constant-y": (_lp, lambda X, y: (X, np.full_like(y, 2.5)), "y is constant"),
    "dd-nan-y": (_dd, lambda X, y: (X, np.r_[np.nan, y[1:]]), "y contains NaN"),
    "lp-inf-y": (_lp, lambda X, y: (X, np.r_[y[:-1], np.inf]), "y contains infinity"),
    "dd-empty": (_dd, lambda X, y: (X[:0], y[:0]), "0 sample"),
    "lp-empty": (_lp, lambda X, y: (X[:0], y[:0]), "0 sample"),
    "lp-2d-y": (_lp, lambda X, y: (X, np.column_stack([y, y])), "1d array"),
}


@pytest.mark.parametrize("name", list(BAD_DATA))
def test_bad_data_is_rejected_with_a_clear_message(name):
    make, corrupt, match = BAD_DATA[name]
    est, X, y = make()
    X, y = corrupt(X, y)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)


def test_out_of_domain_predict_is_rejected():
    est, X, y = _lp()
    est.fit(X, y)
    with pytest.raises(ValueError, match=r"column 0 \(learning rate\)"):
        est.predict(_set(X, 0, 0, 0.0))
    with pytest.raises(ValueError, match=r"column 2 \(data size\)"):
        est.predict(_set(X, 0, 2, 0.5))


BAD_WEIGHTS = {
    "negative": (lambda n: -np.ones(n), "non-negative"),
    "all-zero": (np.zeros, "non-zero|positive weight"),
    "too-few-positive": (lambda n: np.r_[np.ones(5), np.zeros(n - 5)], r"got 5"),
    "wrong-length": (lambda n: np.ones(n + 1), "sample_weight"),
    "nan": (lambda n: np.r_[np.nan, np.ones(n - 1)], "NaN"),
}


@pytest.mark.parametrize("name", list(BAD_WEIGHTS))
def test_bad_sample_weight_is_rejected(name):
    make_weights, match = BAD_WEIGHTS[name]
    est, X, y = _dd()
    with pytest.raises(ValueError, match=match):
        est.fit(X, y, sample_weight=make_weights(len(y)))


BAD_OPTIONS = [
    (_dd, {"loss": "l2"}, r"'loss' parameter of DoubleDescentRegressor must be a str among"),
    (_lp, {"loss": "absolute"}, r"'loss' parameter of .* must be a str among"),
    (_dd, {"amplitude_penalty": -1.0}, r"'amplitude_penalty' parameter .* in the range \[0"),
    (_dd, {"order_penalty": np.nan}, r"'order_penalty' parameter .* in the range \[0"),
    (_dd, {"separation_penalty": -1e-4}, r"'separation_penalty' parameter .* in the range \[0"),
    (_dd, {"range_penalty": "big"}, r"'range_penalty' parameter .* must be a float"),
    (_dd, {"tail_penalty": -1.0}, r"'tail_penalty' parameter .* in the range \[0"),
    (_dd, {"alpha": -1.0}, r"'alpha' parameter .* in the range \[0"),
    (_lp, {"alpha": -0.1}, r"'alpha' parameter .* in the range \[0"),
    (_dd, {"n_starts": 0}, r"'n_starts' parameter .* in the range \[1"),
    (_lp, {"n_starts": 0}, r"'n_starts' parameter .* in the range \[1"),
    (_dd, {"n_starts": 2.5}, r"'n_starts' parameter .* must be an int"),
    (_lp, {"max_nfev": 0}, r"'max_nfev' parameter .* in the range \[1"),
    (_dd, {"f_scale": -0.1}, r"'f_scale' parameter .* in the range \(0"),
    (
        _lp,
        {"f_scale": "median"},
        r"'f_scale' parameter .* must be a str among \{'mad'\} or a float",
    ),
    (
        _dd,
        {"density_weighting": "yes"},
        r"'density_weighting' parameter .* must be an instance of 'bool'",
    ),
    (_dd, {"b0_bounds": (0.5, -6.0)}, "b0_bounds must satisfy low < high"),
    (_dd, {"b0_bounds": "wide"}, r"'b0_bounds' parameter .* must be None or an array-like"),
    (_lp, {"optimum": "moving"}, r"'optimum' parameter .* must be a str among"),
    (_lp, {"size_terms": "chinchilla"}, r"'size_terms' parameter .* must be a str among"),
    (_lp, {"global_search": "sometimes"}, r"'global_search' parameter .* must be a str among"),
    (_lp, {"global_search": True}, r"'global_search' parameter .* must be a str among"),
    (_lp, {"bounds": {"lr_optimum": (1e-4, 1e-2)}}, r"bounds names unknown parameters"),
    (_lp, {"bounds": {"lr_0": (-9.0, -3.0)}}, r"unknown parameters \['lr_0'\]"),
    (_lp, {"bounds": {"a": (4.5, 1.5)}}, r"bounds\['a'\] must satisfy low < high"),
    (_lp, {"bounds": [(1.5, 4.5)]}, r"'bounds' parameter .* must be None or an instance of 'dict'"),
    (_lp, {"prediction_bounds": (4.5, 1.5)}, "prediction_bounds must satisfy low < high"),
    (_lp, {"prediction_bounds": (1.5,)}, r"prediction_bounds must be a \(low, high\) pair"),
    (_lp, {"prediction_bounds": (np.nan, 4.5)}, "prediction_bounds must satisfy low < high"),
    (_dd, {"shape": "u"}, r"'shape' parameter .* must be a str among"),
    (_dd, {"prior_units": "mad"}, r"'prior_units' parameter .* must be a str among"),
    (_dd, {"tol": 0.0}, r"'tol' parameter .* in the range \(0"),
    (_lp, {"tol": -1e-6}, r"'tol' parameter .* in the range \(0"),
    (_lp, {"skew": "yes"}, r"'skew' parameter .* must be an instance of 'bool'"),
    (_lp, {"skew": True}, "skew=True needs optimum='scaling'"),
]


@pytest.mark.parametrize(
    "make, params, match",
    BAD_OPTIONS,
    ids=[
        f"{make.__name__[1:]}-{next(iter(params))}-{i}"
        for i, (make, params, _) in enumerate(BAD_OPTIONS)
    ],
)
def test_invalid_options_are_rejected_at_fit(make, params, match):
    est, X, y = make(**params)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)


@pytest.mark.parametrize("sizes", [(1.0, 1e8), (1e10, 0.5), (np.nan, 1e8), (1e10, np.inf)])
def test_optimum_methods_reject_bad_sizes(sizes):
    est, X, y = _lp()
    est.fit(X, y)
    for method in (est.optimal_learning_rate, est.optimal_batch_size):
        with pytest.raises(ValueError, match="data_size and param_size must be finite"):
            method(*sizes)


# ---------------------------------------------------------------- warnings, convergence


DD_SETTINGS = [
    {"loss": loss, "density_weighting": weighting}
    for loss in ("huber", "squared", "soft_l1", "cauchy")
    for weighting in (True, False)
] + [{"alpha": 0.0}, {"b0_bounds": (-6.0, 0.5)}, {"f_scale": 0.05}]


@pytest.mark.parametrize("params", DD_SETTINGS, ids=str)
@pytest.mark.parametrize("data", ["noisy", "outliers", "exact", "multi-output"])
def test_no_runtime_warning_double_descent(params, data):
    X, y = make_double_descent(
        80,
        noise=0.0 if data == "exact" else 0.02,
        outlier_fraction=0.1 if data == "outliers" else 0.0,
        n_targets=2 if data == "multi-output" else 1,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        est = DoubleDescentRegressor(random_state=0, **params).fit(X, y)
        grid = np.linspace(X.min() - 5.0, X.max() + 5.0, 50)[:, None]
        assert np.all(np.isfinite(est.predict(grid)))
        assert np.all(np.isfinite(est.coef_))


LP_SETTINGS = [
    {"optimum": optimum, "size_terms": size_terms, "loss": loss}
    for optimum, size_terms in LOG_POWER_FORMS
    for loss in ("squared", "huber", "cauchy")
] + [
    {"alpha": 0.0},
    {"prediction_bounds": (1.5, 4.5)},
    {"bounds": {"lr_opt": (1e-3, 1e-2)}},
    {"global_search": "always"},
    {"optimum": "scaling", "skew": True},
]


@pytest.mark.parametrize("params", LP_SETTINGS, ids=str)
def test_no_runtime_warning_log_power(params):
    form = params.get("optimum", "fixed"), params.get("size_terms", "log_power")
    X, y, _ = log_power_data(80, *form, noise=0.01)
    # Batch size 1 makes log(batch) ** gamma exactly 0, the edge of the law's domain.
    X[:3, 1] = 1.0
    y[3:6] += 0.3  # a few bad runs
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        est = LogPowerHyperparamRegressor(random_state=0, **params).fit(X, y)
        assert np.all(np.isfinite(est.predict(X)))
        assert np.all(np.isfinite(est.coef_))
        sizes = np.geomspace(1e9, 1e12, 4), np.geomspace(1e7, 1e10, 4)
        assert np.all(np.isfinite(est.optimal_learning_rate(*sizes)))
        assert np.all(np.isfinite(est.optimal_batch_size(*sizes)))


def test_unconverged_fit_warns_and_keeps_finite_coef(case):
    est, X, y = case
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        est.set_params(max_nfev=1).fit(X, y)
    assert not est.converged_
    assert np.all(np.isfinite(est.coef_))
    assert np.all(np.isfinite(est.predict(X)))


def test_converged_fit_does_not_warn(case):
    est, X, y = case
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    assert np.all(est.converged_)


def _tiny_flat_scores(seed=0):
    """Scores near 0 that barely vary, as a Brier score of a solved task (hellaswag)."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-0.9, 2.1, 54))
    return x[:, None], -1e-3 + 2e-4 * rng.standard_normal(x.size)


def test_fit_that_misses_every_target_warns():
    # The seed's priors are in absolute units of y: on targets spanning 1e-3, strong
    # priors and a saturating loss pull the whole curve far below the data.
    X, y = _tiny_flat_scores()
    est = DoubleDescentRegressor(shape="dip", alpha=10.0, loss="cauchy", random_state=0)
    with pytest.warns(UserWarning, match="lies below every training target"):
        est.fit(X, y)
    assert np.all(est.predict(X) < y.min())


def test_rescaled_targets_follow_the_data_without_warning():
    X, y = _tiny_flat_scores()
    est = DoubleDescentRegressor(shape="dip", alpha=10.0, loss="cauchy", random_state=0)
    with warnings.catch_warnings():
        # Only the off-target warning is at stake: this fit's amplitudes do end on the
        # raw box, which the at-bounds warning rightly reports.
        warnings.filterwarnings("error", ".*every training target", UserWarning)
        est.fit(X, 1000.0 * y)
    pred = est.predict(X)
    assert 1000.0 * y.min() <= pred.min() and pred.max() <= 1000.0 * y.max()


def test_off_target_warning_names_the_column_of_a_multi_output_fit():
    X, y = _tiny_flat_scores()
    est = DoubleDescentRegressor(shape="dip", alpha=10.0, loss="cauchy", random_state=0)
    with pytest.warns(UserWarning, match="target of column 1") as record:
        est.fit(X, np.column_stack([1000.0 * y, y]))
    assert len([w for w in record if "every training" in str(w.message)]) == 1


def test_prediction_bounds_that_exclude_the_targets_warn():
    X, y = make_lr_bsz_sweep(150, random_state=0)
    est = LogPowerHyperparamRegressor(prediction_bounds=(0.0, y.min() - 0.1), random_state=0)
    with pytest.warns(UserWarning, match="lies below every training target"):
        est.fit(X, y)


@pytest.mark.parametrize("shape", ["bump", "dip"])
@pytest.mark.parametrize("factor", [1e-3, 1e3])
def test_priors_in_f_scale_units_make_the_fit_follow_the_units_of_y(shape, factor):
    X, y = make_double_descent(80, random_state=0)
    make = partial(DoubleDescentRegressor, shape=shape, prior_units="f_scale", random_state=0)
    unit, scaled = make().fit(X, y), make().fit(X, factor * y)
    assert_allclose(scaled.predict(X), factor * unit.predict(X), rtol=1e-9)
    assert_allclose(scaled.asymptote_, factor * unit.asymptote_, rtol=1e-9)
    assert_allclose(scaled.peak_["value"], factor * unit.peak_["value"], rtol=1e-9)
    assert_allclose(scaled.peak_["log_compute"], unit.peak_["log_compute"], rtol=1e-12)
    assert_allclose(scaled.f_scale_, factor * unit.f_scale_, rtol=1e-12)
    assert_allclose(scaled.cost_, unit.cost_, rtol=1e-9)


def test_priors_in_y_units_depend_on_the_units_of_y():
    # The seed's default: the same strengths weigh 1e6 times more against the data
    # of y / 1000, so the fitted curve changes shape (this is what 'f_scale' removes).
    X, y = make_double_descent(80, random_state=0)
    unit = DoubleDescentRegressor(random_state=0).fit(X, y)
    small = DoubleDescentRegressor(random_state=0).fit(X, 1e-3 * y)
    gap = np.max(np.abs(1e3 * small.predict(X) - unit.predict(X)))
    assert gap > 10 * unit.f_scale_


def test_priors_in_f_scale_units_follow_tiny_targets():
    X, y = _tiny_flat_scores()
    est = DoubleDescentRegressor(
        shape="dip", alpha=10.0, loss="cauchy", prior_units="f_scale", random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        est.fit(X, y)
    pred = est.predict(X)
    assert y.min() <= pred.min() and pred.max() <= y.max()


def test_default_fits_follow_their_targets(case):
    est, X, y = case
    with warnings.catch_warnings():
        # The off-target warning only: the default log-power fit of the sweep ends on the
        # bounds of a and e, which the at-bounds warning rightly reports.
        warnings.filterwarnings("error", ".*every training target", UserWarning)
        est.fit(X, y)


# ----------------------------------------------------------------- recovery and laws


def test_double_descent_recovers_the_true_curve():
    X, y, true = make_double_descent(120, noise=NOISE, random_state=0, return_params=True)
    est = DoubleDescentRegressor(alpha=0.0, random_state=0).fit(X, y)
    grid = np.linspace(X.min(), X.max(), 500)[:, None]
    error = est.predict(grid) - laws.double_descent(grid, true)
    assert np.max(np.abs(error)) < 3 * NOISE
    assert np.sqrt(np.mean(error**2)) < NOISE


def test_double_descent_recovers_a_dip():
    X, y = dip_data(120)
    est = DoubleDescentRegressor(shape="dip", alpha=0.0, random_state=0).fit(X, y)
    grid = np.linspace(X.min(), X.max(), 500)[:, None]
    error = est.predict(grid) - laws.double_descent(grid, DEFAULT_DOUBLE_DESCENT_PARAMS, "dip")
    assert np.max(np.abs(error)) < 3 * NOISE
    assert np.sqrt(np.mean(error**2)) < NOISE


def test_double_descent_recovers_each_target():
    X, Y, true = make_double_descent(
        120, noise=NOISE, n_targets=3, random_state=0, return_params=True
    )
    est = DoubleDescentRegressor(alpha=0.0, random_state=0).fit(X, Y)
    grid = np.linspace(X.min(), X.max(), 500)[:, None]
    error = est.predict(grid) - laws.double_descent(grid, true)
    assert np.max(np.abs(error)) < 3 * NOISE


@pytest.mark.parametrize("optimum, size_terms", LOG_POWER_FORMS)
def test_log_power_recovers_the_true_law(optimum, size_terms):
    X, y, _ = log_power_data(200, optimum, size_terms)
    est = LogPowerHyperparamRegressor(
        optimum=optimum, size_terms=size_terms, alpha=0.0, random_state=0
    ).fit(X, y)
    # Fresh runs from the same sweep box, against the noiseless law.
    X_new, _, truth = log_power_data(300, optimum, size_terms, noise=0.0, seed=1)
    error = est.predict(X_new) - truth
    assert np.max(np.abs(error)) < 3 * NOISE
    assert np.sqrt(np.mean(error**2)) < NOISE


def test_log_power_recovers_the_generator_law():
    X, y, true = make_lr_bsz_sweep(200, noise=NOISE, random_state=0, return_params=True)
    est = LogPowerHyperparamRegressor(alpha=0.0, random_state=0).fit(X, y)
    X_new, _ = make_lr_bsz_sweep(300, random_state=1)
    error = est.predict(X_new) - laws.log_power(X_new, true)
    assert np.max(np.abs(error)) < 3 * NOISE
    assert est.params_["lr_opt"] == pytest.approx(true[6], rel=0.05)


@pytest.mark.parametrize("shape", ["bump", "dip"])
def test_double_descent_law_and_attributes(shape):
    if shape == "bump":
        X, y = make_double_descent(120, random_state=0)
    else:
        X, y = dip_data(120, noise=0.02)
    est = DoubleDescentRegressor(shape=shape, random_state=0).fit(X, y)
    grid = np.linspace(X.min(), X.max(), 501)[:, None]
    assert_array_equal(laws.double_descent(grid, est.coef_, shape), est.predict(grid))
    assert_array_equal(laws.double_descent(X, est.coef_, shape), est.predict(X))

    decoded = laws.double_descent_shape(est.coef_)
    assert set(est.params_) == {"b0", "A_up", "A_dn", "c1", "c2", "s_left", "s_right"}
    for name, value in est.params_.items():
        assert value == decoded[name]
    assert est.params_["c1"] < est.params_["c2"]
    assert est.params_["A_up"] >= 0 and est.params_["A_dn"] >= 0

    # peak_ is the top of a bump and the bottom of a dip.
    sign = 1.0 if shape == "bump" else -1.0
    assert set(est.peak_) == {"log_compute", "value"}
    peak_x, peak_value = est.peak_["log_compute"], est.peak_["value"]
    assert est.predict([[peak_x]])[0] == pytest.approx(peak_value, rel=1e-12)
    # The extremum is searched on a fine grid: it may miss the true one by a hair.
    assert sign * peak_value >= np.max(sign * est.predict(grid)) - 1e-6
    wide = np.linspace(X.min() - 3.0, X.max() + 3.0, 801)[:, None]
    assert sign * peak_value >= np.max(sign * est.predict(wide)) - 1e-6

    far = est.predict([[X.max() + 1e3]])[0]
    assert far == pytest.approx(est.asymptote_, rel=1e-12)
    expected = decoded["b0"] + sign * (decoded["A_up"] - decoded["A_dn"])
    assert est.asymptote_ == pytest.approx(expected, rel=1e-12)
    assert est.score(X, y) > 0.9


LOG_POWER_FORMS_WITH_SKEW = [(*form, False) for form in LOG_POWER_FORMS] + [
    ("scaling", "log_power", True),
    ("scaling", "power", True),
]


@pytest.mark.parametrize("optimum, size_terms, skew", LOG_POWER_FORMS_WITH_SKEW)
def test_log_power_params_follow_the_law(optimum, size_terms, skew):
    X, y = make_lr_bsz_sweep(150, random_state=0)
    est = LogPowerHyperparamRegressor(
        optimum=optimum, size_terms=size_terms, skew=skew, random_state=0
    ).fit(X, y)
    if optimum == "fixed":
        names, law = laws.LOG_POWER_PARAMS, laws.log_power
    else:
        names, law = laws.LOG_POWER_SCALING_PARAMS, laws.log_power_scaling
        names += laws.SKEW_PARAMS if skew else ()
    assert list(est.params_) == list(names)
    assert_array_equal(list(est.params_.values()), est.coef_)
    assert_array_equal(est.predict(X), law(X, est.coef_, size_terms=size_terms))


def test_prediction_bounds_clip_predict_only():
    X, y = make_lr_bsz_sweep(150, random_state=0)
    free = LogPowerHyperparamRegressor(random_state=0).fit(X, y)
    low, high = np.quantile(y, [0.25, 0.75])
    clipped = LogPowerHyperparamRegressor(prediction_bounds=(low, high), random_state=0).fit(X, y)
    assert_array_equal(clipped.coef_, free.coef_)
    assert_array_equal(clipped.predict(X), np.clip(free.predict(X), low, high))


def _sizes():
    data = np.geomspace(3e9, 1e11, 4)
    params = np.geomspace(6e7, 1e9, 3)[:, None]
    return data, params


def _predict_grid(est, lr, batch, data, params):
    lr, batch, data, params = np.broadcast_arrays(lr, batch, data, params)
    X = np.column_stack([lr.ravel(), batch.ravel(), data.ravel(), params.ravel()])
    return est.predict(X)


@pytest.mark.parametrize("size_terms", ["log_power", "power"])
def test_optimal_learning_rate_fixed(size_terms):
    X, y, _ = log_power_data(200, "fixed", size_terms)
    est = LogPowerHyperparamRegressor(size_terms=size_terms, random_state=0).fit(X, y)
    data, params = _sizes()
    lr = est.optimal_learning_rate(data, params)
    assert lr.shape == (3, 4)
    assert_array_equal(lr, est.params_["lr_opt"])
    for batch in (32.0, 256.0, 4096.0):
        # The bowl is centred at lr_opt where its curvature is positive.
        assert est.params_["d"] + est.params_["interaction"] * np.log(batch) > 0
        at = _predict_grid(est, lr, batch, data, params)
        assert np.all(at < _predict_grid(est, 2 * lr, batch, data, params))
        assert np.all(at < _predict_grid(est, lr / 2, batch, data, params))


@pytest.mark.parametrize("size_terms", ["log_power", "power"])
def test_optimal_batch_size_fixed(size_terms):
    X, y, _ = log_power_data(200, "fixed", size_terms)
    est = LogPowerHyperparamRegressor(size_terms=size_terms, random_state=0).fit(X, y)
    data, params = _sizes()
    batch = est.optimal_batch_size(data, params)
    assert batch.shape == (3, 4)
    assert est.batch_size_range_ == (X[:, 1].min(), X[:, 1].max())
    assert np.all(np.isin(batch, est.batch_size_range_))
    lr = est.optimal_learning_rate(data, params)
    other = np.where(batch == est.batch_size_range_[0], *est.batch_size_range_[::-1])
    assert np.all(
        _predict_grid(est, lr, batch, data, params) <= _predict_grid(est, lr, other, data, params)
    )


@pytest.mark.parametrize("skew", [False, True])
@pytest.mark.parametrize("size_terms", ["log_power", "power"])
def test_optimal_learning_rate_and_batch_size_scaling(size_terms, skew):
    X, y, _ = log_power_data(200, "scaling", size_terms)
    est = LogPowerHyperparamRegressor(
        optimum="scaling", size_terms=size_terms, skew=skew, random_state=0
    ).fit(X, y)
    data, params = _sizes()
    lr = est.optimal_learning_rate(data, params)
    batch = est.optimal_batch_size(data, params)
    assert lr.shape == batch.shape == (3, 4)
    # The optimum moves with scale, as in the data.
    assert np.ptp(lr) > 0 and np.ptp(batch) > 0
    at = _predict_grid(est, lr, batch, data, params)
    for factor in (2.0, 0.5):
        assert np.all(at < _predict_grid(est, lr * factor, batch, data, params))
        assert np.all(at < _predict_grid(est, lr, batch * factor, data, params))
    # Scalars broadcast to a scalar-shaped array.
    assert est.optimal_learning_rate(1e10, 1e8).shape == ()


def test_optimal_batch_size_scaling_stays_in_the_domain():
    # The generator's law rises with batch size: the fitted optimum heads below 1.
    X, y = make_lr_bsz_sweep(150, random_state=0)
    est = LogPowerHyperparamRegressor(optimum="scaling", random_state=0).fit(X, y)
    data, params = _sizes()
    batch = est.optimal_batch_size(data, params)
    assert np.all(batch >= 1.0)
    lr = est.optimal_learning_rate(data, params)
    at = _predict_grid(est, lr, batch, data, params)
    assert np.all(at <= _predict_grid(est, lr, 2 * batch, data, params))


# ----------------------------------------------- validation, clear errors and warnings


def _messages(record, text):
    return [str(w.message) for w in record if text in str(w.message)]


def test_invalid_option_raises_invalid_parameter_error():
    from sklearn.utils._param_validation import InvalidParameterError

    est, X, y = _dd(n_jobs="two")
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter"):
        est.fit(X, y)
    est, X, y = _lp(random_state="seed")
    with pytest.raises(InvalidParameterError, match="'random_state' parameter"):
        est.fit(X, y)


def test_huge_f_scale_is_rejected_with_a_clear_message():
    est, X, y = _dd(f_scale=1.4e154)
    with pytest.raises(ValueError, match=r"'f_scale' parameter .* in the range \(0\.0, 1e\+150\]"):
        est.fit(X, y)


@pytest.mark.parametrize("make", [_dd, _lp], ids=["double_descent", "log_power"])
@pytest.mark.parametrize("kind", ["str", "bool", "object-str"])
def test_non_numeric_y_is_rejected(make, kind):
    est, X, y = make()
    bad = {
        "str": y.astype(str),
        "bool": y > np.median(y),
        "object-str": np.array([str(v) for v in y], dtype=object),
    }[kind]
    with pytest.raises(ValueError, match="y must be numeric"):
        est.fit(X, bad)


def test_negative_gamma_bound_is_rejected():
    est, X, y = _lp(bounds={"gamma": (-1.0, 2.0)})
    with pytest.raises(ValueError, match=r"bounds\['gamma'\] must lie within \[0, inf\)"):
        est.fit(X, y)


@pytest.mark.parametrize("make", [_dd, _lp], ids=["double_descent", "log_power"])
def test_tiny_sample_weight_does_not_leak_runtime_warnings(make):
    est, X, y = make()
    weight = np.ones(len(y))
    weight[0] = 1e-310
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        est.fit(X, y, sample_weight=weight)
    assert np.all(np.isfinite(est.coef_))


def test_mad_fallback_scales_with_tiny_targets():
    X, y = make_double_descent(80, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        unit = DoubleDescentRegressor(random_state=0).fit(X, y)
        tiny = DoubleDescentRegressor(random_state=0).fit(X, 1e-12 * y)
    assert_allclose(tiny.f_scale_, 1e-12 * unit.f_scale_, rtol=1e-12)


def test_double_descent_at_bounds_is_empty_for_an_interior_fit():
    X, y = make_double_descent(random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est = DoubleDescentRegressor(random_state=0).fit(X, y)
    assert est.at_bounds_ == ()
    assert not _messages(record, "ends on a bound")


def test_double_descent_b0_on_its_bound_warns_naming_b0_bounds():
    X, y = make_double_descent(80, random_state=0)
    est = DoubleDescentRegressor(b0_bounds=(-0.3, 0.5), random_state=0)
    with pytest.warns(UserWarning, match="ends on a bound of b0.*b0_bounds"):
        est.fit(X, y)
    assert "b0" in est.at_bounds_
    assert est.coef_[0] == pytest.approx(-0.3)


def test_double_descent_raw_box_is_named_as_the_laws_fixed_box():
    X, y = make_double_descent(random_state=0)
    with pytest.warns(UserWarning, match="law's fixed box") as record:
        est = DoubleDescentRegressor(random_state=0).fit(X, 1e8 * y)
    assert set(est.at_bounds_) <= set(laws.DOUBLE_DESCENT_PARAMS) and est.at_bounds_
    assert _messages(record, "ends on a bound")


def test_log_power_tight_bound_warns_and_is_named():
    X, y, _ = log_power_data(150, noise=0.01)
    est = LogPowerHyperparamRegressor(bounds={"lr_opt": (1e-4, 1e-3)}, random_state=0)
    with pytest.warns(UserWarning, match=r"ends on a bound of .*lr_opt.*bounds="):
        est.fit(X, y)
    assert "lr_opt" in est.at_bounds_
    assert set(est.at_bounds_) <= set(est.params_)


def test_log_power_default_sweep_fit_ends_on_bounds_and_says_so():
    # The sweep's true level a = 4.4 sits near the seed's bound 4.5, and the fit of it
    # does end on a = 4.5 (and e = 0.3): the warning is right there.
    X, y = make_lr_bsz_sweep(random_state=0)
    with pytest.warns(UserWarning, match="ends on a bound of a, e"):
        est = LogPowerHyperparamRegressor(random_state=0).fit(X, y)
    assert est.at_bounds_ == ("a", "e")


def test_log_power_interior_fit_does_not_warn_at_bounds():
    X, y, _ = log_power_data(150, "scaling", "power", noise=0.01)
    est = LogPowerHyperparamRegressor(optimum="scaling", size_terms="power", random_state=0)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", ".*ends on a bound", UserWarning)
        est.fit(X, y)
    assert est.at_bounds_ == ()


@pytest.mark.parametrize("factor", [1.0, 1e-3, 1e8])
def test_double_descent_warns_when_units_do_not_suit_the_defaults(factor):
    X, y = make_double_descent(random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        DoubleDescentRegressor(random_state=0).fit(X, factor * y)
    units = _messages(record, "units of y do not suit")
    if factor == 1.0:
        assert not units
    else:
        assert units and all("prior_units='f_scale'" in m for m in units)


def test_double_descent_units_warning_is_gone_with_f_scale_units():
    X, y = make_double_descent(random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        DoubleDescentRegressor(prior_units="f_scale", random_state=0).fit(X, 1e-3 * y)
    assert not _messages(record, "units of y do not suit")


@pytest.mark.parametrize("factor", [1.0, 0.01, 100.0])
def test_log_power_warns_when_units_do_not_suit_the_bounds(factor):
    X, y = make_lr_bsz_sweep(random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        LogPowerHyperparamRegressor(random_state=0).fit(X, factor * y)
    units = _messages(record, "units of y do not suit the bounds")
    if factor == 1.0:
        assert not units
    else:
        assert units and "bounds=" in units[0]


def test_log_power_predict_warns_on_a_negative_loss():
    X, y = make_lr_bsz_sweep(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        est = LogPowerHyperparamRegressor(random_state=0).fit(X, y)
    far = np.array([[1e-3, 256.0, 1e20, 1e20]])
    with pytest.warns(UserWarning, match="predicts a negative loss"):
        pred = est.predict(far)
    assert pred[0] < 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert np.all(est.predict(X) > 0)


def test_double_descent_flat_fit_over_the_data_warns():
    X, y = make_double_descent(random_state=0)
    X = X.copy()
    X[0, 0] = 100.0  # one far outlier in compute among -1..3
    with pytest.warns(UserWarning, match="is flat over the central 90%"):
        est = DoubleDescentRegressor(random_state=0).fit(X, y)
    assert est.score(X, y) < 0.1


def test_double_descent_normal_fit_is_not_flat():
    X, y = make_double_descent(random_state=0)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", ".*is flat over", UserWarning)
        DoubleDescentRegressor(random_state=0).fit(X, y)


def test_log_power_fit_on_a_bound_says_its_intervals_miss_the_bias():
    # Issue 18, item 13: bounds bias the extrapolation and no interval of the noise
    # covers that; a fit that ends on one says so when it is made.
    X, y = make_lr_bsz_sweep(n_samples=200, random_state=0)
    reg = LogPowerHyperparamRegressor(bounds={"alpha": (0.9, 1.0)}, random_state=0)
    with pytest.warns(UserWarning, match="ends on a bound.*predict_interval.*less often"):
        reg.fit(X, y)
    assert reg.at_bounds_
