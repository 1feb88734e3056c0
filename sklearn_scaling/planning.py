"""Plan the next run: compute-optimal allocation, IsoFLOP fits, and which runs to do next.

A scaling law exists to decide what to train next. This module answers that for any
fitted law of the registry (or of your own) that has a *size* feature (parameters,
``N``) and a *data* feature (tokens, ``D``):

* :func:`optimal_allocation` -- the size and data that minimise the law at a compute
  budget, for any cost (``6 N D``, a callable, per-feature prices) and constraints (a
  unique-token limit, a largest model), over many budgets at once, with intervals (the
  delta method from the fit's covariance, or the spread over a bootstrap's refits);
* :func:`fit_isoflop` -- Hoffmann et al.'s approach 2: a parabola per compute budget
  and power laws of the minima;
* :func:`suggest_runs` and :func:`score_design` -- which candidate runs most shrink the
  interval of a target (a prediction, or the compute-optimal size at a budget);
* :func:`compare` -- two recipes' laws: their difference and where their curves cross.

Every interval here is a statement about the law's parameters given that the law
holds; it does not cover a law that is wrong beyond the data.
"""

import numbers
import warnings
from collections.abc import Mapping

import numpy as np
from scipy import stats
from sklearn.base import clone
from sklearn.utils import Bunch
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from ._fitting._covariance import density_rows, mean_loss_curvature
from ._fitting._losses import loss_derivatives
from ._intervals import check_coverage, interval_quantile

__all__ = [
    "IsoFLOPResult",
    "compare",
    "fit_isoflop",
    "optimal_allocation",
    "score_design",
    "suggest_runs",
]

# Smallest size and data a run can have when no constraint says otherwise: one
# parameter, one token. The search for the optimum runs over everything between.
_DEFAULT_LOW = 1.0

# Points per budget of the coarse grid that brackets the optimum before the golden
# section search refines it: enough to separate the minima of a smooth law.
_GRID_POINTS = 48
_GOLDEN_ITERATIONS = 60
_NEWTON_STEPS = 3
# Step in log size of the central differences (derivatives along the budget curve).
_LOG_STEP = 1e-4
# Bisection steps of a cost without a closed form: 2**-80 of a 100-nat bracket.
_BISECTION_STEPS = 80
# An optimum within this distance (in log size) of the feasible range's end is on it.
_EDGE_TOL = 1e-6


# ------------------------------------------------------------------- the fitted law


def _fitted(estimator, what):
    """``(inner estimator, bootstrap or None)`` of a fitted law-based estimator."""
    bootstrap = None
    if hasattr(estimator, "coefs_") and hasattr(estimator, "estimator_"):
        check_is_fitted(estimator)
        bootstrap = estimator
        estimator = estimator._inner()
    if not hasattr(estimator, "law_"):
        if hasattr(estimator, "fit") and not hasattr(estimator, "coef_"):
            check_is_fitted(estimator)
        raise ValueError(
            f"{what} needs a fitted estimator with a law (law_ and coef_), such as "
            f"ScalingLawRegressor or a BootstrapRegressor of one; got {type(estimator).__name__}."
        )
    check_is_fitted(estimator)
    if bootstrap is not None and bootstrap.coefs_ is None:
        raise ValueError(f"{what}: the BootstrapRegressor keeps no refitted coefficients.")
    return estimator, bootstrap


def _roles(law, size, data, what):
    """Column indices of the size and data features, or a ValueError naming them."""
    missing = [name for name in (size, data) if name not in law.features]
    if missing or size == data:
        raise ValueError(
            f"{what} needs a law with a size feature and a data feature: law {law.name!r} "
            f"has features {list(law.features)}, and size={size!r}, data={data!r} "
            f"{'are not among them' if missing else 'are the same'}. Pass size= and data= "
            "with the names of its model-size and data-size features."
        )
    return law.features.index(size), law.features.index(data)


# ------------------------------------------------------------------------ the cost


class _Cost:
    """A cost of runs: ``'6ND'``, a callable of the features, or per-feature prices."""

    def __init__(self, cost, law, size, data):
        self.size, self.data, self.law = size, data, law
        if isinstance(cost, str):
            if cost != "6ND":
                raise ValueError(
                    f"cost must be '6ND', a callable of the features or a dict of prices; "
                    f"got {cost!r}."
                )
            self.kind = "6ND"
        elif isinstance(cost, Mapping):
            unknown = sorted(set(cost) - set(law.features))
            if unknown:
                raise ValueError(
                    f"cost prices name unknown features {unknown}; the law's features are "
                    f"{list(law.features)}."
                )
            prices = {}
            for name, price in cost.items():
                if isinstance(price, bool) or not isinstance(price, numbers.Real):
                    raise ValueError(f"cost price of {name!r} must be a number; got {price!r}.")
                if not (np.isfinite(price) and price >= 0):
                    raise ValueError(
                        f"cost price of {name!r} must be finite and >= 0; got {price!r}."
                    )
                prices[name] = float(price)
            flat = [n for n in (size, data) if prices.get(n, 0.0) <= 0]
            if flat:
                raise ValueError(
                    f"the cost is not monotone: it must increase with the size and the data "
                    f"features, but the prices of {flat} are 0 or missing."
                )
            self.kind, self.prices = "prices", prices
        elif callable(cost):
            self.kind, self.function = "callable", cost
        else:
            raise ValueError(
                f"cost must be '6ND', a callable of the features or a dict of prices; got {cost!r}."
            )

    def __call__(self, features):
        if self.kind == "6ND":
            return 6.0 * features[self.size] * features[self.data]
        if self.kind == "prices":
            return sum(price * features[name] for name, price in self.prices.items())
        with np.errstate(all="ignore"):
            value = np.asarray(self.function(features), dtype=float)
        return np.broadcast_to(value, np.shape(features[self.size])).astype(float)

    def _closed_form(self):
        """Whether the budget curve has a closed form: 6ND, or prices on size and data only."""
        if self.kind == "6ND":
            return True
        return self.kind == "prices" and set(self.prices) <= {self.size, self.data}

    def data_for(self, log_size, budget, other):
        """Log data such that the run of this size costs the budget (-inf where none)."""
        return self._complement(log_size, budget, other, known=self.size, wanted=self.data)

    def size_for(self, log_data, budget, other):
        """Log size such that the run of this much data costs the budget (-inf where none)."""
        return self._complement(log_data, budget, other, known=self.data, wanted=self.size)

    def _complement(self, log_known, budget, other, *, known, wanted):
        """Log of feature ``wanted`` such that, with ``known`` at ``exp(log_known)``, the
        run costs the budget: in closed form for 6ND and prices, else by bisection."""
        if self.kind == "6ND":
            return np.log(budget / 6.0) - log_known
        value = np.exp(log_known)
        if self._closed_form():
            rest = budget - self.prices[known] * value
            with np.errstate(all="ignore"):
                return np.where(
                    rest > 0, np.log(np.maximum(rest, 1e-300) / self.prices[wanted]), -np.inf
                )

        def spend(log_wanted):
            pair = {known: value, wanted: np.exp(log_wanted)}
            return self(self.features(pair[self.size], pair[self.data], other))

        return _solve_increasing(spend, budget, -5.0, 200.0, np.shape(value))

    def features(self, size, data, other):
        features = {self.size: size, self.data: data}
        for name in self.law.features:
            if name not in features:
                features[name] = other(name, size, data)
        return features


