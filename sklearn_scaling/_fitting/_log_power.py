"""Objective and fast fitter of the log-power hyperparameter laws (seed 001), for the engine.

The objective is seed 001's: mean squared error of predictions normalised by the
standard deviation of ``y``, plus a ridge ``alpha * sum(params[ridge]**2)``. Robust
losses replace the squared error when asked.

The fit is fast because both laws are linear in six of their parameters (``a, b, c, d,
e, interaction``) once the others are fixed. Variable projection solves that linear
part exactly (a small ridge least-squares problem) inside the residual, so the
optimiser only moves the few nonlinear parameters; the columns of the linear part are
just the law's Jacobian columns, and Kaufman's approximation gives the reduced
Jacobian. The result starts a bounded polish of all parameters on the true objective,
so bounds and the robust loss are honoured exactly.
"""

from dataclasses import dataclass, replace
from functools import partial

import numpy as np
from scipy.optimize import differential_evolution, lsq_linear

from ..laws import (
    LOG_POWER_BOUNDS,
    LOG_POWER_PARAMS,
    LOG_POWER_SCALING_PARAMS,
    SKEW_PARAMS,
    get_law,
    log_power,
    log_power_jacobian,
    log_power_scaling,
    log_power_scaling_jacobian,
)
from ._batch import BatchProblem, solve_batch
from ._covariance import sandwich_covariance
from ._double_descent import mad_scale
from ._engine import RobustProblem, minimize_multistart, single_threaded_blas

__all__ = ["FORMS", "LogPowerForm", "fit_log_power", "log_power_covariance", "log_power_refits"]


@dataclass(frozen=True)
class LogPowerForm:
    """One law of the log-power family and what its fitter needs to know.

    Attributes
    ----------
    names : tuple of str
    law, jacobian : callable
    linear : tuple of str
        Parameters the law is linear in (solved exactly by variable projection).
    ridge : tuple of str
        Parameters the ``alpha`` ridge shrinks towards zero.
    log_scaled : tuple of str
        Nonlinear parameters searched on a log scale (they span decades).
    bounds : dict
        Default ``(low, high)`` of each parameter.
    grid : dict
        Candidate values of each nonlinear parameter for the start grid.
    """

    names: tuple
    law: object
    jacobian: object
    linear: tuple
    ridge: tuple
    log_scaled: tuple
    bounds: dict
    grid: dict

    def index(self, names):
        return np.array([self.names.index(name) for name in names], dtype=int)

    @property
    def nonlinear(self):
        return tuple(name for name in self.names if name not in self.linear)


# The seed law's declaration in the registry holds seed 001's start grid; its bounds on
# the linear parameters are unit-free there, so seed 001's own come from LOG_POWER_BOUNDS.
_DECLARED = get_law("log_power")

_FIXED = LogPowerForm(
    names=LOG_POWER_PARAMS,
    law=log_power,
    jacobian=log_power_jacobian,
    linear=_DECLARED.linear,
    # Seed 001 shrinks params[1:7].
    ridge=("b", "alpha", "c", "beta", "d", "lr_opt"),
    log_scaled=("lr_opt",),
    bounds=dict(LOG_POWER_BOUNDS),
    grid=dict(_DECLARED.starts),
)

_SCALING = LogPowerForm(
    names=LOG_POWER_SCALING_PARAMS,
    law=log_power_scaling,
    jacobian=log_power_scaling_jacobian,
    linear=("a", "b", "c", "d", "e", "interaction"),
    # Shrinking the slopes of the optimum towards zero pulls towards a fixed optimum.
    ridge=("b", "alpha", "c", "beta", "d", "lr_N", "lr_D", "bsz_N", "bsz_D"),
    log_scaled=(),
    bounds={
        "a": (-20.0, 20.0),
        "b": (-5.0, 5.0),
        "alpha": (-3.0, 3.0),
        "c": (-5.0, 5.0),
        "beta": (-3.0, 3.0),
        "d": (0.0, 2.0),
        "e": (0.0, 2.0),
        "interaction": (-2.0, 2.0),
        "lr_0": (np.log(1e-5), np.log(1.0)),
        "lr_N": (-2.0, 2.0),
        "lr_D": (-2.0, 2.0),
        "bsz_0": (0.0, np.log(1e5)),
        "bsz_N": (-2.0, 2.0),
        "bsz_D": (-2.0, 2.0),
    },
    grid={
        "alpha": (-1.0, 1.0),
        "beta": (-1.0, 1.0),
        "lr_0": (np.log(2e-3), np.log(8e-3)),
        "lr_N": (-0.5, 0.0),
        "lr_D": (0.0, 0.3),
        "bsz_0": (np.log(256.0), np.log(1024.0)),
        "bsz_N": (0.0,),
        "bsz_D": (0.0, 0.5),
    },
)


