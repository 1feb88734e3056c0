"""Many curves of one law in one fit: groups, shared and fixed parameters, for the engine.

A family of curves -- one per task, model size, data mixture or output column -- is one
objective: the sum over every row of every curve of the robust loss of its residual,

.. math::

    \\mathrm{cost}(\\phi) = \\sum_i v_i\\, \\tfrac12 f^2 \\rho\\big((m_i r_i / f)^2\\big)
        + \\text{priors},\\qquad r_i = L(x_i; \\theta_{g(i)}(\\phi)) / s - y_i / s

with ``v = w / sum(w)`` over all rows. ``phi`` holds the free parameters: one value of
each *shared* parameter for all curves and one value per curve of the others;
``theta_g(phi)`` is curve ``g``'s full parameter vector. ``s`` is the root mean square
of ``y`` over all rows (for laws that scale with their linear part, as in
:mod:`sklearn_scaling._fitting._law`) and ``m_i = s / s_g`` rescales each curve's residuals
to its own root mean square ``s_g``: a robust loss's ``f_scale`` is relative to each
curve's own size, so a curve fitted alone and the same curve in a family of independent
curves solve the same problem. In log space ``m_i = 1``.

*Fixed* parameters are not in ``phi`` at all: :func:`fix_parameters` makes the law
without them, a :class:`~sklearn_scaling.laws.Law` like any other.

How it is solved:

- Independent curves (no shared parameter) are one batch: each curve's start grid is
  completed by solving its linear parameters exactly (variable projection, all curves
  at once), the best distinct starts of every curve are refined together by the batched
  Levenberg-Marquardt engine (:mod:`sklearn_scaling._fitting._batch`), and the few it leaves
  unconverged, or stopped short of a minimum (their Newton decrement, which does not
  depend on the parameters' units, still promises a decrease), are refitted alone by
  :func:`~sklearn_scaling._fitting._law.fit_law`. Their covariances are one batched sandwich
  (curves with a parameter near a bound take the one-curve path, which tests it). The law
  is evaluated for all rows of all curves in one call, each row with its own curve's
  parameters (NumPy broadcasting, checked against one curve at a time).
- Shared parameters: the independent fit gives each curve's own estimate; the family
  is profiled at a few candidate shared values (quantiles of those estimates), every
  curve refitted from its own starts with the shared parameters held there, and the
  best candidates are refined jointly by Levenberg-Marquardt steps in which each curve's
  own block of the normal matrix is eliminated by the Schur complement
  (:func:`_solve_shared`). The candidates' fits are coarse (a few dozen batched steps:
  they only pick where the joint steps start); the joint steps only descend locally, so
  each curve's own starts are then searched again with the shared values held, curves
  that do better there are moved and the joint steps resumed (:func:`_rebasin`). The
  joint sandwich covariance is split into per-curve blocks.
"""

import itertools
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from scipy.optimize import lsq_linear

from ..laws import Law
from ._batch import BatchProblem, _irls_weight, solve_batch
from ._covariance import (
    RCOND,
    Covariance,
    huber_curvature,
    relative_weights,
    sandwich_covariance,
)
from ._engine import (
    _PRESS_REACH,
    RobustProblem,
    at_bounds,
    distinct_best,
    single_threaded_blas,
)
from ._law import (
    _grid,
    _linear_index,
    _nonlinear_index,
    fit_law,
    is_homogeneous,
    law_starts,
    residual_scale,
)
from ._losses import loss_derivatives, loss_value

__all__ = ["GroupFit", "fit_law_groups", "fix_parameters"]

#: Rows x starts of one chunk of curves in the batched passes (memory stays linear).
_CHUNK_ELEMENTS = 2**21

#: Largest number of free parameters whose joint covariance is formed densely.
MAX_JOINT_COVARIANCE = 4000

#: Batched steps allowed to the starting points of a shared fit (see ``_fit_chunk``).
_COARSE_ITERATIONS = 50

#: ... and to each curve's own search at the joint fit's shared values (``_rebasin``).
_PRECISE_ITERATIONS = 200


# ------------------------------------------------------------------- fixed parameters


class _WithFixed:
    """``function(X, *free)`` of a law with some parameters held at given values.

    A class rather than a closure so the reduced law pickles (joblib, GridSearchCV).
    """

    def __init__(self, function, n_parameters, fixed_positions, fixed_values):
        self.function = function
        self.n_parameters = n_parameters
        self.fixed_positions = tuple(fixed_positions)
        self.fixed_values = tuple(float(v) for v in fixed_values)

    def __call__(self, X, *free):
        values = dict(zip(self.fixed_positions, self.fixed_values, strict=True))
        remaining = iter(free)
        arguments = [
            values[k] if k in values else next(remaining) for k in range(self.n_parameters)
        ]
        return self.function(X, *arguments)


class _FreeColumns:
    """The declared Jacobian of a law with fixed parameters: the free columns only."""

    def __init__(self, jacobian, free_positions):
        self.jacobian = jacobian
        self.free_positions = np.asarray(free_positions, dtype=int)

    def __call__(self, X, *free):
        # Called with the full argument list by _WithFixed's order: see fix_parameters.
        return np.asarray(self.jacobian(X, *free))[..., self.free_positions]


class _StartsWithout:
    """A law's data-driven ``starts(X, y)`` without the fixed parameters.

    A mapping loses their keys; joint start points (one row per start, a column per
    nonlinear parameter) lose their columns.
    """

    def __init__(self, starts, dropped, nonlinear):
        self.starts = starts
        self.dropped = frozenset(dropped)
        self.kept_columns = [k for k, p in enumerate(nonlinear) if p not in self.dropped]

    def __call__(self, X, y):
        given = self.starts(X, y) if callable(self.starts) else dict(self.starts or {})
        if isinstance(given, Mapping):
            return {k: v for k, v in given.items() if k not in self.dropped}
        return np.asarray(given, dtype=float)[:, self.kept_columns]


def fix_parameters(law, fixed):
    """The law with the parameters of ``fixed`` held at their values, as a new Law.

    Parameters
    ----------
    law : Law
    fixed : mapping
        ``{parameter: value}``.

    Returns
    -------
    Law
        Its parameters are the law's others, in order; its linear parameters the
        law's linear ones that are not fixed (a fixed linear parameter leaves an
        affine law, which the fit solves as well).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_scaling.laws import get_law
    >>> pure = fix_parameters(get_law("power_law"), {"E": 0.0})
    >>> pure.parameters, pure.linear
    (('A', 'alpha'), ('A',))
    >>> float(pure(np.array([[4.0]]), {"A": 2.0, "alpha": 0.5})[0])
    1.0
    """
    if not fixed:
        return law
    unknown = sorted(set(fixed) - set(law.parameters))
    if unknown:
        raise ValueError(
            f"fixed names unknown parameters {unknown} of law {law.name!r}; its parameters "
            f"are {list(law.parameters)}."
        )
    values = {}
    for name, value in fixed.items():
        if isinstance(value, bool | np.bool_) or not np.isscalar(value):
            raise ValueError(f"fixed[{name!r}] must be a number; got {value!r}.")
        value = float(value)
        low, high = law.bounds[name]
        if not np.isfinite(value) or not low <= value <= high:
            raise ValueError(
                f"fixed[{name!r}] = {value!r} must be finite and within the law's bounds "
                f"({low}, {high})."
            )
        values[name] = value
    if len(values) == law.n_parameters:
        raise ValueError(
            f"fixed holds every parameter of law {law.name!r}: nothing is left to fit."
        )
    positions = [law.parameters.index(p) for p in values]
    free = [p for p in law.parameters if p not in values]
    free_positions = [law.parameters.index(p) for p in free]
    function = _WithFixed(law.function, law.n_parameters, positions, values.values())
    jacobian = None
    if law.jacobian is not None:
        jacobian = _WithFixed(
            _FreeColumns(law.jacobian, free_positions),
            law.n_parameters,
            positions,
            values.values(),
        )
    starts = law.starts
    if starts is not None:
        starts = _StartsWithout(starts, values, law.nonlinear)
    minimum = law.minimum
    if isinstance(minimum, str) and minimum in values:
        minimum = values[minimum]
    described = ", ".join(f"{k}={v:g}" for k, v in values.items())
    return Law(
        f"{law.name} ({described})",
        function,
        parameters=free,
        features=law.features,
        bounds={p: law.bounds[p] for p in free},
        linear=[p for p in law.linear if p not in values],
        log_linear=[p for p in law.log_linear if p not in values],
        scale=law.scale,
        weights=law.weights,
        jacobian=jacobian,
        starts=starts,
        domain=law.domain,
        minimum=minimum,
        formula=law.formula and f"{law.formula} with {described}",
    )


