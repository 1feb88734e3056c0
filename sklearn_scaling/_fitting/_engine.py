"""Fitting engine: robust, regularised, multi-start least squares over scipy.optimize.

Nothing here knows about scikit-learn or about any particular law. A law's fitting
module describes its objective as a :class:`RobustProblem` -- data residuals, prior
residuals and their Jacobian -- and this module minimises

.. math::

    \\mathrm{cost}(\\theta) = \\sum_i v_i \\, \\tfrac12 f^2 \\rho\\big((r_i / f)^2\\big)
                        + \\tfrac12 \\sum_j q_j(\\theta)^2

where ``r`` are the data residuals with weights ``v``, ``rho`` a loss of the registry in
:mod:`sklearn_scaling._fitting._losses`, ``f`` the loss scale and ``q`` the prior residuals.
"""

import functools
import warnings
from dataclasses import dataclass, replace

import numpy as np
from joblib import Parallel, delayed
from scipy.optimize import least_squares
from threadpoolctl import ThreadpoolController

from ._losses import LOSSES, is_signed, loss_derivatives, loss_value, signed_residuals

__all__ = [
    "CHUNK_ELEMENTS",
    "MultiStartResult",
    "at_bounds",
    "chunks",
    "cost_gradient",
    "distinct_best",
    "single_threaded_blas",
    "RobustProblem",
    "minimize_multistart",
    "penalty_residual",
    "rank_starts",
    "weighted_quantile",
]


#: Elements (rows x starts) of one chunk of a vectorised pass over starts: 2 MB a array.
CHUNK_ELEMENTS = 2**18


