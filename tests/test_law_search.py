"""LawSearchCV, the log-space scorers and the extrapolation split's guards."""

import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import GridSearchCV

from sklearn_scaling import LogPowerHyperparamRegressor, ScalingLawRegressor
from sklearn_scaling.datasets import make_lr_bsz_sweep
from sklearn_scaling.laws import power_law
from sklearn_scaling.metrics import (
    get_scorer,
    r2_log_score,
    root_mean_squared_log_error,
)
from sklearn_scaling.model_selection import (
    ExtrapolationSplit,
    LawSearchCV,
    check_cv_supports,
    default_laws,
    n_free_parameters,
)

TRUE = {"E": 1.5, "A": 40.0, "alpha": 0.4}


def _curve(n=24, noise=0.003, seed=0, params=TRUE):
    rng = np.random.default_rng(seed)
    X = np.logspace(2, 5, n)[:, None]
    y = power_law(X, **params) * np.exp(rng.normal(0.0, noise, n))
    return X, y


class _Oracle(RegressorMixin, BaseEstimator):
    """Predicts the true law exactly, but fails to fit on fewer than ``min_rows`` rows."""

    def __init__(self, min_rows=12):
        self.min_rows = min_rows

    def fit(self, X, y):
        if len(y) < self.min_rows:
            raise ValueError("too few rows for the oracle")
        self.n_features_in_ = 1
        return self

    def predict(self, X):
        return power_law(np.asarray(X, dtype=float), **TRUE)


# --------------------------------------------------------------------------- metrics


def test_rmsle_and_r2_log_agree_with_their_definitions():
    y = np.array([0.5, 1.0, 2.0, 4.0])
    pred = np.array([0.55, 0.9, 2.0, 5.0])
    expected = np.sqrt(np.mean((np.log(pred) - np.log(y)) ** 2))
    assert root_mean_squared_log_error(y, pred) == pytest.approx(expected)
    residual = np.sum((np.log(pred) - np.log(y)) ** 2)
    total = np.sum((np.log(y) - np.log(y).mean()) ** 2)
    assert r2_log_score(y, pred) == pytest.approx(1 - residual / total)


@pytest.mark.parametrize("bad", [np.nan, np.inf, 0.0, -1.0])
@pytest.mark.parametrize("function", [root_mean_squared_log_error, r2_log_score])
def test_scores_refuse_predictions_without_a_log(function, bad):
    with pytest.raises(ValueError, match="predictions"):
        function([1.0, 2.0], [1.0, bad])
    with pytest.raises(ValueError, match="targets"):
        function([bad, 2.0], [1.0, 2.0])


def test_scorer_names_of_the_package_and_of_scikit_learn():
    X, y = _curve()
    reg = ScalingLawRegressor("power_law", target_space="log").fit(X, y)
    assert get_scorer("neg_rmsle")(reg, X, y) == pytest.approx(
        -root_mean_squared_log_error(y, reg.predict(X))
    )
    assert get_scorer("r2_log")(reg, X, y) == pytest.approx(r2_log_score(y, reg.predict(X)))
    assert get_scorer("r2")(reg, X, y) <= 1.0
    with pytest.raises(ValueError, match="neg_rmsle"):
        get_scorer("no_such_score")


# ------------------------------------------------------------- ExtrapolationSplit guard


def test_min_train_size_drops_small_folds_and_counts_the_rest():
    X = np.arange(1.0, 21.0)[:, None]
    full = list(ExtrapolationSplit(4).split(X))
    cv = ExtrapolationSplit(4, min_train_size=9)
    kept = list(cv.split(X))
    assert cv.get_n_splits(X) == len(kept) < len(full)
    assert all(len(train) >= 9 for train, _ in kept)
    # The folds kept are exactly those of the full split that are large enough.
    expected = [(tr, te) for tr, te in full if len(tr) >= 9]
    for (a, b), (c, d) in zip(kept, expected, strict=True):
        assert np.array_equal(a, c) and np.array_equal(b, d)
    with pytest.raises(ValueError, match="min_train_size=100"):
        list(ExtrapolationSplit(4, min_train_size=100).split(X))
    with pytest.raises(ValueError, match="min_train_size"):
        ExtrapolationSplit(3, min_train_size=0)