# --------------------------------------------------------------------- the curve layout


@dataclass
class _Curves:
    """Rows of many curves laid out as ``(n_curves, longest, ...)`` arrays.

    Short curves are padded with copies of their own first row at weight 0: the law is
    finite there and the rows count for nothing. ``weight`` sums to one over each curve,
    so a curve's cost is the objective it has when fitted alone.
    """

    X: np.ndarray  # (G, m, f)
    z: np.ndarray  # (G, m) target / s
    weight: np.ndarray  # (G, m) w / W_g, 0 on padding
    frequency: np.ndarray  # (G, m) sample weights, 0 on padding
    multiplier: np.ndarray  # (G, m) s / s_g (1 in log space)
    curve_scale: np.ndarray  # (G,) s_g
    share: np.ndarray  # (G,) W_g / W: the curve's weight in the family's objective

    @classmethod
    def build(cls, X, z, frequency, codes, n_curves, scale, curve_scale, log_space):
        order = np.argsort(codes, kind="stable")
        counts = np.bincount(codes, minlength=n_curves)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        longest = int(counts.max())
        position = np.arange(longest)[None, :]
        filled = position < counts[:, None]
        index = order[first[:, None] + np.where(filled, position, 0)]
        frequency = np.where(filled, frequency[index], 0.0)
        totals = frequency.sum(axis=1)
        multiplier = np.ones(n_curves) if log_space else scale / curve_scale
        return cls(
            X=X[index],
            z=z[index],
            weight=frequency / totals[:, None],
            frequency=frequency,
            multiplier=np.repeat(multiplier[:, None], longest, axis=1),
            curve_scale=curve_scale,
            share=totals / totals.sum(),
        )

    def take(self, curves):
        return _Curves(*(getattr(self, f)[curves] for f in self.__dataclass_fields__))

    def rows_of(self, g):
        filled = self.frequency[g] > 0
        return self.X[g][filled], self.z[g][filled], self.frequency[g][filled]


def _law_rows(law, X, params, broadcasts):
    """The law at rows ``X`` (r, f), each with its own parameters ``params`` (r, p)."""
    if broadcasts:
        return law.evaluate(X, params.T)
    # One call per distinct parameter vector, for laws that do not broadcast.
    value = np.empty(X.shape[0])
    unique, inverse = np.unique(params, axis=0, return_inverse=True)
    for k, theta in enumerate(unique):
        at = inverse.ravel() == k
        value[at] = law.evaluate(X[at], theta)
    return value


def _jacobian_rows(law, X, params, value, broadcasts, lower, upper):
    """Derivatives ``(r, p)`` of the law at rows with their own parameters."""
    if broadcasts and law.jacobian is not None:
        jac = np.asarray(law.jacobian(X, *params.T), dtype=float)
        if jac.shape == (X.shape[0], law.n_parameters):
            return jac
    if not broadcasts and law.jacobian is not None:
        jac = np.empty((X.shape[0], law.n_parameters))
        unique, inverse = np.unique(params, axis=0, return_inverse=True)
        for k, theta in enumerate(unique):
            at = inverse.ravel() == k
            jac[at] = law.jacobian_matrix(X[at], theta)
        return jac
    # Central differences, one parameter at a time for every row (one-sided at a bound).
    step = np.finfo(float).eps ** (1.0 / 3.0) * np.maximum(np.abs(params), 1.0)
    jac = np.empty((X.shape[0], law.n_parameters))
    for j in range(law.n_parameters):
        up, down = params.copy(), params.copy()
        up[:, j] = np.minimum(params[:, j] + step[:, j], upper[j])
        down[:, j] = np.maximum(params[:, j] - step[:, j], lower[j])
        span = up[:, j] - down[:, j]
        high = np.where(up[:, j] != params[:, j], _law_rows(law, X, up, broadcasts), value)
        low = np.where(down[:, j] != params[:, j], _law_rows(law, X, down, broadcasts), value)
        jac[:, j] = np.where(span > 0, (high - low) / np.where(span > 0, span, 1.0), 0.0)
    return jac


def _broadcasts_by_row(law, X, thetas):
    """Whether the law takes one parameter vector per row (checked on distinct vectors).

    A law that reduces over a parameter (``np.mean(alpha)``) or converts it to a
    Python float gives other values when its parameters vary by row: compared with one
    call per vector, it is evaluated that way instead.
    """
    k = min(len(thetas), 3)
    rows = np.repeat(np.arange(k), max(1, min(X.shape[0], 8)))
    sample = X[np.arange(rows.size) % X.shape[0]]
    params = thetas[rows]
    try:
        with np.errstate(all="ignore"):
            batched = law.evaluate(sample, params.T)
    except ValueError:
        return False
    with np.errstate(all="ignore"):
        single = np.concatenate([law.evaluate(sample[rows == i], thetas[i]) for i in range(k)])
    return bool(np.allclose(batched, single, rtol=1e-10, atol=0.0, equal_nan=True))


# ------------------------------------------------------------- independent curves, batched


def _batch_problem(settings, curves, owner, prior_center, prior_width):
    """Problems ``b`` on curve ``owner[b]`` as a :class:`BatchProblem` (padded rows)."""
    law = settings.law
    nonlin = _nonlinear_index(law)
    use_prior = settings.alpha > 0 and nonlin.size > 0
    root_alpha = np.sqrt(2.0 * settings.alpha)
    m = curves.X.shape[1]

    def values(thetas, index):
        curve = owner[index]
        X = curves.X[curve].reshape(-1, curves.X.shape[2])
        params = np.repeat(thetas, m, axis=0)
        return _law_rows(law, X, params, settings.broadcasts).reshape(len(index), m), X, params

    def prior(thetas, index):
        curve = owner[index]
        return root_alpha * (thetas[:, nonlin] - prior_center[curve]) / prior_width[curve]

    def residuals(thetas, index):
        value, _, _ = values(thetas, index)
        curve = owner[index]
        data = settings.data_residuals(value, curves.z[curve], curves.multiplier[curve])
        return np.hstack([data, prior(thetas, index)]) if use_prior else data

    def jacobian(thetas, index):
        value, X, params = values(thetas, index)
        curve = owner[index]
        jac = _jacobian_rows(
            law, X, params, value.ravel(), settings.broadcasts, settings.lower, settings.upper
        ).reshape(len(index), m, law.n_parameters)
        if settings.target_space == "log":
            jac = jac / value[:, :, None]
        else:
            jac = jac * curves.multiplier[curve][:, :, None]
        if not use_prior:
            return jac
        rows = np.zeros((len(index), nonlin.size, law.n_parameters))
        rows[:, np.arange(nonlin.size), nonlin] = root_alpha / prior_width[curve]
        return np.concatenate([jac, rows], axis=1)

    return BatchProblem(
        residuals=residuals,
        jacobian=jacobian,
        data_weight=curves.weight[owner],
        lower=settings.lower,
        upper=settings.upper,
        loss=settings.loss,
        f_scale=settings.f_scale,
    )