def single_threaded_blas(function):
    """Decorator running ``function`` with BLAS limited to one thread.

    The fits factorise many tiny matrices (rows x at most 14 columns); there BLAS
    threads only add synchronisation, which costs up to 50x on a loaded 2-core
    machine. Parallelism comes from joblib over starts instead.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with _threadpool_controller().limit(limits=1, user_api="blas"):
            return function(*args, **kwargs)

    return wrapper


@functools.cache
def _threadpool_controller():
    # Inspecting the loaded BLAS libraries takes ~10 ms; do it once per process.
    return ThreadpoolController()


def weighted_quantile(values, quantiles, weights=None):
    """Quantiles with NumPy's default (linear) rule, generalised to sample weights.

    A row of integer weight ``k`` counts exactly as ``k`` repeated rows, so results with
    weights equal those on the expanded data; with unit weights it equals
    :func:`numpy.quantile`.

    Parameters
    ----------
    values : ndarray of shape (n,)
    quantiles : float or ndarray
        Levels in ``[0, 1]``.
    weights : ndarray of shape (n,) or None
        Non-negative weights.

    Returns
    -------
    q : float or ndarray

    Examples
    --------
    >>> import numpy as np
    >>> weighted_quantile(np.array([1.0, 2.0, 4.0]), 0.5, np.array([1.0, 1.0, 2.0]))
    3.0
    >>> float(np.quantile([1.0, 2.0, 4.0, 4.0], 0.5))
    3.0
    """
    values = np.asarray(values, dtype=float)
    if weights is None:
        return np.quantile(values, quantiles)
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    upper_edges = np.cumsum(np.asarray(weights, dtype=float)[order])
    total = upper_edges[-1]
    # Position on the expanded data, as numpy's linear rule: h = (n - 1) q.
    position = (total - 1.0) * np.asarray(quantiles, dtype=float)
    low = np.floor(position)
    frac = position - low

    def value_at(index):
        # Expanded index k holds the value whose weight block covers [k, k + 1).
        where = np.searchsorted(upper_edges, index, side="right")
        return sorted_values[np.clip(where, 0, len(sorted_values) - 1)]

    result = value_at(low) + frac * (value_at(low + 1.0) - value_at(low))
    return float(result) if np.ndim(result) == 0 else result


def penalty_residual(value, gradient, strength):
    """Residual ``q`` with ``q**2 / 2 == strength * value`` and its gradient.

    Priors such as ``strength * softplus(z)`` are not squares; writing them as
    ``sqrt(2 * strength * value)`` lets a least-squares solver minimise them exactly.

    Parameters
    ----------
    value : float
        The non-negative penalty ``g(theta)``.
    gradient : ndarray of shape (n_params,)
        Gradient of ``g``.
    strength : float
        Non-negative multiplier.

    Returns
    -------
    residual : float
    row : ndarray of shape (n_params,)

    Examples
    --------
    >>> import numpy as np
    >>> q, row = penalty_residual(2.0, np.array([1.0, 0.0]), 0.25)
    >>> q, row.tolist()
    (1.0, [0.25, 0.0])
    """
    residual = np.sqrt(2.0 * strength * max(value, 0.0))
    if residual <= 0.0:
        return 0.0, np.zeros_like(gradient)
    return float(residual), strength * gradient / residual


@dataclass
class RobustProblem:
    """A robust, regularised least-squares problem.

    Attributes
    ----------
    residuals : callable
        ``residuals(theta) -> ndarray (n_data + n_prior,)``: data residuals first.
    jacobian : callable
        ``jacobian(theta) -> ndarray (n_data + n_prior, n_params)``.
    data_weight : ndarray of shape (n_data,)
        Weights ``v`` of the data residuals in the cost.
    lower, upper : ndarray of shape (n_params,)
        Box bounds (``-inf``/``inf`` where unbounded).
    loss : str
        A key of :data:`sklearn_scaling._fitting._losses.LOSSES`.
    f_scale : float
        Loss scale, in the units of the data residuals.
    batch_cost : callable or None
        ``batch_cost(thetas) -> ndarray (n_thetas,)``: the cost of many parameter
        vectors in one vectorised pass, used to rank starts.
    """

    residuals: object
    jacobian: object
    data_weight: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    loss: str = "squared"
    f_scale: float = 1.0
    batch_cost: object = None

    @property
    def n_data(self):
        return self.data_weight.shape[0]

    def cost_from_residuals(self, residuals):
        n = self.n_data
        data = loss_value(residuals[:n], self.loss, self.f_scale)
        return float(self.data_weight @ data + 0.5 * residuals[n:] @ residuals[n:])

    def cost(self, theta):
        with np.errstate(all="ignore"):
            residuals = self.residuals(theta)
            if not np.all(np.isfinite(residuals)):
                return np.inf
            # Finite residuals can still overflow in the loss; that cost is inf too.
            return self.cost_from_residuals(residuals)


@dataclass
class MultiStartResult:
    """Outcome of :func:`minimize_multistart`.

    Attributes
    ----------
    x : ndarray of shape (n_params,)
        The best parameters found.
    cost : float
        Their cost.
    nfev : int
        Residual evaluations over all local refinements.
    converged : bool
        Whether the refinement that produced ``x`` met a tolerance (rather than
        running out of ``max_nfev``).
    start_costs : ndarray of shape (n_refined,)
        Cost reached from each refined start, best first.
    start_x : ndarray of shape (n_refined, n_params)
        The point reached from each refined start, in the same order.
    """

    x: np.ndarray
    cost: float
    nfev: int
    converged: bool
    start_costs: np.ndarray
    start_x: np.ndarray


def _least_squares_loss(problem):
    """The loss callable for least_squares: robust on data, plain square on priors."""
    n, weight, f2 = problem.n_data, problem.data_weight, problem.f_scale**2
    rho = LOSSES[problem.loss]
    # Chain rule for z / f2 inside rho, times the weights: fixed for the whole fit.
    data_scale = np.stack([weight * f2, weight, weight / f2])

    def loss(z):
        out = np.empty((3, z.shape[0]))
        out[:, :n] = rho(z[:n] / f2) * data_scale
        out[0, n:] = z[n:]
        out[1, n:] = 1.0
        out[2, n:] = 0.0
        return out

    return loss


def _refine(problem, x0, max_nfev, tolerance):
    """Refine from ``x0``; a robust loss far in its linear zone starts at a wider scale.

    When the start's residuals are many loss scales wide (a Huber fit with f_scale 1e-3
    on log residuals of 0.3), the robust loss is in effect absolute error there, whose
    Gauss-Newton model is poor: the trust region shrinks and the solver stops in the
    curved valley of a correlated pair (a power law's amplitude and exponent) at its
    start (measured: 26 of 60 pure power laws fitted in log space stayed at their start
    exponent, train R^2 down to -31). A first refinement with the loss scale at the
    residuals' median size (a continuation) reaches the valley's floor; the final one,
    on the true loss from there, is then local.
    """
    if problem.loss != "squared":
        with np.errstate(all="ignore"):
            start = np.asarray(problem.residuals(x0), dtype=float)[: problem.n_data]
        # The weighted median, the weights as frequencies (a row of weight k is k rows).
        weight = problem.data_weight
        positive = weight > 0
        if positive.any() and np.all(np.isfinite(start)):
            # Largest divided out first, so a weight 1e300 times another cannot overflow.
            frequency = weight / weight.max()
            frequency = frequency / max(float(frequency[positive].min()), 1e-300)
            spread = float(weighted_quantile(np.abs(start), 0.5, frequency))
        else:
            spread = 0.0
        if np.isfinite(spread) and spread > _CONTINUATION * problem.f_scale:
            wide = replace(problem, f_scale=spread)
            x_wide, cost_wide, nfev_wide, _ = _refine_on(wide, x0, max_nfev, tolerance)
            if problem.cost(x_wide) <= problem.cost(x0):
                x, cost, nfev, ok = _refine_on(problem, x_wide, max_nfev, tolerance)
                return x, cost, nfev + nfev_wide, ok
    return _refine_on(problem, x0, max_nfev, tolerance)


# A robust loss starts at a wider scale when the start's median residual exceeds this
# many loss scales (see _refine).
_CONTINUATION = 10.0


def _refine_on(problem, x0, max_nfev, tolerance):
    if problem.loss == "squared":
        # Plain squares need no loss callable: fold sqrt(v) into the data rows instead.
        with np.errstate(all="ignore"):
            scale = np.ones(len(problem.residuals(x0)))
        scale[: problem.n_data] = np.sqrt(problem.data_weight)

        def fun(theta):
            return scale * problem.residuals(theta)

        def jac(theta):
            return scale[:, None] * problem.jacobian(theta)

        loss = "linear"
    elif is_signed(problem.loss):
        # An asymmetric loss is plain least squares on signed residuals (see _losses).
        n, root = problem.n_data, np.sqrt(problem.data_weight)

        def fun(theta):
            residuals = np.array(problem.residuals(theta), dtype=float)
            residuals[:n] = root * signed_residuals(residuals[:n], problem.loss, problem.f_scale)[0]
            return residuals

        def jac(theta):
            slope = signed_residuals(problem.residuals(theta)[:n], problem.loss, problem.f_scale)[1]
            jacobian = np.array(problem.jacobian(theta), dtype=float)
            jacobian[:n] *= (root * slope)[:, None]
            return jacobian

        loss = "linear"
    else:
        fun, jac, loss = problem.residuals, problem.jacobian, _least_squares_loss(problem)

    best = {"x": np.asarray(x0, dtype=float)}

    def finite_jac(theta):
        # A Jacobian beyond the float range (a law of X in tiny units, a power beyond
        # 1e308) has no step to offer: stop this refinement at the last point whose
        # Jacobian was finite rather than let scipy fail with its bare message.
        value = np.asarray(jac(theta), dtype=float)
        # The solver squares the Jacobian's columns: entries beyond 1e150 overflow there.
        if not np.all(np.abs(value) < _JACOBIAN_LIMIT):
            raise _NonFiniteJacobian
        best["x"] = np.array(theta, dtype=float)
        return value

    with np.errstate(all="ignore"), warnings.catch_warnings():
        # Trial steps may overflow; least_squares rejects non-finite steps itself.
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            result = _least_squares(fun, x0, finite_jac, problem, loss, max_nfev, tolerance)
        except _NonFiniteJacobian:
            return best["x"], problem.cost(best["x"]), max_nfev or 0, False
        except ValueError as exc:
            # scipy's own check of its internal arrays: the same overflow, caught later.
            if "infs or NaNs" not in str(exc):
                raise
            return best["x"], problem.cost(best["x"]), max_nfev or 0, False
    return result.x, problem.cost(result.x), result.nfev, result.status > 0


# Residuals beyond this overflow when squared (the square root of the largest double).
_SQUARE_LIMIT = 1e154

# Largest Jacobian entry a refinement takes: its square stays far inside the float range.
_JACOBIAN_LIMIT = 1e150


class _NonFiniteJacobian(ArithmeticError):
    """Raised inside a refinement whose Jacobian left the float range."""


def _least_squares(fun, x0, jac, problem, loss, max_nfev, tolerance):
    return least_squares(
        fun,
        x0,
        jac=jac,
        bounds=(problem.lower, problem.upper),
        method="trf",
        loss=loss,
        x_scale="jac",
        max_nfev=max_nfev,
        ftol=tolerance,
        xtol=tolerance,
        gtol=tolerance,
    )


def chunks(n_items, n_rows, max_elements=CHUNK_ELEMENTS):
    """Slices over ``n_items`` so that one chunk's items x rows stays below ``max_elements``.

    Vectorised passes over many starts build (rows, starts) arrays; taking the starts a
    chunk at a time keeps memory linear in the rows with a small constant.

    Examples
    --------
    >>> chunks(5, n_rows=100, max_elements=200)
    [slice(0, 2, None), slice(2, 4, None), slice(4, 6, None)]
    """
    step = max(1, max_elements // max(n_rows, 1))
    return [slice(begin, begin + step) for begin in range(0, n_items, step)]


def rank_starts(problem, starts):
    """Costs of many starts (within the bounds), in chunks so memory stays linear in rows."""
    if problem.batch_cost is None:
        return np.array([problem.cost(s) for s in starts])
    costs = np.empty(len(starts))
    with np.errstate(all="ignore"):
        for chunk in chunks(len(starts), problem.n_data):
            costs[chunk] = problem.batch_cost(starts[chunk])
    costs[~np.isfinite(costs)] = np.inf
    return costs


def distinct_best(starts, order, n_pick, width, min_separation=0.0):
    """Indices of the best-ranked starts that lie apart from each other.

    Walks ``order`` (best first) and keeps a start only if its distance to every start
    already kept exceeds ``min_separation``, measuring distance as the largest change of
    any parameter divided by that parameter's ``width``. Neighbouring starts of a dense
    candidate set usually descend into the same minimum; spending the refinements on
    starts apart from each other makes it likelier that one of them finds a better one.

    Parameters
    ----------
    starts : ndarray of shape (n_starts, n_params)
    order : ndarray of int
        Start indices, best first.
    n_pick : int
    width : ndarray of shape (n_params,)
        Scale of each parameter, e.g. the width of its bounds.
    min_separation : float, default=0.0
        0 only drops exact duplicates.

    Returns
    -------
    chosen : list of int

    Examples
    --------
    >>> import numpy as np
    >>> starts = np.array([[0.0], [0.01], [0.5], [0.0]])
    >>> distinct_best(starts, np.arange(4), 2, np.ones(1))
    [0, 1]
    >>> distinct_best(starts, np.arange(4), 2, np.ones(1), min_separation=0.1)
    [0, 2]
    """
    threshold = max(min_separation, 1e-12)
    chosen = []
    for index in order:
        apart = np.max(np.abs(starts[chosen] - starts[index]) / width, axis=1) > threshold
        if np.all(apart):
            chosen.append(int(index))
            if len(chosen) == n_pick:
                break
    return chosen


def _describe_non_finite(problem, starts):
    """Say what was non-finite at the starts, so the user knows what to change.

    The data residuals are the law's value minus the target: when they are not finite the
    law itself overflowed (or is undefined) at the data, which the bounds or the domain
    of ``X`` decide; when only the prior residuals are not finite, a prior strength is;
    when every residual is finite the loss overflowed, which the loss scale decides.
    """
    n_data, kinds = problem.n_data, set()
    example = None
    largest = 0.0
    for index, start in enumerate(starts):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                residuals = np.asarray(problem.residuals(start), dtype=float)
            except (ArithmeticError, ValueError):
                kinds.add("error")
                continue
        data, prior = residuals[:n_data], residuals[n_data:]
        if not np.all(np.isfinite(data)):
            kinds.add("data")
            if example is None:
                row = int(np.flatnonzero(~np.isfinite(data))[0])
                example = (index, row, float(data[row]))
        elif not np.all(np.isfinite(prior)):
            kinds.add("prior")
        elif np.max(np.abs(data), initial=0.0) > _SQUARE_LIMIT:
            # The residuals themselves are too large to square: y's (or the law's)
            # size, not the loss scale, is what overflows.
            kinds.add("size")
            largest = max(largest, float(np.max(np.abs(data))))
        else:
            kinds.add("loss")
    n = len(starts)
    parts = []
    if "data" in kinds:
        start, row, value = example
        parts.append(
            "the law's value (the data residuals, law minus target) is not finite "
            f"(e.g. {value!r} at row {row} from start {start}): the law overflowed or is "
            "undefined at the data, so check the domain of X and the parameter bounds"
        )
    if "prior" in kinds:
        parts.append("the prior residuals are not finite: lower the prior strengths")
    if "size" in kinds:
        parts.append(
            f"the residuals (law minus target) reach {largest:.3g}, whose squares overflow "
            "the loss: y (or the law's value) is too large in these units; divide y by its "
            "typical size, or fit target_space='log'"
        )
    if "loss" in kinds:
        parts.append(
            "every residual is finite but the robust loss of them is not: the loss scale "
            "f_scale is too small or too large for these residuals"
        )
    if "error" in kinds:
        parts.append("evaluating the residuals raised an arithmetic error")
    return f"at the {n} start(s), " + "; ".join(parts) + "."


def cost_gradient(problem, theta):
    """Gradient and Gauss-Newton curvature of ``problem``'s cost at ``theta``.

    Returns
    -------
    gradient : ndarray of shape (p,)
    curvature : ndarray of shape (p, p)
        ``J^T diag(v l'') J + Q^T Q``: the curvature of the loss's quadratic model.
    """
    n = problem.n_data
    with np.errstate(all="ignore"):
        residuals = np.asarray(problem.residuals(theta), dtype=float)
        jac = np.asarray(problem.jacobian(theta), dtype=float)
        first, second = loss_derivatives(residuals[:n], problem.loss, problem.f_scale)
        slope = problem.data_weight * first
        weight = problem.data_weight * second
        gradient = jac[:n].T @ slope + jac[n:].T @ residuals[n:]
        curvature = (jac[:n].T * weight) @ jac[:n] + jac[n:].T @ jac[n:]
    return gradient, curvature


# How near a bound (relative to the parameter's size) the gradient's test looks.
_PRESS_REACH = 1e-2


def _pressed_outward(problem, x, lower, upper):
    """Parameters whose bound binds: the cost falls beyond it, by the gradient's test.

    At a bounded minimum the gradient of a parameter on its bound points out of the
    box (its KKT multiplier is positive) and the local quadratic model's minimiser lies
    beyond the bound. A solver stops a hair inside an active bound (chinchilla's alpha
    1.00066 of 1), so nearness alone misses it, while a fraction of the bound's width
    flags fits nowhere near a bound many decades wide. The test here: the gradient
    points outward by more than rounding of the largest gradient, and the Gauss-Newton
    step (on the directions the curvature identifies, with the parameters found binding
    held, as an active set) crosses the bound.
    """
    size = np.maximum(np.abs(x), 1.0)
    # Only a parameter within a percent of its own size (or of the bound's width, if
    # smaller) of a bound can be pressed on it: in a flat valley the Gauss-Newton step
    # of a loosely converged fit can cross a bound far away, which does not hold it.
    with np.errstate(invalid="ignore", over="ignore"):
        reach = _PRESS_REACH * np.minimum(
            np.where(np.isfinite(upper - lower), upper - lower, size), size
        )
        near_low = np.isfinite(lower) & (x - lower <= reach)
        near_high = np.isfinite(upper) & (upper - x <= reach)
    if not (near_low.any() or near_high.any()):
        # Nothing is near a bound (the common case): no gradient needed.
        return np.zeros(x.shape, dtype=bool)
    gradient, curvature = cost_gradient(problem, x)
    if not (np.all(np.isfinite(gradient)) and np.all(np.isfinite(curvature))):
        return np.zeros(x.shape, dtype=bool)
    # Rounding level of the gradient, per unit relative move of each parameter.
    noise = 1e-8 * max(float(np.max(np.abs(gradient) * size)), 1e-300)
    outward_low = near_low & (gradient * size > noise)
    outward_high = near_high & (-gradient * size > noise)
    diagonal = np.sqrt(np.abs(np.diag(curvature)))
    unit = np.where(diagonal > 0, 1.0 / np.where(diagonal > 0, diagonal, 1.0), 0.0)
    held = np.zeros(x.shape, dtype=bool)
    for _ in range(x.size):
        free = ~held & (diagonal > 0)
        step = np.zeros_like(x)
        if free.any():
            # Unit-diagonal scaling, and no step along directions the data leave flat.
            scaled = curvature[np.ix_(free, free)] * np.outer(unit[free], unit[free])
            step[free] = -unit[free] * (
                np.linalg.pinv(scaled, rcond=1e-10, hermitian=True) @ (unit[free] * gradient[free])
            )
        crosses = (outward_low & (x + step <= lower)) | (outward_high & (x + step >= upper))
        crosses &= ~held & (diagonal > 0)
        if not crosses.any():
            break
        held |= crosses
    return held


def at_bounds(x, lower, upper, rtol=1e-6, problem=None):
    """Which parameters end on a finite bound: within ``rtol`` of it, or pressed on it.

    A parameter within ``rtol`` of a bound, relative to the smaller of the bound's
    width and ``max(1, |x|)`` (a millionth of the parameter's own size, so a bound many
    decades wide does not flag a fit nowhere near it), is on it. With ``problem``, so
    is one whose bound binds by the gradient's test (see :func:`_pressed_outward`): the
    cost falls beyond the bound, however far inside it the solver stopped.

    Parameters
    ----------
    x, lower, upper : ndarray of shape (n_params,)
    rtol : float, default=1e-6
    problem : RobustProblem or None
        The problem ``x`` minimises; None judges by distance alone.

    Returns
    -------
    mask : ndarray of bool, shape (n_params,)

    Examples
    --------
    >>> import numpy as np
    >>> at_bounds(np.array([0.0, 1.0 - 1e-9, 5.0]), np.zeros(3), np.array([1.0, 1.0, np.inf]))
    array([ True,  True, False])
    >>> at_bounds(np.array([5.0]), np.array([1e-10]), np.array([1e10]))
    array([False])
    """
    x, lower, upper = (np.asarray(v, dtype=float) for v in (x, lower, upper))
    width = upper - lower
    with np.errstate(invalid="ignore", over="ignore"):
        size = np.maximum(1.0, np.abs(x))
        scale = np.where(np.isfinite(width), np.minimum(width, size), size)
        near_low = np.isfinite(lower) & (x - lower <= rtol * scale)
        near_high = np.isfinite(upper) & (upper - x <= rtol * scale)
    near = near_low | near_high
    if problem is not None:
        near |= _pressed_outward(problem, x, lower, upper)
    return near


def minimize_multistart(
    problem,
    starts,
    *,
    n_refine=4,
    min_separation=0.0,
    max_nfev=None,
    tolerance=1e-8,
    n_jobs=None,
    refine_many=None,
):
    """Rank candidate starts in one pass, refine the best few, keep the best.

    Parameters
    ----------
    problem : RobustProblem
    starts : ndarray of shape (n_starts, n_params)
        Candidate starting points; they are clipped into the bounds.
    n_refine : int, default=4
        How many of the best-ranked distinct starts get a local least-squares
        refinement.
    min_separation : float, default=0.0
        How far apart (as a fraction of each parameter's bound width, or in its own
        units where unbounded) the refined starts must be; see :func:`distinct_best`.
    max_nfev : int or None
        Residual evaluations allowed to each refinement (None: scipy's default).
    tolerance : float, default=1e-8
        ``ftol``, ``xtol`` and ``gtol`` of each refinement.
    n_jobs : int or None
        Refinements run in parallel through joblib when more than one job is allowed.
    refine_many : callable or None
        ``refine_many(starts) -> (x, cost, nfev, converged)``, arrays over the rows of
        ``starts``: refines all chosen starts at once (the batched engine,
        :func:`~sklearn_scaling._fitting._batch.solve_batch`), which for small problems costs
        about one scipy refinement. None refines each start with ``least_squares``.

    Returns
    -------
    MultiStartResult

    Raises
    ------
    ValueError
        When no start gives a finite cost; the message says whether the law's value
        (the data residuals), the priors or the loss was not finite.
    """
    starts = np.clip(np.atleast_2d(np.asarray(starts, dtype=float)), problem.lower, problem.upper)
    costs = rank_starts(problem, starts)
    order = np.argsort(costs, kind="stable")
    order = order[np.isfinite(costs[order])]
    if order.size == 0:
        raise ValueError(
            "no starting point gives a finite cost: " + _describe_non_finite(problem, starts)
        )
    width = problem.upper - problem.lower
    width = np.where(np.isfinite(width) & (width > 0), width, 1.0)
    chosen = distinct_best(starts, order, n_refine, width, min_separation)
    if refine_many is None:
        refined = Parallel(n_jobs=n_jobs)(
            delayed(_refine)(problem, starts[i], max_nfev, tolerance) for i in chosen
        )
    else:
        refined = list(zip(*refine_many(starts[chosen]), strict=True))
    # A refinement can only help: fall back to its start if it made things worse.
    candidates = [
        (cost, x, nfev, ok) if cost <= costs[i] else (costs[i], starts[i], nfev, ok)
        for i, (x, cost, nfev, ok) in zip(chosen, refined, strict=True)
    ]
    candidates.sort(key=lambda item: item[0])
    best_cost, best_x, _, best_ok = candidates[0]
    return MultiStartResult(
        x=np.asarray(best_x, dtype=float),
        cost=float(best_cost),
        nfev=int(sum(item[2] for item in candidates)),
        converged=bool(best_ok),
        start_costs=np.array([item[0] for item in candidates]),
        start_x=np.array([item[1] for item in candidates]),
    )
