"""The planning layer: compute-optimal allocation, IsoFLOP fits, design of runs, comparison."""

import warnings

import numpy as np
import pytest

from sklearn_scaling import ScalingLawRegressor
from sklearn_scaling.datasets import make_chinchilla, make_data_constrained, make_power_law
from sklearn_scaling.laws import Law, chinchilla, chinchilla_compute_optimal
from sklearn_scaling.planning import (
    compare,
    fit_isoflop,
    optimal_allocation,
    score_design,
    suggest_runs,
)

TRUTH = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


@pytest.fixture(scope="module")
def chinchilla_fit():
    X, y = make_chinchilla(n_samples=120, random_state=0)
    return ScalingLawRegressor("chinchilla", target_space="log").fit(X, y)


@pytest.fixture(scope="module")
def candidates():
    n, c = np.meshgrid(np.logspace(8, 10.5, 6), np.logspace(19, 22, 5))
    return np.column_stack([n.ravel(), (c / (6 * n)).ravel()])


# ------------------------------------------------------------------ allocation


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_allocation_matches_chinchilla_closed_form(seed):
    X, y = make_chinchilla(n_samples=120, random_state=seed)
    reg = ScalingLawRegressor("chinchilla", target_space="log").fit(X, y)
    budgets = np.logspace(17, 28, 23)
    plan = optimal_allocation(reg, budgets)
    n_opt, d_opt = reg.compute_optimal(budgets)
    np.testing.assert_allclose(plan.N, n_opt, rtol=1e-6)
    np.testing.assert_allclose(plan.D, d_opt, rtol=1e-6)
    np.testing.assert_allclose(6 * plan.N * plan.D, budgets, rtol=1e-12)
    assert not plan.at_constraint["N"].any() and not plan.at_constraint["D"].any()
    np.testing.assert_allclose(plan.loss, reg.predict(np.column_stack([plan.N, plan.D])))


def test_allocation_vectorised_equals_one_by_one(chinchilla_fit):
    budgets = np.logspace(19, 25, 7)
    together = optimal_allocation(chinchilla_fit, budgets, return_interval=True)
    for i, budget in enumerate(budgets):
        alone = optimal_allocation(chinchilla_fit, budget, return_interval=True)
        for key in ("N", "D", "loss", "N_low", "N_high", "D_low", "loss_high"):
            np.testing.assert_allclose(alone[key][0], together[key][i], rtol=1e-9)


def test_delta_interval_matches_closed_form_gradient(chinchilla_fit):
    """The implicit-function gradient of the optimum equals that of the closed form."""
    budget = 1e23
    plan = optimal_allocation(chinchilla_fit, budget, return_interval=True, coverage=0.9)
    theta = chinchilla_fit.coef_.copy()
    names = chinchilla_fit.law_.parameters
    grad = np.zeros(theta.size)
    for j in range(theta.size):
        h = 1e-6 * max(abs(theta[j]), 1.0)
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        n_up = chinchilla_compute_optimal(dict(zip(names, up, strict=True)), budget)[0]
        n_down = chinchilla_compute_optimal(dict(zip(names, down, strict=True)), budget)[0]
        grad[j] = (np.log(n_up) - np.log(n_down)) / (2 * h)
    std = float(chinchilla_fit._covariance.std_of(grad[None])[0])
    from sklearn_scaling._intervals import interval_quantile

    q = interval_quantile(0.9, chinchilla_fit._covariance.dof)
    np.testing.assert_allclose(np.log(plan.N_high / plan.N)[0], q * std, rtol=1e-3)
    np.testing.assert_allclose(np.log(plan.N / plan.N_low)[0], q * std, rtol=1e-3)