def _solve_increasing(function, target, low, high, shape):
    """Bisection for ``function(x) = target`` of an increasing function, vectorised.

    Returns ``low`` where even ``low`` overshoots and ``high`` where ``high`` falls short.
    """
    low = np.full(shape, float(low))
    high = np.full(shape, float(high))
    target = np.broadcast_to(target, shape)
    for _ in range(_BISECTION_STEPS):
        middle = 0.5 * (low + high)
        above = function(middle) >= target
        high = np.where(above, middle, high)
        low = np.where(above, low, middle)
    return 0.5 * (low + high)


# ------------------------------------------------------------------ the constraints


class _Constraints:
    """Fixed values and bounds of the features, checked against the law."""

    def __init__(self, constraints, law, size, data, n_budgets):
        self.law, self.size, self.data = law, size, data
        constraints = dict(constraints or {})
        unknown = sorted(set(constraints) - set(law.features))
        if unknown:
            raise ValueError(
                f"constraints name unknown features {unknown}; the law's features are "
                f"{list(law.features)}."
            )
        self.bounds = {}
        for name in (size, data):
            value = constraints.pop(name, None)
            low, high = _DEFAULT_LOW, np.inf
            if value is not None:
                if np.ndim(value) == 0 or len(value) != 2:
                    raise ValueError(
                        f"constraints[{name!r}] bounds a feature the allocation chooses: give "
                        f"a (low, high) pair (None for an open side); got {value!r}."
                    )
                low = _DEFAULT_LOW if value[0] is None else float(value[0])
                high = np.inf if value[1] is None else float(value[1])
                if not (low > 0 and low <= high) or np.isnan(high):
                    raise ValueError(
                        f"constraints leave nothing feasible: {name} must lie in a (low, high) "
                        f"range with 0 < low <= high; got {value!r}."
                    )
            self.bounds[name] = (low, high)
        self.fixed = {}
        for name in law.features:
            if name in (size, data):
                continue
            if name not in constraints:
                raise ValueError(
                    f"law {law.name!r} has feature {name!r} besides the size {size!r} and the "
                    f"data {data!r}: fix it with constraints={{{name!r}: value}} (a number, one "
                    "value per budget, or a callable of the features, e.g. "
                    f"lambda f: np.minimum(f[{data!r}], limit))."
                )
            value = constraints[name]
            if callable(value):
                self.fixed[name] = value
                continue
            array = np.asarray(value, dtype=float)
            if array.ndim > 1 or (array.ndim == 1 and array.shape[0] not in (1, n_budgets)):
                raise ValueError(
                    f"constraints[{name!r}] must be a number or one value per budget "
                    f"({n_budgets}); got shape {array.shape}."
                )
            if not np.all(np.isfinite(array)):
                raise ValueError(f"constraints[{name!r}] must be finite; got {value!r}.")
            self.fixed[name] = array.reshape(-1) if array.ndim else array

    def value(self, name, size, data, rows=None):
        """The value of a fixed feature at these sizes and data (rows: budget index)."""
        fixed = self.fixed[name]
        if callable(fixed):
            out = np.asarray(fixed({self.size: size, self.data: data}), dtype=float)
            return np.broadcast_to(out, np.shape(size))
        if fixed.ndim and fixed.shape[0] > 1:
            return np.broadcast_to(fixed[rows] if rows is not None else fixed, np.shape(size))
        return np.broadcast_to(fixed.reshape(()), np.shape(size))


# --------------------------------------------------------------- the 1-D problem