def _solve_linear(design, target, lower, upper):
    """Bounded least squares ``min |design @ b - target|`` for a stack of small systems.

    ``design`` (k, m, q), ``target`` (k, m). Free solutions inside the bounds are kept;
    the others are solved exactly by scipy's bounded solver, one at a time (as
    :func:`~sklearn_scaling._fitting._law.law_starts` does for one curve).
    """
    # Column scaling keeps the solve accurate when a term is tiny (A / N**alpha).
    norms = np.linalg.norm(design, axis=1)
    norms = np.where(norms > 0, norms, 1.0)
    scaled = design / norms[:, None, :]
    gram = scaled.transpose(0, 2, 1) @ scaled
    rhs = scaled.transpose(0, 2, 1) @ target[:, :, None]
    solution = (np.linalg.pinv(gram, hermitian=True) @ rhs)[:, :, 0] / norms
    outside = np.any((solution < lower) | (solution > upper), axis=1)
    for k in np.flatnonzero(outside):
        solution[k] = (
            lsq_linear(
                scaled[k], target[k], bounds=(lower * norms[k], upper * norms[k]), method="bvls"
            ).x
            / norms[k]
        )
    return solution


def _curve_grids(law, curves, seeds):
    """Each curve's start grid of nonlinear values, padded to one size: (G, K, q)."""
    grids = []
    for g in range(curves.X.shape[0]):
        X, z, w = curves.rows_of(g)
        rng = np.random.default_rng(seeds[g])
        grids.append(_grid(law, X, z, rng, relative_weights(w)))
    return _padded(grids)


def _padded(arrays):
    """Stack arrays of different lengths, each repeating its first row to the longest."""
    longest = max(len(a) for a in arrays)
    return np.stack(
        [np.concatenate([a, np.repeat(a[:1], longest - len(a), axis=0)]) for a in arrays]
    )


def _curve_starts(settings, curves, seeds):
    """Each curve's full start vectors (G, K, p), with its prior's centre and width."""
    law = settings.law
    nonlin = _nonlinear_index(law)
    if settings.target_space == "log" and law.log_linear:
        # Log-linear parameters are solved by the one-curve path's least squares in log
        # space, one curve at a time.
        starts = []
        for g in range(curves.X.shape[0]):
            X, z, _ = curves.rows_of(g)
            weight = curves.weight[g][curves.frequency[g] > 0]
            rng = np.random.default_rng(seeds[g])
            starts.append(law_starts(law, X, z, weight, settings.lower, settings.upper, "log", rng))
        starts = _padded(starts)
        grids = starts[:, :, nonlin]
    else:
        grids = _curve_grids(law, curves, seeds)
        starts = _complete_starts(settings, curves, grids)
    center = np.median(grids, axis=1)
    width = np.ptp(grids, axis=1)
    width = np.where(width > 0, width, np.maximum(np.abs(center), 1.0))
    return np.clip(starts, settings.lower, settings.upper), center, width


def _complete_starts(settings, curves, grids):
    """Full start vectors (G, K, p): each grid point with its linear parameters solved."""
    law = settings.law
    lin, nonlin = _linear_index(law), _nonlinear_index(law)
    n_curves, n_grid, _ = grids.shape
    starts = np.zeros((n_curves, n_grid, law.n_parameters))
    starts[:, :, nonlin] = grids
    # Linear parameters held at a value (a profiled shared one) are not solved for.
    held = settings.lower >= settings.upper
    starts[:, :, held] = settings.lower[held]
    solve = lin[~held[lin]]
    for k in range(n_grid):
        starts[:, k] = _solve_linear_part(settings, curves, starts[:, k], solve)
    return starts


def _solve_linear_part(settings, curves, params, solve):
    """``params`` (G, p) with the linear parameters ``solve`` solved exactly per curve.

    The others (nonlinear ones, and linear ones not in ``solve``) keep their values.
    Curves where the law is not finite get NaN.
    """
    law = settings.law
    params = params.copy()
    if solve.size == 0:
        return params
    n_curves, m = curves.X.shape[:2]
    X = curves.X.reshape(-1, curves.X.shape[2])
    if settings.target_space == "log":
        # The relative error: the first-order term of the log error.
        root = np.sqrt(curves.weight) / np.abs(curves.z)
    else:
        root = np.sqrt(curves.weight) * curves.multiplier
    params[:, solve] = 0.0
    rows = np.repeat(params, m, axis=0)
    with np.errstate(all="ignore"):
        base = _law_rows(law, X, rows, settings.broadcasts).reshape(n_curves, m)
        columns = np.empty((n_curves, m, solve.size))
        for c, index in enumerate(solve):
            unit = rows.copy()
            unit[:, index] = 1.0
            value = _law_rows(law, X, unit, settings.broadcasts).reshape(n_curves, m)
            columns[:, :, c] = value - base
    finite = np.all(np.isfinite(base), axis=1) & np.all(np.isfinite(columns), axis=(1, 2))
    design = np.where(finite[:, None, None], root[:, :, None] * columns, 0.0)
    target = np.where(finite[:, None], root * (curves.z - base), 0.0)
    with np.errstate(all="ignore"):
        solution = _solve_linear(design, target, settings.lower[solve], settings.upper[solve])
    solution[~finite] = np.nan
    params[:, solve] = solution
    return params


def _curve_units(law, scale):
    units = np.ones(law.n_parameters)
    units[_linear_index(law)] = scale
    return units