def test_min_train_size_works_inside_grid_search():
    X, y = _curve()
    search = GridSearchCV(
        ScalingLawRegressor("power_law", target_space="log", n_starts=1),
        {"loss": ["huber", "squared"]},
        cv=ExtrapolationSplit(5, min_train_size=10),
    ).fit(X, y)
    assert search.n_splits_ == ExtrapolationSplit(5, min_train_size=10).get_n_splits(X)


def test_check_cv_supports_warns_for_folds_smaller_than_the_law():
    X = np.arange(1.0, 13.0)[:, None]
    with pytest.warns(UserWarning, match=r"split 0 .* 3 rows, no more than the 6 free"):
        sizes = check_cv_supports(ExtrapolationSplit(3), X, "broken_power_law")
    assert sizes == [(3, 3), (6, 3), (9, 3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_cv_supports(ExtrapolationSplit(3), np.arange(1.0, 17.0)[:, None], "power_law")
    assert n_free_parameters(ScalingLawRegressor("rectified")) == 4
    assert n_free_parameters(_Oracle()) is None


def test_default_laws_offer_laws_of_the_data_scale_only():
    raw = default_laws(np.array([[10.0], [100.0]]))
    assert "power_law" in raw and "double_descent" not in raw
    logs = default_laws(np.array([[-1.0], [2.0]]))
    assert "double_descent" in logs and "power_law" not in logs


# ------------------------------------------------------------------------- LawSearchCV


def test_nan_fold_never_wins_by_position_and_is_named():
    X, y = _curve()
    # The oracle is listed first and predicts the truth on every fold it fits, so it
    # would win on its finite folds; it fails on the first fold and must not be chosen.
    search = LawSearchCV(
        [_Oracle(min_rows=12), "power_law"], cv=ExtrapolationSplit(3), random_state=0
    )
    with pytest.warns(UserWarning, match=r"law '_Oracle' failed on fold 0 .* cannot be chosen"):
        search.fit(X, y)
    assert search.best_law_ == "power_law"
    res = search.cv_results_
    oracle = res["law"] == "_Oracle"
    assert np.isnan(res["score"][oracle][0])
    assert np.all(res["score"][oracle][1:] > res["score"][~oracle][1:])
    assert np.all(res["mean_score"][oracle] == -np.inf)
    assert np.all(res["rank"][oracle] == 2)


def test_every_candidate_failing_is_an_error():
    X, y = _curve()
    with pytest.warns(UserWarning, match="failed on fold"):
        with pytest.raises(ValueError, match="every candidate failed"):
            LawSearchCV([_Oracle(min_rows=1000)], cv=ExtrapolationSplit(3)).fit(X, y)


def test_law_the_data_cannot_support_is_left_out_with_a_warning():
    # Seven rows: the latest default fold trains on six, one short of the broken power
    # law's six parameters with a row to spare.
    X, y = _curve(n=7)
    search = LawSearchCV(["broken_power_law", "power_law"], random_state=0)
    with pytest.warns(UserWarning, match="'broken_power_law' has 6 free parameters"):
        search.fit(X, y)
    assert set(search.cv_results_["law"]) == {"power_law"}
    # Every fold kept trains on more rows than the power law's 3 parameters.
    assert np.all(search.cv_results_["n_train"] > 3)
    with pytest.warns(UserWarning, match="left out"):
        with pytest.raises(ValueError, match="cannot support the comparison"):
            LawSearchCV(["broken_power_law"]).fit(X[:5], y[:5])


def test_default_cv_keeps_folds_with_enough_rows_for_every_candidate():
    X, y = _curve(n=16)
    search = LawSearchCV(["broken_power_law", "power_law"], random_state=0).fit(X, y)
    assert np.all(search.cv_results_["n_train"] >= 7)  # broken power law: 6 + 1


def _two_curves():
    X1, y1 = _curve(seed=1)
    X2, y2 = _curve(seed=2, params={"E": 0.5, "A": 5.0, "alpha": 0.3})
    X = np.vstack(
        [np.column_stack([np.zeros(len(X1)), X1]), np.column_stack([np.ones(len(X2)), X2])]
    )
    return X, np.concatenate([y1, y2])


@pytest.mark.parametrize("choose", ["each", "all"])
def test_group_searches_each_curve_and_routes_predictions(choose):
    X, y = _two_curves()
    laws = ["power_law", "rectified"]
    search = LawSearchCV(laws, group=0, choose=choose, random_state=0).fit(X, y)
    if choose == "each":
        assert set(search.best_law_) == {0.0, 1.0}
        assert all(law in laws for law in search.best_law_.values())
    else:
        assert search.best_law_ in laws
        chosen = {type(e).__name__ for e in search.best_estimator_.values()}
        assert chosen == {"ScalingLawRegressor"}
        assert {e.law for e in search.best_estimator_.values()} == {search.best_law_}
    prediction = search.predict(X)
    for key, estimator in search.best_estimator_.items():
        rows = X[:, 0] == key
        assert np.allclose(prediction[rows], estimator.predict(X[rows, 1:]))
    with pytest.raises(ValueError, match="no curve the search was fitted on"):
        search.predict(np.array([[7.0, 10.0]]))


def test_group_by_dataframe_column_name():
    pd = pytest.importorskip("pandas")
    X, y = _two_curves()
    frame = pd.DataFrame({"curve": np.where(X[:, 0] == 0, "a", "b"), "x": X[:, 1]})
    search = LawSearchCV(["power_law"], group="curve", random_state=0).fit(frame, y)
    assert set(search.best_law_) == {"a", "b"}
    assert search.predict(frame).shape == y.shape


def test_average_weights_are_a_convex_combination():
    X, y = _curve()
    search = LawSearchCV(["power_law", "rectified"], average=True, random_state=0).fit(X, y)
    weights = np.array(list(search.weights_.values()))
    assert np.all(weights > 0) and weights.sum() == pytest.approx(1.0)
    # The combination is the weighted geometric mean of the laws' refits.
    X_new = X[-3:] * 1.5
    logs = sum(
        w * np.log(search.estimators_[law].predict(X_new)) for law, w in search.weights_.items()
    )
    assert np.allclose(search.predict(X_new), np.exp(logs))


@pytest.mark.parametrize("average", [False, True])
def test_intervals_are_finite_ordered_and_widen_with_distance(average):
    X, y = _curve()
    search = LawSearchCV(["power_law", "rectified"], average=average, random_state=0).fit(X, y)
    X_new = X[-1] * np.array([[1.0], [1.5], [2.0], [3.0]])
    low, high = search.predict_interval(X_new, coverage=0.9)
    prediction = search.predict(X_new)
    assert np.all(np.isfinite(low)) and np.all(np.isfinite(high))
    assert np.all(low <= prediction) and np.all(prediction <= high)
    assert np.all(np.diff(np.log(high / low)) > 0)
    low80, high80 = search.predict_interval(X_new, coverage=0.8)
    assert np.all(low80 >= low) and np.all(high80 <= high)
    with pytest.raises(ValueError, match="coverage"):
        search.predict_interval(X_new, coverage=1.5)


def test_prediction_far_beyond_the_data_warns_with_the_ratio():
    X, y = _curve()
    search = LawSearchCV(["power_law"], random_state=0).fit(X, y)
    with pytest.warns(UserWarning, match=r"reaches 1e\+03 times the largest fitted scale"):
        search.predict(X[-1:] * 1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        search.predict(X)


def test_reproducible_with_random_state_and_pickles():
    X, y = _curve()
    first = LawSearchCV(["power_law", "broken_power_law"], random_state=3).fit(X, y)
    second = LawSearchCV(["power_law", "broken_power_law"], random_state=3).fit(X, y)
    for key in first.cv_results_:
        a, b = first.cv_results_[key], second.cv_results_[key]
        if a.dtype == object:
            assert a.tolist() == b.tolist()
        else:
            assert np.array_equal(a, b, equal_nan=True)
    assert np.array_equal(first.predict(X), second.predict(X))
    restored = pickle.loads(pickle.dumps(first))
    assert np.array_equal(restored.predict(X), first.predict(X))
    assert np.array_equal(restored.predict_interval(X)[0], first.predict_interval(X)[0])


def test_default_scoring_and_score():
    X, y = _curve()
    search = LawSearchCV(["power_law"], random_state=0).fit(X, y)
    assert search.score(X, y) == pytest.approx(-root_mean_squared_log_error(y, search.predict(X)))
    table = search.format_results()
    assert re.search(r"\| power_law \| 1 \| -0\.0\d+ \|", table)


def test_explicit_law_that_cannot_take_X_is_an_error():
    X, y = _curve()
    with pytest.raises(ValueError, match=r"law='chinchilla'\) needs exactly 2 column"):
        LawSearchCV(["chinchilla"]).fit(X, y)


def test_refit_false_keeps_no_law():
    X, y = _curve()
    search = LawSearchCV(["power_law"], refit=False, random_state=0).fit(X, y)
    assert search.best_law_ == "power_law" and not hasattr(search, "best_estimator_")
    with pytest.raises(AttributeError, match="refit=False"):
        search.predict(X)


# ------------------------------------------------------------- fold fits and distances

_ONE_FEATURE_MAKERS = {
    "power_law": "make_power_law",
    "broken_power_law": "make_broken_power_law",
    "rectified": "make_rectified",
    "learning_curve": "make_learning_curve",
}


@pytest.mark.parametrize("name", sorted(_ONE_FEATURE_MAKERS))
def test_fold_fits_at_the_search_tolerance_reach_the_full_fits_objective(name):
    # The search fits its folds at FOLD_TOL; on each law's own data that costs nothing
    # measurable in the objective against the estimator's own tolerance.
    from sklearn_scaling import datasets
    from sklearn_scaling.model_selection import FOLD_TOL

    X, y = getattr(datasets, _ONE_FEATURE_MAKERS[name])(n_samples=30, random_state=0)
    tight = ScalingLawRegressor(name, target_space="log", random_state=0).fit(X, y)
    loose = ScalingLawRegressor(name, target_space="log", random_state=0, tol=FOLD_TOL)
    loose.fit(X, y)
    assert loose.cost_ <= tight.cost_ * (1.0 + 1e-3) + 1e-12


def test_fold_fits_take_the_search_tolerance_only_for_the_laws_it_names():
    X, y = _curve()
    user = ScalingLawRegressor("rectified", target_space="log", tol=1e-9)
    search = LawSearchCV(["power_law", user], random_state=0).fit(X, y)
    from sklearn_scaling.model_selection import FOLD_TOL

    named = search._fold_estimator(0, ("power_law", ScalingLawRegressor("power_law")))
    assert named.tol == FOLD_TOL
    assert search._fold_estimator(1, ("rectified", user)) is user
    # The refit is the estimator as it is: its own tolerance.
    if search.best_law_ == "power_law":
        assert search.best_estimator_.tol == ScalingLawRegressor().tol


def _two_feature_search():
    from sklearn_scaling.datasets import make_chinchilla

    X, y = make_chinchilla(n_samples=60, random_state=0)
    return X, y, LawSearchCV(["chinchilla"], random_state=0).fit(X, y)


def test_a_row_beyond_the_data_in_one_feature_is_extrapolated_at_an_inner_scale():
    X, y, search = _two_feature_search()
    # The largest model at a quarter of the data: its compute 6 N D lies inside the
    # data, but its N is twice the largest fitted.
    n_big = 2.0 * X[:, 0].max()
    big = np.array([[n_big, 0.5 * (X[:, 0] * X[:, 1]).max() / n_big]])
    inside = X[np.argsort(X[:, 0] * X[:, 1])[len(X) // 2]][None]
    assert big[0, 0] * big[0, 1] < (X[:, 0] * X[:, 1]).max()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (low_in, high_in), (low_big, high_big) = (
            search.predict_interval(inside),
            search.predict_interval(big),
        )
    assert np.log(high_big / low_big)[0] > np.log(high_in / low_in)[0]
    with pytest.warns(UserWarning, match="outside the fitted rows' range in a feature"):
        search.predict(np.array([[1e6 * X[:, 0].max(), 1e-7 * X[:, 1].max()]]))


def test_intervals_widen_with_the_square_of_the_distance_beyond_the_folds():
    X, y = _curve()
    search = LawSearchCV(["power_law"], random_state=0).fit(X, y)
    fit = search._fits[None]
    step, measured = fit["step"], fit["max_distance"]
    # Distances (log of the ratio to the largest fitted x) inside and beyond the folds'.
    distance = np.array([0.25, 0.5, 1.5, 3.0]) * measured
    X_new = X.max() * np.exp(distance)[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the farthest row is far beyond the folds
        low, high = search.predict_interval(X_new)
    half = 0.5 * np.log(high / low)
    reach = distance + step
    # Up to the folds' largest distance the half-width is linear in it, then quadratic.
    assert half[1] / half[0] == pytest.approx(reach[1] / reach[0], rel=1e-9)
    assert half[3] / half[2] == pytest.approx((reach[3] / reach[2]) ** 2, rel=1e-9)


def test_each_fold_is_calibrated_on_the_choice_the_other_folds_make():
    from sklearn_scaling.model_selection import _Curve

    curve = _Curve(None, None, None, None)
    curve.folds = [(None, None)] * 3
    # Law 0 is best on folds 0 and 1 and worst on fold 2; law 1 is steady and best
    # overall. Law 2 failed on a fold and is never chosen.
    curve.scores = np.array([[-1.0, -1.0, -5.0], [-2.0, -2.0, -2.0], [0.0, np.nan, 0.0]])
    curve.best, curve.weights = 1, None
    search = LawSearchCV()
    assert [search._held_out_choice(curve, k, pooled=False)[0] for k in range(3)] == [1, 1, 0]
    # One choice pooled over curves is kept as it is.
    assert search._held_out_choice(curve, 2, pooled=True)[0] == 1


def test_the_choice_and_the_fold_scores_do_not_depend_on_the_units_of_y():
    X, y = _curve()
    laws = ["constant", "power_law", "rectified"]
    first = LawSearchCV(laws, random_state=0).fit(X, y)
    scaled = LawSearchCV(laws, random_state=0).fit(X, 1000.0 * y)
    assert scaled.best_law_ == first.best_law_
    np.testing.assert_allclose(scaled.cv_results_["score"], first.cv_results_["score"], rtol=1e-4)
    low, high = first.predict_interval(X[-2:] * 2)
    low_s, high_s = scaled.predict_interval(X[-2:] * 2)
    np.testing.assert_allclose(low_s, 1000.0 * low, rtol=1e-4)
    np.testing.assert_allclose(high_s, 1000.0 * high, rtol=1e-4)


@pytest.mark.parametrize(
    "options",
    [{}, {"optimum": "scaling"}, {"optimum": "scaling", "skew": True}],
    ids=["fixed", "scaling", "scaling-skew"],
)
def test_n_free_parameters_counts_the_fitted_parameters_of_log_power(options):
    # The count is what the fit estimates: one coefficient per free parameter (the
    # skewed bowl's two cubic terms included).
    X, y = make_lr_bsz_sweep(n_samples=200, random_state=1)
    estimator = LogPowerHyperparamRegressor(**options, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.fit(X, y)
    assert n_free_parameters(estimator) == len(estimator.coef_)
