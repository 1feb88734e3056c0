"""How sure is the law: sandwich covariance, delta-method intervals and the bootstrap."""

import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_scaling import ScalingLawRegressor, datasets
from sklearn_scaling._fitting._batch import BatchProblem, solve_batch
from sklearn_scaling._fitting._law import refit_batch
from sklearn_scaling.laws import Law
from sklearn_scaling.uncertainty import BootstrapRegressor


def line(X, a, b):
    return a + b * X[:, 0]


LINE = Law("test_line", line, linear=("a", "b"))


def redundant(X, a, b, c):
    # a and b only ever appear as a + b: the data cannot tell them apart.
    return a + b + c * X[:, 0]


REDUNDANT = Law("test_redundant", redundant, linear=("a", "b", "c"))


def _heteroscedastic_line(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 10.0, n)
    y = 1.0 + 2.0 * x + rng.normal(0.0, 1.0 + 0.2 * x)
    return x[:, None], y


# ------------------------------------------------------------- closed forms


def test_covariance_is_the_closed_form_sandwich_of_least_squares():
    X, y = _heteroscedastic_line(60)
    reg = ScalingLawRegressor(LINE, loss="squared").fit(X, y)
    design = np.column_stack([np.ones(len(y)), X[:, 0]])
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    residual = y - design @ coef
    bread = np.linalg.inv(design.T @ design)
    # White's heteroscedasticity-consistent covariance with the n / (n - p) correction.
    hc1 = bread @ (design.T * residual**2) @ design @ bread * len(y) / (len(y) - 2)
    np.testing.assert_allclose(reg.coef_, coef, rtol=1e-9)
    np.testing.assert_allclose(reg.coef_cov_, hc1, rtol=1e-7)
    assert reg.params_std_["b"] == pytest.approx(np.sqrt(hc1[1, 1]), rel=1e-7)


def test_std_and_interval_of_the_law_are_the_closed_form():
    X, y = _heteroscedastic_line(60)
    reg = ScalingLawRegressor(LINE, loss="squared").fit(X, y)
    query = np.array([[2.0], [20.0]])
    gradient = np.column_stack([np.ones(2), query[:, 0]])
    expected_std = np.sqrt(np.einsum("ij,jk,ik->i", gradient, reg.coef_cov_, gradient))
    mean, std = reg.predict(query, return_std=True)
    np.testing.assert_allclose(std, expected_std, rtol=1e-9)
    t = stats.t.ppf(0.95, len(y) - 2)
    low, high = reg.predict_interval(query, coverage=0.9)
    np.testing.assert_allclose(low, mean - t * expected_std, rtol=1e-9)
    np.testing.assert_allclose(high, mean + t * expected_std, rtol=1e-9)
    # A new run adds the residual spread: RMS over n - p degrees of freedom.
    residual = y - reg.predict(X)
    spread = np.sqrt(residual @ residual / (len(y) - 2))
    low, high = reg.predict_interval(query, coverage=0.9, kind="observation")
    np.testing.assert_allclose(high - mean, t * np.sqrt(expected_std**2 + spread**2), rtol=1e-9)


def test_huber_standard_errors_match_the_spread_of_refits():
    # A Huber fit with a small f_scale passes through about as many rows as it has
    # parameters; the plain mean of l'' over the rows then overstates the curvature
    # (measured: standard errors half the true spread). The kernel-smoothed curvature
    # gives the spread of the estimate over repeated data sets.
    rng = np.random.default_rng(0)
    x = np.linspace(1.0, 10.0, 80)[:, None]
    slopes, errors = [], []
    for _ in range(150):
        y = 5.0 + 0.5 * x[:, 0] + rng.normal(0.0, 0.3, len(x))
        reg = ScalingLawRegressor(LINE, loss="huber", f_scale=1e-3).fit(x, y)
        slopes.append(reg.coef_[1])
        errors.append(reg.params_std_["b"])
    assert np.median(errors) / np.std(slopes) == pytest.approx(1.0, abs=0.2)


@pytest.mark.parametrize("loss", ["huber", "soft_l1"])
def test_mean_loss_curvature_is_unbiased_for_gaussian_residuals(loss):
    # With f_scale small against the noise, E[l''] is about 2 f_scale times the density
    # at 0, its peak; kernel smoothing flattens the peak by sigma / sqrt(sigma^2 + h^2)
    # (4% for 240 rows at Silverman's h), and the jackknifed estimate must not carry
    # that bias (averaged over 300 samples: the mean carries a standard error of 0.6%,
    # and smoothing alone gives 0.957).
    from scipy import integrate

    from sklearn_scaling._fitting._covariance import mean_loss_curvature
    from sklearn_scaling._fitting._losses import loss_derivatives

    sigma, f_scale, n = 1.0, 0.1, 240

    def curvature_times_density(r):
        return loss_derivatives(np.array([r]), loss, f_scale)[1][0] * stats.norm.pdf(r, 0, sigma)

    truth = integrate.quad(curvature_times_density, -8, 8, points=[0.0], limit=200)[0]
    rng = np.random.default_rng(0)
    ones = np.ones(n)
    estimates = [
        mean_loss_curvature(rng.normal(0, sigma, n), ones, ones, loss, f_scale) for _ in range(300)
    ]
    assert np.mean(estimates) / truth == pytest.approx(1.0, abs=0.02)


