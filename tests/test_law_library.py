"""The law library: the declarative Law, the registry, and ScalingLawRegressor on every law."""

import copy
import pickle
import warnings

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_scaling import ScalingLawRegressor, datasets
from sklearn_scaling.laws import Law, available_laws, get_law
from sklearn_scaling.model_selection import ExtrapolationSplit

# The library's laws with a generator of known truth, and X drawn for each.
MAKERS = {
    "chinchilla": datasets.make_chinchilla,
    "data_constrained": datasets.make_data_constrained,
    "power_law": datasets.make_power_law,
    "broken_power_law": datasets.make_broken_power_law,
    "rectified": datasets.make_rectified,
}
LIBRARY = sorted(MAKERS)


def saturating(X, E, A, alpha):
    """A user's law, defined in the test module: it must pickle and fit like any other."""
    return E + A * X[:, 0] ** -alpha


USER_LAW = Law(
    "test_saturating",
    saturating,
    bounds={"E": (0.0, np.inf), "A": (0.0, np.inf), "alpha": (0.0, 3.0)},
    linear=("E", "A"),
    starts={"alpha": (0.1, 0.3, 1.0)},
    domain={"x": "positive"},
)


def _fit(name, X, y, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return ScalingLawRegressor(name, random_state=0, **options).fit(X, y)


# ------------------------------------------------------------------------- registry


def test_registry_holds_the_library_and_both_seed_laws():
    assert set(LIBRARY) | {"double_descent", "log_power"} <= set(available_laws())
    assert "chinchilla" in available_laws(n_features=2)
    assert "chinchilla" not in available_laws(n_features=1)
    # Every law the package declares documents itself (tests and doctests may register
    # laws of their own in the same process).
    for name in [*LIBRARY, "double_descent", "log_power"]:
        law = get_law(name)
        assert law.name == name and law.formula and law.reference and law.latex, name


def test_unknown_law_name_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown law 'chinchila'.*chinchilla"):
        get_law("chinchila")
    X, y = datasets.make_chinchilla(n_samples=20, random_state=0)
    with pytest.raises(ValueError, match="unknown law"):
        ScalingLawRegressor("chinchila").fit(X, y)


def test_parameters_without_bounds_are_unbounded():
    law = Law("partial", saturating, bounds={"E": (0, 1)})
    assert law.bounds["E"] == (0.0, 1.0)
    assert law.bounds["A"] == law.bounds["alpha"] == (-np.inf, np.inf)


def test_parameters_are_inferred_from_the_signature():
    assert USER_LAW.parameters == ("E", "A", "alpha")
    assert USER_LAW.nonlinear == ("alpha",)
    with pytest.raises(ValueError, match="pass parameters="):
        Law("varargs", lambda X, *p: X[:, 0])


@pytest.mark.parametrize(
    "options, message",
    [
        ({"bounds": {"E": (0, 1), "Z": (0, 1)}}, r"bounds names unknown parameters \['Z'\]"),
        ({"bounds": {"E": (0, 1), "A": (0, 1), "alpha": (2, 1)}}, r"bounds\['alpha'\].*low < high"),
        ({"bounds": {"E": (0, 1), "A": (0, 1), "alpha": (1, 1)}}, r"low < high"),
        ({"linear": ("E", "B")}, r"linear names unknown parameters \['B'\]"),
        ({"starts": {"E": (1, 2)}, "linear": ("E",)}, "starts name linear parameters"),
        ({"domain": {"N": "positive"}}, "unknown feature 'N'"),
        ({"domain": {"x": "big"}}, "domain rule 'big'"),
        ({"minimum": "F"}, r"minimum names unknown parameters \['F'\]"),
    ],
)
def test_bad_declarations_name_the_law_and_the_parameter(options, message):
    with pytest.raises(ValueError, match=f"law 'bad'.*{message}|{message}"):
        Law("bad", saturating, **options)


# ------------------------------------------------------------------------ Jacobians


def _central_differences(law, X, theta, step=1e-6):
    jac = np.empty((X.shape[0], law.n_parameters))
    for j in range(law.n_parameters):
        h = step * max(abs(theta[j]), 1.0)
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        jac[:, j] = (law.evaluate(X, up) - law.evaluate(X, down)) / (2 * h)
    return jac


@pytest.mark.parametrize("name", LIBRARY + ["double_descent", "log_power"])
def test_jacobian_agrees_with_finite_differences(name):
    law = get_law(name)
    if name == "double_descent":
        X, _ = datasets.make_double_descent(n_samples=30, random_state=0)
        theta = np.array([-0.5, 0.3, 0.5, 1.0, -0.5, 0.2])
    elif name == "log_power":
        X, _, truth = datasets.make_lr_bsz_sweep(n_samples=30, return_params=True, random_state=0)
        theta = np.asarray(truth, dtype=float)
    else:
        X, _, truth = MAKERS[name](n_samples=30, return_params=True, random_state=0)
        theta = law.as_vector(truth)
    # The declared Jacobian where there is one, else the law's own differences: either
    # must agree with independent central differences.
    jac = law.jacobian_matrix(X, theta)
    reference = _central_differences(law, X, theta)
    scale = np.abs(reference).max(axis=0) + 1e-12
    assert np.max(np.abs(jac - reference) / scale) < 1e-5


@pytest.mark.parametrize("name", LIBRARY)
def test_undeclared_jacobian_falls_back_to_agreeing_differences(name):
    law = get_law(name)
    X, _, truth = MAKERS[name](n_samples=30, return_params=True, random_state=0)
    theta = law.as_vector(truth)
    without = Law(name, law.function, bounds=law.bounds, linear=law.linear)
    analytic = law.jacobian_matrix(X, theta)
    differences = without.jacobian_matrix(X, theta)
    scale = np.abs(analytic).max(axis=0)
    assert np.max(np.abs(differences - analytic) / scale) < 1e-6


@pytest.mark.parametrize("name", LIBRARY + ["double_descent", "log_power"])
def test_many_parameter_vectors_at_once_equal_one_at_a_time(name):
    # A fresh copy: whether a law broadcasts is decided once per law object and cached.
    law = copy.deepcopy(get_law(name))
    for decided in ("_broadcasts", "_jacobian_broadcasts"):
        law.__dict__.pop(decided, None)
    if name == "double_descent":
        X, _ = datasets.make_double_descent(n_samples=20, random_state=0)
        theta = np.array([-0.5, 0.3, 0.5, 1.0, -0.5, 0.2])
    elif name == "log_power":
        X, _, truth = datasets.make_lr_bsz_sweep(n_samples=20, return_params=True, random_state=0)
        theta = np.asarray(truth, dtype=float)
    else:
        X, _, truth = MAKERS[name](n_samples=20, return_params=True, random_state=0)
        theta = law.as_vector(truth)
    thetas = theta * np.array([[1.0], [1.01], [0.98]])
    thetas = np.clip(thetas, law.lower(), law.upper())
    single = np.stack([law.evaluate(X, t) for t in thetas])
    np.testing.assert_allclose(law.evaluate_many(X, thetas), single, rtol=1e-12)
    # Every registry law is one call for many vectors: a law that fell back to one call
    # per vector made the double-descent law's bootstrap 5x slower.
    assert law._broadcasts
    many = law.jacobian_many(X, thetas)
    assert many is not None, "the declared Jacobian should broadcast"
    single = np.stack([law.jacobian_matrix(X, t) for t in thetas])
    np.testing.assert_allclose(many, single, rtol=1e-12)


def test_finite_difference_jacobian_stays_inside_the_bounds():
    calls = []

    def watched(X, E, A, alpha):
        calls.append(alpha)
        return saturating(X, E, A, alpha)

    law = Law("watched", watched, bounds=USER_LAW.bounds, linear=("E", "A"))
    X = np.array([[1.0], [10.0]])
    jac = law.jacobian_matrix(X, np.array([1.0, 2.0, 0.0]))  # alpha on its lower bound
    assert min(calls) >= 0.0
    assert np.allclose(jac[:, 2], -2.0 * np.log(X[:, 0]), atol=1e-4)


# ----------------------------------------------------------------------- recovery


@pytest.mark.parametrize("name", LIBRARY)
@pytest.mark.parametrize("target_space", ["log", "linear"])
def test_fit_recovers_the_true_law_within_the_noise(name, target_space):
    noise = 0.01
    X, y, truth = MAKERS[name](noise=noise, return_params=True, random_state=1)
    reg = _fit(name, X, y, target_space=target_space)
    law = get_law(name)
    true_values = law(X, truth)
    # The fitted law is closer to the true one than the data are: its error in log
    # loss is a fraction of the noise everywhere on the data.
    log_error = np.abs(np.log(reg.predict(X)) - np.log(true_values))
    assert np.sqrt(np.mean(log_error**2)) < 0.5 * noise
    assert reg.converged_ and reg.at_bounds_ == ()


@pytest.mark.parametrize("name", LIBRARY)
def test_nearly_noiseless_fit_recovers_the_parameters(name):
    X, y, truth = MAKERS[name](noise=1e-4, return_params=True, random_state=2)
    reg = _fit(name, X, y, target_space="log")
    for parameter, value in truth.items():
        assert reg.params_[parameter] == pytest.approx(value, rel=0.05), parameter


# -------------------------------------------------------------------------- units


@pytest.mark.parametrize("name", LIBRARY)
@pytest.mark.parametrize("target_space", ["log", "linear"])
@pytest.mark.parametrize("factor", [1e-6, 1e-3, 1e3, 1e6])
def test_fit_of_scaled_targets_is_the_scaled_fit(name, target_space, factor):
    X, y = MAKERS[name](n_samples=80, random_state=3)
    base = _fit(name, X, y, target_space=target_space)
    scaled = _fit(name, X, factor * y, target_space=target_space)
    np.testing.assert_allclose(scaled.predict(X), factor * base.predict(X), rtol=1e-7)
    assert scaled.cost_ == pytest.approx(base.cost_, rel=1e-6)


# ------------------------------------------------------------------- estimator API


def test_sample_weights_equal_repeated_rows():
    X, y = datasets.make_chinchilla(n_samples=60, random_state=4)
    weights = np.tile([1, 2, 3], 20)
    reg = ScalingLawRegressor("chinchilla", target_space="log", random_state=0)
    weighted = clone(reg).fit(X, y, sample_weight=weights)
    repeated = clone(reg).fit(np.repeat(X, weights, axis=0), np.repeat(y, weights))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-6)