def _with_power_size_terms(form):
    """The same form with Chinchilla-style size terms ``b (D / 1e11)**-alpha``."""
    bounds = {
        **form.bounds,
        "a": (0.0, 20.0),
        "b": (0.0, 20.0),
        "alpha": (0.0, 3.0),
        "c": (0.0, 20.0),
        "beta": (0.0, 3.0),
    }
    grid = {**form.grid, "alpha": (0.2, 0.5), "beta": (0.2, 0.5)}
    return replace(
        form,
        law=partial(form.law, size_terms="power"),
        jacobian=partial(form.jacobian, size_terms="power"),
        bounds=bounds,
        grid=grid,
    )


def _with_skew(form):
    """The scaling form with cubic skew terms in u and v (both solved linearly)."""
    return replace(
        form,
        names=form.names + SKEW_PARAMS,
        linear=form.linear + SKEW_PARAMS,
        bounds={**form.bounds, "skew_lr": (-1.0, 1.0), "skew_bsz": (-1.0, 1.0)},
    )


#: ``(optimum, size_terms, skew)`` options -> law form.
FORMS = {
    ("fixed", "log_power", False): _FIXED,
    ("scaling", "log_power", False): _SCALING,
    ("fixed", "power", False): _with_power_size_terms(_FIXED),
    ("scaling", "power", False): _with_power_size_terms(_SCALING),
    ("scaling", "log_power", True): _with_skew(_SCALING),
    ("scaling", "power", True): _with_skew(_with_power_size_terms(_SCALING)),
}


class _Projection:
    """Variable projection of the squared objective onto the nonlinear parameters.

    ``theta`` holds the nonlinear parameters (log-transformed where the form says);
    the linear ones are solved exactly at every evaluation.
    """

    def __init__(self, form, X, y, data_weight, sigma, alpha, lower, upper):
        self.form, self.X = form, X
        self.lin, self.nonlin = form.index(form.linear), form.index(form.nonlinear)
        self.lin_lower, self.lin_upper = lower[self.lin], upper[self.lin]
        self.log_mask = np.isin(np.array(form.nonlinear), form.log_scaled)
        self.root_weight = np.sqrt(data_weight) / sigma
        self.target = self.root_weight * y
        root_alpha = np.sqrt(2.0 * alpha)
        ridge = form.index(form.ridge)
        # The linear solve sees ridge rows for the linear parameters the ridge shrinks.
        lin_ridge = np.flatnonzero(np.isin(self.lin, ridge))
        self.ridge_rows = np.zeros((lin_ridge.size, self.lin.size))
        self.ridge_rows[np.arange(lin_ridge.size), lin_ridge] = root_alpha
        self.nonlin_ridge = np.flatnonzero(np.isin(self.nonlin, ridge))
        self.root_alpha = root_alpha
        self._last = None

    def full_params(self, theta):
        params = np.zeros(len(self.form.names))
        params[self.nonlin] = np.where(self.log_mask, np.exp(theta), theta)
        return params

    def solution(self, theta):
        """All parameters at ``theta``: the nonlinear ones and the solved linear ones."""
        return self._solve(np.asarray(theta, dtype=float))[0].copy()

    def problem(self, lower, upper):
        """This projection as a squared-loss :class:`RobustProblem` over ``theta``."""
        n_residuals = len(self.target) + len(self.ridge_rows) + self.nonlin_ridge.size
        return RobustProblem(
            residuals=self.residuals,
            jacobian=self.jacobian,
            data_weight=np.ones(n_residuals),
            lower=lower,
            upper=upper,
        )

    def _solve(self, theta):
        key = theta.tobytes()
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        params = self.full_params(theta)
        basis = self.root_weight[:, None] * self.form.jacobian(self.X, params)[:, self.lin]
        stacked = np.vstack([basis, self.ridge_rows])
        target = np.concatenate([self.target, np.zeros(len(self.ridge_rows))])
        # Column scaling keeps QR accurate when log(D)**alpha is nearly constant.
        norms = np.linalg.norm(stacked, axis=0)
        norms[norms == 0.0] = 1.0
        scaled = stacked / norms
        q, r = np.linalg.qr(scaled)
        coef = np.linalg.lstsq(r, q.T @ target, rcond=None)[0] / norms
        if np.any(coef < self.lin_lower) or np.any(coef > self.lin_upper):
            bounded = lsq_linear(
                scaled,
                target,
                bounds=(self.lin_lower * norms, self.lin_upper * norms),
                method="bvls",
            )
            coef = bounded.x / norms
            # Coefficients held at a bound do not move with theta: project on the rest.
            free = (coef > self.lin_lower + 1e-12) & (coef < self.lin_upper - 1e-12)
            q = np.linalg.qr(scaled[:, free])[0] if free.any() else scaled[:, :0]
        params[self.lin] = coef
        residual = stacked @ coef - target
        self._last = (key, (params, q, residual))
        return self._last[1]

    def residuals(self, theta):
        params, _, residual = self._solve(np.asarray(theta, dtype=float))
        shrink = self.root_alpha * params[self.nonlin][self.nonlin_ridge]
        return np.concatenate([residual, shrink])

    def jacobian(self, theta):
        theta = np.asarray(theta, dtype=float)
        params, q, _ = self._solve(theta)
        chain = np.where(self.log_mask, np.exp(theta), 1.0)
        moved = self.root_weight[:, None] * self.form.jacobian(self.X, params)[:, self.nonlin]
        moved = np.vstack([moved, np.zeros((len(self.ridge_rows), self.nonlin.size))]) * chain
        # Kaufman: only the part of the moved columns the linear solve cannot absorb.
        projected = moved - q @ (q.T @ moved)
        shrink = np.zeros((self.nonlin_ridge.size, self.nonlin.size))
        shrink[np.arange(self.nonlin_ridge.size), self.nonlin_ridge] = (
            self.root_alpha * chain[self.nonlin_ridge]
        )
        return np.vstack([projected, shrink])