def test_log_space_intervals_are_positive_and_asymmetric():
    X, y = datasets.make_chinchilla(random_state=0)
    reg = ScalingLawRegressor("chinchilla", target_space="log").fit(X, y)
    query = np.array([[7e10, 1.4e12]])
    mean = reg.predict(query)
    low, high = reg.predict_interval(query, kind="observation")
    assert 0 < low[0] < mean[0] < high[0]
    # Symmetric in log loss, so the upper arm is the longer one.
    assert np.log(high / mean) == pytest.approx(np.log(mean / low), rel=1e-9)
    assert high[0] - mean[0] > mean[0] - low[0]


def test_intervals_shrink_as_one_over_root_n():
    widths = []
    for n in (200, 800):
        X, y = datasets.make_chinchilla(n_samples=n, random_state=1)
        reg = ScalingLawRegressor("chinchilla", target_space="log", loss="squared").fit(X, y)
        _, std = reg.predict(np.array([[7e10, 1.4e12]]), return_std=True)
        widths.append(std[0])
    assert widths[0] / widths[1] == pytest.approx(2.0, rel=0.3)


def test_parameters_on_a_bound_get_no_standard_error():
    X, y = datasets.make_chinchilla(random_state=0)
    with pytest.warns(UserWarning, match="on a bound"):
        reg = ScalingLawRegressor("chinchilla", bounds={"alpha": (0.5, 1.0)}).fit(X, y)
    assert reg.at_bounds_ == ("alpha",)
    assert np.isnan(reg.params_std_["alpha"])
    assert np.all(np.isfinite([v for k, v in reg.params_std_.items() if k != "alpha"]))
    assert np.all(reg.coef_cov_[3] == 0.0) and np.all(reg.coef_cov_[:, 3] == 0.0)  # held


def test_singular_covariance_names_the_unidentified_parameters():
    X, y = _heteroscedastic_line(40)
    reg = ScalingLawRegressor(REDUNDANT, loss="squared").fit(X, y)
    assert reg.unidentified_ == ("a", "b")
    assert np.isinf(reg.params_std_["a"]) and np.isinf(reg.params_std_["b"])
    assert np.isfinite(reg.params_std_["c"])
    with pytest.warns(UserWarning, match=r"do not identify \['a', 'b'\]"):
        _, std = reg.predict(np.array([[1.0], [5.0]]), return_std=True)
    # The law's value depends on a + b only, which the data do identify: its std is
    # that of the identified line, not inf and not made up.
    line_fit = ScalingLawRegressor(LINE, loss="squared").fit(X, y)
    _, line_std = line_fit.predict(np.array([[1.0], [5.0]]), return_std=True)
    np.testing.assert_allclose(std, line_std, rtol=1e-6)
    # A quantity that moves a alone is not identified: its std is inf.
    assert np.isinf(reg._covariance.std_of(np.array([[1.0, 0.0, 0.0]]))[0])


@pytest.mark.parametrize("coverage", [0.0, 1.0, 1.5, -0.1, "0.9", True])
def test_coverage_outside_the_unit_interval_is_an_error(coverage):
    X, y = _heteroscedastic_line(30)
    reg = ScalingLawRegressor(LINE).fit(X, y)
    with pytest.raises(ValueError, match=r"coverage must be a number in \(0, 1\)"):
        reg.predict_interval(X, coverage=coverage)


def test_unknown_interval_kind_is_an_error():
    X, y = _heteroscedastic_line(30)
    reg = ScalingLawRegressor(LINE).fit(X, y)
    with pytest.raises(ValueError, match="kind must be 'law' or 'observation'"):
        reg.predict_interval(X, kind="prediction")


# --------------------------------------------------------------------- batch engine


def test_batch_refits_reach_the_cost_of_separate_refits():
    X, y = datasets.make_chinchilla(random_state=2)
    reg = ScalingLawRegressor("chinchilla", target_space="log", random_state=0).fit(X, y)
    rng = np.random.default_rng(0)
    weights = rng.multinomial(len(y), np.full(len(y), 1 / len(y)), size=8).astype(float)
    coefs, cost, converged = refit_batch(
        reg.law_, reg._objective, X, y, weights, reg.coef_, tol=1e-10
    )
    assert converged.all()
    for b in range(len(weights)):
        separate = clone(reg).fit(X, y, sample_weight=weights[b])
        # Same objective, different solvers: the batch is no worse than 0.1% above.
        assert cost[b] <= separate.cost_ * (1 + 1e-3)