class _Allocation:
    """Minimise a law along the budget curves of many budgets, parametrised by log size."""

    def __init__(self, law, size, data, cost, constraints, budgets):
        self.law, self.size, self.data = law, size, data
        self.cost, self.constraints = cost, constraints
        self.budgets = budgets
        self.columns = {name: i for i, name in enumerate(law.features)}

    def other(self, rows):
        def value(name, size, data):
            return self.constraints.value(name, size, data, rows)

        return value

    def features(self, log_size, rows):
        """Features along the curves at ``log_size`` of shape (n_budgets, k)."""
        budget = self.budgets[rows]
        other = self.other(rows)
        log_data = self.cost.data_for(log_size, budget, other)
        size, data = np.exp(log_size), np.exp(log_data)
        return self.cost.features(size, data, other)

    def matrix(self, features):
        shape = np.shape(features[self.size])
        return np.column_stack(
            [np.broadcast_to(features[name], shape).ravel() for name in self.law.features]
        )

    def values(self, theta, log_size, rows):
        features = self.features(log_size, rows)
        with np.errstate(all="ignore"):
            value = self.law.evaluate(self.matrix(features), theta).reshape(np.shape(log_size))
        return np.where(np.isfinite(value), value, np.inf)

    def feasible_range(self):
        """Per budget, the range of log size whose run costs the budget within the bounds."""
        n_low, n_high = self.constraints.bounds[self.size]
        d_low, d_high = self.constraints.bounds[self.data]
        rows = np.arange(self.budgets.shape[0])
        other = self.other(rows)
        cheapest = self.cost(
            self.cost.features(np.full(rows.shape, n_low), np.full(rows.shape, d_low), other)
        )
        short = np.flatnonzero(~(cheapest <= self.budgets))
        if short.size:
            i = int(short[0])
            raise ValueError(
                f"budget {self.budgets[i]:.4g} is below the cheapest feasible run (size "
                f"{n_low:g}, data {d_low:g}) which costs {cheapest[i]:.4g}: raise the budget or "
                "lower the constraints' lower bounds."
            )
        if np.isfinite(n_high) and np.isfinite(d_high):
            largest = self.cost(
                self.cost.features(np.full(rows.shape, n_high), np.full(rows.shape, d_high), other)
            )
            over = np.flatnonzero(largest < self.budgets)
            if over.size:
                i = int(over[0])
                raise ValueError(
                    f"constraints leave nothing feasible at budget {self.budgets[i]:.4g}: the "
                    f"largest run they allow (size {n_high:g}, data {d_high:g}) costs only "
                    f"{largest[i]:.4g}. Raise the upper bounds or lower the budget."
                )
        log_budget_size = self.cost.size_for(
            np.full(rows.shape, np.log(d_low)), self.budgets, other
        )
        high = np.minimum(np.log(n_high), log_budget_size)
        high_from_data = log_budget_size <= np.log(n_high)
        if np.isfinite(d_high):
            log_size_at_d_high = self.cost.size_for(
                np.full(rows.shape, np.log(d_high)), self.budgets, other
            )
        else:
            log_size_at_d_high = np.full(rows.shape, -np.inf)
        low = np.maximum(np.log(n_low), log_size_at_d_high)
        low_from_data = log_size_at_d_high > np.log(n_low)
        return low, high, low_from_data, high_from_data

    def minimise(self, theta, low, high):
        """The log size minimising the law on [low, high] per budget, vectorised."""
        rows = np.arange(self.budgets.shape[0])
        fraction = np.linspace(0.0, 1.0, _GRID_POINTS)
        grid = low[:, None] + (high - low)[:, None] * fraction[None, :]
        grid_rows = np.repeat(rows[:, None], _GRID_POINTS, axis=1)
        values = self.values(theta, grid, grid_rows)
        best = np.argmin(values, axis=1)
        if not np.all(np.isfinite(values[rows, best])):
            i = int(np.flatnonzero(~np.isfinite(values[rows, best]))[0])
            raise ValueError(
                f"law {self.law.name!r} is not finite anywhere on the budget curve of budget "
                f"{self.budgets[i]:.4g}; check the constraints and the law's domain."
            )
        step = (high - low) / (_GRID_POINTS - 1)
        a = np.maximum(grid[rows, best] - step, low)
        b = np.minimum(grid[rows, best] + step, high)
        # Golden section search on [a, b], all budgets at once.
        ratio = (np.sqrt(5.0) - 1.0) / 2.0
        c, d = b - ratio * (b - a), a + ratio * (b - a)
        fc, fd = self.values(theta, c, rows), self.values(theta, d, rows)
        for _ in range(_GOLDEN_ITERATIONS):
            left = fc <= fd
            b = np.where(left, d, b)
            a = np.where(left, a, c)
            new = np.where(left, b - ratio * (b - a), a + ratio * (b - a))
            fnew = self.values(theta, new, rows)
            c, d, fc, fd = (
                np.where(left, new, d),
                np.where(left, c, new),
                np.where(left, fnew, fd),
                np.where(left, fc, fnew),
            )
        x = np.where(fc <= fd, c, d)
        # The golden section stalls where the law is flat to rounding (a relative 1e-8
        # in size); Newton steps on the central-difference derivative go below that.
        for _ in range(_NEWTON_STEPS):
            slope, curvature = self.derivatives(theta, x, rows)
            with np.errstate(all="ignore"):
                step = -slope / curvature
            ok = (curvature > 0) & np.isfinite(step) & (np.abs(step) < 1e-2)
            x = np.where(ok, np.clip(x + np.where(ok, step, 0.0), low, high), x)
        # The end of the range is kept where it is better than the interior point.
        for edge in (low, high):
            better = self.values(theta, edge, rows) < self.values(theta, x, rows)
            x = np.where(better, edge, x)
        return x

    def derivatives(self, theta, x, rows):
        h = _LOG_STEP
        up = self.values(theta, x + h, rows)
        mid = self.values(theta, x, rows)
        down = self.values(theta, x - h, rows)
        return (up - down) / (2 * h), (up - 2 * mid + down) / (h * h)

    def jacobian(self, theta, x, rows):
        features = self.features(x, rows)
        with np.errstate(all="ignore"):
            return self.law.jacobian_matrix(self.matrix(features), theta)

    def gradients(self, theta, x, rows, fixed_x, log_space):
        """Gradients wrt ``theta`` of each feature's log and of the loss at the optimum.

        Implicit function theorem on the optimality condition ``f_x(x*, theta) = 0``:
        ``dx*/dtheta = -f_x_theta / f_xx``; an optimum held on a bound does not move.
        The loss's gradient is the law's Jacobian there (the envelope theorem).
        """
        h = _LOG_STEP
        _, curvature = self.derivatives(theta, x, rows)
        cross = (self.jacobian(theta, x + h, rows) - self.jacobian(theta, x - h, rows)) / (2 * h)
        with np.errstate(all="ignore"):
            dx = -cross / curvature[:, None]
        dx[fixed_x | ~np.isfinite(curvature) | (curvature <= 0)] = 0.0
        up, down = self.features(x + h, rows), self.features(x - h, rows)
        grads = {}
        for name in self.law.features:
            with np.errstate(all="ignore"):
                slope = (np.log(up[name]) - np.log(down[name])) / (2 * h)
            grads[name] = np.where(np.isfinite(slope), slope, 0.0)[:, None] * dx
        jac = self.jacobian(theta, x, rows)
        if log_space:
            jac = jac / self.values(theta, x, rows)[:, None]
        grads["loss"] = jac
        return grads


def _budgets(budget):
    budgets = np.atleast_1d(np.asarray(budget, dtype=float))
    if budgets.ndim != 1 or budgets.size == 0:
        raise ValueError(
            f"budget must be a number or a 1-D array of numbers; got shape {budgets.shape}."
        )
    if not np.all(np.isfinite(budgets) & (budgets > 0)):
        raise ValueError(f"budget must be finite and > 0; got {budget!r}.")
    return budgets


def _setup(law, budget, cost, constraints, size, data, what):
    _roles(law, size, data, what)
    budgets = _budgets(budget)
    cost = _Cost(cost, law, size, data)
    limits = _Constraints(constraints, law, size, data, budgets.shape[0])
    problem = _Allocation(law, size, data, cost, limits, budgets)
    if cost.kind == "callable":
        _check_monotone(problem)
    return problem


def _check_monotone(problem):
    """A callable cost must increase with the size and the data: checked on a grid."""
    n_low, n_high = problem.constraints.bounds[problem.size]
    d_low, d_high = problem.constraints.bounds[problem.data]
    log_n = np.linspace(np.log(n_low), np.log(min(n_high, 1e15)), 12)
    log_d = np.linspace(np.log(d_low), np.log(min(d_high, 1e15)), 12)
    grid_n, grid_d = np.meshgrid(np.exp(log_n), np.exp(log_d), indexing="ij")
    rows = np.zeros(grid_n.shape, dtype=int)
    other = problem.other(rows)
    try:
        spend = problem.cost(problem.cost.features(grid_n, grid_d, other))
    except Exception as exc:  # noqa: BLE001 -- the user's callable: say it failed
        raise ValueError(f"the cost callable failed on a grid of runs: {exc!r}") from exc
    if not np.all(np.isfinite(spend)):
        raise ValueError("the cost callable returned non-finite costs for positive features.")
    if not (np.all(np.diff(spend, axis=0) > 0) and np.all(np.diff(spend, axis=1) > 0)):
        raise ValueError(
            "the cost is not monotone: it must increase with the size and with the data "
            "feature (checked on a grid of runs); a cost that does not cannot be spent on "
            "a single best run."
        )


def _solve(problem, theta):
    low, high, low_from_data, high_from_data = problem.feasible_range()
    x = problem.minimise(theta, low, high)
    width = np.maximum(high - low, 1.0)
    at_low = x - low <= _EDGE_TOL * width
    at_high = high - x <= _EDGE_TOL * width
    return x, at_low, at_high, low_from_data, high_from_data


def _check_level(coverage):
    return check_coverage(coverage)