def _fit_chunk(settings, curves, options, seeds):
    """Independent fits of a chunk of curves, each with its covariance.

    Returns ``coef`` (G, p) in internal units, ``curve_cost`` (G,), ``converged``,
    ``at_bounds`` (G, p), covariances (in units of ``y``), residual scales, nfev.
    """
    law = settings.law
    n_curves = curves.X.shape[0]
    # One seed per curve: a curve's fit does not depend on the chunk it falls in.
    starts, center, width = _curve_starts(settings, curves, seeds)
    n_grid = starts.shape[1]
    flat = starts.reshape(-1, law.n_parameters)
    owner = np.repeat(np.arange(n_curves), n_grid)
    batch = _batch_problem(settings, curves, owner, center, width)
    costs = np.full(flat.shape[0], np.inf)
    usable = np.flatnonzero(np.all(np.isfinite(flat), axis=1))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if usable.size:
            costs[usable] = batch.cost(batch.residuals(flat[usable], usable), usable)
    costs = costs.reshape(n_curves, n_grid)
    span = settings.upper - settings.lower
    span = np.where(np.isfinite(span) & (span > 0), span, 1.0)
    chosen_x, chosen_owner = [], []
    for g in range(n_curves):
        order = np.argsort(costs[g], kind="stable")
        order = order[np.isfinite(costs[g][order])]
        for i in distinct_best(starts[g], order, options["n_starts"], span, 0.1):
            chosen_x.append(starts[g, i])
            chosen_owner.append(g)
    coef = np.zeros((n_curves, law.n_parameters))
    cost = np.full(n_curves, np.inf)
    converged = np.zeros(n_curves, dtype=bool)
    nfev = 0
    if chosen_x:
        chosen_owner = np.array(chosen_owner)
        refine = _batch_problem(settings, curves, chosen_owner, center, width)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if options["final"]:
                max_iter, tol = options["max_nfev"], options["tol"]
            elif options.get("precise"):
                max_iter, tol = min(options["max_nfev"], _PRECISE_ITERATIONS), options["tol"]
            else:
                # Starting points of a shared fit (its candidates and their profile):
                # the joint steps polish them, so a slow crawl along a valley (a robust
                # loss in its linear zone converges only linearly) is cut short here.
                max_iter, tol = min(options["max_nfev"], _COARSE_ITERATIONS), options["coarse_tol"]
            result = solve_batch(refine, np.array(chosen_x), max_iter=max_iter, tol=tol)
        nfev = int(result.n_iter.sum())
        for b in np.argsort(result.cost, kind="stable"):
            g = chosen_owner[b]
            if not np.isfinite(cost[g]) and np.isfinite(result.cost[b]):
                coef[g], cost[g], converged[g] = result.x[b], result.cost[b], result.converged[b]
    covariances, spreads = [], np.full(n_curves, np.nan)
    flags = np.zeros((n_curves, law.n_parameters), dtype=bool)
    if not options["final"]:
        # Starting points of a fit with shared parameters: nothing more is needed.
        return coef, cost, converged, flags, covariances, spreads, nfev, center, width
    # Every curve's residuals and Jacobian at its fit in one evaluation: for the check
    # that it is a minimum, then for its covariance.
    everyone = np.arange(n_curves)
    final = _batch_problem(settings, curves, everyone, center, width)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        residuals = final.residuals(coef, everyone)
        jacobians = final.jacobian(coef, everyone)
    converged &= _stationary(final, settings, coef, cost, residuals, jacobians)
    refitted = np.flatnonzero(~converged)
    for g in refitted:
        # The batch left it unconverged (or found no finite start, or stopped short of
        # a minimum): the one-curve path, with its adaptive refinements, has the last
        # word.
        X, z, w = curves.rows_of(g)
        rng = np.random.default_rng(seeds[g])
        single = fit_law(law, X, z * settings.scale, w, rng=rng, **options["fit"])
        coef[g] = single.x / _curve_units(law, settings.scale)
        cost[g], converged[g] = single.cost, single.converged
        nfev += single.nfev
    if refitted.size:
        # Only the curves refitted alone moved.
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            residuals[refitted] = final.residuals(coef[refitted], refitted)
            jacobians[refitted] = final.jacobian(coef[refitted], refitted)
    # Each curve's covariance (in the family's internal units, then in units of y).
    m = curves.X.shape[1]
    units = _curve_units(law, settings.scale)
    covariances = [None] * n_curves
    alone = np.arange(n_curves)
    if settings.loss in ("squared", "huber"):
        # Curves with no parameter near a bound (none can be held on one) take the
        # sandwich all at once; the others, and any whose Hessian is singular, the
        # one-curve path below, which also finds what is unidentified.
        size = np.maximum(np.abs(coef), 1.0)
        room = settings.upper - settings.lower
        with np.errstate(invalid="ignore", over="ignore"):
            reach = _PRESS_REACH * np.minimum(np.where(np.isfinite(room), room, size), size)
            near = (np.isfinite(settings.lower) & (coef - settings.lower <= reach)) | (
                np.isfinite(settings.upper) & (settings.upper - coef <= reach)
            )
        inner = np.flatnonzero(~near.any(axis=1) & np.all(np.isfinite(coef), axis=1))
        if inner.size:
            r = np.where(curves.frequency[inner] > 0, residuals[inner, :m], 0.0)
            cov, dof, full_rank = _batched_sandwich(
                r,
                jacobians[inner, :m],
                jacobians[inner, m:],
                curves.weight[inner],
                curves.frequency[inner],
                settings.loss,
                settings.f_scale,
            )
            spread = _batched_spread(r, curves.frequency[inner], settings.loss, law.n_parameters)
            p = law.n_parameters
            for k in np.flatnonzero(full_rank):
                g = inner[k]
                covariance = Covariance(
                    cov=cov[k],
                    unidentified=np.zeros(p, dtype=bool),
                    fixed=np.zeros(p, dtype=bool),
                    null_space=np.zeros((p, 0)),
                    dof=float(dof[k]),
                    identified_cov=cov[k].copy(),
                )
                covariance.rescale(units)
                covariances[g] = covariance
                spreads[g] = spread[k] * (
                    1.0 if settings.target_space == "log" else curves.curve_scale[g]
                )
            alone = np.setdiff1d(alone, inner[full_rank])
    for g in alone:
        rows = np.concatenate([curves.frequency[g] > 0, np.ones(residuals.shape[1] - m, bool)])
        frozen = RobustProblem(
            residuals=lambda _, r=residuals[g][rows]: r,
            jacobian=lambda _, j=jacobians[g][rows]: j,
            data_weight=curves.weight[g][curves.frequency[g] > 0],
            lower=settings.lower,
            upper=settings.upper,
            loss=settings.loss,
            f_scale=settings.f_scale,
        )
        w = curves.frequency[g][curves.frequency[g] > 0]
        flags[g] = at_bounds(coef[g], settings.lower, settings.upper, problem=frozen)
        covariance = sandwich_covariance(frozen, coef[g], w, fixed=flags[g])
        covariance.rescale(units)
        covariances[g] = covariance
        n_free = int((~flags[g]).sum())
        spread = residual_scale(frozen.residuals(None)[: w.size], w, settings.loss, n_free)
        spreads[g] = spread * (1.0 if settings.target_space == "log" else curves.curve_scale[g])
    return coef, cost, converged, flags, covariances, spreads, nfev, center, width


#: A curve's batched fit stands if the Gauss-Newton model promises less than this
#: fraction of its cost from one more step (see ``_stationary``).
_STATIONARY_RTOL = 1e-7