def test_identical_random_state_gives_identical_fits():
    X, y = datasets.make_broken_power_law(random_state=5)
    first = _fit("broken_power_law", X, y)
    second = _fit("broken_power_law", X, y)
    np.testing.assert_array_equal(first.coef_, second.coef_)


def test_compute_optimal_matches_a_numerical_minimisation():
    X, y = datasets.make_chinchilla(random_state=6)
    reg = _fit("chinchilla", X, y, target_space="log")
    law = reg.law_
    for compute in (1e20, 1e23, 1e25):
        n_opt, d_opt = reg.compute_optimal(compute)
        assert 6 * n_opt * d_opt == pytest.approx(compute, rel=1e-12)

        def loss_at(log_n, compute=compute):
            n = np.exp(log_n)
            return law(np.array([[n, compute / (6 * n)]]), reg.params_)[0]

        numerical = minimize_scalar(loss_at, bounds=(np.log(1e6), np.log(1e14)), method="bounded")
        assert np.log(n_opt) == pytest.approx(numerical.x, abs=1e-3)


def test_compute_optimal_exists_only_for_laws_that_declare_it():
    assert hasattr(ScalingLawRegressor("chinchilla"), "compute_optimal")
    assert not hasattr(ScalingLawRegressor("power_law"), "compute_optimal")