def optimal_allocation(
    estimator,
    budget,
    *,
    cost="6ND",
    constraints=None,
    return_interval=False,
    coverage=0.9,
    size="N",
    data="D",
):
    """The run that minimises the fitted law at each compute budget.

    Along the runs that cost exactly the budget, parametrised by their log size, the
    law's minimum is bracketed on a grid, refined by a golden-section search and
    polished by Newton steps, for all budgets at once (a frontier of 1,000 budgets
    takes a fraction of a second). For Chinchilla and ``cost='6ND'`` it agrees with the
    closed form (``compute_optimal``) to better than 1e-6 relative.

    Parameters
    ----------
    estimator : fitted ScalingLawRegressor or BootstrapRegressor of one
        Any law with a size and a data feature (``size`` and ``data`` name them).
    budget : float or array-like of shape (n_budgets,)
        Compute budgets, in the units of ``cost``, > 0.
    cost : '6ND', callable or dict, default='6ND'
        The cost of a run: ``6 * size * data`` (training FLOPs); a callable taking
        ``{feature: ndarray}`` and returning the costs, which must increase with the
        size and the data (checked on a grid); or ``{feature: price}``, the cost being
        ``sum(price * feature)``, with positive prices for the size and the data.
    constraints : dict or None, default=None
        ``{feature: (low, high)}`` bounds the size or the data (``None`` for an open
        side; by default both are >= 1). Every other feature of the law must be fixed:
        ``{feature: value}`` with a number, one value per budget, or a callable of
        ``{size: ndarray, data: ndarray}`` -- for the data-constrained law, a limit of
        ``u`` unique tokens is ``{"U": lambda f: np.minimum(f["D"], u)}`` (a run of
        ``D`` tokens uses at most ``D`` unique ones).
    return_interval : bool, default=False
        Also return ``<feature>_low``, ``<feature>_high``, ``loss_low`` and
        ``loss_high``: for a :class:`~sklearn_scaling.uncertainty.BootstrapRegressor`
        the equal-tailed quantiles of the optimum over its refits; for any other
        estimator the delta method from ``coef_cov_`` (the optimum's gradient by the
        implicit function theorem), built on the log of each feature (and of the loss
        for ``target_space='log'``).
    coverage : float, default=0.9
        Coverage of the intervals, in (0, 1).
    size, data : str, default='N', 'D'
        Names of the law's size and data features (``law_.features``).

    Returns
    -------
    allocation : :class:`~sklearn.utils.Bunch`
        ``budget``; one array of shape (n_budgets,) per feature of the law, by name;
        ``loss``, the law's value at the optimum; ``at_constraint``, ``{feature: ndarray
        of bool}``: True where the optimum lies on a bound of the size or the data (a
        constraint's, or the default lower bound 1) -- not an interior optimum -- and
        always True for features fixed by ``constraints``; with ``return_interval``
        the intervals above and ``method`` ('delta' or 'bootstrap').

    Raises
    ------
    ValueError
        For a law without the size or the data feature, a feature neither chosen nor
        fixed, a budget below the cheapest feasible run, a cost that is not monotone,
        or constraints that leave nothing feasible.

    Warns
    -----
    UserWarning
        When the optimum of some budget lies on a bound.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_scaling import ScalingLawRegressor
    >>> from sklearn_scaling.datasets import make_chinchilla
    >>> from sklearn_scaling.planning import optimal_allocation
    >>> X, y = make_chinchilla(n_samples=240, random_state=0)
    >>> reg = ScalingLawRegressor("chinchilla", target_space="log").fit(X, y)
    >>> plan = optimal_allocation(reg, [1e22, 1e23], return_interval=True)
    >>> n_opt, d_opt = reg.compute_optimal([1e22, 1e23])
    >>> bool(np.allclose(plan.N, n_opt, rtol=1e-6))
    True
    >>> bool(np.all((plan.N_low < plan.N) & (plan.N < plan.N_high)))
    True
    """
    inner, bootstrap = _fitted(estimator, "optimal_allocation")
    coverage = _check_level(coverage)
    law = inner.law_
    problem = _setup(law, budget, cost, constraints, size, data, "optimal_allocation")
    theta = np.asarray(inner.coef_, dtype=float)
    x, at_low, at_high, low_from_data, high_from_data = _solve(problem, theta)
    rows = np.arange(problem.budgets.shape[0])
    features = problem.features(x, rows)
    result = Bunch(budget=problem.budgets.copy())
    for name in law.features:
        result[name] = np.array(np.broadcast_to(features[name], x.shape), dtype=float)
    result["loss"] = problem.values(theta, x, rows)
    on_size = (at_low & ~low_from_data) | (at_high & ~high_from_data)
    on_data = (at_low & low_from_data) | (at_high & high_from_data)
    at_constraint = {size: on_size, data: on_data}
    for name in law.features:
        at_constraint.setdefault(name, np.ones(x.shape, dtype=bool))
    result["at_constraint"] = at_constraint
    held = on_size | on_data
    if np.any(held):
        warnings.warn(
            f"optimal_allocation: at {int(held.sum())} of {held.size} budget(s) the optimum "
            f"lies on a bound of {size!r} or {data!r} (see at_constraint), not inside the "
            "feasible range: the bound, not the law, decides it there.",
            UserWarning,
            stacklevel=2,
        )
    if not return_interval:
        return result
    log_space = getattr(inner, "_target_space", "linear") == "log"
    if bootstrap is not None:
        samples = {name: [] for name in (*law.features, "loss")}
        for coef in bootstrap.coefs_:
            xb, *_ = _solve(problem, np.asarray(coef, dtype=float))
            fb = problem.features(xb, rows)
            for name in law.features:
                samples[name].append(np.broadcast_to(fb[name], xb.shape))
            samples["loss"].append(problem.values(coef, xb, rows))
        levels = [0.5 - 0.5 * coverage, 0.5 + 0.5 * coverage]
        for name, values in samples.items():
            low, high = np.quantile(np.array(values), levels, axis=0)
            result[f"{name}_low"], result[f"{name}_high"] = low, high
        result["method"] = "bootstrap"
        return result
    grads = problem.gradients(theta, x, rows, held, log_space)
    quantile = interval_quantile(coverage, inner._covariance.dof)
    for name in (*law.features, "loss"):
        std = inner._covariance.std_of(grads[name])
        center = result[name]
        if name == "loss" and not log_space:
            result["loss_low"], result["loss_high"] = (
                center - quantile * std,
                center + quantile * std,
            )
            continue
        with np.errstate(all="ignore"):
            log_center = np.log(center)
            result[f"{name}_low"] = np.exp(log_center - quantile * std)
            result[f"{name}_high"] = np.exp(log_center + quantile * std)
    result["method"] = "delta"
    return result


# ----------------------------------------------------------------- design of runs


def _log_space(inner):
    return getattr(inner, "_target_space", "linear") == "log"