def _internal(form, values, names):
    values = np.asarray(values, dtype=float)
    log_mask = np.isin(np.array(names), form.log_scaled)
    return np.where(log_mask, np.log(np.maximum(values, 1e-300)), values)


def _grid(form):
    axes = [np.asarray(form.grid[name], dtype=float) for name in form.nonlinear]
    mesh = np.meshgrid(*axes, indexing="ij")
    return _internal(form, np.stack([m.ravel() for m in mesh], axis=1), form.nonlinear)


def log_power_problem(form, X, y, sample_weight, *, loss, f_scale, alpha, lower, upper):
    """Seed 001's objective for ``form`` as a :class:`RobustProblem` over all parameters.

    The data residuals are ``(pred - y) / std(y)`` with weights ``2 w / sum(w)``, so that
    with the squared loss the cost equals the seed's ``mean(((pred - y) / std)**2) +
    alpha * sum(params[ridge]**2)`` exactly.
    """
    data_weight = 2.0 * sample_weight / sample_weight.sum()
    mean = np.average(y, weights=sample_weight)
    sigma = np.sqrt(np.average((y - mean) ** 2, weights=sample_weight)) + 1e-8
    ridge = form.index(form.ridge)
    root_alpha = np.sqrt(2.0 * alpha)
    ridge_rows = np.zeros((ridge.size, len(form.names)))
    ridge_rows[np.arange(ridge.size), ridge] = root_alpha

    def residuals(params):
        return np.concatenate([(form.law(X, params) - y) / sigma, root_alpha * params[ridge]])

    def jacobian(params):
        return np.vstack([form.jacobian(X, params) / sigma, ridge_rows])

    return RobustProblem(
        residuals=residuals,
        jacobian=jacobian,
        data_weight=data_weight,
        lower=lower,
        upper=upper,
        loss=loss,
        f_scale=f_scale / sigma,
    ), sigma