def test_user_law_fits_pickles_and_cross_validates():
    X, y = datasets.make_power_law(random_state=7)
    reg = _fit(USER_LAW, X, y, target_space="log")
    restored = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(restored.predict(X), reg.predict(X))
    assert restored.law_.name == "test_saturating"
    scores = cross_val_score(
        ScalingLawRegressor(USER_LAW, target_space="log"), X, y, cv=ExtrapolationSplit(3)
    )
    assert np.all(np.isfinite(scores))


def test_grid_search_chooses_among_laws():
    X, y = datasets.make_rectified(random_state=8)
    search = GridSearchCV(
        ScalingLawRegressor(target_space="log"),
        {"law": ["power_law", "rectified", USER_LAW]},
        cv=ExtrapolationSplit(n_splits=3),
        scoring="neg_mean_squared_error",
    ).fit(X, y)
    assert search.best_params_["law"] == "rectified"


def test_works_in_a_pipeline():
    X, y = datasets.make_chinchilla(n_samples=80, random_state=9)
    # A pipeline step that changes units (tokens in billions) before the law.
    pipe = make_pipeline(
        FunctionTransformer(lambda X: X * np.array([1.0, 1e-9])),
        ScalingLawRegressor("chinchilla", target_space="log"),
    )
    assert pipe.fit(X, y).score(X, y) > 0.9