def _feature_rows(law, rows, what, owner):
    """Rows of the law's features as a float array of shape (m, n_features)."""
    columns = getattr(rows, "columns", None)
    if columns is not None:
        names = [str(c) for c in columns]
        if set(law.features) <= set(names):
            rows = rows[list(law.features)]
    array = np.asarray(rows, dtype=float)
    if array.ndim == 1 and array.shape[0] == law.n_features and what == "target":
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != law.n_features or array.shape[0] == 0:
        raise ValueError(
            f"{owner}: {what} must be rows of the law's {law.n_features} features "
            f"({', '.join(law.features)}), shape (n, {law.n_features}); got shape {array.shape}."
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{owner}: {what} must be finite.")
    law.check_X(array, owner=f"{owner} ({what})")
    return array


class _Design:
    """The fit's covariance, updated run by run with the information of new runs.

    A new run ``x`` adds ``j j^T / s^2`` to the information of the parameters, with
    ``j`` the gradient of its residual (the law's Jacobian row, divided by the law's
    value for ``target_space='log'``) and ``s`` the fit's residual scale. The
    covariance is updated by the Sherman-Morrison formula; the target's width is
    ``2 q sqrt(g^T Sigma g)`` with ``g`` its gradient and ``q`` the quantile of the
    coverage.
    """

    def __init__(self, inner, target, cost, size, data, coverage, owner):
        self.inner, self.law = inner, inner.law_
        self.theta = np.asarray(inner.coef_, dtype=float)
        self.log_space = _log_space(inner)
        self.cov = np.array(inner._covariance.identified_cov, dtype=float)
        self.null_space = inner._covariance.null_space
        self.noise = _effective_noise(inner)
        if not (np.isfinite(self.noise) and self.noise > 0):
            raise ValueError(f"{owner}: the fit's residual scale is {self.noise!r}; need > 0.")
        self.quantile = interval_quantile(coverage, inner._covariance.dof)
        self.gradient = self._target_gradient(target, cost, size, data, owner)

    def _target_gradient(self, target, cost, size, data, owner):
        if isinstance(target, numbers.Real) and not isinstance(target, bool):
            problem = _setup(self.law, float(target), cost, None, size, data, owner)
            x, at_low, at_high, *_ = _solve(problem, self.theta)
            rows = np.arange(1)
            grads = problem.gradients(self.theta, x, rows, at_low | at_high, self.log_space)
            self.target_kind = f"log {size} at the optimum of budget {float(target):.4g}"
            return grads[size][0]
        row = _feature_rows(self.law, target, "target", owner)
        if row.shape[0] != 1:
            raise ValueError(
                f"{owner}: target must be a compute budget (a number) or one row of the "
                f"law's features; got {row.shape[0]} rows."
            )
        jac = self.rows(row)[0]
        self.target_kind = "the law's value" + (" (log)" if self.log_space else "")
        return jac

    def rows(self, X):
        """Residual gradients of runs at ``X``: ``(m, p)``."""
        with np.errstate(all="ignore"):
            jac = self.law.jacobian_matrix(X, self.theta)
            if self.log_space:
                jac = jac / self.law.evaluate(X, self.theta)[:, None]
        if not np.all(np.isfinite(jac)):
            raise ValueError("the law's Jacobian is not finite at some runs.")
        return jac

    def width(self, cov):
        variance = float(self.gradient @ cov @ self.gradient)
        if self.null_space.shape[1] and np.any(np.abs(self.gradient @ self.null_space) > 1e-8):
            return np.inf
        return 2.0 * self.quantile * np.sqrt(max(variance, 0.0))

    def add(self, cov, jac):
        """Covariance after one more run with residual gradient ``jac``."""
        u = cov @ jac
        return cov - np.outer(u, u) / (self.noise**2 + jac @ u)

    def widths_after_each(self, cov, jacs):
        """Width of the target after adding each candidate alone: ``(m,)``."""
        U = jacs @ cov
        g_sigma_g = float(self.gradient @ cov @ self.gradient)
        drop = (U @ self.gradient) ** 2 / (self.noise**2 + np.einsum("ij,ij->i", U, jacs))
        return 2.0 * self.quantile * np.sqrt(np.maximum(g_sigma_g - drop, 0.0))


def _effective_noise(inner):
    """The residual scale ``s`` at which one run informs the fit as ``j j^T / s^2``.

    For the squared loss the residuals' root mean square; for a robust loss the
    sandwich's per-run ratio ``E[l'(r)^2] / E[l''(r)]^2`` of the training residuals (a
    Huber fit with a small ``f_scale`` is a median regression, worth ``2 / pi`` of a
    least-squares run under Gaussian noise).
    """
    objective = getattr(inner, "_objective", None)
    residuals = getattr(inner, "_train_residuals", None)
    if objective is None or residuals is None:
        return float(inner.residual_scale_)
    units = 1.0 if objective.target_space == "log" else objective.y_scale
    internal = -np.asarray(residuals, dtype=float) / units
    if objective.loss == "squared":
        dof = max(internal.size - inner.coef_.size, 1)
        return float(np.sqrt(internal @ internal / dof)) * units
    slope, _ = loss_derivatives(internal, objective.loss, objective.f_scale)
    # The curvature as the sandwich takes it, over the rows the fit did not pass through.
    kept = density_rows(internal, int(np.sum(~inner._covariance.fixed)), objective.loss)
    ones = np.ones(int(kept.sum()))
    curvature = mean_loss_curvature(internal[kept], ones, ones, objective.loss, objective.f_scale)
    return float(np.sqrt(np.mean(slope**2)) / curvature) * units


def _candidate_costs(law, candidates, cost, size, data, owner):
    _roles(law, size, data, owner)
    pricing = _Cost(cost, law, size, data)
    features = {name: candidates[:, i] for i, name in enumerate(law.features)}
    spend = np.asarray(pricing(features), dtype=float)
    if spend.shape != (candidates.shape[0],) or not np.all(np.isfinite(spend) & (spend > 0)):
        raise ValueError(f"{owner}: the cost of every candidate must be finite and > 0.")
    return spend


def suggest_runs(
    estimator,
    candidates,
    *,
    n_runs,
    target,
    budget=None,
    cost="6ND",
    coverage=0.9,
    exchange=True,
    replicates=True,
    size="N",
    data="D",
):
    """The candidate runs that most shrink the interval of a target, chosen greedily.

    Each step adds the candidate whose run would narrow the target's delta-method
    interval most (the fit's covariance updated with that run's information, see
    Notes), among those whose cost still fits in ``budget``; then, with
    ``exchange=True``, chosen runs are swapped for other candidates while that narrows
    the final interval further (Fedorov's exchange: greedy choices can be myopic).

    With ``replicates=True`` a candidate may be chosen more than once: a replicate is
    the same run again with another seed, and it adds the candidate's information
    again. Designs that are optimal for one quantity of a nonlinear model concentrate
    on a few support points (Elfving's theorem: with no earlier runs, at most as many
    as the law has parameters), so a design forced to spread over distinct candidates
    spends runs on less informative ones.

    Parameters
    ----------
    estimator : fitted ScalingLawRegressor
    candidates : array-like or DataFrame of shape (n_candidates, n_features)
        Runs that could be done, as rows of the law's features (a DataFrame may name
        them).
    n_runs : int
        How many runs to choose, >= 1.
    target : float or array-like of shape (n_features,)
        A compute budget (the target is the log of the compute-optimal size there, see
        :func:`optimal_allocation`), or one row of features (the law's value there,
        its log for ``target_space='log'``).
    budget : float or None, default=None
        Largest total cost of the chosen runs; None for no limit.
    cost : '6ND', callable or dict, default='6ND'
        The cost of a run, as in :func:`optimal_allocation`.
    coverage : float, default=0.9
        Coverage of the interval whose width is reported.
    exchange : bool, default=True
        Improve the greedy design by exchanges; False keeps the greedy choices.
    replicates : bool, default=True
        Whether a candidate may be chosen more than once (see above). The default is
        the one that narrowed the refitted interval most on synthetic Chinchilla
        families (``benchmarks/bench_planning.py``, part c); False chooses ``n_runs``
        distinct candidates (at most all of them).
    size, data : str, default='N', 'D'
        Names of the law's size and data features (for a budget target and the cost).

    Returns
    -------
    design : :class:`~sklearn.utils.Bunch`
        ``runs`` (positions in ``candidates``, in the order chosen), ``widths`` (the
        expected width of the target's interval after each), ``initial_width`` (before
        any), ``costs`` (the cost of each chosen run) and ``target`` (what the width
        is of).

    Notes
    -----
    A run at ``x`` adds ``j j^T / s^2`` to the information of the parameters, where
    ``j`` is the gradient of its residual (the law's Jacobian row, over the law's
    value in log space) and ``s`` the fit's residual scale over the efficiency of its
    loss (``sqrt(E[l'^2]) / E[l'']`` of the training residuals: a robust fit learns
    less from a run than least squares would); the expectation is taken
    at the current fit, so it is a linearised forecast. Parameters held on a bound
    stay held. The forecast is local on purpose: the interval that matters is the one
    of the refit, whose estimate stays near the current one, and on the benchmark a
    design averaged over parameter draws from the fit's covariance (pseudo-Bayesian)
    did not narrow it measurably more.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_scaling import ScalingLawRegressor
    >>> from sklearn_scaling.datasets import make_chinchilla
    >>> from sklearn_scaling.planning import score_design, suggest_runs
    >>> X, y = make_chinchilla(n_samples=60, random_state=0)
    >>> reg = ScalingLawRegressor("chinchilla", target_space="log").fit(X, y)
    >>> n, c = np.meshgrid(np.logspace(8, 10.5, 6), np.logspace(20, 22, 5))
    >>> candidates = np.column_stack([n.ravel(), (c / (6 * n)).ravel()])
    >>> design = suggest_runs(reg, candidates, n_runs=3, target=1e24)
    >>> bool(np.all(np.diff(design.widths) <= 0) and design.widths[0] < design.initial_width)
    True
    >>> bool(np.isclose(score_design(reg, candidates[design.runs], 1e24), design.widths[-1]))
    True
    """
    inner, _ = _fitted(estimator, "suggest_runs")
    coverage = _check_level(coverage)
    if isinstance(n_runs, bool) or not isinstance(n_runs, numbers.Integral) or n_runs < 1:
        raise ValueError(f"n_runs must be an integer >= 1; got {n_runs!r}.")
    for name, value in (("exchange", exchange), ("replicates", replicates)):
        if not isinstance(value, bool | np.bool_):
            raise InvalidParameterError(
                f"The '{name}' parameter of suggest_runs must be an instance of 'bool'; "
                f"got {value!r}."
            )
    law = inner.law_
    candidates = _feature_rows(law, candidates, "candidates", "suggest_runs")
    spend = _candidate_costs(law, candidates, cost, size, data, "suggest_runs")
    if budget is not None:
        if isinstance(budget, bool) or not isinstance(budget, numbers.Real) or not budget > 0:
            raise ValueError(f"budget must be a number > 0 or None; got {budget!r}.")
        if np.min(spend) > budget:
            raise ValueError(
                f"budget {budget:.4g} is below the cheapest candidate run, which costs "
                f"{np.min(spend):.4g}."
            )
    design = _Design(inner, target, cost, size, data, coverage, "suggest_runs")
    jacs = design.rows(candidates)
    cov = design.cov
    initial = design.width(cov)
    left = np.inf if budget is None else float(budget)
    available = np.ones(candidates.shape[0], dtype=bool)
    runs, widths = [], []
    n_choices = int(n_runs) if replicates else min(int(n_runs), candidates.shape[0])
    for _ in range(n_choices):
        allowed = available & (spend <= left * (1 + 1e-12))
        if not allowed.any():
            break
        after = design.widths_after_each(cov, jacs)
        after[~allowed] = np.inf
        best = int(np.argmin(after))
        cov = design.add(cov, jacs[best])
        available[best] = bool(replicates)
        left -= spend[best]
        runs.append(best)
        widths.append(design.width(cov))
    if exchange and runs:
        runs = _exchange(design, jacs, spend, runs, budget, replicates)
        # Report the exchanged set in greedy order, so the widths fall run by run.
        cov, order, widths = design.cov, [], []
        remaining = list(runs)
        while remaining:
            after = design.widths_after_each(cov, jacs[remaining])
            best = remaining.pop(int(np.argmin(after)))
            cov = design.add(cov, jacs[best])
            order.append(best)
            widths.append(design.width(cov))
        runs = order
    if len(runs) < n_runs:
        warnings.warn(
            f"suggest_runs: only {len(runs)} of the {n_runs} runs asked fit in the budget "
            "(or among the candidates).",
            UserWarning,
            stacklevel=2,
        )
    return Bunch(
        runs=np.array(runs, dtype=int),
        widths=np.array(widths),
        initial_width=initial,
        costs=spend[runs],
        target=design.target_kind,
    )


def _exchange(design, jacs, spend, runs, budget, replicates, max_passes=3):
    """Fedorov-style exchanges: swap a chosen run for a candidate while the width falls.

    Without replicates the other chosen runs are not offered again.
    """
    runs = list(runs)
    limit = np.inf if budget is None else float(budget)

    def covariance(chosen):
        cov = design.cov
        for index in chosen:
            cov = design.add(cov, jacs[index])
        return cov

    current = design.width(covariance(runs))
    for _ in range(max_passes):
        improved = False
        for position in range(len(runs)):
            others = runs[:position] + runs[position + 1 :]
            cov = covariance(others)
            room = limit - spend[others].sum()
            after = design.widths_after_each(cov, jacs)
            if not replicates:
                after[others] = np.inf
            after[spend > room * (1 + 1e-12)] = np.inf
            best = int(np.argmin(after))
            if after[best] < current * (1 - 1e-9):
                runs[position], current, improved = best, float(after[best]), True
        if not improved:
            break
    return runs


def score_design(estimator, runs, target, *, cost="6ND", coverage=0.9, size="N", data="D"):
    """Expected width of the target's interval after the runs of a design.

    The same forecast as :func:`suggest_runs`, for a design given as rows of features.

    Parameters
    ----------
    estimator : fitted ScalingLawRegressor
    runs : array-like of shape (n_runs, n_features)
        The runs of the design, as rows of the law's features.
    target : float or array-like of shape (n_features,)
        As in :func:`suggest_runs`.
    cost, coverage, size, data
        As in :func:`suggest_runs` (the cost only matters for a budget target).

    Returns
    -------
    width : float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_scaling import ScalingLawRegressor
    >>> from sklearn_scaling.datasets import make_chinchilla
    >>> from sklearn_scaling.planning import score_design
    >>> X, y = make_chinchilla(n_samples=60, random_state=0)
    >>> reg = ScalingLawRegressor("chinchilla", target_space="log").fit(X, y)
    >>> one = score_design(reg, [[1e9, 2e10]], 1e24)
    >>> two = score_design(reg, [[1e9, 2e10], [1e10, 2e11]], 1e24)
    >>> bool(two <= one)
    True
    """
    inner, _ = _fitted(estimator, "score_design")
    coverage = _check_level(coverage)
    runs = _feature_rows(inner.law_, runs, "runs", "score_design")
    design = _Design(inner, target, cost, size, data, coverage, "score_design")
    cov = design.cov
    for jac in design.rows(runs):
        cov = design.add(cov, jac)
    return float(design.width(cov))


# ------------------------------------------------------------------------ compare


def _fit_or_fitted(estimator, X, y, name):
    if X is None and y is None:
        inner, _ = _fitted(estimator, "compare")
        return inner
    if X is None or y is None:
        raise ValueError(f"compare: give both X_{name} and y_{name}, or neither.")
    fitted = clone(estimator).fit(X, y)
    inner, _ = _fitted(fitted, "compare")
    return inner


def compare(estimator_a, X_a, y_a, estimator_b, X_b, y_b, *, at, coverage=0.9):
    """Two recipes' laws: their difference at ``at``, and where their curves cross.

    Each estimator is cloned and fitted on its own runs (pass ``X_a=None, y_a=None``
    to use an estimator already fitted); the two fits are independent, so the
    variances of their predictions add.

    Parameters
    ----------
    estimator_a, estimator_b : ScalingLawRegressor
        Same law features (they may be different laws).
    X_a, y_a, X_b, y_b : array-like or None
        The runs of each recipe.
    at : array-like of shape (n_points, n_features)
        Where to compare. The crossing is searched along the first feature, the others
        held at each row's values, within a factor of a million either side of the
        row's own value of it.
    coverage : float, default=0.9

    Returns
    -------
    comparison : :class:`~sklearn.utils.Bunch`
        ``difference`` (prediction of a minus b at each row of ``at``),
        ``difference_low`` and ``difference_high``; ``crossing`` (the value of the
        first feature where the curves cross, nearest the row's own value; NaN when
        they do not in the searched range), ``crossing_low``, ``crossing_high`` (delta
        method, on the log of the feature), and ``estimator_a``, ``estimator_b`` (the
        fits).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_scaling import ScalingLawRegressor
    >>> from sklearn_scaling.datasets import make_power_law
    >>> from sklearn_scaling.planning import compare
    >>> Xa, ya = make_power_law(n_samples=80, params={"E": 1.0, "A": 5.0, "alpha": 0.3},
    ...                         random_state=0)
    >>> Xb, yb = make_power_law(n_samples=80, params={"E": 1.2, "A": 10.0, "alpha": 0.5},
    ...                         random_state=1)
    >>> law = ScalingLawRegressor("power_law", target_space="log")
    >>> result = compare(law, Xa, ya, law, Xb, yb, at=[[10.0]])
    >>> bool(result.difference_low[0] <= result.difference[0] <= result.difference_high[0])
    True
    """
    coverage = check_coverage(coverage)
    a = _fit_or_fitted(estimator_a, X_a, y_a, "a")
    b = _fit_or_fitted(estimator_b, X_b, y_b, "b")
    if a.law_.n_features != b.law_.n_features:
        raise ValueError(
            "compare needs two laws of the same features; got "
            f"{list(a.law_.features)} and {list(b.law_.features)}."
        )
    at = _feature_rows(a.law_, at, "at", "compare")
    b.law_.check_X(at, owner="compare (at)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        pa, sa = a.predict(at, return_std=True)
        pb, sb = b.predict(at, return_std=True)
    q = stats.norm.ppf(0.5 + 0.5 * coverage)
    difference = pa - pb
    spread = np.sqrt(sa**2 + sb**2)
    result = Bunch(
        difference=difference,
        difference_low=difference - q * spread,
        difference_high=difference + q * spread,
        estimator_a=a,
        estimator_b=b,
    )
    crossing = np.full(at.shape[0], np.nan)
    low = np.full(at.shape[0], np.nan)
    high = np.full(at.shape[0], np.nan)
    for i, row in enumerate(at):
        root, std = _crossing(a, b, row, q)
        crossing[i] = root
        if np.isfinite(root):
            low[i], high[i] = root * np.exp(-q * std), root * np.exp(q * std)
    result.update(crossing=crossing, crossing_low=low, crossing_high=high)
    return result


def _crossing(a, b, row, q):
    """The crossing of the two laws along the first feature nearest ``row``, and the
    delta-method standard deviation of its log."""
    if not row[0] > 0:
        return np.nan, np.nan
    grid = np.log(row[0]) + np.linspace(-np.log(1e6), np.log(1e6), 2001)

    def gap(log_x):
        X = np.repeat(row[None, :], np.size(log_x), axis=0)
        X[:, 0] = np.exp(log_x)
        with np.errstate(all="ignore"):
            return a.law_.evaluate(X, a.coef_) - b.law_.evaluate(X, b.coef_), X

    values, _ = gap(grid)
    sign = np.sign(values)
    changes = np.flatnonzero((sign[:-1] * sign[1:] < 0) & np.isfinite(values[:-1] + values[1:]))
    if changes.size == 0:
        return np.nan, np.nan
    k = changes[np.argmin(np.abs(grid[changes] - np.log(row[0])))]
    lo, hi = grid[k], grid[k + 1]
    f_lo = values[k]
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        f_mid = gap(np.array([mid]))[0][0]
        if np.sign(f_mid) == np.sign(f_lo):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    root = 0.5 * (lo + hi)
    h = 1e-5
    slope = (gap(np.array([root + h]))[0][0] - gap(np.array([root - h]))[0][0]) / (2 * h)
    X = gap(np.array([root]))[1]
    with np.errstate(all="ignore"):
        ja = a.law_.jacobian_matrix(X, a.coef_)
        jb = b.law_.jacobian_matrix(X, b.coef_)
    variance = a._covariance.std_of(ja)[0] ** 2 + b._covariance.std_of(jb)[0] ** 2
    return float(np.exp(root)), float(np.sqrt(variance) / abs(slope))


# ------------------------------------------------------------------------ IsoFLOP


class IsoFLOPResult:
    """Hoffmann et al.'s approach 2: per-budget minima and the power laws through them.

    Built by :func:`fit_isoflop`. The power laws are those of Hoffmann et al.'s
    eq. (4): ``N_opt = G (C / 6)**a`` and ``D_opt = (C / 6)**b / G_D`` (``G_D = G``
    and ``b = 1 - a`` when every run costs exactly ``6 N D``), fitted by least
    squares on the logs of the per-budget minima.

    Attributes
    ----------
    a, b : float
        Exponents of the optimal size and data in compute.
    G, G_D : float
        Their coefficients.
    a_interval, b_interval, G_interval : tuple of float
        Intervals of ``coverage`` from the regressions' standard errors (Student t on
        ``n_budgets - 2`` degrees of freedom; ``(nan, nan)`` with two budgets).
    coverage : float
    compute : ndarray of shape (n_budgets,)
        The budgets kept, ascending.
    n_opt, d_opt, loss_opt : ndarray of shape (n_budgets,)
        Each budget's minimum: the vertex of its parabola.
    parabolas : ndarray of shape (n_budgets, 3)
        ``(c2, c1, c0)`` of ``loss = c2 u**2 + c1 u + c0`` with ``u = log(N)``.
    X, y, budget_index : ndarray
        The runs used, and which budget each belongs to (-1: dropped).
    dropped : list of str
        Why budgets were left out.
    """

    def predict(self, compute):
        """``(n_opt, d_opt)`` of the power laws at ``compute``."""
        compute = np.asarray(compute, dtype=float)
        return self.G * (compute / 6.0) ** self.a, (compute / 6.0) ** self.b / self.G_D

    def __repr__(self):
        return (
            f"IsoFLOPResult(a={self.a:.4f}, b={self.b:.4f}, G={self.G:.4g}, "
            f"n_budgets={len(self.compute)})"
        )


def _group_budgets(compute, rtol):
    """Label runs whose compute agrees within ``rtol`` (relative) as one budget."""
    order = np.argsort(compute)
    log_c = np.log(compute[order])
    new = np.concatenate([[True], np.diff(log_c) > np.log1p(rtol)])
    labels = np.empty(compute.shape[0], dtype=int)
    labels[order] = np.cumsum(new) - 1
    return labels


def _power_fit(log_c, log_v, coverage):
    """Slope, intercept and their t intervals of ``log_v = intercept + slope log_c``."""
    n = log_c.shape[0]
    design = np.column_stack([np.ones(n), log_c])
    coef, *_ = np.linalg.lstsq(design, log_v, rcond=None)
    if n <= 2:
        nan = (np.nan, np.nan)
        return coef[1], coef[0], nan, nan
    residual = log_v - design @ coef
    sigma2 = residual @ residual / (n - 2)
    cov = sigma2 * np.linalg.inv(design.T @ design)
    q = stats.t.ppf(0.5 + 0.5 * coverage, n - 2)
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    return (
        coef[1],
        coef[0],
        (coef[1] - q * se[1], coef[1] + q * se[1]),
        (coef[0] - q * se[0], coef[0] + q * se[0]),
    )


def fit_isoflop(X, y, *, compute=None, rtol=0.01, log_loss=False, coverage=0.9):
    """Hoffmann et al.'s approach 2: a parabola per compute budget, power laws of the minima.

    The runs of each budget (an IsoFLOP profile) get a parabola of the loss in
    ``log N``; its vertex is that budget's compute-optimal size, ``D_opt = C / (6
    N_opt)``; straight lines through the logs of the optima give the exponents.

    Parameters
    ----------
    X : array-like of shape (n_runs, 2)
        Size ``N`` and data ``D`` of each run.
    y : array-like of shape (n_runs,)
        Final loss of each run.
    compute : array-like of shape (n_runs,) or None, default=None
        The budget of each run; None uses ``6 N D``. Runs whose compute agrees within
        ``rtol`` form one budget.
    rtol : float, default=0.01
        Relative tolerance that groups runs into budgets.
    log_loss : bool, default=False
        Fit the parabolas to ``log(loss)`` instead of the loss.
    coverage : float, default=0.9
        Coverage of the exponents' intervals.

    Returns
    -------
    result : IsoFLOPResult

    Raises
    ------
    ValueError
        For ``X`` without two positive columns, ``y`` of another length, or fewer than
        two budgets with three distinct sizes and an upward parabola.

    Warns
    -----
    UserWarning
        For every budget left out (fewer than three distinct sizes, or a parabola that
        opens downwards), and when a budget's vertex lies outside its runs' sizes
        (an extrapolated minimum: the grid is off-centre there).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_scaling.laws import chinchilla, chinchilla_compute_optimal
    >>> from sklearn_scaling.planning import fit_isoflop
    >>> truth = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
    >>> budgets = np.logspace(18, 21, 7)
    >>> centres, _ = chinchilla_compute_optimal(truth, budgets)  # a grid centred on them
    >>> N = (centres[:, None] * np.logspace(-0.5, 0.5, 9)).ravel()
    >>> X = np.column_stack([N, np.repeat(budgets, 9) / (6 * N)])
    >>> result = fit_isoflop(X, chinchilla(X, *truth.values()))
    >>> round(result.a, 3), round(0.28 / (0.34 + 0.28), 3)
    (0.452, 0.452)
    """
    coverage = check_coverage(coverage)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"fit_isoflop: X must have two columns, N and D; got shape {X.shape}.")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"fit_isoflop: y has {y.shape[0]} values for {X.shape[0]} runs.")
    if not (np.all(np.isfinite(X)) and np.all(X > 0) and np.all(np.isfinite(y))):
        raise ValueError("fit_isoflop: X must be finite and > 0 and y finite.")
    if log_loss and not np.all(y > 0):
        raise ValueError("fit_isoflop: log_loss=True needs y > 0.")
    compute = 6.0 * X[:, 0] * X[:, 1] if compute is None else np.asarray(compute, dtype=float)
    if compute.shape != y.shape or not np.all(np.isfinite(compute) & (compute > 0)):
        raise ValueError("fit_isoflop: compute must be one finite value > 0 per run.")
    labels = _group_budgets(compute, rtol)
    target = np.log(y) if log_loss else y
    kept, dropped, rows, outside = [], [], [], []
    index = np.full(y.shape[0], -1)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        budget = float(np.exp(np.mean(np.log(compute[members]))))
        u = np.log(X[members, 0])
        if np.unique(u).size < 3:
            dropped.append(f"budget {budget:.3g}: fewer than 3 distinct sizes")
            continue
        coef = np.polyfit(u, target[members], 2)
        if not coef[0] > 0:
            dropped.append(f"budget {budget:.3g}: the parabola opens downwards")
            continue
        vertex = -coef[1] / (2 * coef[0])
        if not (u.min() <= vertex <= u.max()):
            outside.append(f"{budget:.3g}")
        value = np.polyval(coef, vertex)
        index[members] = len(kept)
        kept.append(budget)
        rows.append((coef, vertex, np.exp(value) if log_loss else value))
    if outside:
        warnings.warn(
            f"fit_isoflop: the minimum of budget(s) {', '.join(outside)} lies outside its "
            "runs' sizes (the grid is off-centre there): it is extrapolated.",
            UserWarning,
            stacklevel=2,
        )
    for reason in dropped:
        warnings.warn(f"fit_isoflop: left out {reason}.", UserWarning, stacklevel=2)
    if len(kept) < 2:
        raise ValueError(
            "fit_isoflop needs at least two budgets with three distinct sizes each and an "
            f"upward parabola; got {len(kept)} (budgets are runs whose compute agrees "
            f"within rtol={rtol})."
        )
    result = IsoFLOPResult()
    result.coverage = coverage
    result.compute = np.array(kept)
    result.parabolas = np.array([r[0] for r in rows])
    result.n_opt = np.exp(np.array([r[1] for r in rows]))
    result.d_opt = result.compute / (6.0 * result.n_opt)
    result.loss_opt = np.array([r[2] for r in rows])
    log_c = np.log(result.compute / 6.0)
    a, log_g, a_int, g_int = _power_fit(log_c, np.log(result.n_opt), coverage)
    b, log_inv_gd, b_int, _ = _power_fit(log_c, np.log(result.d_opt), coverage)
    result.a, result.b = float(a), float(b)
    result.G, result.G_D = float(np.exp(log_g)), float(np.exp(-log_inv_gd))
    result.a_interval = tuple(float(v) for v in a_int)
    result.b_interval = tuple(float(v) for v in b_int)
    result.G_interval = tuple(float(np.exp(v)) for v in g_int)
    result.X, result.y, result.budget_index = X, y, index
    result.log_loss = log_loss
    result.dropped = dropped
    return result