def test_bootstrap_intervals_hold_the_estimate(chinchilla_fit):
    from sklearn_scaling.uncertainty import BootstrapRegressor

    X, y = make_chinchilla(n_samples=120, random_state=0)
    boot = BootstrapRegressor(
        ScalingLawRegressor("chinchilla", target_space="log"), n_resamples=30, random_state=0
    ).fit(X, y)
    plan = optimal_allocation(boot, [1e21, 1e23], return_interval=True)
    assert plan.method == "bootstrap"
    assert np.all(plan.N_low < plan.N) and np.all(plan.N < plan.N_high)
    assert np.all(plan.loss_low < plan.loss) and np.all(plan.loss < plan.loss_high)
    # The same fit as the delta method's, so the same point estimate.
    delta = optimal_allocation(chinchilla_fit, [1e21, 1e23], return_interval=True)
    np.testing.assert_allclose(plan.N, delta.N, rtol=1e-6)


def test_optimum_on_a_constraint_is_reported(chinchilla_fit):
    free = optimal_allocation(chinchilla_fit, [1e21, 1e24])
    cap = float(np.sqrt(free.N[0] * free.N[1]))
    with pytest.warns(UserWarning, match="on a bound"):
        plan = optimal_allocation(
            chinchilla_fit, [1e21, 1e24], constraints={"N": (None, cap)}, return_interval=True
        )
    assert plan.at_constraint["N"].tolist() == [False, True]
    assert not plan.at_constraint["D"].any()
    np.testing.assert_allclose(plan.N[1], cap)
    np.testing.assert_allclose(plan.N[0], free.N[0], rtol=1e-6)
    # Held on the bound: no width from the law.
    np.testing.assert_allclose([plan.N_low[1], plan.N_high[1]], cap)
    # A data bound instead.
    with pytest.warns(UserWarning, match="on a bound"):
        plan = optimal_allocation(chinchilla_fit, 1e24, constraints={"D": (None, free.D[1] / 10)})
    assert plan.at_constraint["D"].tolist() == [True]
    np.testing.assert_allclose(plan.D, free.D[1] / 10)


def test_other_costs(chinchilla_fit):
    flops = optimal_allocation(chinchilla_fit, 1e22)
    same = optimal_allocation(chinchilla_fit, 1e22, cost=lambda f: 6 * f["N"] * f["D"])
    np.testing.assert_allclose(same.N, flops.N, rtol=1e-6)
    prices = {"N": 1e-9, "D": 2e-12}
    plan = optimal_allocation(chinchilla_fit, 100.0, cost=prices)
    np.testing.assert_allclose(1e-9 * plan.N + 2e-12 * plan.D, 100.0, rtol=1e-9)
    # It is the best run on the budget line: a grid along it does no better.
    n = np.linspace(0.01, 0.99, 999) * 100.0 / 1e-9
    grid = np.column_stack([n, (100.0 - 1e-9 * n) / 2e-12])
    assert plan.loss[0] <= chinchilla_fit.predict(grid).min() + 1e-12


def test_data_constrained_with_a_unique_token_limit():
    X, y = make_data_constrained(n_samples=150, random_state=0)
    reg = ScalingLawRegressor("data_constrained", target_space="log").fit(X, y)
    limit = 3e9
    plan = optimal_allocation(
        reg,
        [1e20, 1e21],
        constraints={"U": lambda f: np.minimum(f["D"], limit)},
        return_interval=True,
    )
    assert np.all(plan.U <= limit * (1 + 1e-12))
    np.testing.assert_allclose(6 * plan.N * plan.D, [1e20, 1e21], rtol=1e-9)
    assert np.all(plan.D_low <= plan.D) and np.all(plan.D <= plan.D_high)
    # Less unique data can only make the best loss worse.
    rich = optimal_allocation(reg, [1e20, 1e21], constraints={"U": lambda f: f["D"]})
    assert np.all(rich.loss <= plan.loss + 1e-12)