# ------------------------------------------------------------------------ bad input


def test_wrong_column_count_names_the_law_and_its_features():
    X, y = datasets.make_chinchilla(n_samples=20, random_state=0)
    with pytest.raises(ValueError, match=r"law='data_constrained'.*3 column\(s\).*N, D, U.*got 2"):
        ScalingLawRegressor("data_constrained").fit(X, y)


def test_values_outside_the_domain_name_the_column():
    X, y = datasets.make_chinchilla(n_samples=20, random_state=0)
    X[3, 1] = -5.0
    with pytest.raises(ValueError, match=r"column 1 \(D\) must be > 0; got -5.0 at row 3"):
        ScalingLawRegressor("chinchilla").fit(X, y)
    reg = ScalingLawRegressor("chinchilla").fit(np.abs(X), y)
    with pytest.raises(ValueError, match=r"column 1 \(D\)"):
        reg.predict(X)


def test_log_target_space_needs_positive_targets():
    X, y = datasets.make_power_law(n_samples=30, random_state=0)
    with pytest.raises(ValueError, match="target_space='log'.*y > 0"):
        ScalingLawRegressor("power_law", target_space="log").fit(X, y - 10.0)


def _raising(X, a, b):
    raise ZeroDivisionError("boom")


def _wrong_shape(X, a, b):
    return np.ones((X.shape[0], 2)) * a + b


def _overflowing(X, a, b):
    return a + b * np.full(X.shape[0], np.inf)


@pytest.mark.parametrize(
    "function, message",
    [
        (_raising, "law 'broken': its function raised ZeroDivisionError: boom"),
        (_wrong_shape, r"law 'broken': its function must return one value per row"),
        (_overflowing, "law 'broken': its function gives non-finite values at every start"),
    ],
)
def test_broken_law_functions_are_clear_errors(function, message):
    law = Law("broken", function, linear=("a", "b"))
    X, y = datasets.make_power_law(n_samples=20, random_state=0)
    with pytest.raises(ValueError, match=message):
        ScalingLawRegressor(law).fit(X, y)


def _not_linear(X, a, b):
    return a + b**2 * X[:, 0]


def test_a_law_declared_linear_where_it_is_not_is_caught():
    law = Law("not_linear", _not_linear, linear=("a", "b"))
    X, y = datasets.make_power_law(n_samples=20, random_state=0)
    with pytest.raises(ValueError, match="declared linear in 'b' but is not"):
        ScalingLawRegressor(law).fit(X, y)


@pytest.mark.parametrize(
    "bounds, message",
    [
        ({"gamma": (0, 1)}, r"unknown parameters \['gamma'\] of law 'chinchilla'"),
        ({"alpha": (1.0, 0.5)}, r"bounds\['alpha'\] must satisfy low < high"),
    ],
)
def test_bad_bounds_option_names_the_parameter(bounds, message):
    X, y = datasets.make_chinchilla(n_samples=20, random_state=0)
    with pytest.raises(ValueError, match=message):
        ScalingLawRegressor("chinchilla", bounds=bounds).fit(X, y)


def test_a_fit_held_by_a_bound_says_so():
    X, y = datasets.make_chinchilla(random_state=0)
    reg = ScalingLawRegressor("chinchilla", bounds={"alpha": (0.5, 1.0)})
    with pytest.warns(UserWarning, match=r"\['alpha'\] on a bound.*bounds="):
        reg.fit(X, y)
    assert reg.at_bounds_ == ("alpha",)


def test_prediction_below_the_irreducible_loss_warns():
    X, y = datasets.make_chinchilla(n_samples=80, random_state=0)
    reg = _fit("chinchilla", X, y)
    reg.coef_ = reg.coef_.copy()
    reg.coef_[1] = -abs(reg.coef_[1])  # a negative A: the law dips below E
    with pytest.warns(UserWarning, match="below the fitted E"):
        reg.predict(X)


def test_clone_keeps_the_law_object():
    reg = clone(ScalingLawRegressor(USER_LAW))
    assert reg.law.name == "test_saturating"
