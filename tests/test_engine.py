"""The fitting engine and the law fitters, without scikit-learn in the way."""

import importlib.util
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import least_squares

from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor, laws
from sklearn_scaling._fitting._batch import BatchProblem, solve_batch
from sklearn_scaling._fitting._double_descent import (
    DEFAULT_PENALTIES,
    double_descent_problem,
    fit_double_descent,
)
from sklearn_scaling._fitting._engine import (
    RobustProblem,
    minimize_multistart,
    penalty_residual,
    weighted_quantile,
)
from sklearn_scaling._fitting._law import (
    LawObjective,
    Projection,
    RidgePenalty,
    fit_law,
    scaled_bounds,
    y_scale,
)
from sklearn_scaling._fitting._log_power import FORMS, fit_log_power
from sklearn_scaling._fitting._losses import LOSSES, loss_value
from sklearn_scaling.datasets import make_chinchilla, make_double_descent, make_lr_bsz_sweep


@pytest.mark.parametrize("loss", ["huber", "soft_l1", "cauchy"])
def test_losses_match_scipy_builtin(loss):
    """Our registry and engine agree with least_squares' own loss strings."""
    rng = np.random.default_rng(0)
    x = np.linspace(0, 3, 80)
    y = 2.0 * np.exp(-0.7 * x) + rng.standard_t(2, size=x.size) * 0.05

    def residuals(p):
        return p[0] * np.exp(-p[1] * x) - y

    def jacobian(p):
        return np.column_stack([np.exp(-p[1] * x), -p[0] * x * np.exp(-p[1] * x)])

    builtin = least_squares(residuals, [1.0, 1.0], jac=jacobian, loss=loss, f_scale=0.1)
    # scipy's cost is 0.5 * f**2 * sum(rho(r**2 / f**2)): exactly our loss_value sum.
    assert np.sum(loss_value(residuals(builtin.x), loss, 0.1)) == pytest.approx(builtin.cost)
    problem = RobustProblem(
        residuals=residuals,
        jacobian=jacobian,
        data_weight=np.ones(x.size),
        lower=np.full(2, -np.inf),
        upper=np.full(2, np.inf),
        loss=loss,
        f_scale=0.1,
    )
    ours = minimize_multistart(problem, np.array([[1.0, 1.0]]), n_refine=1)
    assert ours.cost <= builtin.cost * (1 + 1e-8)
    np.testing.assert_allclose(ours.x, builtin.x, rtol=1e-4)


def test_huber_loss_value_is_textbook_huber():
    r = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    delta = 1.0
    expected = np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))
    np.testing.assert_allclose(loss_value(r, "huber", delta), expected)


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_loss_derivatives(loss):
    z = np.linspace(0.01, 5, 40)
    rho = LOSSES[loss]
    h = 1e-6
    np.testing.assert_allclose(rho(z)[1], (rho(z + h)[0] - rho(z - h)[0]) / (2 * h), atol=1e-6)
    np.testing.assert_allclose(rho(z)[2], (rho(z + h)[1] - rho(z - h)[1]) / (2 * h), atol=1e-5)


@pytest.mark.parametrize("seed", range(5))
def test_weighted_quantile_equals_repeated_rows(seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=15)
    weights = rng.integers(1, 4, size=15).astype(float)
    levels = np.linspace(0, 1, 11)
    expected = np.quantile(np.repeat(values, weights.astype(int)), levels)
    np.testing.assert_allclose(weighted_quantile(values, levels, weights), expected)
    np.testing.assert_allclose(
        weighted_quantile(values, levels, np.ones(15)), np.quantile(values, levels)
    )


def test_penalty_residual_squares_to_penalty():
    q, row = penalty_residual(0.3, np.array([1.0, -2.0]), 0.5)
    assert 0.5 * q**2 == pytest.approx(0.5 * 0.3)
    # d(q^2/2)/dtheta = q * dq/dtheta must equal strength * gradient.
    np.testing.assert_allclose(q * row, 0.5 * np.array([1.0, -2.0]))


