"""Generic fitter of any :class:`~sklearn_scaling.laws.Law`, for the engine.

The objective of every law is

.. math::

    \\mathrm{cost}(\\theta) = \\sum_i v_i\\, \\tfrac12 f^2 \\rho\\big((r_i / f)^2\\big)
        + \\alpha \\sum_{j \\in \\text{nonlinear}} \\big((\\theta_j - m_j) / w_j\\big)^2

with weights ``v = w / sum(w)`` (so a row of weight ``k`` counts as ``k`` rows) and
residuals ``r = L(X; theta) / s - y / s`` (``target_space='linear'``) or ``log L - log
y`` (``'log'``, Hoffmann et al.'s approach 3). ``s`` is the root mean square of ``y``
when the law is zero at zero linear parameters: then the fit of ``y / s`` is the same
problem whatever the units of ``y``, and its linear parameters times ``s`` are the fit
of ``y``. The prior (``alpha > 0``) pulls each nonlinear parameter towards the centre
``m_j`` of its starting values, in units of their spread ``w_j``.

Starts: the law's grid of nonlinear values, each completed by solving the linear
parameters exactly (bounded linear least squares on the squared, or for ``'log'`` the
relative, error); the best few that lie apart are refined by
:func:`~sklearn_scaling._fitting._engine.minimize_multistart` on the true objective.
"""

import itertools
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import differential_evolution, lsq_linear

from ..laws._base import _default_starts
from ._batch import BatchProblem, solve_batch
from ._covariance import Covariance, relative_weights, sandwich_covariance
from ._engine import (
    MultiStartResult,
    RobustProblem,
    at_bounds,
    minimize_multistart,
    single_threaded_blas,
    weighted_quantile,
)
from ._losses import loss_value

__all__ = [
    "LawFit",
    "LawObjective",
    "RidgePenalty",
    "fit_law",
    "law_starts",
    "refit_batch",
    "y_scale",
]

#: Largest start grid searched; larger declared grids are subsampled at random.
MAX_GRID = 4096

# Declared linear parameters are checked to be linear at the first start to this
# relative tolerance (a law that is not would be "solved" wrongly, silently).
_LINEARITY_RTOL = 1e-6

#: Tolerance at which the refined starts of a fit are compared; the best one is then
#: refined on to the fit's own ``tol``. A relative decrease of the objective below 1e-5
#: per step is far inside its statistical noise (about ``sqrt(2 / n)`` relatively for
#: ``n`` rows), so it cannot tell starts apart that lie in different basins; yet the
#: refinements of the richer laws crawl along flat valleys in such steps until
#: ``max_nfev`` (one 20-point learning curve: 1,600-3,600 evaluations over 4 starts at
#: 1e-8; 20-120 at 1e-5, with the same best start).
SCREEN_TOL = 1e-5

# refine='batch' stops each start at this fraction of ``tol``: Levenberg-Marquardt by
# IRLS creeps along a robust loss's kink, and at ``tol`` itself it stopped above the
# trust-region refinement's objective on 4 of the 9 easy_question double-descent fits.
_BATCH_TOL = 1e-3


@dataclass
class LawFit(MultiStartResult):
    """:class:`~sklearn_scaling._fitting._engine.MultiStartResult` of a law, with its unit scale.

    Attributes
    ----------
    y_scale : float
        ``s``: the fit was solved on ``y / s``; ``x`` is already back in units of ``y``.
    at_bounds : ndarray of bool
        Parameters that end on a bound.
    covariance : Covariance or None
        Sandwich covariance of ``x`` (in units of ``y``), parameters on a bound held.
    residuals : ndarray of shape (n,)
        ``y`` minus the law at ``x``, in the target space (``log y`` or units of ``y``).
    residual_scale : float
        Spread of the data residuals in the target space (``log y`` for ``'log'``,
        units of ``y`` for ``'linear'``): the RMS for the squared loss, else 1.4826 x
        their weighted median absolute deviation.
    """

    y_scale: float = 1.0
    at_bounds: np.ndarray = None
    covariance: Covariance = None
    residual_scale: float = np.nan
    objective: "LawObjective" = None
    residuals: np.ndarray = None


def residual_scale(residuals, sample_weight, loss, n_params):
    """Spread of residuals: RMS over ``n - p`` degrees of freedom, or a robust MAD.

    The weights are relative (frequencies of the lightest row, see
    :func:`~sklearn_scaling._fitting._covariance.relative_weights`), whatever their total.
    """
    sample_weight = relative_weights(sample_weight)
    if loss == "squared":
        dof = max(sample_weight.sum() - n_params, 1.0)
        return float(np.sqrt(sample_weight @ residuals**2 / dof))
    center = weighted_quantile(residuals, 0.5, sample_weight)
    return float(1.4826 * weighted_quantile(np.abs(residuals - center), 0.5, sample_weight))


def _scaled_lstsq(design, target, low, high):
    """Least squares of ``design @ c = target`` with ``low <= c <= high``.

    Columns are scaled to unit size first, which keeps the solve accurate when a term
    is tiny (``A / N**alpha``); the bounded solve (BVLS) runs only where the free
    solution leaves the bounds, since it costs about ten times more.
    """
    norms = _column_norms(design)
    scaled = design / norms
    solution = np.linalg.lstsq(scaled, target, rcond=None)[0] / norms
    if np.any(solution < low) or np.any(solution > high):
        bounds = (low * norms, high * norms)
        solution = lsq_linear(scaled, target, bounds=bounds, method="bvls").x / norms
    return solution


