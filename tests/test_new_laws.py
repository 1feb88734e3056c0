"""The laws the law-choice benchmarks need: learning_curve (M4), kaplan, vocabulary,
mixture_of_experts (log-linear), constant (the recent level); and the Law declarations
they brought: log_linear, scale, weights."""

import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_scaling import ScalingLawRegressor, datasets
from sklearn_scaling.laws import Law, available_laws, get_law
from sklearn_scaling.laws._learning_curve import _logit_share

MAKERS = {
    "learning_curve": datasets.make_learning_curve,
    "kaplan": datasets.make_kaplan,
    "vocabulary": datasets.make_vocabulary,
    "mixture_of_experts": datasets.make_mixture_of_experts,
}
NEW = sorted(MAKERS)
# The vocabulary law's unigram-normalised loss is negative: no log space for it.
TARGET_SPACES = {name: ("log", "linear") for name in NEW} | {"vocabulary": ("linear",)}
LEARNING_CURVES = Path(__file__).resolve().parents[2] / "shared" / "data" / "learning_curves.csv"


def _fit(name, X, y, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return ScalingLawRegressor(name, random_state=0, **options).fit(X, y)


def _central_differences(law, X, theta, step=1e-6):
    jac = np.empty((X.shape[0], law.n_parameters))
    for j in range(law.n_parameters):
        h = step * max(abs(theta[j]), 1.0)
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        jac[:, j] = (law.evaluate(X, up) - law.evaluate(X, down)) / (2 * h)
    return jac


# ------------------------------------------------------------------- declarations


@pytest.mark.parametrize("name", [*NEW, "constant"])
def test_new_laws_are_registered_and_documented(name):
    law = get_law(name)
    assert law.name == name and law.formula and law.latex and law.reference
    assert law.description and law.jacobian is not None


@pytest.mark.parametrize("name", NEW)
def test_jacobian_agrees_with_central_differences(name):
    law = get_law(name)
    X, _, truth = MAKERS[name](n_samples=40, return_params=True, random_state=0)
    theta = law.as_vector(truth)
    reference = _central_differences(law, X, theta)
    scale = np.abs(reference).max(axis=0) + 1e-12
    assert np.max(np.abs(law.jacobian_matrix(X, theta) - reference) / scale) < 1e-5


@pytest.mark.parametrize("name", [*NEW, "constant"])
def test_many_parameter_vectors_at_once_equal_one_at_a_time(name):
    law = get_law(name)
    if name == "constant":
        X, truth = datasets.make_power_law(n_samples=20, random_state=0)[0], {"level": 2.0}
    else:
        X, _, truth = MAKERS[name](n_samples=20, return_params=True, random_state=0)
    theta = law.as_vector(truth)
    thetas = np.clip(theta * np.array([[1.0], [1.01], [0.98]]), law.lower(), law.upper())
    single = np.stack([law.evaluate(X, t) for t in thetas])
    np.testing.assert_allclose(law.evaluate_many(X, thetas), single, rtol=1e-12)
    many = law.jacobian_many(X, thetas)
    assert many is not None, "the declared Jacobian should broadcast"
    single = np.stack([law.jacobian_matrix(X, t) for t in thetas])
    np.testing.assert_allclose(many, single, rtol=1e-12, atol=1e-300)


# ----------------------------------------------------------------------- recovery


@pytest.mark.parametrize("name, target_space", [(n, s) for n in NEW for s in TARGET_SPACES[n]])
def test_fit_recovers_the_true_law_within_the_noise(name, target_space):
    noise = 0.01
    X, y, truth = MAKERS[name](noise=noise, return_params=True, random_state=1)
    reg = ScalingLawRegressor(name, target_space=target_space, random_state=0).fit(X, y)
    true_values = get_law(name)(X, truth)
    # Closer to the true law than the data are: a fraction of the noise in log loss.
    log_error = np.log(reg.predict(X) / true_values)
    assert np.sqrt(np.mean(log_error**2)) < 0.5 * noise


@pytest.mark.parametrize("name", ["kaplan", "vocabulary", "mixture_of_experts"])
def test_nearly_noiseless_fit_recovers_the_parameters(name):
    X, y, truth = MAKERS[name](noise=1e-5, return_params=True, random_state=2)
    reg = _fit(name, X, y, target_space=TARGET_SPACES[name][0])
    for parameter, value in truth.items():
        assert reg.params_[parameter] == pytest.approx(value, rel=0.02), parameter


def test_learning_curve_recovers_its_parameters_from_a_curve_that_shows_both_ends():
    # x spans the bend towards E0 and the power law towards E: every parameter matters.
    X, y, truth = datasets.make_learning_curve(
        n_samples=80, noise=1e-5, x_range=(1e4, 1e12), return_params=True, random_state=3
    )
    reg = ScalingLawRegressor("learning_curve", target_space="log", random_state=0).fit(X, y)
    for parameter, value in truth.items():
        assert reg.params_[parameter] == pytest.approx(value, rel=0.05), parameter


# ------------------------------------------------------------------ learning_curve


def test_learning_curve_solves_its_defining_equation_between_its_limits():
    law = get_law("learning_curve")
    x = np.geomspace(1.0, 1e14, 200)[:, None]
    for E, E0, a, b, c in [
        (0.2, 0.9, 1.0, 50.0, 0.5),
        (0.0, 5.0, 3.0, 1e4, 0.8),
        (1.0, 1.5, 0.2, 1.0, 0.1),
    ]:
        loss = law(x, [E, E0, a, b, c])
        assert np.all((loss >= E) & (loss <= E0))
        assert np.all(np.diff(loss) <= 0)  # more data, lower loss
        share = (loss - E) / (E0 - E)
        inner = (share > 1e-6) & (share < 1 - 1e-6)  # where log(L - E) is accurate
        lhs = np.log(loss - E)[inner] - a * np.log(E0 - loss)[inner]
        rhs = np.log(b) - c * np.log(x[inner, 0])
        np.testing.assert_allclose(lhs, rhs, rtol=0, atol=1e-9)


def test_learning_curve_root_is_exact_for_any_exponent():
    rng = np.random.default_rng(0)
    r = rng.normal(0.0, 20.0, size=(500, 30))
    a = 10.0 ** rng.uniform(-6, 1, size=(500, 1))
    t = _logit_share(r, a)
    psi = -np.logaddexp(0.0, -t) + a * np.logaddexp(0.0, t)
    assert np.max(np.abs(psi - r) / (1.0 + np.abs(r))) < 1e-13


def test_learning_curve_limits_a_to_zero_is_m2_capped_at_e0():
    law = get_law("learning_curve")
    x = np.geomspace(1.0, 1e8, 50)[:, None]
    m2 = np.minimum(0.2 + 3.0 * x[:, 0] ** -0.3, 0.9)
    np.testing.assert_allclose(law(x, [0.2, 0.9, 0.0, 3.0, 0.3]), m2, rtol=1e-12)
    np.testing.assert_allclose(law(x, [0.2, 0.9, 1e-9, 3.0, 0.3]), m2, rtol=1e-6)


@pytest.mark.skipif(not LEARNING_CURVES.exists(), reason="shared data absent")
def test_learning_curve_extrapolates_the_public_curves_like_m4():
    pd = pytest.importorskip("pandas")
    data = pd.read_csv(LEARNING_CURVES)
    errors = []
    # Two curves (BIG-Bench and language modelling), to keep the test short.
    for _, curve in list(data.groupby(["domain", "task", "model"]))[::10]:
        train, test = curve[curve.split == "train"], curve[curve.split == "test"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reg = ScalingLawRegressor("learning_curve", target_space="log", random_state=0)
            reg.fit(train[["seen_examples"]].to_numpy(), train.loss.to_numpy())
        prediction = reg.predict(test[["seen_examples"]].to_numpy())
        errors.append(np.sqrt(np.mean(np.log(prediction / test.loss.to_numpy()) ** 2)))
    # The paper's M4 reaches a mean RMSLE of 0.0116 over the 20 curves; a fit that
    # misses the curve's shape is several times that.
    assert np.mean(errors) < 0.03


# ------------------------------------------------------------ mixture_of_experts


def test_log_linear_law_is_solved_exactly_in_log_space():
    X, y, truth = datasets.make_mixture_of_experts(noise=0.0, return_params=True, random_state=4)
    reg = ScalingLawRegressor("mixture_of_experts", target_space="log").fit(X, y)
    for parameter, value in truth.items():
        assert reg.params_[parameter] == pytest.approx(value, abs=1e-8), parameter
    assert reg.converged_


def test_log_linear_law_still_fits_in_the_linear_target_space():
    X, y = datasets.make_mixture_of_experts(noise=0.01, random_state=5)
    X_test, y_test = datasets.make_mixture_of_experts(noise=0.0, random_state=6)
    reg = _fit("mixture_of_experts", X, y)
    assert reg.score(X_test, y_test) > 0.99


def test_log_linear_starts_are_least_squares_of_log_y():
    # With exact data every start already is the truth: no refinement is needed.
    def pure_power(X, log_A, alpha):
        return np.exp(log_A - alpha * np.log(X[:, 0]))

    law = Law("pure_power", pure_power, log_linear=("log_A", "alpha"), domain={"x": "positive"})
    X = np.geomspace(1e3, 1e9, 30)[:, None]
    y = np.exp(2.0 - 0.3 * np.log(X[:, 0]))
    reg = ScalingLawRegressor(law, target_space="log").fit(X, y)
    np.testing.assert_allclose(reg.coef_, [2.0, 0.3], atol=1e-10)


def _not_log_linear(X, a, b):
    return np.exp(a) + np.exp(b) * X[:, 0]


def test_a_law_declared_log_linear_where_it_is_not_is_caught():
    law = Law("wrong", _not_log_linear, log_linear=("a", "b"), domain={"x": "positive"})
    X = np.geomspace(10.0, 1e4, 20)[:, None]
    with pytest.raises(ValueError, match="declared log_linear in 'a'"):
        ScalingLawRegressor(law, target_space="log").fit(X, 1.0 + X[:, 0])


@pytest.mark.parametrize(
    "options, message",
    [
        ({"log_linear": ("z",)}, r"log_linear names unknown parameters \['z'\]"),
        ({"linear": ("a",), "log_linear": ("a",)}, r"\['a'\] cannot be both linear and log_linear"),
        ({"scale": "log2"}, "scale .* must be one of"),
        ({"scale": {"N": "raw"}}, r"scale names unknown features \['N'\]"),
        ({"weights": 3.0}, "weights must be callable"),
    ],
)
def test_bad_new_declarations_name_the_law(options, message):
    with pytest.raises(ValueError, match=f"law 'bad': {message}"):
        Law("bad", _not_log_linear, **options)


# ------------------------------------------------------------------------- scales


def test_available_laws_filters_by_scale():
    raw = available_laws(n_features=1, scale="raw")
    assert "double_descent" not in raw
    assert {"power_law", "learning_curve", "constant"} <= set(raw)
    log10 = available_laws(n_features=1, scale="log10")
    # Only the laws of log10 compute, and the constant, which reads only the order of x.
    assert set(log10) == {"double_descent", "constant"}
    assert set(available_laws(n_features=1)) == set(raw) | set(log10)
    assert get_law("double_descent").scale == {"log10_compute": "log10"}
    assert get_law("chinchilla").scale == {"N": "raw", "D": "raw"}
    with pytest.raises(ValueError, match="scale must be one of"):
        available_laws(scale="linear")


# ----------------------------------------------------------------------- constant


def _curve(random_state=7, n=30):
    X, y = datasets.make_learning_curve(n_samples=n, noise=0.01, random_state=random_state)
    return X, y, y[np.argmax(X[:, 0])]


@pytest.mark.parametrize("target_space", ["linear", "log"])
def test_constant_predicts_the_last_observed_value(target_space):
    X, y, last = _curve()
    reg = _fit("constant", X, y, target_space=target_space)
    prediction = reg.predict(np.array([[1e12], [1e15]]))
    assert np.ptp(prediction) == 0.0
    # The default Huber loss is quadratic within f_scale = 1e-3 (relative) of the
    # level: the fit is the last value up to that.
    assert prediction[0] == pytest.approx(last, rel=2e-3)
    # ...and far from the plain median of the curve, which a flat fit of all rows is.
    assert abs(prediction[0] - last) < 0.1 * abs(np.median(y) - last)


def test_constant_with_squares_is_an_exponential_smoothing_of_the_last_values():
    X, y, _ = _curve()
    order = np.argsort(X[:, 0])[::-1]
    weights = 3.0 ** -np.arange(len(y))
    expected = weights @ y[order] / weights.sum()
    reg = _fit("constant", X, y, loss="squared")
    assert reg.params_["level"] == pytest.approx(expected, rel=1e-10)


def test_constant_weights_multiply_sample_weights_and_do_not_depend_on_order():
    X, y, _ = _curve()
    reg = ScalingLawRegressor("constant", loss="squared")
    shuffled = np.random.default_rng(0).permutation(len(y))
    a = clone(reg).fit(X, y).coef_
    b = clone(reg).fit(X[shuffled], y[shuffled]).coef_
    np.testing.assert_allclose(a, b, rtol=1e-12)
    # Zero weight on the last row: the level moves to the rows before it.
    weights = np.ones(len(y))
    weights[np.argmax(X[:, 0])] = 0.0
    c = clone(reg).fit(X, y, sample_weight=weights).coef_
    assert not np.allclose(a, c)


def test_constant_and_learning_curve_are_candidates_of_a_grid_search():
    from sklearn.model_selection import GridSearchCV

    from sklearn_scaling.model_selection import ExtrapolationSplit

    X, y = datasets.make_learning_curve(n_samples=40, random_state=8)
    search = GridSearchCV(
        ScalingLawRegressor(target_space="log", n_starts=2),
        {"law": ["constant", "learning_curve"]},
        cv=ExtrapolationSplit(n_splits=2),
        scoring="neg_mean_squared_error",
    ).fit(X, y)
    assert search.best_params_["law"] == "learning_curve"


# -------------------------------------------------------------------------- units


@pytest.mark.parametrize("name", ["kaplan", "mixture_of_experts", "constant"])
def test_every_new_law_fits_through_its_maker_and_predicts_finite_values(name):
    maker = MAKERS.get(name, datasets.make_learning_curve)
    X, y = maker(n_samples=60, random_state=9)
    reg = ScalingLawRegressor(name, target_space="log", random_state=0).fit(X, y)
    assert np.all(np.isfinite(reg.predict(X)))


@pytest.mark.parametrize(
    "name, target_space",
    [
        ("vocabulary", "linear"),
        ("constant", "linear"),
        ("constant", "log"),
        ("mixture_of_experts", "log"),
    ],
)
@pytest.mark.parametrize("factor", [1e-3, 1e3])
def test_fit_of_scaled_targets_is_the_scaled_fit(name, target_space, factor):
    # Laws that scale with their (log-)linear parameters: the units of y do not matter.
    maker = MAKERS.get(name, datasets.make_learning_curve)
    X, y = maker(n_samples=60, random_state=10)
    with warnings.catch_warnings():
        # The recent level of a falling curve is its minimum: a fit a hair below it
        # (within f_scale) is warned about as lying below every target.
        warnings.simplefilter("ignore", UserWarning)
        base = ScalingLawRegressor(name, target_space=target_space).fit(X, y)
        scaled = ScalingLawRegressor(name, target_space=target_space).fit(X, factor * y)
    np.testing.assert_allclose(scaled.predict(X), factor * base.predict(X), rtol=1e-6)


def test_constant_jacobian_agrees_with_central_differences():
    law = get_law("constant")
    X = np.geomspace(1.0, 1e6, 10)[:, None]
    np.testing.assert_allclose(law.jacobian_matrix(X, np.array([0.3])), np.ones((10, 1)))


def _pair_starts(X, y):
    return np.array([[0.1, 1.0], [0.5, 2.0]])


def _bad_starts(X, y):
    return np.array([0.1, 0.5])


def _two_exponents(X, A, alpha, beta):
    return A * X[:, 0] ** -alpha * np.log(X[:, 0]) ** -beta


def test_joint_starts_are_searched_as_given_and_checked():
    law = Law(
        "joint", _two_exponents, linear=("A",), starts=_pair_starts, domain={"x": (2, np.inf)}
    )
    X = np.geomspace(10.0, 1e6, 30)[:, None]
    y = _two_exponents(X, 3.0, 0.5, 2.0)
    np.testing.assert_array_equal(law.joint_starts(X, y), [[0.1, 1.0], [0.5, 2.0]])
    assert list(law.start_values(X, y)["beta"]) == [1.0, 2.0]
    reg = ScalingLawRegressor(law, target_space="log").fit(X, y)
    np.testing.assert_allclose(reg.coef_, [3.0, 0.5, 2.0], rtol=1e-8)
    bad = Law("joint", _two_exponents, linear=("A",), starts=_bad_starts)
    with pytest.raises(ValueError, match=r"shape \(n_starts, 2\) for \['alpha', 'beta'\]"):
        bad.joint_starts(X, y)
