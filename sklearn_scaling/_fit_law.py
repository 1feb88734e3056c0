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
:func:`~sklearn_scaling._engine.minimize_multistart` on the true objective.
"""

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.optimize import lsq_linear

from ._engine import MultiStartResult, RobustProblem, minimize_multistart, single_threaded_blas

__all__ = ["LawFit", "fit_law", "law_problem", "law_starts", "y_scale"]

#: Largest start grid searched; larger declared grids are subsampled at random.
MAX_GRID = 4096

# Declared linear parameters are checked to be linear at the first start to this
# relative tolerance (a law that is not would be "solved" wrongly, silently).
_LINEARITY_RTOL = 1e-6


@dataclass
class LawFit(MultiStartResult):
    """:class:`~sklearn_scaling._engine.MultiStartResult` of a law, with its unit scale.

    Attributes
    ----------
    y_scale : float
        ``s``: the fit was solved on ``y / s``; ``x`` is already back in units of ``y``.
    """

    y_scale: float = 1.0


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
    """``s`` of the module docstring: RMS of ``y`` for laws that scale with their linear part."""
    if not is_homogeneous(law, X, y):
        return 1.0
    scale = float(np.sqrt(np.average(y * y, weights=sample_weight)))
    return scale if np.isfinite(scale) and scale > 0 else 1.0


def _grid(law, X, y, rng):
    values = law.start_values(X, y)
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
    grid = _grid(law, X, z, rng)
    lin, nonlin = _linear_index(law), _nonlinear_index(law)
    starts = np.empty((len(grid), law.n_parameters))
    starts[:, nonlin] = grid
    if lin.size == 0:
        return starts
    root = np.sqrt(data_weight) / (np.abs(z) if target_space == "log" else 1.0)
    lin_lower, lin_upper = lower[lin], upper[lin]
    bounded = bool(np.any(np.isfinite(lin_lower)) or np.any(np.isfinite(lin_upper)))
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
        target = root * (z - base)
        # Column scaling keeps the solve accurate when a term is tiny (A / N**alpha).
        norms = np.linalg.norm(design, axis=0)
        norms[norms == 0.0] = 1.0
        if bounded:
            solution = lsq_linear(
                design / norms, target, bounds=(lin_lower * norms, lin_upper * norms), method="bvls"
            ).x
        else:
            solution = np.linalg.lstsq(design / norms, target, rcond=None)[0]
        starts[i, lin] = solution / norms
        finite[i] = True
    if not finite.any():
        raise ValueError(
            f"law {law.name!r}: its function gives non-finite values at every start; "
            "check the starts, bounds and domain of the law against the data."
        )
    return starts[finite]


def law_problem(
    law,
    X,
    z,
    sample_weight,
    *,
    loss,
    f_scale,
    target_space,
    alpha,
    lower,
    upper,
    prior_center,
    prior_width,
):
    """The objective of the module docstring on the scaled target ``z`` as a RobustProblem."""
    data_weight = sample_weight / sample_weight.sum()
    nonlin = _nonlinear_index(law)
    root_alpha = np.sqrt(2.0 * alpha)
    n_prior = nonlin.size if alpha > 0 else 0
    prior_rows = np.zeros((n_prior, law.n_parameters))
    prior_rows[np.arange(n_prior), nonlin[:n_prior]] = root_alpha / prior_width[:n_prior]
    log_space = target_space == "log"
    log_z = np.log(z) if log_space else None

    def prior(theta):
        if n_prior == 0:
            return np.empty(0)
        return root_alpha * (theta[nonlin] - prior_center) / prior_width

    def residuals(theta):
        value = law.evaluate(X, theta)
        data = np.log(value) - log_z if log_space else value - z
        return np.concatenate([data, prior(theta)])

    def jacobian(theta):
        value = law.evaluate(X, theta) if log_space or law.jacobian is None else None
        jac = law.jacobian_matrix(X, theta, value)
        if log_space:
            jac = jac / value[:, None]
        return np.vstack([jac, prior_rows])

    return RobustProblem(
        residuals=residuals,
        jacobian=jacobian,
        data_weight=data_weight,
        lower=lower,
        upper=upper,
        loss=loss,
        f_scale=f_scale,
    )


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
        A key of :data:`sklearn_scaling._losses.LOSSES`.
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
    n_jobs : int or None
    rng : numpy.random.Generator or None
        Subsamples start grids larger than :data:`MAX_GRID`.

    Returns
    -------
    LawFit
    """
    sample_weight = np.ones_like(y) if sample_weight is None else sample_weight
    rng = np.random.default_rng(0) if rng is None else rng
    scale = y_scale(law, X, y, sample_weight)
    z = y / scale
    lower, upper = scaled_bounds(law, bounds, scale)
    data_weight = sample_weight / sample_weight.sum()
    starts = law_starts(law, X, z, data_weight, lower, upper, target_space, rng)
    nonlin = _nonlinear_index(law)
    spread = starts[:, nonlin]
    center = np.median(spread, axis=0)
    width = np.ptp(spread, axis=0)
    width = np.where(width > 0, width, np.maximum(np.abs(center), 1.0))
    problem = law_problem(
        law,
        X,
        z,
        sample_weight,
        loss=loss,
        f_scale=f_scale,
        target_space=target_space,
        alpha=alpha,
        lower=lower,
        upper=upper,
        prior_center=center,
        prior_width=width,
    )
    result = minimize_multistart(
        problem,
        starts,
        n_refine=n_starts,
        min_separation=0.1,
        max_nfev=max_nfev,
        tolerance=tol,
        n_jobs=n_jobs,
    )
    lin = _linear_index(law)
    x = result.x.copy()
    x[lin] *= scale
    start_x = result.start_x.copy()
    start_x[:, lin] *= scale
    return LawFit(
        x=x,
        cost=result.cost,
        nfev=result.nfev,
        converged=result.converged,
        start_costs=result.start_costs,
        start_x=start_x,
        y_scale=scale,
    )