def _stationary(problem, settings, coef, cost, r, J):
    """Curves whose fit is a minimum by the Gauss-Newton model, not just a stalled step.

    The batched steps stop when a step lowers the cost by less than the tolerance; in a
    narrow curved valley (a power law's amplitude traded against its exponent over a
    short range of x) tiny damped steps do so far from the minimum. The Newton
    decrement ``g^T H^+ g / 2`` (``H`` the IRLS normal matrix) is the decrease a full
    step would bring; unlike the gradient it does not depend on the parameters' units.
    Parameters pressed on a bound are left out of it. ``r`` and ``J`` are every
    curve's residuals and Jacobian at ``coef`` (``problem`` the batch of all curves).
    """
    ok = np.flatnonzero(np.isfinite(cost) & np.all(np.isfinite(coef), axis=1))
    stationary = np.zeros(coef.shape[0], dtype=bool)
    if not ok.size:
        return stationary
    r, J, theta = r[ok], J[ok], coef[ok]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        weighted = J * _irls_weight(problem, r, ok)[:, :, None]
        normal = weighted.transpose(0, 2, 1) @ J
        gradient = (weighted.transpose(0, 2, 1) @ r[:, :, None])[:, :, 0]
        held = ((theta <= settings.lower) & (gradient > 0)) | (
            (theta >= settings.upper) & (gradient < 0)
        )
        gradient = np.where(held, 0.0, gradient)
        # Unit-diagonal scaling first: an amplitude multiplying x**-alpha at x ~ 1e10
        # has a Jacobian column 1e-15 the size of the exponent's.
        diagonal = np.sqrt(np.abs(np.einsum("gii->gi", normal)))
        unit = np.where(diagonal > 0, 1.0 / np.where(diagonal > 0, diagonal, 1.0), 0.0)
        scaled = np.nan_to_num(normal * unit[:, :, None] * unit[:, None, :])
        scaled_gradient = np.nan_to_num(gradient * unit)
        step = np.linalg.pinv(scaled, rcond=1e-12, hermitian=True) @ scaled_gradient[:, :, None]
        decrement = 0.5 * np.sum(scaled_gradient * step[:, :, 0], axis=1)
    # A decrement that cannot be computed is no evidence against the fit.
    stationary[ok] = ~np.isfinite(decrement) | (decrement <= _STATIONARY_RTOL * np.abs(cost[ok]))
    return stationary


@dataclass
class _Settings:
    law: Law
    loss: str
    f_scale: float
    target_space: str
    alpha: float
    lower: np.ndarray  # bounds in internal units (linear parameters over s)
    upper: np.ndarray
    scale: float  # s
    broadcasts: bool

    def data_residuals(self, value, z, multiplier):
        if self.target_space == "log":
            return np.log(value) - np.log(z)
        return (value - z) * multiplier