def _column_norms(matrix):
    """Euclidean norms of the columns, without overflow for entries near the float limit.

    Zero (or non-finite) norms are 1, so dividing by them is always safe.
    """
    with np.errstate(all="ignore"):
        largest = np.max(np.abs(matrix), axis=0)
        safe = np.where(np.isfinite(largest) & (largest > 0), largest, 1.0)
        norms = safe * np.sqrt(np.sum((matrix / safe) ** 2, axis=0))
    return np.where(np.isfinite(norms) & (norms > 0), norms, 1.0)


def _linear_index(law):
    return np.array([law.parameters.index(p) for p in law.linear], dtype=int)


def _nonlinear_index(law):
    return np.array([law.parameters.index(p) for p in law.nonlinear], dtype=int)


def is_homogeneous(law, X, y):
    """Whether the law is zero with its linear parameters at zero (so it scales with them)."""
    if not law.linear:
        return False
    values = law.start_values(X, y)
    theta = np.zeros(law.n_parameters)
    theta[_nonlinear_index(law)] = [v[len(v) // 2] for v in values.values()]
    with np.errstate(all="ignore"):
        at_zero = law.evaluate(X, theta)
    return bool(np.all(at_zero == 0.0))


def y_scale(law, X, y, sample_weight):
    """``s`` of the module docstring: RMS of ``y`` for laws that scale with their linear part.

    The largest ``|y|`` is divided out first, so targets near the float limits (1e300,
    1e-300) get their RMS rather than an overflow (and no scaling at all).
    """
    if not is_homogeneous(law, X, y):
        return 1.0
    largest = float(np.max(np.abs(y)))
    if not (np.isfinite(largest) and largest > 0):
        return 1.0
    with np.errstate(under="ignore"):
        scale = largest * float(np.sqrt(np.average((y / largest) ** 2, weights=sample_weight)))
    return scale if np.isfinite(scale) and scale > 0 else 1.0


def _grid(law, X, y, rng, sample_weight=None):
    joint = law.joint_starts(X, y, sample_weight)
    if joint is not None:
        if len(joint) > MAX_GRID:
            joint = joint[rng.choice(len(joint), size=MAX_GRID, replace=False)]
        return joint
    values = law.start_values(X, y, sample_weight)
    axes = [values[p] for p in law.nonlinear]
    size = int(np.prod([len(a) for a in axes])) if axes else 1
    if size <= MAX_GRID:
        return np.array(list(itertools.product(*axes)), dtype=float).reshape(size, len(axes))
    return np.column_stack([rng.choice(a, size=MAX_GRID) for a in axes])


def _check_linearity(law, X, theta, base, columns):
    """Raise if the law is not linear in the parameters it declares linear."""
    lin = _linear_index(law)
    for k, index in enumerate(lin):
        doubled = theta.copy()
        doubled[index] = 2.0
        with np.errstate(all="ignore"):
            twice = law.evaluate(X, doubled) - base
        expected = 2.0 * columns[:, k]
        scale = np.max(np.abs(expected)) + np.max(np.abs(base)) + 1e-300
        if (
            np.all(np.isfinite(twice))
            and np.max(np.abs(twice - expected)) > _LINEARITY_RTOL * scale
        ):
            raise ValueError(
                f"law {law.name!r} is declared linear in {law.parameters[index]!r} but is not: "
                "doubling it does not double its term. Remove it from linear=."
            )


def law_starts(law, X, z, data_weight, lower, upper, target_space, rng):
    """Full parameter vectors: the law's nonlinear grid with the linear part solved exactly.

    ``z`` is the target in the units of the fit; ``lower``/``upper`` the bounds in those
    units. For ``target_space='log'`` the linear solve weighs rows by ``1 / z**2``, so
    it minimises the relative error, the first-order term of the log error.
    """
    if target_space == "log" and law.log_linear:
        return _log_linear_starts(law, X, z, data_weight, lower, upper, rng)
    # The start statistics see the weights as frequencies, as repeated rows would be.
    grid = _grid(law, X, z, rng, relative_weights(data_weight))
    lin, nonlin = _linear_index(law), _nonlinear_index(law)
    starts = np.empty((len(grid), law.n_parameters))
    starts[:, nonlin] = grid
    if lin.size == 0:
        return starts
    root = np.sqrt(data_weight) / (np.abs(z) if target_space == "log" else 1.0)
    lin_lower, lin_upper = lower[lin], upper[lin]
    finite = np.zeros(len(grid), dtype=bool)
    for i, point in enumerate(grid):
        theta = np.zeros(law.n_parameters)
        theta[nonlin] = point
        with np.errstate(all="ignore"):
            base = law.evaluate(X, theta)
            columns = np.empty((X.shape[0], lin.size))
            for k, index in enumerate(lin):
                unit = theta.copy()
                unit[index] = 1.0
                columns[:, k] = law.evaluate(X, unit) - base
        if not (np.all(np.isfinite(base)) and np.all(np.isfinite(columns))):
            starts[i, lin] = np.nan
            continue
        if i == 0 or not finite.any():
            _check_linearity(law, X, theta, base, columns)
        design = root[:, None] * columns
        starts[i, lin] = _scaled_lstsq(design, root * (z - base), lin_lower, lin_upper)
        finite[i] = True
    if not finite.any():
        raise ValueError(
            f"law {law.name!r}: its function gives non-finite values at every start; "
            "check the starts, bounds and domain of the law against the data."
        )
    return starts[finite]


def _log_linear_starts(law, X, z, data_weight, lower, upper, rng):
    """:func:`law_starts` for a ``log_linear`` law in log space.

    ``log L`` is linear in the declared parameters, so for each point of the grid of the
    others they are the (bounded) least squares solution of ``log z`` on the columns
    ``log L(unit_k) - log L(0)``: the log-space fit itself, up to the robust loss.
    """
    solved = np.array([law.parameters.index(p) for p in law.log_linear], dtype=int)
    others = np.array([i for i in range(law.n_parameters) if i not in solved], dtype=int)
    values = law.start_values(X, z)
    # Every parameter that is not solved gets grid values; declared linear ones (which
    # have no starts) a default spread over their bounds.
    axes = [
        values[p] if p in values else np.clip(_default_starts(*law.bounds[p]), *law.bounds[p])
        for p in np.asarray(law.parameters)[others]
    ]
    size = int(np.prod([len(a) for a in axes]))
    grid = np.array(list(itertools.product(*axes)), dtype=float).reshape(size, others.size)
    if len(grid) > MAX_GRID:
        grid = grid[rng.choice(len(grid), size=MAX_GRID, replace=False)]
    root = np.sqrt(data_weight)
    log_z = np.log(z)
    starts = np.empty((len(grid), law.n_parameters))
    starts[:, others] = grid
    finite = np.zeros(len(grid), dtype=bool)
    for i, point in enumerate(grid):
        theta = np.zeros(law.n_parameters)
        theta[others] = point
        with np.errstate(all="ignore"):
            base = np.log(law.evaluate(X, theta))
            columns = np.empty((X.shape[0], solved.size))
            for k, index in enumerate(solved):
                unit = theta.copy()
                unit[index] = 1.0
                columns[:, k] = np.log(law.evaluate(X, unit)) - base
        if not (np.all(np.isfinite(base)) and np.all(np.isfinite(columns))):
            continue
        if not finite.any():
            _check_log_linearity(law, X, theta, solved, base, columns)
        design = root[:, None] * columns
        starts[i, solved] = _scaled_lstsq(
            design, root * (log_z - base), lower[solved], upper[solved]
        )
        finite[i] = True
    if not finite.any():
        raise ValueError(
            f"law {law.name!r}: its logarithm is non-finite at every start; the law must be "
            "> 0 on the data to be fitted in log space."
        )
    return starts[finite]


def _check_log_linearity(law, X, theta, solved, base, columns):
    """Raise if ``log L`` is not linear in the parameters declared ``log_linear``."""
    for k, index in enumerate(solved):
        doubled = theta.copy()
        doubled[index] = 2.0
        with np.errstate(all="ignore"):
            twice = np.log(law.evaluate(X, doubled)) - base
        scale = np.max(np.abs(columns[:, k])) + np.max(np.abs(base)) + 1e-300
        if np.all(np.isfinite(twice)) and np.max(np.abs(twice - 2.0 * columns[:, k])) > (
            _LINEARITY_RTOL * scale
        ):
            raise ValueError(
                f"law {law.name!r} is declared log_linear in {law.parameters[index]!r} but its "
                "logarithm is not linear in it. Remove it from log_linear=."
            )


class RidgePenalty:
    """The ridge prior ``alpha sum_j ((theta_j - m_j) / w_j)**2`` as penalty rows.

    A penalty gives prior residuals ``q`` (``|q|**2 / 2`` is its value) and their
    Jacobian from the parameters and the law's values and Jacobian, for ``k`` problems
    at once (see :class:`LawObjective`); this one needs neither the values nor the
    Jacobian of the law.

    Parameters
    ----------
    rows : ndarray of shape (m, p) or (B, m, p)
        ``q = rows @ (theta - center)``; one set of rows per problem of a batch (its
        own units), repeated for more problems (index modulo ``B``).
    center : ndarray of shape (p,)
    """

    def __init__(self, rows, center):
        self.rows, self.center = rows, center

    def __call__(self, thetas, values, jacobians, index):
        if self.rows.ndim == 3:
            rows = self.rows[np.asarray(index) % len(self.rows)]
            q = np.einsum("kmp,kp->km", rows, thetas - self.center)
            return q, (None if jacobians is None else rows)
        q = (thetas - self.center) @ self.rows.T
        if jacobians is None:
            return q, None
        return q, np.broadcast_to(self.rows, (thetas.shape[0], *self.rows.shape))


@dataclass
class LawObjective:
    """Everything but the data that fixes the objective of a law fit.

    Parameters live in the fit's internal units: linear parameters divided by
    ``y_scale``, as the bounds ``lower`` and ``upper`` are. The priors are penalty
    rows appended to the data residuals: the ridge of ``alpha`` (:class:`RidgePenalty`)
    and ``penalty``, any callable ``penalty(thetas, values, jacobians, index) -> (q,
    Q)`` with ``thetas`` (k, p), the law's ``values`` (k, n) and ``jacobians`` (k, n,
    p) or None, and ``index`` the problems of a batch they belong to (0 for a single
    fit); it returns ``q`` (k, m) and, when given Jacobians, ``Q`` (k, m, p).

    For a batch of problems (:meth:`batch_problem`), ``f_scale`` and ``y_scale`` may
    be one per problem (B,) and ``lower``/``upper`` one box per problem (B, p).
    """

    loss: str
    f_scale: float
    target_space: str
    alpha: float
    y_scale: float
    lower: np.ndarray
    upper: np.ndarray
    prior_center: np.ndarray
    prior_width: np.ndarray
    penalty: object = None

    def units(self, law):
        """Factor from internal to ``y`` units of each parameter: (p,), or (B, p) for
        one ``y_scale`` per problem."""
        scale = np.asarray(self.y_scale, dtype=float)
        units = np.ones((*scale.shape, law.n_parameters))
        units[..., _linear_index(law)] = scale[..., None]
        return units

    def _penalties(self, law):
        """The penalties of this objective, the ridge of ``alpha`` first."""
        penalties = []
        if self.alpha > 0:
            nonlin = _nonlinear_index(law)
            rows = np.zeros((nonlin.size, law.n_parameters))
            rows[np.arange(nonlin.size), nonlin] = np.sqrt(2.0 * self.alpha) / self.prior_width
            center = np.zeros(law.n_parameters)
            center[nonlin] = self.prior_center
            penalties.append(RidgePenalty(rows, center))
        if self.penalty is not None:
            penalties.append(self.penalty)
        return penalties

    def _data_residuals(self, value, z):
        if self.target_space == "log":
            return np.log(value) - np.log(z)
        return value - z

    def problem(self, law, X, y, sample_weight):
        """This objective on ``(X, y)`` as a :class:`RobustProblem` over internal parameters."""
        z = y / self.y_scale
        penalties = self._penalties(law)
        log_space = self.target_space == "log"
        one = np.zeros(1, dtype=int)

        last = {}

        def value_at(theta):
            # least_squares asks for the residuals and then the Jacobian at one point:
            # the Jacobian reuses the law's value instead of evaluating it again.
            key = theta.tobytes()
            if last.get("key") != key:
                last.update(key=key, value=law.evaluate(X, theta))
            return last["value"]

        def residuals(theta):
            value = value_at(theta)
            priors = [p(theta[None], value[None], None, one)[0][0] for p in penalties]
            return np.concatenate([self._data_residuals(value, z), *priors])

        def jacobian(theta):
            value = value_at(theta)
            jac = law.jacobian_matrix(X, theta, value)
            rows = [p(theta[None], value[None], jac[None], one)[1][0] for p in penalties]
            if log_space:
                jac = jac / value[:, None]
            return np.vstack([jac, *rows])

        data_weight = sample_weight / sample_weight.sum()

        def batch_cost(thetas):
            # Ranks many starts in one vectorised evaluation of the law.
            value = law.evaluate_many(X, thetas)
            data = loss_value(self._data_residuals(value, z), self.loss, self.f_scale)
            index = np.zeros(len(thetas), dtype=int)
            prior = sum(np.sum(p(thetas, value, None, index)[0] ** 2, axis=1) for p in penalties)
            return data @ data_weight + 0.5 * prior

        return RobustProblem(
            residuals=residuals,
            jacobian=jacobian,
            data_weight=data_weight,
            lower=self.lower,
            upper=self.upper,
            loss=self.loss,
            f_scale=self.f_scale,
            batch_cost=batch_cost,
        )

    def batch_problem(self, law, X, targets, weights):
        """Problems with targets ``(B, n)`` and weights ``(B, n)`` as a :class:`BatchProblem`.

        The law is evaluated for all problems at once (:meth:`Law.evaluate_many`) and
        differentiated by its declared Jacobian, else by batched central differences,
        one-sided at a bound.
        """
        Z = np.atleast_2d(targets) / np.reshape(self.y_scale, (-1, 1))
        penalties = self._penalties(law)
        W = np.atleast_2d(weights)
        n_problems = max(W.shape[0], Z.shape[0])
        shape = (n_problems, law.n_parameters)
        lower = np.broadcast_to(self.lower, shape)
        upper = np.broadcast_to(self.upper, shape)

        def residuals(thetas, index):
            value = law.evaluate_many(X, thetas)
            data = self._data_residuals(value, Z[index % Z.shape[0]])
            priors = [p(thetas, value, None, index)[0] for p in penalties]
            return np.hstack([data, *priors])

        def jacobian(thetas, index):
            analytic = law.jacobian_many(X, thetas)
            if analytic is None and law.jacobian is not None:
                # A declared Jacobian that does not broadcast: exact, one vector at a time.
                analytic = np.stack([law.jacobian_matrix(X, theta) for theta in thetas])
            if analytic is None:
                return _batched_differences(residuals, thetas, index, lower[index], upper[index])
            # A ridge needs no value of the law: evaluating it costs as much as a step.
            needs_value = self.target_space == "log" or any(
                not isinstance(p, RidgePenalty) for p in penalties
            )
            value = law.evaluate_many(X, thetas) if needs_value else None
            rows = [p(thetas, value, analytic, index)[1] for p in penalties]
            if self.target_space == "log":
                analytic = analytic / value[:, :, None]
            return np.concatenate([analytic, *rows], axis=1)

        return BatchProblem(
            residuals=residuals,
            jacobian=jacobian,
            data_weight=W / W.sum(axis=1, keepdims=True),
            lower=self.lower,
            upper=self.upper,
            loss=self.loss,
            f_scale=self.f_scale,
        )


class Projection:
    """Variable projection of a squared objective onto the law's nonlinear parameters.

    For fixed nonlinear parameters the law is linear in its declared ``linear`` ones,
    and so are the ridge rows of a :class:`RidgePenalty`: they are solved exactly (a
    small, bounded, linear least-squares problem) at every evaluation, so an optimiser
    moves the nonlinear parameters only. The linear part's columns are the law's
    Jacobian columns; Kaufman's approximation gives the reduced Jacobian. Robust
    losses are not projected (their weights move with the residuals): the projected
    optimum only starts a refinement of the full objective.

    Parameters
    ----------
    law : Law
    X : ndarray of shape (n, n_features)
    z : ndarray of shape (n,)
        The target in internal units (``y / y_scale``).
    data_weight : ndarray of shape (n,)
        Weights of the data residuals, summing to one.
    lower, upper : ndarray of shape (p,)
        Bounds in internal units.
    ridges : sequence of RidgePenalty, default=()
        Ridge rows over all parameters (internal units).
    log_scaled : sequence of str, default=()
        Nonlinear parameters (positive bounds) the reduced problem moves on a log
        scale, for those that span decades.
    """

    def __init__(self, law, X, z, data_weight, lower, upper, ridges=(), log_scaled=()):
        self.law, self.X = law, X
        self.lin, self.nonlin = _linear_index(law), _nonlinear_index(law)
        self.lin_lower, self.lin_upper = lower[self.lin], upper[self.lin]
        self.log_mask = np.isin(np.asarray(law.nonlinear), list(log_scaled))
        self.root = np.sqrt(data_weight)
        self.z = z
        rows = np.vstack([np.zeros((0, law.n_parameters)), *(r.rows for r in ridges)])
        self.ridge_lin, self.ridge_nonlin = rows[:, self.lin], rows[:, self.nonlin]
        # q = rows @ (theta - center): the centres are a constant offset of the rows.
        self.ridge_offset = np.concatenate([np.zeros(0), *(r.rows @ r.center for r in ridges)])
        self.homogeneous = is_homogeneous(law, X, z)
        self.lower = self.internal(lower[self.nonlin])
        self.upper = self.internal(upper[self.nonlin])
        self._last = None

    def internal(self, values):
        """Nonlinear parameter values in the reduced problem's coordinates."""
        values = np.asarray(values, dtype=float)
        with np.errstate(divide="ignore"):
            return np.where(self.log_mask, np.log(np.maximum(values, 0.0)), values)

    def _params(self, theta):
        params = np.zeros(self.law.n_parameters)
        params[self.nonlin] = np.where(self.log_mask, np.exp(theta), theta)
        return params

    def solution(self, theta):
        """All parameters (internal units) at ``theta``, the linear ones solved."""
        return self._solve(np.asarray(theta, dtype=float))[0].copy()

    def problem(self):
        """This projection as a squared-loss :class:`RobustProblem` over ``theta``."""
        n_residuals = len(self.z) + len(self.ridge_lin)
        return RobustProblem(
            residuals=self.residuals,
            jacobian=self.jacobian,
            data_weight=np.ones(n_residuals),
            lower=self.lower,
            upper=self.upper,
        )

    def _solve(self, theta):
        key = theta.tobytes()
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        params = self._params(theta)
        jac = self.law.jacobian_matrix(self.X, params)
        base = 0.0 if self.homogeneous else self.law.evaluate(self.X, params)
        design = np.vstack([self.root[:, None] * jac[:, self.lin], self.ridge_lin])
        target = np.concatenate(
            [
                self.root * (self.z - base),
                self.ridge_offset - self.ridge_nonlin @ params[self.nonlin],
            ]
        )
        # Column scaling keeps QR accurate when a column is nearly constant or tiny.
        norms = _column_norms(design)
        scaled = design / norms
        q, r = np.linalg.qr(scaled)
        coef = np.linalg.lstsq(r, q.T @ target, rcond=None)[0] / norms
        if np.any(coef < self.lin_lower) or np.any(coef > self.lin_upper):
            coef = (
                lsq_linear(
                    scaled,
                    target,
                    bounds=(self.lin_lower * norms, self.lin_upper * norms),
                    method="bvls",
                ).x
                / norms
            )
            # Coefficients held at a bound do not move with theta: project on the rest.
            free = (coef > self.lin_lower + 1e-12) & (coef < self.lin_upper - 1e-12)
            q = np.linalg.qr(scaled[:, free])[0] if free.any() else scaled[:, :0]
        params[self.lin] = coef
        self._last = (key, (params, q, design @ coef - target))
        return self._last[1]

    def residuals(self, theta):
        return self._solve(np.asarray(theta, dtype=float))[2]

    def jacobian(self, theta):
        theta = np.asarray(theta, dtype=float)
        params, q, _ = self._solve(theta)
        # The nonlinear columns depend on the solved linear part: taken at the solution.
        jac = self.law.jacobian_matrix(self.X, params)
        chain = np.where(self.log_mask, np.exp(theta), 1.0)
        moved = np.vstack([self.root[:, None] * jac[:, self.nonlin], self.ridge_nonlin]) * chain
        # Kaufman: only the part of the moved columns the linear solve cannot absorb.
        return moved - q @ (q.T @ moved)


#: Relative step of batched central differences (cube root of the machine epsilon).
FD_STEP = np.finfo(float).eps ** (1.0 / 3.0)


def _batched_differences(residuals, thetas, index, lower, upper):
    """Central differences of batched ``residuals`` in every parameter (one-sided at a bound)."""
    step = FD_STEP * np.maximum(np.abs(thetas), 1.0)
    up = np.minimum(thetas + step, upper)
    down = np.maximum(thetas - step, lower)
    k = thetas.shape[0]
    columns = []
    for j in range(thetas.shape[1]):
        high, low = thetas.copy(), thetas.copy()
        high[:, j], low[:, j] = up[:, j], down[:, j]
        span = (up[:, j] - down[:, j])[:, None]
        both = residuals(np.vstack([high, low]), np.concatenate([index, index]))
        columns.append((both[:k] - both[k:]) / np.where(span > 0, span, 1.0))
    return np.stack(columns, axis=2)


def scaled_bounds(law, bounds, scale):
    """Bounds in the units of ``y / scale``: linear parameters scale with ``y``."""
    limits = {**law.bounds, **(bounds or {})}
    lower = np.array([limits[p][0] for p in law.parameters], dtype=float)
    upper = np.array([limits[p][1] for p in law.parameters], dtype=float)
    lin = _linear_index(law)
    lower[lin] /= scale
    upper[lin] /= scale
    return lower, upper


@single_threaded_blas
def fit_law(
    law,
    X,
    y,
    sample_weight=None,
    *,
    loss="huber",
    f_scale=1e-3,
    target_space="linear",
    alpha=0.0,
    bounds=None,
    n_starts=4,
    max_nfev=1000,
    tol=1e-8,
    n_jobs=None,
    rng=None,
    starts=None,
    penalty=None,
    row_weight=None,
    min_separation=0.1,
    refine="least_squares",
    polish=True,
    scale=None,
    project=False,
    log_scaled=(),
    global_search=None,
):
    """Fit ``law`` to ``(X, y)`` by the objective of the module docstring.

    Parameters
    ----------
    law : Law
    X : ndarray of shape (n, law.n_features)
        Already checked against the law's domain.
    y : ndarray of shape (n,)
        Strictly positive for ``target_space='log'``.
    sample_weight : ndarray of shape (n,) or None
    loss : str
        A key of :data:`sklearn_scaling._fitting._losses.LOSSES`.
    f_scale : float
        Loss scale, in units of ``log y`` (``'log'``) or of ``y / s`` (``'linear'``).
    target_space : {'linear', 'log'}
    alpha : float
        Strength of the prior on the nonlinear parameters.
    bounds : dict or None
        ``{parameter: (low, high)}`` overriding the law's, in units of ``y``.
    n_starts : int
        Local refinements from the best distinct starts.
    max_nfev : int
    tol : float
        Tolerance of the refinements. Below :data:`SCREEN_TOL`, with ``polish``, the
        refined starts are compared at ``SCREEN_TOL`` and the best is polished and
        refined on to ``tol``.
    n_jobs : int or None
    rng : numpy.random.Generator or None
        Subsamples start grids larger than :data:`MAX_GRID`.
    starts : ndarray of shape (n_starts, p) or None
        Candidate starts in units of ``y`` (a configuration's own); None for the law's
        grid with its linear part solved (:func:`law_starts`).
    penalty : callable or None
        A penalty of :class:`LawObjective` (a seed configuration's priors), added to
        the ridge of ``alpha``.
    row_weight : ndarray of shape (n,) or None
        Weights of the rows in the objective only (a configuration's density
        weighting), on top of ``sample_weight``; the covariance and residual spread
        count rows by ``sample_weight`` alone.
    min_separation : float, default=0.1
        How far apart the refined starts lie (see
        :func:`~sklearn_scaling._fitting._engine.distinct_best`).
    refine : {'least_squares', 'batch'}, default='least_squares'
        'batch' refines the chosen starts together by the batched engine's
        Levenberg-Marquardt steps (:func:`~sklearn_scaling._fitting._batch.solve_batch`, to
        ``tol * 1e-3``) instead of one scipy ``least_squares`` per start.
    polish : bool, default=True
        After 'least_squares', carry on from the best refinement by the batched
        engine's steps, kept if they go lower (see :func:`_polish`).
    scale : float or None, default=None
        ``s`` of the module docstring; None for the RMS of ``y`` (:func:`y_scale`). A
        configuration's own normalisation of the residuals (seed 001 divides them by
        the standard deviation of ``y``).
    project : bool, default=False
        Refine the ``n_starts`` best starts by variable projection first
        (:class:`Projection`: the linear parameters solved exactly, the squared loss),
        then each projected optimum, its linear part solved, on the full objective.
        Needs ``target_space='linear'`` and ridge penalties only (``alpha``,
        :class:`RidgePenalty`). Only the nonlinear part of ``starts`` is used; without
        ``starts`` the law's grid of nonlinear values is ranked as it is.
    log_scaled : sequence of str, default=()
        With ``project``: nonlinear parameters the projected refinement moves on a log
        scale (positive ones that span decades).
    global_search : float or None, default=None
        With ``project``: differential evolution over the projected problem adds a
        start when the best projected refinement's cost is above this (``-inf``:
        always; None: never).

    Returns
    -------
    LawFit
    """
    sample_weight = np.ones_like(y) if sample_weight is None else sample_weight
    # A law that describes part of the data (the constant's recent level) weighs its rows.
    sample_weight = sample_weight * law.row_weights(X)
    objective_weight = sample_weight if row_weight is None else sample_weight * row_weight
    rng = np.random.default_rng(0) if rng is None else rng
    scale = y_scale(law, X, y, sample_weight) if scale is None else float(scale)
    z = y / scale
    lower, upper = scaled_bounds(law, bounds, scale)
    data_weight = objective_weight / objective_weight.sum()
    if starts is None and project:
        grid = _grid(law, X, z, rng, relative_weights(data_weight))
        starts = np.zeros((len(grid), law.n_parameters))
        starts[:, _nonlinear_index(law)] = grid
    elif starts is None:
        starts = law_starts(law, X, z, data_weight, lower, upper, target_space, rng)
    else:
        starts = np.atleast_2d(np.asarray(starts, dtype=float)) / _units(law, scale)
    spread = starts[:, _nonlinear_index(law)]
    center = np.median(spread, axis=0)
    width = np.ptp(spread, axis=0)
    width = np.where(width > 0, width, np.maximum(np.abs(center), 1.0))
    objective = LawObjective(
        loss=loss,
        f_scale=f_scale,
        target_space=target_space,
        alpha=alpha,
        y_scale=scale,
        lower=lower,
        upper=upper,
        prior_center=center,
        prior_width=width,
        penalty=penalty,
    )
    problem = objective.problem(law, X, y, objective_weight)
    n_refine = n_starts
    if project:
        starts = _projected_starts(
            law, objective, X, z, data_weight, starts, n_starts, min_separation, log_scaled,
            global_search, rng, {"max_nfev": max_nfev, "tolerance": tol, "n_jobs": n_jobs},
        )  # fmt: skip
        # Every projected optimum is refined on the full objective.
        n_refine, min_separation = len(starts), 0.0
    refine_many = None
    if refine == "batch":

        def refine_many(chosen):
            shape = (len(chosen), len(y))
            targets, weights = np.broadcast_to(y, shape), np.broadcast_to(objective_weight, shape)
            batch = objective.batch_problem(law, X, targets, weights)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                solved = solve_batch(batch, chosen, max_iter=max_nfev, tol=tol * _BATCH_TOL)
            return solved.x, solved.cost, solved.n_iter, solved.converged

    # The starts are compared at SCREEN_TOL and only the best is refined on to ``tol``
    # (see SCREEN_TOL); a fit at SCREEN_TOL or looser is done in one pass. Only with the
    # polish: a seed configuration that refines without it (the double-descent law's
    # boxes and priors) keeps every start's refinement to ``tol``.
    screen = refine_many is None and polish and n_starts > 1 and tol < SCREEN_TOL
    result = minimize_multistart(
        problem,
        starts,
        n_refine=n_refine,
        min_separation=min_separation,
        max_nfev=max_nfev,
        tolerance=SCREEN_TOL if screen else tol,
        n_jobs=n_jobs,
        refine_many=refine_many,
    )
    if screen:
        result = _polish(law, objective, X, y, objective_weight, result, max_nfev, SCREEN_TOL)
        finished = minimize_multistart(
            problem, result.x[None], n_refine=1, max_nfev=max_nfev, tolerance=tol
        )
        result.nfev += finished.nfev
        result.converged = finished.converged
        if finished.cost <= result.cost:
            result.x, result.cost = finished.x, finished.cost
            result.start_x[0], result.start_costs[0] = finished.x, finished.cost
    if refine_many is None and polish:
        result = _polish(law, objective, X, y, objective_weight, result, max_nfev, tol)
    fixed = at_bounds(result.x, lower, upper, problem=problem)
    covariance = sandwich_covariance(problem, result.x, sample_weight, fixed=fixed)
    # Back to units of y: the linear parameters (and their covariance) scale with s.
    units = _units(law, scale)
    covariance.rescale(units)
    with np.errstate(all="ignore"):
        data_residuals = problem.residuals(result.x)[: len(y)]
    spread = residual_scale(data_residuals, sample_weight, loss, int((~fixed).sum()))
    return LawFit(
        x=result.x * units,
        cost=result.cost,
        nfev=result.nfev,
        converged=result.converged,
        start_costs=result.start_costs,
        start_x=result.start_x * units,
        y_scale=scale,
        at_bounds=fixed,
        covariance=covariance,
        residual_scale=spread * (1.0 if target_space == "log" else scale),
        objective=objective,
        residuals=-data_residuals * (1.0 if target_space == "log" else scale),
    )


def _projected_starts(
    law, objective, X, z, data_weight, starts, n_starts, min_separation, log_scaled,
    global_search, rng, options,
):  # fmt: skip
    """Full starts (internal units) from refinements by variable projection (see
    :func:`fit_law`'s ``project``)."""
    penalties = objective._penalties(law)
    if objective.target_space != "linear" or not all(
        isinstance(p, RidgePenalty) for p in penalties
    ):
        raise ValueError(
            "variable projection needs target_space='linear' and ridge penalties only."
        )
    projection = Projection(
        law, X, z, data_weight, objective.lower, objective.upper, penalties, log_scaled
    )
    reduced = projection.problem()
    grid = projection.internal(starts[:, _nonlinear_index(law)])
    grid = np.clip(grid, projection.lower, projection.upper)
    local = minimize_multistart(
        reduced, grid, n_refine=n_starts, min_separation=min_separation, **options
    )
    projected = list(local.start_x)
    if global_search is not None and not local.cost <= global_search:
        with np.errstate(all="ignore"):
            evolved = differential_evolution(
                reduced.cost,
                list(zip(projection.lower, projection.upper, strict=True)),
                seed=rng,
                polish=False,
                maxiter=200,
                tol=1e-8,
            )
        projected.append(minimize_multistart(reduced, evolved.x[None], n_refine=1, **options).x)
    return np.array([projection.solution(theta) for theta in projected])


def _units(law, scale):
    """Factor from internal to ``y`` units of each parameter (see :meth:`LawObjective.units`)."""
    units = np.ones(law.n_parameters)
    units[_linear_index(law)] = scale
    return units


def _polish(law, objective, X, y, sample_weight, result, max_iter, tol):
    """Levenberg-Marquardt steps by IRLS from the best refinement, kept if they go lower.

    Trust-region least squares with a robust loss can stop where most residuals sit in
    the loss's linear zone (a flat fit of recency-weighted rows, a power law's exponent
    at its start): its scaled gradient looks converged while the reweighted problem
    still descends. The batched engine's steps (the same the grouped fit takes) carry
    on from there; they can only lower the objective.

    The steps are taken first in the logarithm of every parameter that is positive and
    bounded below by zero (scales, offsets, amplitudes; see :func:`_log_coordinates`),
    then in the parameters themselves from there. Where the optimum lies at infinity
    (a rectified law whose ``D_l`` and ``B`` grow together, a limit no finite point
    reaches) the valley is straight in logarithms and curved in the parameters: in
    the parameters each step grew them by about 1%, and 1,000 steps (0.9 s on a
    20-point curve) ended above where 40-120 steps in logarithms reach, converged.
    The second pass settles parameters on their bounds, which logarithms only
    approach.
    """
    # A fit at SCREEN_TOL or looser only ranks (a search's folds): its polish stops at
    # the same statistical threshold. A precise fit polishes 1000x finer, past the
    # robust loss's kink where IRLS steps are small but many.
    step_tol = tol if tol >= SCREEN_TOL else tol * 1e-3
    batch = objective.batch_problem(law, X, y[None], sample_weight[None])
    multiplicative = (objective.lower >= 0) & (result.x > 0) & np.isfinite(result.x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if multiplicative.any():
            logs = _log_coordinates(batch, multiplicative, objective.lower, objective.upper)
            start = np.where(
                multiplicative, np.log(np.where(multiplicative, result.x, 1.0)), result.x
            )
            solved = solve_batch(logs, start[None], max_iter=max_iter, tol=step_tol)
            x = np.clip(logs.parameters(solved.x[0]), objective.lower, objective.upper)
            _keep_if_lower(batch, result, x)
        polished = solve_batch(batch, result.x[None], max_iter=max_iter, tol=step_tol)
    if np.isfinite(polished.cost[0]) and polished.cost[0] < result.cost:
        result.x, result.cost = polished.x[0], float(polished.cost[0])
    return result


def _keep_if_lower(batch, result, x):
    """Move ``result`` to ``x`` if its cost there (recomputed) is finite and lower."""
    one = np.zeros(1, dtype=int)
    with np.errstate(all="ignore"):
        cost = float(batch.cost(batch.residuals(x[None], one), one)[0])
    if np.isfinite(cost) and cost < result.cost:
        result.x, result.cost = x, cost


def _log_coordinates(batch, multiplicative, lower, upper):
    """``batch`` over ``u``: ``log theta`` for the ``multiplicative`` parameters, else ``theta``.

    The Jacobian is the chain rule's, ``d r / d u = theta d r / d theta`` for a
    logarithm. The bounds are those of ``theta`` in ``u`` (a lower bound of zero is
    ``-inf``). The returned problem has a ``parameters(u) -> theta`` method.
    """
    ceiling = np.log(np.finfo(float).max) - 1.0

    def parameters(u):
        with np.errstate(over="ignore"):
            return np.where(multiplicative, np.exp(np.minimum(u, ceiling)), u)

    def residuals(u, index):
        return batch.residuals(parameters(u), index)

    def jacobian(u, index):
        theta = parameters(u)
        return batch.jacobian(theta, index) * np.where(multiplicative, theta, 1.0)[:, None, :]

    with np.errstate(divide="ignore"):
        low = np.where(multiplicative, np.log(np.where(multiplicative, lower, 1.0)), lower)
        high = np.where(multiplicative, np.log(np.where(multiplicative, upper, 1.0)), upper)
    problem = BatchProblem(
        residuals=residuals,
        jacobian=jacobian,
        data_weight=batch.data_weight,
        lower=low,
        upper=high,
        loss=batch.loss,
        f_scale=batch.f_scale,
    )
    problem.parameters = parameters
    return problem


def refit_batch(law, objective, X, targets, weights, coef, *, max_iter=100, tol=1e-8):
    """Refit ``law`` to many targets/weights at once, warm-started from ``coef``.

    Parameters
    ----------
    law : Law
    objective : LawObjective
        The full-data fit's objective (units, bounds, prior).
    X : ndarray of shape (n, n_features)
    targets : ndarray of shape (B, n) or (n,)
        In units of ``y``; one row for all problems or one per problem.
    weights : ndarray of shape (B, n)
        Sample weights of each problem (e.g. bootstrap counts).
    coef : ndarray of shape (p,) or (B, p)
        The full-data fit, in units of ``y``; or one start per problem.

    Returns
    -------
    coefs : ndarray of shape (B, p)
        In units of ``y``.
    cost : ndarray of shape (B,)
    converged : ndarray of bool, shape (B,)
    """
    weights = weights * law.row_weights(X)
    batch = objective.batch_problem(law, X, targets, weights)
    units = objective.units(law)
    start = np.broadcast_to(coef / units, (weights.shape[0], law.n_parameters))
    result = solve_batch(batch, start, max_iter=max_iter, tol=tol)
    finite = np.isfinite(result.cost) & np.all(np.isfinite(result.x), axis=1)
    return result.x * units, result.cost, result.converged & finite