@single_threaded_blas
def fit_log_power(
    X,
    y,
    sample_weight=None,
    *,
    form=("fixed", "log_power", False),
    alpha=0.003,
    loss="squared",
    f_scale=1.0,
    global_search="auto",
    n_starts=4,
    bounds=None,
    max_nfev=1000,
    tol=1e-6,
    n_jobs=None,
    rng=None,
):
    """Fit a log-power law by variable projection, then polish on the true objective.

    Parameters
    ----------
    X : ndarray of shape (n, 4)
    y : ndarray of shape (n,)
    sample_weight : ndarray of shape (n,) or None
    form : tuple
        A key of :data:`FORMS`: ``(optimum, size_terms, skew)``.
    alpha : float
        Ridge strength.
    loss : str
    f_scale : float
        Loss scale in the units of ``y``.
    global_search : {'auto', 'always', 'never'}
        Differential evolution over the nonlinear parameters: 'auto' runs it only when
        the best local start leaves the seed's objective above 0.25, as seed 001 did.
    n_starts : int
        Local refinements from the best-ranked grid starts.
    bounds : dict or None
        ``{name: (low, high)}`` overriding the form's defaults.
    max_nfev : int
    tol : float
        ``ftol``, ``xtol`` and ``gtol`` of each local refinement.
    n_jobs : int or None
    rng : numpy.random.Generator or None

    Returns
    -------
    result : MultiStartResult
    """
    form = FORMS[form]
    if sample_weight is None:
        sample_weight = np.ones_like(y)
    size = float(np.max(np.abs(y)))
    if not 1e-150 < size < 1e150:
        raise ValueError(
            "LogPowerHyperparamRegressor fits seed 001's objective, whose normalisation "
            "and default bounds are in absolute units of y (losses of 1.5 to 4.5 nats): "
            f"targets of size {size:.3g} are beyond what it can square in floating point. "
            "Fit y in nats, or use ScalingLawRegressor('log_power'), which is unit-free."
        )
    rng = np.random.default_rng(0) if rng is None else rng
    limits = {**form.bounds, **(bounds or {})}
    lower = np.array([limits[name][0] for name in form.names], dtype=float)
    upper = np.array([limits[name][1] for name in form.names], dtype=float)
    problem, sigma = log_power_problem(
        form, X, y, sample_weight, loss=loss, f_scale=f_scale, alpha=alpha, lower=lower, upper=upper
    )

    projection = _Projection(form, X, y, problem.data_weight, sigma, alpha, lower, upper)
    nonlin = projection.nonlin
    inner_lower = _internal(form, lower[nonlin], form.nonlinear)
    inner_upper = _internal(form, upper[nonlin], form.nonlinear)
    reduced = projection.problem(inner_lower, inner_upper)
    options = {"max_nfev": max_nfev, "tolerance": tol, "n_jobs": n_jobs}
    grid = np.clip(_grid(form), inner_lower, inner_upper)
    local = minimize_multistart(reduced, grid, n_refine=n_starts, **options)
    projected = list(local.start_x)
    if global_search == "always" or (global_search == "auto" and not local.cost <= 0.25):
        with np.errstate(all="ignore"):
            evolved = differential_evolution(
                reduced.cost,
                list(zip(inner_lower, inner_upper, strict=True)),
                seed=rng,
                polish=False,
                maxiter=200,
                tol=1e-8,
            )
        projected.append(minimize_multistart(reduced, evolved.x[None], n_refine=1, **options).x)

    # Each projected optimum, with its exactly solved linear part, starts a full polish.
    starts = np.array([projection.solution(theta) for theta in projected])
    result = minimize_multistart(problem, starts, n_refine=len(starts), **options)
    # The problem of the polish, which result.x minimises: the covariance's.
    result.problem = problem
    return result


def log_power_covariance(result, sample_weight, fixed):
    """Sandwich covariance of a :func:`fit_log_power` result (held: ``fixed``).

    Computed on the final full-parameter polish problem at its solution: seed 001's
    objective, ridge included (its curvature narrows the shrunk parameters).
    """
    return sandwich_covariance(result.problem, result.x, sample_weight, fixed=fixed)


#: Elements (problems x rows x parameters) of the Jacobians of one batch of refits.
_BATCH_ELEMENTS = 2**22