def _default_problem(x, y):
    """Seed 000's objective with its default options and unit weights."""
    return double_descent_problem(x, y, np.ones_like(y))


def _benchmark_helpers():
    # benchmarks/_common.py transcribes seed 000's objective independently of the package
    # (its own copy of the seed's law); the benchmark tables rely on it, so test both.
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "_common.py"
    spec = importlib.util.spec_from_file_location("benchmark_common", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", range(3))
def test_double_descent_cost_is_seed_objective(seed):
    X, y = make_double_descent(n_samples=90, random_state=seed)
    x = X[:, 0]
    problem = _default_problem(x, y)
    seed000_objective = _benchmark_helpers().seed000_objective
    rng = np.random.default_rng(seed)
    for params in rng.normal(0, 1, size=(5, 6)):
        # Push predictions above zero now and then so the tail prior's mean is exercised.
        params[0] += rng.choice([0.0, 1.0])
        expected = seed000_objective(x, y, params)
        assert problem.cost(params) == pytest.approx(expected, rel=1e-12)
        assert problem.batch_cost(params[None])[0] == pytest.approx(expected, rel=1e-12)


def test_double_descent_problem_jacobian_matches_residuals():
    X, y = make_double_descent(n_samples=60, random_state=1)
    ones = np.ones_like(y)
    problem = double_descent_problem(
        X[:, 0],
        y,
        ones,
        loss="huber",
        f_scale=0.05,
        density_weighting=True,
        strengths=DEFAULT_PENALTIES,
        b0_bounds=(-np.inf, np.inf),
    )
    theta = np.array([0.2, -1.0, -0.5, 1.0, -0.8, 0.3])  # pred > 0 for part of the rows
    numeric = np.column_stack(
        [
            (problem.residuals(theta + 1e-7 * e) - problem.residuals(theta - 1e-7 * e)) / 2e-7
            for e in np.eye(6)
        ]
    )
    np.testing.assert_allclose(problem.jacobian(theta), numeric, atol=1e-6)


def _plain_fit(problem, n_params, rng, n_starts=30, scale=1.0, center=None):
    """The reference path: full-parameter least squares from many random starts."""
    center = np.zeros(n_params) if center is None else center
    best = None
    for _ in range(n_starts):
        x0 = np.clip(center + rng.normal(0, scale, n_params), problem.lower, problem.upper)
        result = minimize_multistart(problem, x0[None], n_refine=1, max_nfev=3000)
        if best is None or result.cost < best.cost:
            best = result
    return best


def test_double_descent_fast_path_matches_plain_multistart():
    X, y, true = make_double_descent(n_samples=100, noise=0.01, random_state=3, return_params=True)
    x = X[:, 0]
    fast = fit_double_descent(x, y, rng=np.random.default_rng(0))
    problem = _default_problem(x, y)
    plain = _plain_fit(problem, 6, np.random.default_rng(1), center=true, scale=0.7)
    assert fast.cost <= plain.cost * (1 + 1e-6)
    grid = np.linspace(x.min(), x.max(), 50)
    np.testing.assert_allclose(
        laws.double_descent(grid, fast.x), laws.double_descent(grid, plain.x), atol=2e-3
    )


@pytest.mark.parametrize("form", sorted(FORMS))
def test_log_power_projection_matches_plain_full_fit(form):
    """Variable projection reaches what a plain full-parameter fit reaches.

    The plain path (on the fit's own problem, in its internal units) starts around the
    true parameters for the seed law; the other forms have no true parameters here, so
    there it starts around the fast solution and checks that nothing nearby is better.
    """
    X, y, true = make_lr_bsz_sweep(n_samples=300, noise=0.01, random_state=0, return_params=True)
    fast = fit_log_power(X, y, form=form, rng=np.random.default_rng(0))
    law = FORMS[form]
    center, scale = (true, 0.02) if form == ("fixed", "log_power", False) else (fast.x, 0.05)
    plain = _plain_fit(
        fast.problem,
        law.n_parameters,
        np.random.default_rng(1),
        n_starts=3,
        center=center / fast.units,
        scale=scale / fast.units,
    )
    assert fast.cost <= plain.cost * (1 + 1e-6)
    np.testing.assert_allclose(law.law(X, fast.x), law.law(X, plain.x * fast.units), atol=2e-3)


def test_log_power_cost_is_seed_objective_with_squared_loss():
    X, y = make_lr_bsz_sweep(n_samples=120, random_state=2)
    fit = fit_log_power(X, y, rng=np.random.default_rng(0))

    def seed_objective(params):
        pred = laws.log_power(X, params)
        return np.mean(((pred - y) / (np.std(y) + 1e-8)) ** 2) + 0.003 * np.sum(params[1:7] ** 2)

    assert fit.cost == pytest.approx(seed_objective(fit.x), rel=1e-10)
    params = np.array([3.5, -0.01, 1.2, -0.02, 1.0, 0.05, 3e-3, 0.02, 0.8, 0.001])
    assert fit.problem.cost(params / fit.units) == pytest.approx(seed_objective(params), rel=1e-10)


def test_multistart_keeps_a_start_when_refinement_cannot_improve():
    problem = RobustProblem(
        residuals=lambda t: np.array([t[0] - 1.0]),
        jacobian=lambda t: np.array([[1.0]]),
        data_weight=np.ones(1),
        lower=np.array([-5.0]),
        upper=np.array([5.0]),
    )
    result = minimize_multistart(problem, np.array([[1.0], [3.0]]), n_refine=2)
    assert result.x[0] == pytest.approx(1.0)
    assert result.cost == pytest.approx(0.0)


def test_separated_starts_reach_a_basin_that_neighbouring_starts_miss():
    # Two basins: theta = -1 (cost 0.18) and theta = +1 (cost 0, the global minimum).
    problem = RobustProblem(
        residuals=lambda t: np.array([t[0] ** 2 - 1.0, 0.3 * (t[0] - 1.0)]),
        jacobian=lambda t: np.array([[2.0 * t[0]], [0.3]]),
        data_weight=np.ones(1),
        lower=np.array([-2.0]),
        upper=np.array([2.0]),
    )
    # Ranked by cost, the two starts near -1 come first and the start at 0.5 third.
    starts = np.array([[-1.01], [-0.99], [0.5]])
    neighbours = minimize_multistart(problem, starts, n_refine=2)
    assert neighbours.x[0] == pytest.approx(-1.0, abs=0.1)
    separated = minimize_multistart(problem, starts, n_refine=2, min_separation=0.1)
    assert separated.x[0] == pytest.approx(1.0)
    assert separated.cost == pytest.approx(0.0, abs=1e-12)


def test_multistart_rejects_all_infinite_starts():
    problem = RobustProblem(
        residuals=lambda t: np.array([np.inf]),
        jacobian=lambda t: np.array([[1.0]]),
        data_weight=np.ones(1),
        lower=np.array([-5.0]),
        upper=np.array([5.0]),
    )
    with pytest.raises(ValueError, match="finite cost"):
        minimize_multistart(problem, np.array([[1.0]]))


def test_dip_fit_mirrors_bump_fit_without_tail_prior():
    """With the only sign-dependent prior off, a dip fit of -y is the bump fit of y."""
    X, y = make_double_descent(n_samples=80, random_state=4)
    strengths = {**DEFAULT_PENALTIES, "tail": 0.0}
    bump = fit_double_descent(X[:, 0], y, strengths=strengths, rng=np.random.default_rng(0))
    dip = fit_double_descent(
        X[:, 0], -y, shape="dip", strengths=strengths, rng=np.random.default_rng(0)
    )
    assert dip.cost == pytest.approx(bump.cost, rel=1e-9)
    np.testing.assert_allclose(dip.x * [-1, 1, 1, 1, 1, 1], bump.x, rtol=1e-6, atol=1e-8)


def _peak_fit_memory(estimator, make_data, n_rows):
    X, y = make_data(n_samples=n_rows, random_state=0)
    tracemalloc.start()
    try:
        estimator.fit(X, y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "estimator, make_data, sizes, bytes_per_row",
    [
        # Ranking ~200 starts at once used to keep rows x starts x 3 arrays: ~16 kB a row.
        (DoubleDescentRegressor(random_state=0), make_double_descent, (2_000, 32_000), 1_000),
        # Log-power fits keep a few rows x parameters arrays: measured ~0.9 kB a row.
        (LogPowerHyperparamRegressor(random_state=0), make_lr_bsz_sweep, (2_000, 8_000), 2_000),
    ],
    ids=["double_descent", "log_power"],
)
def test_fit_memory_grows_linearly_with_a_small_constant(
    estimator, make_data, sizes, bytes_per_row
):
    # Issue 3: nothing rows x rows, nor starts x rows x parameters beyond one chunk.
    small, large = (_peak_fit_memory(estimator, make_data, n) for n in sizes)
    assert (large - small) / (sizes[1] - sizes[0]) < bytes_per_row


def test_multistart_says_the_laws_value_was_not_finite():
    problem = RobustProblem(
        residuals=lambda t: np.array([np.inf, 0.0]),
        jacobian=lambda t: np.array([[1.0], [0.0]]),
        data_weight=np.ones(2),
        lower=np.array([-5.0]),
        upper=np.array([5.0]),
    )
    with pytest.raises(ValueError, match=r"law's value .* not finite .*row 0.*bounds"):
        minimize_multistart(problem, np.array([[1.0], [2.0]]))


def test_multistart_says_the_loss_was_not_finite():
    # Residuals of ordinary size whose loss overflows: the loss scale is to blame.
    problem = RobustProblem(
        residuals=lambda t: np.array([1e100]),
        jacobian=lambda t: np.array([[1.0]]),
        data_weight=np.ones(1),
        lower=np.array([-5.0]),
        upper=np.array([5.0]),
        loss="huber",
        f_scale=1e-300,
    )
    with pytest.raises(ValueError, match="robust loss of them is not.*f_scale"):
        minimize_multistart(problem, np.array([[1.0]]))


def test_multistart_says_the_residuals_are_too_large_to_square():
    # Residuals whose squares overflow whatever the loss scale: y's size is to blame.
    problem = RobustProblem(
        residuals=lambda t: np.array([1e200]),
        jacobian=lambda t: np.array([[1.0]]),
        data_weight=np.ones(1),
        lower=np.array([-5.0]),
        upper=np.array([5.0]),
    )
    with pytest.raises(ValueError, match="reach 1e\\+200.*too large") as info:
        minimize_multistart(problem, np.array([[1.0]]))
    assert "f_scale" not in str(info.value)


def test_at_bounds_uses_a_relative_tolerance():
    from sklearn_scaling._fitting._engine import at_bounds

    lower, upper = np.array([0.0, 0.0, -np.inf]), np.array([10.0, 10.0, np.inf])
    mask = at_bounds(np.array([1e-6, 1e-4, 3.0]), lower, upper)
    assert mask.tolist() == [True, False, False]


# ------------------------------------------------------------------ variable projection


def _chinchilla(noise, seed):
    X, y, true = make_chinchilla(noise=noise, random_state=seed, return_params=True)
    return X, y, np.array([true[name] for name in laws.get_law("chinchilla").parameters])


def _chinchilla_projection():
    """A projection of the Chinchilla law and the full problem it reduces."""
    law = laws.get_law("chinchilla")
    X, y, _ = _chinchilla(0.01, 0)
    scale = y_scale(law, X, y, np.ones_like(y))
    lower, upper = scaled_bounds(law, None, scale)
    weight = np.full(len(y), 1.0 / len(y))
    # A ridge on every parameter, centred away from zero, so the offsets are exercised.
    ridge = RidgePenalty(0.05 * np.eye(law.n_parameters), np.full(law.n_parameters, 0.3))
    projection = Projection(law, X, y / scale, weight, lower, upper, [ridge])
    objective = LawObjective(
        loss="squared", f_scale=1.0, target_space="linear", alpha=0.0, y_scale=scale,
        lower=lower, upper=upper, prior_center=np.empty(0), prior_width=np.empty(0),
        penalty=ridge,
    )  # fmt: skip
    return projection, objective.problem(law, X, y, np.ones_like(y))


def test_projection_cost_is_the_full_cost_and_its_gradient_is_exact():
    """The reduced cost is the full objective at the solved linear part, and Kaufman's
    Jacobian gives the exact gradient of the reduced cost (the residual is orthogonal to
    the columns it drops)."""
    projection, full = _chinchilla_projection()
    reduced = projection.problem()
    for theta in ([0.3, 0.25], [0.5, 0.4], [0.2, 0.6]):
        theta = np.array(theta)
        at_solution = full.cost(projection.solution(theta))
        assert reduced.cost(theta) == pytest.approx(at_solution, rel=1e-12)
        gradient = projection.jacobian(theta).T @ projection.residuals(theta)
        step = 1e-6
        numeric = [
            (reduced.cost(theta + h) - reduced.cost(theta - h)) / (2 * step)
            for h in step * np.eye(2)
        ]
        np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-10)