def test_user_law_with_other_feature_names():
    def two_terms(X, E, A, a, B, b):
        return E + A * X[:, 0] ** -a + B * X[:, 1] ** -b

    law = Law(
        "two_terms_planning",
        two_terms,
        features=("params", "tokens"),
        linear=("E", "A", "B"),
        domain={"params": "positive", "tokens": "positive"},
        bounds={p: (0, np.inf) if p in "EAB" else (0, 3) for p in ("E", "A", "a", "B", "b")},
    )
    X, y = make_chinchilla(n_samples=150, random_state=3)
    reg = ScalingLawRegressor(law, target_space="log").fit(X, y)
    plan = optimal_allocation(reg, 1e22, size="params", data="tokens")
    params = dict(zip(("E", "A", "alpha", "B", "beta"), reg.coef_, strict=True))
    n_opt, _ = chinchilla_compute_optimal(params, 1e22)
    np.testing.assert_allclose(plan.params, n_opt, rtol=1e-6)
    with pytest.raises(ValueError, match="size feature and a data feature"):
        optimal_allocation(reg, 1e22)


# -------------------------------------------------------------------- bad input


def test_allocation_bad_input(chinchilla_fit):
    X, y = make_power_law(n_samples=50, random_state=0)
    one = ScalingLawRegressor("power_law", target_space="log").fit(X, y)
    with pytest.raises(ValueError, match="size feature and a data feature"):
        optimal_allocation(one, 1e22)
    with pytest.raises(ValueError, match="below the cheapest feasible run"):
        optimal_allocation(chinchilla_fit, 1.0)
    with pytest.raises(ValueError, match="below the cheapest feasible run"):
        optimal_allocation(chinchilla_fit, 1e12, constraints={"N": (1e12, None)})
    with pytest.raises(ValueError, match="not monotone"):
        optimal_allocation(chinchilla_fit, 1e22, cost=lambda f: 6 * f["N"] / f["D"])
    with pytest.raises(ValueError, match="not monotone"):
        optimal_allocation(chinchilla_fit, 1e22, cost={"N": 1.0})
    with pytest.raises(ValueError, match="nothing feasible"):
        optimal_allocation(chinchilla_fit, 1e22, constraints={"N": (1e10, 1e9)})
    with pytest.raises(ValueError, match="nothing feasible"):
        optimal_allocation(chinchilla_fit, 1e22, constraints={"N": (None, 1e9), "D": (None, 1e9)})
    with pytest.raises(ValueError, match="unknown features"):
        optimal_allocation(chinchilla_fit, 1e22, constraints={"U": 1e9})
    with pytest.raises(ValueError, match="budget must be finite and > 0"):
        optimal_allocation(chinchilla_fit, [1e22, -1.0])
    with pytest.raises(ValueError, match="cost must be"):
        optimal_allocation(chinchilla_fit, 1e22, cost="flops")
    with pytest.raises(ValueError, match="coverage"):
        optimal_allocation(chinchilla_fit, 1e22, return_interval=True, coverage=1.5)
    X3, y3 = make_data_constrained(n_samples=60, random_state=0)
    three = ScalingLawRegressor("data_constrained", target_space="log", n_starts=1).fit(X3, y3)
    with pytest.raises(ValueError, match="fix it with constraints"):
        optimal_allocation(three, 1e21)
    with pytest.raises(ValueError, match="fitted|law_"):
        optimal_allocation(ScalingLawRegressor(), 1e22)


# ---------------------------------------------------------------------- IsoFLOP


def _isoflop_grid(budgets, offset=0.0, width=0.5, points=9):
    centres, _ = chinchilla_compute_optimal(TRUTH, budgets)
    N = (centres[:, None] * 10**offset * np.logspace(-width, width, points)).ravel()
    X = np.column_stack([N, np.repeat(budgets, points) / (6 * N)])
    return X, chinchilla(X, *TRUTH.values())


def test_isoflop_recovers_exponents_on_a_noise_free_grid():
    budgets = np.logspace(18, 22, 9)
    X, y = _isoflop_grid(budgets, width=0.3)
    result = fit_isoflop(X, y)
    a_true = TRUTH["beta"] / (TRUTH["alpha"] + TRUTH["beta"])
    assert abs(result.a - a_true) < 2e-3
    assert abs(result.b - (1 - a_true)) < 2e-3
    assert abs(result.a + result.b - 1) < 1e-9  # every run costs exactly 6ND
    n_true, _ = chinchilla_compute_optimal(TRUTH, budgets)
    np.testing.assert_allclose(result.n_opt, n_true, rtol=0.02)
    np.testing.assert_allclose(result.predict(budgets)[0], n_true, rtol=0.03)
    assert result.a_interval[0] <= result.a <= result.a_interval[1]
    assert len(result.compute) == 9