def log_power_refits(
    form,
    X,
    targets,
    weights,
    coef,
    *,
    alpha=0.003,
    loss="squared",
    f_scale="mad",
    lower,
    upper,
    max_iter=100,
    tol=1e-8,
):
    """Refit a log-power law to many targets and weights at once, warm-started from ``coef``.

    Each problem is the polish problem :func:`fit_log_power` ends with, on its own rows:
    its ``std(y)``, weights and (for ``f_scale='mad'``) loss scale are its own. The law
    is evaluated for all problems at once (its parameters broadcast as ``(k, 1)``
    columns), its Jacobian one problem at a time, and
    :func:`~sklearn_scaling._fitting._batch.solve_batch` takes the steps of all together, in
    chunks that bound the memory. Each problem's residuals are divided by its own loss
    scale (for a robust loss), so the batch shares the scale 1.

    Parameters
    ----------
    form : tuple
        A key of :data:`FORMS`.
    X : ndarray of shape (n, 4)
    targets : ndarray of shape (B, n) or (n,)
    weights : ndarray of shape (B, n)
    coef : ndarray of shape (p,)
    alpha, loss : as for :func:`fit_log_power`
    f_scale : 'mad' or float
        In units of ``y``; 'mad' is each problem's ``mad_scale``.
    lower, upper : ndarray of shape (p,)
    max_iter : int, default=100
    tol : float, default=1e-8

    Returns
    -------
    coefs : ndarray of shape (B, p)
    cost : ndarray of shape (B,)
        Each problem's objective, as ``cost_`` of a fit on its rows.
    converged : ndarray of bool, shape (B,)
    """
    form = FORMS[form]
    weights = np.atleast_2d(np.asarray(weights, dtype=float))
    n_problems, n = weights.shape
    targets = np.broadcast_to(np.asarray(targets, dtype=float), (n_problems, n))
    data_weight = 2.0 * weights / weights.sum(axis=1, keepdims=True)
    mean = np.sum(weights * targets, axis=1) / weights.sum(axis=1)
    variance = np.sum(weights * (targets - mean[:, None]) ** 2, axis=1) / weights.sum(axis=1)
    sigma = np.sqrt(variance) + 1e-8
    if loss == "squared":
        loss_scale = np.ones(n_problems)
    else:
        scales = np.array(
            [
                mad_scale(targets[b, keep], weights[b, keep]) if f_scale == "mad" else f_scale
                for b, keep in enumerate(weights > 0)
            ],
            dtype=float,
        )
        loss_scale = scales / sigma
    ridge = form.index(form.ridge)
    root_alpha = np.sqrt(2.0 * alpha)
    ridge_rows = np.zeros((ridge.size, len(form.names)))
    ridge_rows[np.arange(ridge.size), ridge] = root_alpha
    factor = 1.0 / (sigma * loss_scale)

    def residuals(thetas, index):
        value = form.law(X, thetas.T[:, :, None])
        data = (value - targets[index]) * factor[index, None]
        prior = thetas[:, ridge] * (root_alpha / loss_scale[index, None])
        return np.hstack([data, prior])

    def jacobian(thetas, index):
        jac = np.stack([form.jacobian(X, theta) for theta in thetas]) * factor[index, None, None]
        prior = ridge_rows[None] / loss_scale[index, None, None]
        return np.concatenate([jac, prior], axis=1)

    coefs = np.repeat(np.asarray(coef, dtype=float)[None], n_problems, axis=0)
    cost = np.full(n_problems, np.inf)
    converged = np.zeros(n_problems, dtype=bool)
    step = max(1, _BATCH_ELEMENTS // max(n * len(form.names), 1))
    for begin in range(0, n_problems, step):
        chunk = np.arange(begin, min(begin + step, n_problems))

        def chunk_residuals(thetas, index, chunk=chunk):
            return residuals(thetas, chunk[index])

        def chunk_jacobian(thetas, index, chunk=chunk):
            return jacobian(thetas, chunk[index])

        problem = BatchProblem(
            residuals=chunk_residuals,
            jacobian=chunk_jacobian,
            data_weight=data_weight[chunk],
            lower=lower,
            upper=upper,
            loss=loss,
            f_scale=1.0,
        )
        with np.errstate(all="ignore"):
            result = solve_batch(problem, coefs[chunk], max_iter=max_iter, tol=tol)
        coefs[chunk] = result.x
        cost[chunk] = result.cost * loss_scale[chunk] ** 2
        converged[chunk] = result.converged
    finite = np.isfinite(cost) & np.all(np.isfinite(coefs), axis=1)
    return coefs, cost, converged & finite