def test_batch_solver_finds_a_closed_form_least_squares_solution():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(30, 3))
    targets = rng.normal(size=(4, 30))

    def residuals(thetas, index):
        return thetas @ A.T - targets[index]

    def jacobian(thetas, index):
        return np.broadcast_to(A, (len(index), *A.shape))

    problem = BatchProblem(
        residuals, jacobian, np.ones((4, 30)), np.full(3, -np.inf), np.full(3, np.inf)
    )
    result = solve_batch(problem, np.zeros((4, 3)))
    expected = np.linalg.lstsq(A, targets.T, rcond=None)[0].T
    np.testing.assert_allclose(result.x, expected, rtol=1e-6, atol=1e-9)
    assert result.converged.all()


# ---------------------------------------------------------------------- bootstrap


@pytest.mark.parametrize("method", ["cases", "residuals"])
def test_bootstrap_is_reproducible(method):
    X, y = datasets.make_power_law(n_samples=60, random_state=4)
    boot = BootstrapRegressor(
        ScalingLawRegressor("power_law", target_space="log"),
        n_resamples=30,
        method=method,
        random_state=7,
    )
    first = clone(boot).fit(X, y)
    second = clone(boot).fit(X, y)
    np.testing.assert_array_equal(first.coefs_, second.coefs_)
    np.testing.assert_array_equal(
        first.predict_interval(X, kind="observation")[0],
        second.predict_interval(X, kind="observation")[0],
    )


def test_batched_bootstrap_agrees_with_clone_and_refit():
    X, y = datasets.make_chinchilla(n_samples=120, random_state=5)
    boot = BootstrapRegressor(
        ScalingLawRegressor("chinchilla", target_space="log", loss="squared"),
        n_resamples=20,
        random_state=0,
    ).fit(X, y)
    # The same resamples through a pipeline take the clone-and-refit path.
    piped = BootstrapRegressor(
        make_pipeline(
            FunctionTransformer(),
            ScalingLawRegressor("chinchilla", target_space="log", loss="squared"),
        ),
        n_resamples=20,
        random_state=0,
    ).fit(X, y)
    assert boot.estimators_ is None and piped.estimators_ is not None
    np.testing.assert_allclose(boot.coefs_, piped.coefs_, rtol=1e-4)


def test_bootstrap_intervals_and_distributions():
    X, y = datasets.make_chinchilla(n_samples=120, random_state=6)
    boot = BootstrapRegressor(
        ScalingLawRegressor("chinchilla", target_space="log"), n_resamples=50, random_state=0
    ).fit(X, y)
    query = np.array([[7e10, 1.4e12]])
    low, high = boot.predict_interval(query)
    obs_low, obs_high = boot.predict_interval(query, kind="observation")
    assert obs_low[0] < low[0] < boot.predict(query)[0] < high[0] < obs_high[0]
    n_opt, d_opt = boot.compute_optimal(1e24)
    assert n_opt.shape == (50,) and np.allclose(6 * n_opt * d_opt, 1e24)
    low_alpha, high_alpha = boot.params_quantiles_["alpha"]
    assert low_alpha < boot.estimator_.params_["alpha"] < high_alpha
    assert not hasattr(
        BootstrapRegressor(ScalingLawRegressor("power_law")), "optimal_learning_rate"
    )


class _SometimesFails(RegressorMixin, BaseEstimator):
    """Fails whenever the first row is left out of a resample."""

    def fit(self, X, y, sample_weight=None):
        if sample_weight is not None and sample_weight[0] == 0:
            raise ValueError("no first row")
        self.coef_ = np.array([float(np.mean(y))])
        return self

    def predict(self, X):
        return np.full(len(X), self.coef_[0])


def test_failed_refits_are_counted_and_reported():
    X = np.arange(10.0)[:, None]
    y = np.arange(10.0)
    with pytest.warns(UserWarning, match=r"of 40 bootstrap refits failed"):
        boot = BootstrapRegressor(_SometimesFails(), n_resamples=40, random_state=0).fit(X, y)
    assert 0 < boot.n_failed_ < 40
    assert len(boot.estimators_) == 40 - boot.n_failed_
    assert np.all(np.isfinite(boot.predict_interval(X)[0]))


@pytest.mark.parametrize(
    "options",
    [{"n_resamples": 1}, {"coverage": 1.0}, {"coverage": 0.0}, {"method": "wild"}],
)
def test_bad_bootstrap_options_are_invalid_parameters(options):
    X, y = _heteroscedastic_line(20)
    with pytest.raises(InvalidParameterError):
        BootstrapRegressor(ScalingLawRegressor(LINE), **options).fit(X, y)


def test_bootstrap_in_a_grid_search():
    X, y = datasets.make_power_law(n_samples=60, random_state=8)
    search = GridSearchCV(
        BootstrapRegressor(ScalingLawRegressor("power_law"), n_resamples=10, random_state=0),
        {"estimator__target_space": ["log", "linear"]},
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        search.fit(X, y)
    assert search.best_params_["estimator__target_space"] in ("log", "linear")