def test_fit_law_by_projection_recovers_exact_data_and_matches_the_plain_fit():
    law = laws.get_law("chinchilla")
    X, y, true = _chinchilla(0.0, 1)
    exact = fit_law(law, X, y, loss="squared", project=True, polish=False, tol=1e-12)
    np.testing.assert_allclose(exact.x, true, rtol=1e-6)
    X, y, _ = _chinchilla(0.02, 2)
    projected = fit_law(law, X, y, loss="squared", project=True, polish=False)
    plain = fit_law(law, X, y, loss="squared", polish=False)
    assert projected.cost <= plain.cost * (1 + 1e-9)


@pytest.mark.parametrize(
    "options", [{"target_space": "log"}, {"penalty": lambda *args: (np.zeros((1, 1)), None)}]
)
def test_fit_law_projection_refuses_what_it_cannot_project(options):
    law = laws.get_law("chinchilla")
    X, y, _ = _chinchilla(0.01, 3)
    with pytest.raises(ValueError, match="variable projection needs"):
        fit_law(law, X, y, loss="squared", project=True, **options)


# ------------------------------------------------------------------ batched engine


def _rectified_batch(n_problems, loss):
    """The rectified law in log space on a noisy curve, ``n_problems`` copies of it."""
    law = laws.get_law("rectified")
    rng = np.random.default_rng(5)
    X = np.geomspace(1e3, 1e6, 18)[:, None]
    y = law.evaluate(X, np.array([50.0, 1.0, 30.0, 0.3])) * np.exp(rng.normal(0, 2e-3, 18))
    lower = np.array([law.bounds[name][0] for name in law.parameters])
    upper = np.array([law.bounds[name][1] for name in law.parameters])
    objective = LawObjective(
        loss=loss, f_scale=1e-3, target_space="log", alpha=0.0, y_scale=1.0,
        lower=lower, upper=upper, prior_center=np.zeros(2), prior_width=np.ones(2),
    )  # fmt: skip
    shape = (n_problems, len(y))
    batch = objective.batch_problem(law, X, np.broadcast_to(y, shape), np.ones(shape))
    return batch, np.tile([5.0, 0.9, 3.0, 0.6], (n_problems, 1)), None