def test_isoflop_off_centre_grid_warns_and_drops_bad_budgets():
    budgets = np.logspace(18, 21, 5)
    X, y = _isoflop_grid(budgets, offset=0.8, width=0.3)
    with pytest.warns(UserWarning, match="outside its runs"):
        fit_isoflop(X, y)
    X2 = np.vstack([X, [[1e9, 1e12], [2e9, 5e11]]])  # a budget of two runs
    y2 = np.concatenate([y, [2.0, 2.1]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_isoflop(X2, y2)
    assert any("fewer than 3 distinct sizes" in str(w.message) for w in caught)
    with pytest.raises(ValueError, match="at least two budgets"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fit_isoflop(X[:9], y[:9])
    with pytest.raises(ValueError, match="two columns"):
        fit_isoflop(X[:, :1], y)


# ------------------------------------------------------------------ design


def test_suggest_runs_widths_decrease_and_respect_budget(chinchilla_fit, candidates):
    design = suggest_runs(chinchilla_fit, candidates, n_runs=5, target=1e24)
    assert len(design.runs) == 5
    assert design.widths[0] < design.initial_width
    assert np.all(np.diff(design.widths) <= 1e-15)
    costs = 6 * candidates[:, 0] * candidates[:, 1]
    budget = 3 * np.median(costs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        cheap = suggest_runs(chinchilla_fit, candidates, n_runs=5, target=1e24, budget=budget)
    assert costs[cheap.runs].sum() <= budget * (1 + 1e-12)
    np.testing.assert_allclose(cheap.costs, costs[cheap.runs])
    # Greedy: the first choice is the best single run.
    singles = [score_design(chinchilla_fit, c[None], 1e24) for c in candidates]
    assert design.runs[0] == int(np.argmin(singles))


@pytest.mark.parametrize("replicates", [True, False])
@pytest.mark.parametrize("target", [1e24, [3e11, 6e12]])
def test_score_design_agrees_with_suggest_runs(chinchilla_fit, candidates, target, replicates):
    design = suggest_runs(
        chinchilla_fit, candidates, n_runs=4, target=target, replicates=replicates
    )
    for k in range(1, 5):
        width = score_design(chinchilla_fit, candidates[design.runs[:k]], target)
        np.testing.assert_allclose(width, design.widths[k - 1], rtol=1e-8)


def _even_design(candidates, n_runs):
    return np.round(np.linspace(0, len(candidates) - 1, n_runs)).astype(int)


def test_replicates_repeat_a_candidate_and_the_forecast_counts_each(chinchilla_fit, candidates):
    """More runs than candidates: with replicates every run is chosen, some twice, and
    the forecast of the design (repeats included) is that of score_design."""
    few = candidates[[4, 17, 29]]
    design = suggest_runs(chinchilla_fit, few, n_runs=7, target=1e24)
    assert len(design.runs) == 7 and len(set(design.runs.tolist())) < 7
    np.testing.assert_allclose(
        design.widths[-1], score_design(chinchilla_fit, few[design.runs], 1e24), rtol=1e-8
    )
    # A repeated run still narrows the forecast: each copy adds its information again.
    assert np.all(np.diff(design.widths) < 0)
    # Without replicates the same call stops at the distinct candidates and says so.
    with pytest.warns(UserWarning, match="only 3 of the 7"):
        distinct = suggest_runs(chinchilla_fit, few, n_runs=7, target=1e24, replicates=False)
    assert sorted(distinct.runs.tolist()) == [0, 1, 2]
    assert design.widths[-1] < distinct.widths[-1]


@pytest.mark.parametrize("replicates", [True, False])
def test_design_within_the_even_designs_budget_forecasts_no_wider(
    chinchilla_fit, candidates, replicates
):
    costs = 6 * candidates[:, 0] * candidates[:, 1]
    even = _even_design(candidates, 6)
    budget = float(costs[even].sum())
    design = suggest_runs(
        chinchilla_fit, candidates, n_runs=6, target=1e24, budget=budget, replicates=replicates
    )
    assert costs[design.runs].sum() <= budget * (1 + 1e-12)
    if not replicates:
        assert len(set(design.runs.tolist())) == len(design.runs)
    assert design.widths[-1] <= score_design(chinchilla_fit, candidates[even], 1e24)


def test_replicates_respect_a_tight_budget(chinchilla_fit, candidates):
    """A budget of a few cheap runs: repeats are paid for each time."""
    costs = 6 * candidates[:, 0] * candidates[:, 1]
    budget = 3.5 * costs.min()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        design = suggest_runs(chinchilla_fit, candidates, n_runs=6, target=1e24, budget=budget)
    assert 1 <= len(design.runs) and costs[design.runs].sum() <= budget * (1 + 1e-12)
    np.testing.assert_allclose(design.costs, costs[design.runs])


def test_suggest_runs_is_deterministic(chinchilla_fit, candidates):
    first = suggest_runs(chinchilla_fit, candidates, n_runs=8, target=1e24, budget=1e23)
    again = suggest_runs(chinchilla_fit, candidates.copy(), n_runs=8, target=1e24, budget=1e23)
    np.testing.assert_array_equal(first.runs, again.runs)
    np.testing.assert_array_equal(first.widths, again.widths)


def test_score_design_without_runs_is_the_fit_width(chinchilla_fit):
    """With a prediction as target, the forecast starts at the fit's own interval."""
    row = np.array([[3e11, 6e12]])
    low, high = chinchilla_fit.predict_interval(row, coverage=0.9)
    design = suggest_runs(chinchilla_fit, row, n_runs=1, target=row[0])
    np.testing.assert_allclose(design.initial_width, np.log(high / low)[0], rtol=1e-6)


@pytest.mark.parametrize("target", [1e24, [3e11, 6e12]])
def test_repeating_the_training_runs_halves_the_forecast_variance(chinchilla_fit, target):
    """The forecast's information per run is the sandwich's own: the fit's runs again.

    The sandwich is ``c s^2 (J^T J)^-1`` with ``c = n / (n - p)``; the same runs once
    more add ``J^T J / s^2``, so the variance falls by ``1 + c`` (a residual scale
    taken over other rows than the sandwich's curvature misses this by 6%).
    """
    X, _ = make_chinchilla(n_samples=120, random_state=0)  # the fixture's runs
    n, p = X.shape[0], chinchilla_fit.coef_.size
    before = suggest_runs(chinchilla_fit, X[:1], n_runs=1, target=target).initial_width
    after = score_design(chinchilla_fit, X, target)
    assert after / before == pytest.approx(1 / np.sqrt(1 + n / (n - p)), rel=0.02)


def test_design_bad_input(chinchilla_fit, candidates):
    with pytest.raises(ValueError, match="shape"):
        suggest_runs(chinchilla_fit, candidates[:, :1], n_runs=2, target=1e24)
    with pytest.raises(ValueError, match="shape"):
        suggest_runs(chinchilla_fit, candidates.ravel(), n_runs=2, target=1e24)
    with pytest.raises(ValueError, match="n_runs"):
        suggest_runs(chinchilla_fit, candidates, n_runs=0, target=1e24)
    with pytest.raises(ValueError, match="cheapest candidate"):
        suggest_runs(chinchilla_fit, candidates, n_runs=2, target=1e24, budget=1.0)
    with pytest.raises(ValueError, match="must be > 0"):
        suggest_runs(chinchilla_fit, -candidates, n_runs=2, target=1e24)
    with pytest.raises(ValueError, match="one row"):
        score_design(chinchilla_fit, candidates, candidates[:2])
    from sklearn.utils._param_validation import InvalidParameterError

    for option in ("replicates", "exchange"):
        with pytest.raises(InvalidParameterError, match=f"'{option}' parameter.*'bool'"):
            suggest_runs(chinchilla_fit, candidates, n_runs=2, target=1e24, **{option: "yes"})


# ----------------------------------------------------------------------- compare


def test_compare_difference_and_crossing_on_known_laws():
    law_a = {"E": 1.0, "A": 5.0, "alpha": 0.3}
    law_b = {"E": 1.2, "A": 10.0, "alpha": 0.5}
    span = (1.0, 1e6)
    Xa, ya = make_power_law(200, params=law_a, noise=0.002, x_range=span, random_state=0)
    Xb, yb = make_power_law(200, params=law_b, noise=0.002, x_range=span, random_state=1)
    reg = ScalingLawRegressor("power_law", target_space="log")
    at = np.array([[10.0], [1e3]])
    result = compare(reg, Xa, ya, reg, Xb, yb, at=at)

    def f(p, x):
        return p["E"] + p["A"] * x ** -p["alpha"]

    true_difference = f(law_a, at[:, 0]) - f(law_b, at[:, 0])
    np.testing.assert_allclose(result.difference, true_difference, atol=0.02)
    assert np.all(result.difference_low <= result.difference)
    assert np.all(result.difference <= result.difference_high)
    # The true laws cross twice (near 69 and 1.4e4); each row reports the nearer.
    grid = np.logspace(-3, 8, 200001)
    gap = f(law_a, grid) - f(law_b, grid)
    roots = grid[np.flatnonzero(np.diff(np.sign(gap)))]
    assert roots.size == 2
    nearest = roots[np.argmin(np.abs(np.log(roots[None]) - np.log(at)), axis=1)]
    np.testing.assert_allclose(result.crossing, nearest, rtol=0.1)
    assert np.all(result.crossing_low < result.crossing)
    assert np.all(result.crossing < result.crossing_high)
    # The same with estimators already fitted.
    a = ScalingLawRegressor("power_law", target_space="log").fit(Xa, ya)
    b = ScalingLawRegressor("power_law", target_space="log").fit(Xb, yb)
    again = compare(a, None, None, b, None, None, at=at)
    np.testing.assert_allclose(again.crossing, result.crossing, rtol=1e-6)


def test_compare_no_crossing_is_nan():
    # b lies above a everywhere: a larger floor and a larger, equally steep term.
    a, b = {"E": 1.0, "A": 20.0}, {"E": 2.0, "A": 60.0}
    Xa, ya = make_power_law(n_samples=80, params=a, noise=0.001, random_state=0)
    Xb, yb = make_power_law(n_samples=80, params=b, noise=0.001, random_state=1)
    reg = ScalingLawRegressor("power_law", target_space="log")
    result = compare(reg, Xa, ya, reg, Xb, yb, at=[[10.0]])
    assert np.isnan(result.crossing[0]) and result.difference[0] < 0


# ------------------------------------------------------------------------ pinball


@pytest.mark.parametrize("quantile", [0.1, 0.9])
def test_pinball_fits_the_quantile(quantile):
    X, y = make_chinchilla(n_samples=240, noise=0.03, random_state=0)
    reg = ScalingLawRegressor(
        "chinchilla", loss="pinball", quantile=quantile, target_space="log"
    ).fit(X, y)
    below = np.mean(y < reg.predict(X))
    # The law lies above a fraction `quantile` of the runs, within sampling error.
    assert abs(below - quantile) < 0.05
    assert np.all(np.isfinite(list(reg.params_std_.values())))


def test_pinball_at_one_half_is_huber():
    X, y = make_chinchilla(n_samples=120, noise=0.02, random_state=1)
    huber = ScalingLawRegressor("chinchilla", target_space="log").fit(X, y)
    pinball = ScalingLawRegressor("chinchilla", loss="pinball", target_space="log").fit(X, y)
    # The same objective, minimised by other steps: the same minimum.
    np.testing.assert_allclose(pinball.cost_, huber.cost_, rtol=1e-4)
    np.testing.assert_allclose(pinball.predict(X), huber.predict(X), rtol=1e-3)


def test_pinball_lower_envelope_of_a_sweep_with_failed_runs():
    """A tenth of the runs failed (loss far above the law): q=0.1 follows the good ones."""
    X, y, truth = make_chinchilla(n_samples=240, noise=0.005, return_params=True, random_state=2)
    failed = np.random.default_rng(0).random(y.shape[0]) < 0.3
    y_swept = np.where(failed, y * 1.3, y)
    reg = ScalingLawRegressor("chinchilla", loss="pinball", quantile=0.1, target_space="log")
    reg.fit(X, y_swept)
    clean = chinchilla(X, *(truth[p] for p in ("E", "A", "B", "alpha", "beta")))
    assert np.median(np.abs(np.log(reg.predict(X) / clean))) < 0.01


def test_pinball_quantile_is_validated():
    X, y = make_chinchilla(n_samples=40, random_state=0)
    with pytest.raises(ValueError, match="quantile"):
        ScalingLawRegressor(loss="pinball", quantile=1.0).fit(X, y)


def test_isoflop_display_draws_parabolas_and_frontier():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_scaling.plotting import IsoFLOPDisplay

    X, y = _isoflop_grid(np.logspace(18, 21, 4))
    result = fit_isoflop(X, y)
    fig, axes = plt.subplots(1, 2)
    disp = IsoFLOPDisplay.from_result(result, ax=axes)
    assert disp.figure_ is fig and len(disp.lines_) == 4
    # The frontier passes through the fitted power law.
    x, n = disp.frontier_.get_data()
    np.testing.assert_allclose(n, result.predict(x)[0])
    with pytest.raises(ValueError, match="fit_isoflop"):
        IsoFLOPDisplay.from_result(object())
    plt.close(fig)


def test_compare_bad_input(chinchilla_fit):
    X, y = make_power_law(n_samples=40, random_state=0)
    one = ScalingLawRegressor("power_law", target_space="log").fit(X, y)
    with pytest.raises(ValueError, match="same features"):
        compare(chinchilla_fit, None, None, one, None, None, at=[[1e9, 2e10]])
    with pytest.raises(ValueError, match="both X_b and y_b"):
        compare(one, None, None, one, X, None, at=[[10.0]])
    with pytest.raises(ValueError, match="shape"):
        compare(one, None, None, one, None, None, at=[[10.0, 2.0]])


def test_candidates_as_a_dataframe(chinchilla_fit, candidates):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(candidates[:, ::-1], columns=["D", "N"])  # named, reordered
    from_frame = suggest_runs(chinchilla_fit, frame, n_runs=3, target=1e24)
    from_array = suggest_runs(chinchilla_fit, candidates, n_runs=3, target=1e24)
    np.testing.assert_array_equal(from_frame.runs, from_array.runs)


def test_allocation_of_a_linear_space_fit():
    X, y = make_chinchilla(n_samples=120, random_state=4)
    reg = ScalingLawRegressor("chinchilla", loss="squared").fit(X, y)
    plan = optimal_allocation(reg, [1e21, 1e23], return_interval=True)
    np.testing.assert_allclose(plan.N, reg.compute_optimal([1e21, 1e23])[0], rtol=1e-6)
    # Envelope theorem: the optimal loss's interval is the law's own interval at the
    # optimum (its move along the budget curve is second order), in units of y.
    low, high = reg.predict_interval(np.column_stack([plan.N, plan.D]))
    np.testing.assert_allclose(plan.loss_low, low, rtol=1e-6)
    np.testing.assert_allclose(plan.loss_high, high, rtol=1e-6)
    assert np.all(plan.loss_low < plan.loss) and np.all(plan.loss < plan.loss_high)