def _independent(settings, curves, options, n_jobs, rng):
    """Every curve fitted on its own, in chunks of curves (spread over joblib workers)."""
    n_curves, m = curves.X.shape[:2]
    per_chunk = max(1, _CHUNK_ELEMENTS // (m * 64))
    if n_jobs not in (None, 1):
        # At least one chunk per worker, so the curves spread over all of them.
        per_chunk = min(per_chunk, -(-n_curves // max(abs(int(n_jobs)), 2)))
    slices = [slice(b, b + per_chunk) for b in range(0, n_curves, per_chunk)]
    seeds = rng.integers(np.iinfo(np.int32).max, size=n_curves)
    tasks = [(settings, curves.take(s), options, seeds[s]) for s in slices]
    if len(tasks) > 1 and n_jobs not in (None, 1):
        parts = Parallel(n_jobs=n_jobs)(delayed(_fit_chunk)(*task) for task in tasks)
    else:
        parts = [_fit_chunk(*task) for task in tasks]
    coef, cost, converged, flags = (np.concatenate([p[k] for p in parts]) for k in range(4))
    covariances = [c for p in parts for c in p[4]]
    spreads = np.concatenate([p[5] for p in parts])
    nfev = sum(p[6] for p in parts)
    center = np.concatenate([p[7] for p in parts])
    width = np.concatenate([p[8] for p in parts])
    return coef, cost, converged, flags, covariances, spreads, nfev, center, width


@dataclass
class GroupFit:
    """Outcome of :func:`fit_law_groups`, every parameter in units of ``y``.

    Attributes
    ----------
    coef : ndarray of shape (n_curves, n_parameters)
        Each curve's full parameter vector (shared columns equal).
    cost : float
        The family's objective (module docstring) at ``coef``.
    curve_cost : ndarray of shape (n_curves,)
        Each curve's objective as if fitted alone (its weights summing to one, its own
        unit scale): with no shared parameter, what the curve's own fit minimises.
    converged : ndarray of bool, shape (n_curves,)
    at_bounds : ndarray of bool, shape (n_curves, n_parameters)
    covariances : list of Covariance
        Each curve's parameters' covariance, in units of ``y``; with shared parameters,
        blocks of the joint covariance (the shared block the same for every curve).
    residual_scale : ndarray of shape (n_curves,)
    y_scale : float
    nfev : int
    """

    coef: np.ndarray
    cost: float
    curve_cost: np.ndarray
    converged: np.ndarray
    at_bounds: np.ndarray
    covariances: list
    residual_scale: np.ndarray
    y_scale: float
    nfev: int = 0


# ------------------------------------------------------------------ shared parameters


@dataclass
class _Layout:
    """Where each curve's parameters sit in the free vector ``phi``."""

    n_parameters: int
    shared: np.ndarray  # indices of shared parameters
    own: np.ndarray  # indices of the per-curve ones
    n_curves: int

    @property
    def n_free(self):
        return self.shared.size + self.own.size * self.n_curves

    def positions(self):
        """``(G, p)``: the index in ``phi`` of each curve's each parameter."""
        where = np.empty((self.n_curves, self.n_parameters), dtype=int)
        where[:, self.shared] = np.arange(self.shared.size)
        where[:, self.own] = self.shared.size + np.arange(self.n_curves * self.own.size).reshape(
            self.n_curves, self.own.size
        )
        return where

    def expand(self, phi):
        return phi[self.positions()]

    def pack(self, coef, shared_values):
        phi = np.empty(self.n_free)
        phi[: self.shared.size] = shared_values
        phi[self.shared.size :] = coef[:, self.own].ravel()
        return phi


def _joint_problem(settings, layout, X, z, v, multiplier, codes, share, center, width, dense):
    """The family's objective over ``phi`` as a :class:`RobustProblem`."""
    law = settings.law
    where = layout.positions()
    nonlin = _nonlinear_index(law)
    use_prior = settings.alpha > 0 and nonlin.size > 0
    prior_scale = np.sqrt(2.0 * settings.alpha * share)[:, None] / width if use_prior else None
    n = X.shape[0]
    lower = np.broadcast_to(settings.lower, where.shape).ravel()
    upper = np.broadcast_to(settings.upper, where.shape).ravel()
    bound_low = np.full(layout.n_free, -np.inf)
    bound_high = np.full(layout.n_free, np.inf)
    # Every copy of a parameter has the same bounds: scatter them into phi.
    np.maximum.at(bound_low, where.ravel(), lower)
    np.minimum.at(bound_high, where.ravel(), upper)
    cache = {}

    def value_at(phi):
        key = phi.tobytes()
        if cache.get("key") != key:
            params = layout.expand(phi)[codes]
            cache.update(
                key=key, params=params, value=_law_rows(law, X, params, settings.broadcasts)
            )
        return cache["params"], cache["value"]

    def residuals(phi):
        _, value = value_at(phi)
        data = settings.data_residuals(value, z, multiplier)
        if not use_prior:
            return data
        prior = (layout.expand(phi)[:, nonlin] - center) * prior_scale
        return np.concatenate([data, prior.ravel()])

    def jacobian(phi):
        params, value = value_at(phi)
        rows = _jacobian_rows(
            law, X, params, value, settings.broadcasts, settings.lower, settings.upper
        )
        if settings.target_space == "log":
            rows = rows / value[:, None]
        else:
            rows = rows * multiplier[:, None]
        columns = where[codes]
        row_index = np.repeat(np.arange(n), law.n_parameters)
        parts_row, parts_col, parts_val = [row_index], [columns.ravel()], [rows.ravel()]
        if use_prior:
            g_index, j_index = np.meshgrid(
                np.arange(layout.n_curves), np.arange(nonlin.size), indexing="ij"
            )
            parts_row.append(n + np.arange(g_index.size))
            parts_col.append(where[g_index.ravel(), nonlin[j_index.ravel()]])
            parts_val.append(prior_scale.ravel())
        n_rows = n + (layout.n_curves * nonlin.size if use_prior else 0)
        matrix = sparse.csr_matrix(
            (np.concatenate(parts_val), (np.concatenate(parts_row), np.concatenate(parts_col))),
            shape=(n_rows, layout.n_free),
        )
        return matrix.toarray() if dense else matrix

    return RobustProblem(
        residuals=residuals,
        jacobian=jacobian,
        data_weight=v,
        lower=bound_low,
        upper=bound_high,
        loss=settings.loss,
        f_scale=settings.f_scale,
    )


def _solve_shared(settings, curves, theta, shared, center, width, *, max_iter, tol):
    """Levenberg-Marquardt on the family's objective, the curves' own blocks eliminated.

    The normal matrix of a family is an arrow: a dense block for the shared parameters,
    one small block per curve for its own, and the couplings between them. Each step
    solves it by the Schur complement (as bundle adjustment does): the curves' own
    blocks are inverted in one batched solve, leaving a system in the shared
    parameters only. Robust losses enter through their IRLS weights, bounds through an
    active set and projection, as in :func:`~sklearn_scaling._fitting._batch.solve_batch`.

    Parameters
    ----------
    theta : ndarray of shape (G, p)
        Start, internal units; the shared columns equal.
    shared : ndarray of int

    Returns
    -------
    theta : ndarray of shape (G, p)
    cost : float
    converged : bool
    n_iter : int
    """
    n_curves, p = theta.shape
    own = np.setdiff1d(np.arange(p), shared)
    everyone = np.arange(n_curves)
    problem = _batch_problem(settings, curves, everyone, center, width)
    share = curves.share
    lower, upper = settings.lower, settings.upper

    def evaluate(t):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            r = problem.residuals(t, everyone)
            return r, float(share @ problem.cost(r, everyone))

    theta = np.clip(theta, lower, upper)
    residuals, cost = evaluate(theta)
    damping, converged = 1e-3, False
    eye_o = np.eye(own.size)
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            J = problem.jacobian(theta, everyone)
        weight = _irls_weight(problem, residuals, everyone) * share[:, None]
        weighted = J * weight[:, :, None]
        normal = weighted.transpose(0, 2, 1) @ J  # (G, p, p)
        gradient = (weighted.transpose(0, 2, 1) @ residuals[:, :, None])[:, :, 0]
        gradient[:, shared] = gradient[:, shared].sum(axis=0)
        # Active set: a parameter on a bound that the gradient pushes out takes no step.
        held = ((theta <= lower) & (gradient > 0)) | ((theta >= upper) & (gradient < 0))
        keep = (~held).astype(float)
        normal = normal * keep[:, :, None] * keep[:, None, :]
        gradient = gradient * keep
        A_ss = normal[:, shared][:, :, shared].sum(axis=0)
        A_so = normal[:, shared][:, :, own]  # (G, k, q)
        A_oo = normal[:, own][:, :, own]  # (G, q, q)
        b_s, b_o = gradient[0, shared], gradient[:, own]
        accepted = False
        for _retry in range(10):
            # Marquardt's damping, scaled by each parameter's own curvature; a held
            # parameter (a zero row) gets a unit diagonal, so its step is zero.
            system_oo = A_oo + damping * np.einsum("gi,ij->gij", np.einsum("gii->gi", A_oo), eye_o)
            system_ss = A_ss + damping * np.diag(np.diag(A_ss))
            system_oo[:, eye_o.astype(bool)] += np.einsum("gii->gi", system_oo) == 0
            system_ss[np.diag_indices(shared.size)] += np.diag(system_ss) == 0
            with np.errstate(all="ignore"):
                inv_oo = np.linalg.pinv(system_oo, hermitian=True)
                coupling = A_so @ inv_oo  # (G, k, q)
                schur = system_ss - np.einsum("gkq,gjq->kj", coupling, A_so)
                rhs = b_s - np.einsum("gkq,gq->k", coupling, b_o)
                step_s = -np.linalg.lstsq(schur, rhs, rcond=None)[0]
                step_o = -(inv_oo @ (b_o + np.einsum("gkq,k->gq", A_so, step_s))[:, :, None])[
                    :, :, 0
                ]
            step = np.empty_like(theta)
            step[:, shared] = step_s
            step[:, own] = step_o
            trial = np.clip(theta + step * keep, lower, upper)
            trial[:, shared] = trial[0, shared]
            trial_residuals, trial_cost = evaluate(trial)
            if np.isfinite(trial_cost) and trial_cost < cost:
                decrease = (cost - trial_cost) / max(cost, 1e-300)
                moved = np.max(np.abs(trial - theta) / np.maximum(np.abs(theta), 1e-8))
                theta, residuals, cost = trial, trial_residuals, trial_cost
                damping = max(damping / 3.0, 1e-12)
                accepted = True
                break
            damping *= 4.0
            if damping > 1e12:
                break
        if not accepted or decrease < tol or moved < tol:
            converged = True
            break
    return theta, cost, converged, n_iter


def _rebasin(settings, curves, options, seed, theta, cost, ok, shared, center, width, **joint):
    """Each curve's own multi-start search again, at the joint fit's shared values.

    The joint steps descend locally: a curve whose own parameters sit in a worse basin
    than its starts reach (the profile's starting points are only coarse) stays there.
    Curves whose own search does better are moved, and the joint steps resumed; the
    result is kept only if the family's objective falls.
    """
    everyone = np.arange(theta.shape[0])
    pinned = _pinned(settings, shared, theta[0, shared])
    # Converged, not coarse: a better basin reached only by a long crawl counts too.
    held, _, _, _, _, _, used, _, _ = _independent(
        pinned, curves, {**options, "precise": True}, None, np.random.default_rng(seed)
    )
    problem = _batch_problem(settings, curves, everyone, center, width)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        now = problem.cost(problem.residuals(theta, everyone), everyone)
        then = problem.cost(problem.residuals(held, everyone), everyone)
    better = np.isfinite(then) & (then < now - 1e-12 * np.abs(now))
    if not better.any():
        return theta, cost, ok, used
    start = theta.copy()
    start[better] = held[better]
    moved, moved_cost, moved_ok, steps = _solve_shared(
        settings, curves, start, shared, center, width, **joint
    )
    if moved_cost < cost:
        return moved, moved_cost, moved_ok, used + steps
    return theta, cost, ok, used + steps


def _pinned(settings, index, values):
    """The settings with parameters ``index`` held at ``values`` (both bounds there)."""
    lower, upper = settings.lower.copy(), settings.upper.copy()
    lower[index] = upper[index] = values
    return replace(settings, lower=lower, upper=upper)


def _shared_candidates(coef, share, shared, limit=9):
    """Values of the shared parameters to start from: quantiles of the curves' own fits."""
    columns = []
    for j in shared:
        values = coef[:, j]
        order = np.argsort(values)
        cumulative = np.cumsum(share[order]) - 0.5 * share[order]
        columns.append(np.interp([0.5, 0.25, 0.75], cumulative, values[order]))
    grid = np.array(list(itertools.product(*columns)))
    return np.unique(grid, axis=0)[:limit] if len(grid) > 1 else grid


def _covariance_block(joint, positions, unit):
    """One curve's :class:`Covariance` from the family's joint one."""
    cov = joint.cov[np.ix_(positions, positions)]
    block = Covariance(
        cov=cov.copy(),
        unidentified=joint.unidentified[positions].copy(),
        fixed=joint.fixed[positions].copy(),
        null_space=joint.null_space[positions].copy(),
        dof=joint.dof,
        identified_cov=joint.identified_cov[np.ix_(positions, positions)].copy(),
    )
    block.rescale(unit)
    return block


def _unidentified_everywhere(n_parameters, fixed, dof):
    cov = np.full((n_parameters, n_parameters), np.inf)
    return Covariance(
        cov=cov,
        unidentified=~fixed,
        fixed=fixed,
        null_space=np.eye(n_parameters)[:, ~fixed],
        dof=dof,
        identified_cov=np.zeros((n_parameters, n_parameters)),
    )


# ------------------------------------------------------------------------- the fit


@single_threaded_blas
def fit_law_groups(
    law,
    X,
    y,
    sample_weight,
    codes,
    n_curves,
    *,
    shared=(),
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
):
    """Fit ``law`` to ``n_curves`` curves at once by the objective of the module docstring.

    Parameters
    ----------
    law : Law
        With fixed parameters already removed (:func:`fix_parameters`).
    X : ndarray of shape (n, law.n_features)
    y : ndarray of shape (n,)
    sample_weight : ndarray of shape (n,)
        Positive.
    codes : ndarray of int, shape (n,)
        The curve of each row, ``0 .. n_curves - 1``; every curve has rows.
    n_curves : int
    shared : sequence of str
        Parameters with one value for every curve.
    loss, f_scale, target_space, alpha, bounds, n_starts, max_nfev, tol, n_jobs, rng
        As for :func:`~sklearn_scaling._fitting._law.fit_law`; ``f_scale`` is relative to
        each curve's root mean square in linear target space.

    Returns
    -------
    GroupFit
    """
    from ._law import scaled_bounds, y_scale  # noqa: PLC0415 -- keep imports local

    rng = np.random.default_rng(0) if rng is None else rng
    # The law's own row weights (a recency weighting), per curve as for one curve; then
    # relative frequencies, whatever their total.
    if law.weights is not None:
        sample_weight = sample_weight.copy()
        for g in range(n_curves):
            rows = codes == g
            sample_weight[rows] *= law.row_weights(X[rows])
    sample_weight = relative_weights(sample_weight)
    shared_index = np.array([law.parameters.index(p) for p in shared], dtype=int)
    own_index = np.array([j for j in range(law.n_parameters) if j not in shared_index], dtype=int)
    scale = y_scale(law, X, y, sample_weight)
    homogeneous = scale != 1.0 or is_homogeneous(law, X, y)
    totals = np.bincount(codes, weights=sample_weight, minlength=n_curves)
    if homogeneous:
        curve_scale = np.sqrt(
            np.bincount(codes, weights=sample_weight * y * y, minlength=n_curves) / totals
        )
        curve_scale = np.where(np.isfinite(curve_scale) & (curve_scale > 0), curve_scale, scale)
    else:
        curve_scale = np.ones(n_curves)
    lower, upper = scaled_bounds(law, bounds, scale)
    z = y / scale
    log_space = target_space == "log"
    curves = _Curves.build(X, z, sample_weight, codes, n_curves, scale, curve_scale, log_space)
    settings = _Settings(
        law=law,
        loss=loss,
        f_scale=f_scale,
        target_space=target_space,
        alpha=alpha,
        lower=lower,
        upper=upper,
        scale=scale,
        broadcasts=_broadcasts_by_row(law, X, _probe_vectors(law, X, z, lower, upper)),
    )
    fit_options = dict(
        loss=loss,
        f_scale=f_scale,
        target_space=target_space,
        alpha=alpha,
        bounds=bounds,
        n_starts=n_starts,
        max_nfev=max_nfev,
        tol=tol,
    )
    options = {
        "n_starts": n_starts,
        "max_nfev": max_nfev,
        "tol": tol * 1e-3,
        "coarse_tol": tol,
        "fit": fit_options,
        "final": shared_index.size == 0,
    }
    seed = int(rng.integers(np.iinfo(np.int32).max))
    coef, curve_cost, converged, flags, covariances, spreads, nfev, center, width = _independent(
        settings, curves, options, n_jobs, np.random.default_rng(seed)
    )
    units = _curve_units(law, scale)
    if shared_index.size == 0:
        return GroupFit(
            coef=coef * units,
            cost=float(curves.share @ curve_cost),
            curve_cost=curve_cost,
            converged=converged,
            at_bounds=flags,
            covariances=covariances,
            residual_scale=spreads,
            y_scale=scale,
            nfev=nfev,
        )

    layout = _Layout(law.n_parameters, shared_index, own_index, n_curves)
    v = sample_weight / sample_weight.sum()
    multiplier = np.ones(len(y)) if log_space else (scale / curve_scale)[codes]
    is_sparse = layout.n_free > 500
    problem = _joint_problem(
        settings,
        layout,
        X,
        z,
        v,
        multiplier,
        codes,
        curves.share,
        center,
        width,
        dense=not is_sparse,
    )
    # A coarse profile: every curve refitted from its own starts with the shared
    # parameters held at each candidate (quantiles of the curves' own estimates), so a
    # curved valley (an exponent traded against each curve's scale) cannot trap the
    # joint steps far from the optimum; the best candidates are then refined jointly.
    profiled = []
    for values in _shared_candidates(coef, curves.share, shared_index):
        pinned = _pinned(settings, shared_index, values)
        held, held_cost, _, _, _, _, used, _, _ = _independent(
            pinned, curves, options, None, np.random.default_rng(seed)
        )
        nfev += used
        total = float(curves.share @ held_cost)
        if np.isfinite(total):
            profiled.append((total, held))
    profiled.sort(key=lambda item: item[0])
    best = None
    for _, theta0 in profiled[: max(1, min(n_starts, 2))]:
        theta, cost, ok, used = _solve_shared(
            settings, curves, theta0, shared_index, center, width, max_iter=max_nfev, tol=tol
        )
        nfev += used
        if best is None or cost < best[1]:
            best = (theta, cost, ok)
    if best is None:
        raise ValueError(
            f"law {law.name!r}: no shared value of {list(shared)} gives a finite cost over "
            "every curve; check the law's bounds against the curves."
        )
    theta, cost, ok = best
    theta, cost, ok, used = _rebasin(
        settings,
        curves,
        options,
        seed,
        theta,
        cost,
        ok,
        shared_index,
        center,
        width,
        max_iter=max_nfev,
        tol=tol,
    )
    nfev += used
    phi = layout.pack(theta, theta[0, shared_index])
    free_flags = at_bounds(phi, problem.lower, problem.upper, problem=problem)
    positions = layout.positions()
    full = layout.expand(phi)
    with np.errstate(all="ignore"):
        residuals = problem.residuals(phi)[: len(y)]
    if layout.n_free <= MAX_JOINT_COVARIANCE:
        dense_problem = _joint_problem(
            settings, layout, X, z, v, multiplier, codes, curves.share, center, width, dense=True
        )
        joint = sandwich_covariance(dense_problem, phi, sample_weight, fixed=free_flags)
        covariances = [_covariance_block(joint, positions[g], units) for g in range(n_curves)]
    else:
        warnings.warn(
            f"{layout.n_free} free parameters: their joint covariance is not formed "
            f"(more than {MAX_JOINT_COVARIANCE}); standard errors are inf.",
            UserWarning,
            stacklevel=3,
        )
        covariances = [
            _unidentified_everywhere(law.n_parameters, free_flags[positions[g]], np.inf)
            for g in range(n_curves)
        ]
    curve_cost = np.empty(n_curves)
    for g in range(n_curves):
        rows = codes == g
        w_g = sample_weight[rows] / totals[g]
        curve_cost[g] = w_g @ loss_value(residuals[rows], loss, f_scale)
        spread = residual_scale(residuals[rows], sample_weight[rows], loss, own_index.size)
        spreads[g] = spread * (1.0 if log_space else curve_scale[g])
    if alpha > 0:
        prior = problem.residuals(phi)[len(y) :].reshape(n_curves, -1)
        curve_cost += 0.5 * np.sum(prior**2, axis=1) / curves.share
    return GroupFit(
        coef=full * units,
        cost=float(cost),
        curve_cost=curve_cost,
        converged=np.full(n_curves, bool(ok)),
        at_bounds=free_flags[positions],
        covariances=covariances,
        residual_scale=spreads,
        y_scale=scale,
        nfev=nfev,
    )


def _probe_vectors(law, X, z, lower, upper):
    """Three distinct parameter vectors inside the bounds, to check row broadcasting."""
    values = law.start_values(X, z)
    thetas = np.empty((3, law.n_parameters))
    for j, name in enumerate(law.parameters):
        if name in values:
            v = np.sort(values[name])
            thetas[:, j] = [v[0], v[len(v) // 2], v[-1]]
        else:
            thetas[:, j] = [0.5, 1.0, 2.0]
    return np.clip(thetas, lower, upper)


# ------------------------------------------------------------ covariances of many curves


def _rowwise_quantiles(values, weights, levels):
    """:func:`~sklearn_scaling._fitting._engine.weighted_quantile` of every row at once.

    ``values`` and ``weights`` are ``(G, m)``; rows of weight 0 count for nothing, as if
    absent (they must be finite). Returns ``(G, len(levels))``.
    """
    order = np.argsort(values, axis=1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=1)
    edges = np.cumsum(np.take_along_axis(weights, order, axis=1), axis=1)
    position = (edges[:, -1:] - 1.0) * np.asarray(levels, dtype=float)[None, :]
    low = np.floor(position)
    last = values.shape[1] - 1

    def value_at(index):
        # numpy.searchsorted(side="right") in every row: the edges at or below index.
        where = np.minimum((edges[:, None, :] <= index[:, :, None]).sum(axis=2), last)
        return np.take_along_axis(ordered, where, axis=1)

    below = value_at(low)
    return below + (position - low) * (value_at(low + 1.0) - below)


def _batched_sandwich(r, J, Q, v, w, loss, f_scale):
    """:func:`~sklearn_scaling._fitting._covariance.sandwich_from_residuals` of many curves at once.

    For curves with no parameter held on a bound and the squared or Huber loss (whose
    mean curvature has a closed form); padding rows have ``v = w = 0``. ``r`` is
    ``(G, m)``, ``J`` ``(G, m, p)``, ``Q`` ``(G, k, p)``. Returns the covariances
    ``(G, p, p)``, the degrees of freedom ``(G,)`` and whether each curve's Hessian is
    of full rank (the others need the one-curve path, which finds their null space).
    """
    n_curves, m, p = J.shape
    w = w / w.max(axis=1, keepdims=True)
    w = w / np.maximum(np.where(w > 0, w, np.inf).min(axis=1, keepdims=True), 1e-300)
    slope, _ = loss_derivatives(r, loss, f_scale)
    real = w > 0
    if loss == "squared":
        curvature = np.ones(n_curves)
    else:
        # The n_free smallest |residuals| were fitted, not drawn: out of the density.
        n_real = real.sum(axis=1)
        kept = real.copy()
        drop = n_real - p >= max(p, 5)
        smallest = np.argsort(np.where(real, np.abs(r), np.inf), axis=1, kind="stable")[:, :p]
        kept[np.flatnonzero(drop)[:, None], smallest[drop]] = False
        wk, vk = np.where(kept, w, 0.0), np.where(kept, v, 0.0)
        center, q1, q3 = _rowwise_quantiles(r, wk, [0.5, 0.25, 0.75]).T
        total = wk.sum(axis=1)
        spread = np.sqrt(np.sum(wk * (r - center[:, None]) ** 2, axis=1) / total)
        scale = np.minimum(spread, (q3 - q1) / 1.349)
        scale = np.where(scale == 0, spread, scale)
        h = 0.9 * scale * total**-0.2
        smooth = np.isfinite(h) & (h > 0)
        safe_h = np.where(smooth, h, 1.0)[:, None]
        _, plain = loss_derivatives(r, loss, f_scale)
        curvature = np.where(
            smooth,
            huber_curvature(r, vk, f_scale, safe_h),
            np.sum(vk * plain, axis=1) / vk.sum(axis=1),
        )
    weighted = J * v[:, :, None]
    hessian = curvature[:, None, None] * (weighted.transpose(0, 2, 1) @ J)
    hessian += Q.transpose(0, 2, 1) @ Q
    factor = np.divide(v * slope, np.sqrt(w), out=np.zeros_like(v), where=real)
    score = J * factor[:, :, None]
    meat = score.transpose(0, 2, 1) @ score
    n_rows = w.sum(axis=1)
    diagonal = np.sqrt(np.abs(np.einsum("gii->gi", hessian)))
    unit = np.where(diagonal > 0, 1.0 / np.where(diagonal > 0, diagonal, 1.0), 0.0)
    outer = unit[:, :, None] * unit[:, None, :]
    values, vectors = np.linalg.eigh(hessian * outer)
    largest = np.maximum(values.max(axis=1, keepdims=True), 1e-300)
    full_rank = np.all(values > RCOND * largest, axis=1) & np.all(diagonal > 0, axis=1)
    safe = np.where(values > 0, values, 1.0)
    inverse = ((vectors / safe[:, None, :]) @ vectors.transpose(0, 2, 1)) * outer
    with np.errstate(over="ignore", invalid="ignore"):
        cov = inverse @ meat @ inverse
    dof = n_rows - p
    usable = (dof > 0) & np.all(np.isfinite(cov), axis=(1, 2))
    cov = np.where(
        usable[:, None, None], cov * (n_rows / np.where(usable, dof, 1.0))[:, None, None], np.inf
    )
    return cov, np.where(usable, dof, np.minimum(dof, 0)), full_rank


def _batched_spread(r, w, loss, n_params):
    """:func:`~sklearn_scaling._fitting._law.residual_scale` of many curves (padding ``w = 0``)."""
    w = w / w.max(axis=1, keepdims=True)
    w = w / np.maximum(np.where(w > 0, w, np.inf).min(axis=1, keepdims=True), 1e-300)
    if loss == "squared":
        dof = np.maximum(w.sum(axis=1) - n_params, 1.0)
        return np.sqrt(np.sum(w * r * r, axis=1) / dof)
    center = _rowwise_quantiles(r, w, [0.5])
    return 1.4826 * _rowwise_quantiles(np.abs(r - center), w, [0.5])[:, 0]