def _box_least_squares(n_problems):
    """Linear least squares whose unconstrained solution leaves the box [0, 0.5]."""
    rng = np.random.default_rng(4)
    A = rng.normal(size=(25, 3))
    target = A @ np.array([1.0, -0.5, 0.25]) + rng.normal(0, 0.01, 25)

    def residuals(thetas, index):
        return thetas @ A.T - target

    def jacobian(thetas, index):
        return np.broadcast_to(A, (len(index), *A.shape))

    problem = BatchProblem(
        residuals, jacobian, np.ones((n_problems, 25)), np.zeros(3), np.full(3, 0.5)
    )
    return problem, np.full((n_problems, 3), 0.2), (A, target)


@pytest.mark.parametrize("case", ["huber", "soft_l1", "box"])
def test_solve_batch_takes_the_same_steps_for_one_problem_as_for_a_batch(case):
    # One problem goes by its own loop (no batch bookkeeping): the same steps, the same
    # stop, as the batched loop takes for each of two copies of it.
    if case == "box":
        one, start_one, (A, target) = _box_least_squares(1)
        two, start_two, _ = _box_least_squares(2)
    else:
        one, start_one, _ = _rectified_batch(1, case)
        two, start_two, _ = _rectified_batch(2, case)
    single = solve_batch(one, start_one, tol=1e-10)
    batched = solve_batch(two, start_two, tol=1e-10)
    for b in range(2):
        np.testing.assert_allclose(single.x[0], batched.x[b], rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(single.cost[0], batched.cost[b], rtol=1e-10)
        assert single.n_iter[0] == batched.n_iter[b]
        assert single.converged[0] == batched.converged[b]
    assert single.converged[0]
    if case == "box":
        # The bounded optimum, with parameters held on the box's faces.
        from scipy.optimize import lsq_linear

        expected = lsq_linear(A, target, bounds=(0.0, 0.5)).x
        np.testing.assert_allclose(single.x[0], expected, atol=1e-8)
    else:
        # A local minimum: its first-order condition, up to the loss's kink.
        start = one.residuals(start_one, np.zeros(1, dtype=int))
        assert single.cost[0] < one.cost(start, np.zeros(1, dtype=int))[0]


def test_solve_batch_reports_a_non_finite_start_unconverged():
    problem, start, _ = _box_least_squares(1)
    problem.residuals = lambda thetas, index: np.full((len(index), 25), np.nan)
    result = solve_batch(problem, start)
    assert not result.converged[0] and result.n_iter[0] == 0 and result.cost[0] == np.inf


def test_learning_curve_root_cache_serves_scalars_and_batches_of_one_alike():
    # A batch of one evaluates the law with (1, 1) parameter columns and takes its
    # Jacobian with scalars: the cached root serves both, each in its own shape.
    law = laws.get_law("learning_curve")
    X = np.geomspace(1e3, 1e7, 9)[:, None]
    theta = np.array([0.5, 5.0, 0.5, 30.0, 0.3])
    value = law.evaluate(X, theta)
    batched = law.evaluate_many(X, theta[None])
    jacobian = law.jacobian_matrix(X, theta)
    again = law.evaluate(X, theta)
    assert value.shape == again.shape == (9,) and batched.shape == (1, 9)
    assert jacobian.shape == (9, 5)
    np.testing.assert_array_equal(batched[0], value)
    np.testing.assert_array_equal(again, value)
    # The root solves (L - E) / (E0 - L)**a = b x**-c.
    E, E0, a, b, c = theta
    np.testing.assert_allclose((value - E) / (E0 - value) ** a, b * X[:, 0] ** -c, rtol=1e-9)
    # The Jacobian is the law's derivative (central differences).
    step = 1e-6 * theta
    for j in range(5):
        up, down = theta.copy(), theta.copy()
        up[j] += step[j]
        down[j] -= step[j]
        numeric = (law.evaluate(X, up) - law.evaluate(X, down)) / (2 * step[j])
        np.testing.assert_allclose(jacobian[:, j], numeric, rtol=1e-5, atol=1e-9)
