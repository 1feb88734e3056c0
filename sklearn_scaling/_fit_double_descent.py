"""Objective, priors and starts of the double-descent law (seed 000), for the engine.

The objective is seed 000's: inverse-density weighted robust loss plus five gentle
priors, each with its own strength (all multiplied by one ``alpha``):

* ``amplitude``: ``A_up**2 + A_dn**2 + s**2`` -- keep amplitudes and width moderate;
* ``order``: ``softplus(A_up - A_dn)`` -- prefer a bump that ends lower than it starts;
* ``separation``: ``softplus(0.3 s - d)`` -- keep the two sigmoids apart;
* ``range``: ``softplus(x_min - c1) + softplus(c2 - x_max)`` -- keep the centres in the data;
* ``tail``: ``mean(max(pred, 0)) + softplus(b0 + A_up - A_dn)`` -- scores stay below 0.

Unlike the seed, ``b0`` is a parameter of the optimisation rather than a weighted mean
recomputed at each step, so the objective reached is never above the seed's at the
same centres and widths.
"""

import numpy as np
from scipy.special import expit

from ._batch import BatchProblem, solve_batch
from ._covariance import sandwich_covariance
from ._engine import (
    RobustProblem,
    at_bounds,
    chunks,
    minimize_multistart,
    penalty_residual,
    single_threaded_blas,
    weighted_quantile,
)
from ._losses import loss_value
from .laws import (
    double_descent,
    double_descent_jacobian,
    double_descent_shape,
    double_descent_sigmoids,
    inverse_softplus,
    softplus,
)

__all__ = [
    "DEFAULT_PENALTIES",
    "READABLE_PARAMS",
    "double_descent_covariance",
    "double_descent_refits",
    "density_weights",
    "fit_double_descent",
    "mad_scale",
    "shape_gradient",
]

#: Seed 000's prior strengths.
DEFAULT_PENALTIES = {
    "amplitude": 3e-4,
    "order": 1.5e-4,
    "separation": 2e-4,
    "range": 1e-4,
    "tail": 1e-5,
}

# Scales whose squares stay well inside the float range (the objective squares them).
_SQUARABLE = (1e-150, 1e150)

# Raw softplus-parameters stay in the seed's box: amplitudes and widths up to ~8.
_RAW_BOUND = 8.0

_UNIT = np.eye(6)

# Refined starts differ by at least a tenth of a bound's width in some parameter: on 400
# random laws (benchmarks/bench_starts.py) two such starts miss the best minimum a third
# less often than the two best-ranked starts, which are often neighbours in one basin.
_START_SEPARATION = 0.1


def density_weights(x, sample_weight):
    """Seed 000's inverse-density weights over quantile bins of ``x``.

    Rows in crowded compute ranges count less, so a cluster of small models does not
    dominate the fit. With sample weights, bins are weighted quantiles and counts are
    weight sums, so a row of weight ``k`` acts as ``k`` repeated rows.

    Parameters
    ----------
    x : ndarray of shape (n,)
    sample_weight : ndarray of shape (n,)
        Positive weights.

    Returns
    -------
    density : ndarray of shape (n,)
        ``1 / (weight in the row's bin)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.r_[np.zeros(30), np.linspace(1, 2, 10)]
    >>> w = density_weights(x, np.ones(40))
    >>> bool(w[0] < w[-1])
    True
    """
    total = float(np.sum(sample_weight))
    n_bins = min(20, max(8, int(np.floor(total + 1e-9)) // 25))
    edges = weighted_quantile(x, np.linspace(0.0, 1.0, n_bins + 1), sample_weight)
    edges[0] -= 1e-9
    edges[-1] += 1e-9
    bins = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, n_bins - 1)
    counts = np.bincount(bins, weights=sample_weight, minlength=n_bins)
    return 1.0 / counts[bins]


def mad_scale(y, sample_weight):
    """Seed 000's loss scale ``1.4826 * MAD(y)``, with a fallback relative to ``y``.

    When the MAD vanishes (more than half the weight on one value) the scale falls back
    to ``1.2533`` times the mean absolute deviation from the median (both estimate the
    standard deviation of normal noise), so it keeps the units of ``y``: seed 000 used
    an absolute 0.1 there (and below a MAD of 1e-8), which swamps targets of tiny spread.
    A MAD counts as vanished when it is at the rounding level of ``y``'s magnitude.
    Only a constant ``y`` gets 1.0 (there is nothing to scale; estimators reject it).

    Examples
    --------
    >>> import numpy as np
    >>> round(mad_scale(np.array([0.0, 1.0, 2.0, 3.0, 10.0]), np.ones(5)), 4)
    1.4826
    >>> float(mad_scale(1e-12 * np.array([0.0, 1.0, 2.0, 3.0, 10.0]), np.ones(5)))
    1.4826e-12
    >>> round(mad_scale(np.array([0.0, 0.0, 0.0, 1.0]), np.ones(4)), 4)
    0.3133
    """
    median = weighted_quantile(y, 0.5, sample_weight)
    deviation = np.abs(y - median)
    mad = weighted_quantile(deviation, 0.5, sample_weight)
    rounding = 8.0 * np.finfo(float).eps * float(np.max(np.abs(y)))
    if mad > rounding:
        return 1.4826 * mad
    mean_deviation = float(np.average(deviation, weights=sample_weight))
    return 1.2533 * mean_deviation if mean_deviation > rounding else 1.0


def _batch_priors(params, x_min, x_max, positive_mean, strengths, sign):
    shape = double_descent_shape(params)
    separation = shape["c2"] - shape["c1"]
    return (
        strengths["amplitude"] * (shape["A_up"] ** 2 + shape["A_dn"] ** 2 + shape["s"] ** 2)
        + strengths["order"] * softplus(shape["A_up"] - shape["A_dn"])
        + strengths["separation"] * softplus(0.3 * shape["s"] - separation)
        + strengths["range"] * (softplus(x_min - shape["c1"]) + softplus(shape["c2"] - x_max))
        + strengths["tail"]
        * (positive_mean + softplus(sign * (shape["b0"] + shape["A_up"] - shape["A_dn"])))
    )


def _prior_residuals(theta, pred, jac, row_share, x_min, x_max, strengths, sign):
    """Prior residuals ``q`` (``sum q**2 / 2`` equals the priors) and their Jacobian.

    ``sign`` is -1 when the bump law is fitted to ``-y`` (the 'dip' shape): the tail
    prior then applies to the real prediction ``-pred``.
    """
    shape = double_descent_shape(theta)
    s, ksp = shape["s"], shape["ksp"]
    unit = _UNIT
    # The softplus slopes of the raw A_up, A_dn, s and k in one call.
    slope_aup, slope_adn, slope_s, slope_k = expit(theta[[1, 2, 4, 5]])
    d_aup = slope_aup * unit[1]
    d_adn = slope_adn * unit[2]
    d_s = slope_s * unit[4]
    d_separation = (1.0 + ksp) * d_s + s * slope_k * unit[5]
    root = np.sqrt(2.0 * strengths["amplitude"])

    # The five softplus priors (order, separation, range twice, tail level) as one vector
    # of arguments z with gradients dz.
    z = np.array(
        [
            shape["A_up"] - shape["A_dn"],
            -s * (0.7 + ksp),
            x_min - shape["c1"],
            shape["c2"] - x_max,
            sign * (shape["b0"] + shape["A_up"] - shape["A_dn"]),
        ]
    )
    dz = np.array(
        [
            d_aup - d_adn,
            -0.7 * d_s - (d_separation - d_s),
            -unit[3] + 0.5 * d_separation,
            unit[3] + 0.5 * d_separation,
            sign * (unit[0] + d_aup - d_adn),
        ]
    )
    strength = np.array(
        [
            strengths["order"],
            strengths["separation"],
            strengths["range"],
            strengths["range"],
            strengths["tail"],
        ]
    )
    q_softplus = np.sqrt(2.0 * strength * softplus(z))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(q_softplus > 0.0, strength * expit(z) / q_softplus, 0.0)

    real_pred, real_jac = sign * pred, sign * jac
    positive = real_pred > 0.0
    q_positive, row_positive = penalty_residual(
        float(row_share @ np.where(positive, real_pred, 0.0)),
        (row_share * positive) @ real_jac,
        strengths["tail"],
    )
    values = np.concatenate(
        [root * np.array([shape["A_up"], shape["A_dn"], s]), q_softplus, [q_positive]]
    )
    rows = np.vstack([root * np.array([d_aup, d_adn, d_s]), scale[:, None] * dz, row_positive])
    return values, rows


def double_descent_problem(
    x,
    y,
    sample_weight,
    *,
    loss="huber",
    f_scale="mad",
    density_weighting=True,
    strengths=None,
    b0_bounds=(-np.inf, np.inf),
    sign=1.0,
):
    """The seed 000 objective on ``(x, y)`` as a :class:`RobustProblem`.

    The defaults are seed 000's objective (``DoubleDescentRegressor``'s defaults).

    Parameters
    ----------
    x, y : ndarray of shape (n,)
    sample_weight : ndarray of shape (n,)
        Positive weights; they multiply the density weights.
    loss : str, default='huber'
    f_scale : 'mad' or float, default='mad'
        'mad' is :func:`mad_scale` of ``y``.
    density_weighting : bool, default=True
    strengths : dict or None, default=None
        Prior strengths keyed as :data:`DEFAULT_PENALTIES`, already multiplied by alpha;
        None for :data:`DEFAULT_PENALTIES`.
    b0_bounds : tuple of float, default=(-inf, inf)
    sign : float, default=1.0
        -1 when ``y`` is the negated target of a 'dip' fit (see :func:`_prior_residuals`).

    Returns
    -------
    problem : RobustProblem
    """
    if isinstance(f_scale, str) and f_scale == "mad":
        f_scale = mad_scale(y, sample_weight)
    strengths = DEFAULT_PENALTIES if strengths is None else strengths
    weight = sample_weight * (density_weights(x, sample_weight) if density_weighting else 1.0)
    data_weight = weight / weight.sum()
    # The tail prior's mean(max(pred, 0)) is a plain (not density-weighted) mean.
    row_share = sample_weight / sample_weight.sum()
    x_min, x_max = float(x.min()), float(x.max())

    cache = {}

    def evaluate(theta):
        # least_squares asks for residuals and Jacobian at the same point: compute once.
        key = theta.tobytes()
        if key not in cache:
            cache.clear()
            pred, jac = double_descent_jacobian(x, theta, return_value=True)
            priors, rows = _prior_residuals(
                theta, pred, jac, row_share, x_min, x_max, strengths, sign
            )
            cache[key] = (np.concatenate([pred - y, priors]), np.vstack([jac, rows]))
        return cache[key]

    def residuals(theta):
        return evaluate(np.asarray(theta, dtype=float))[0]

    def jacobian(theta):
        return evaluate(np.asarray(theta, dtype=float))[1]

    def batch_cost(thetas):
        pred = double_descent(x, thetas)
        data = data_weight @ loss_value(pred - y[:, None], loss, f_scale)
        positive_mean = row_share @ np.maximum(sign * pred, 0.0)
        return data + _batch_priors(thetas, x_min, x_max, positive_mean, strengths, sign)

    lower = np.array(
        [b0_bounds[0], -_RAW_BOUND, -_RAW_BOUND, x_min - 0.2, -_RAW_BOUND, -_RAW_BOUND]
    )
    upper = np.array([b0_bounds[1], _RAW_BOUND, _RAW_BOUND, x_max + 0.2, _RAW_BOUND, _RAW_BOUND])
    return RobustProblem(
        residuals=residuals,
        jacobian=jacobian,
        data_weight=data_weight,
        lower=lower,
        upper=upper,
        loss=loss,
        f_scale=f_scale,
        batch_cost=batch_cost,
    )


def candidate_starts(x, y, data_weight, b0_bounds, rng, n_random=48):
    """Starts over a grid of centres, widths and separations, linear part solved.

    For each candidate shape ``(c0, s, k)`` the law is linear in ``b0`` and the two
    amplitudes; those come from one batched weighted least-squares solve, with the
    amplitudes then clipped to the non-negative range the law allows.
    """
    x_range = max(float(x.max() - x.min()), 1e-6)
    centres = weighted_quantile(x, np.linspace(0.05, 0.95, 10), data_weight)
    widths = x_range * np.array([0.04, 0.08, 0.15, 0.25, 0.4])
    spreads = np.array([0.25, 1.0, 3.0])
    grid = np.array(np.meshgrid(centres, widths, spreads, indexing="ij")).reshape(3, -1).T
    random = np.column_stack(
        [
            rng.uniform(x.min(), x.max(), n_random),
            x_range * np.exp(rng.uniform(np.log(0.03), np.log(0.5), n_random)),
            np.exp(rng.uniform(np.log(0.1), np.log(5.0), n_random)),
        ]
    )
    shapes = np.vstack([grid, random])
    max_width = float(softplus(_RAW_BOUND))
    s_raw = inverse_softplus(np.clip(shapes[:, 1] - 1e-3, 1e-4, max_width))
    k_raw = inverse_softplus(np.clip(shapes[:, 2], 1e-4, max_width))

    starts = np.zeros((len(shapes), 6))
    starts[:, 3], starts[:, 4], starts[:, 5] = shapes[:, 0], s_raw, k_raw
    for chunk in chunks(len(starts), len(x)):
        starts[chunk, :3] = _linear_part(x, y, data_weight, starts[chunk], b0_bounds)
    return starts


def _linear_part(x, y, data_weight, starts, b0_bounds):
    """``[b0, A_up_raw, A_dn_raw]`` of each start, by a weighted solve given its shape."""
    sig_up, sig_dn = double_descent_sigmoids(x, starts)
    basis = np.stack([np.ones_like(sig_up), sig_up, -sig_dn], axis=-1)  # (n, S, 3)
    weighted = basis * data_weight[:, None, None]
    gram = np.einsum("nsi,nsj->sij", weighted, basis) + 1e-10 * np.eye(3)
    rhs = np.einsum("nsi,n->si", weighted, y)
    coef = np.linalg.solve(gram, rhs[..., None])[..., 0]
    min_amp, max_amp = float(softplus(-_RAW_BOUND)) * 1.01, float(softplus(_RAW_BOUND)) * 0.99
    amp_up = np.clip(coef[:, 1], min_amp, max_amp)
    amp_dn = np.clip(coef[:, 2], min_amp, max_amp)
    level = data_weight @ (y[:, None] - amp_up * sig_up + amp_dn * sig_dn)
    return np.column_stack(
        [np.clip(level, *b0_bounds), inverse_softplus(amp_up), inverse_softplus(amp_dn)]
    )


@single_threaded_blas
def fit_double_descent(
    x,
    y,
    sample_weight=None,
    *,
    shape="bump",
    loss="huber",
    f_scale="mad",
    density_weighting=True,
    strengths=None,
    b0_bounds=(-np.inf, np.inf),
    prior_units="y",
    n_starts=2,
    max_nfev=1000,
    tol=1e-6,
    n_jobs=None,
    rng=None,
):
    """Fit the double-descent law to one target.

    Parameters
    ----------
    x, y : ndarray of shape (n,)
    sample_weight : ndarray of shape (n,) or None
    shape : {'bump', 'dip'}
        A 'dip' is the bump law fitted to ``-y``, then mirrored back.
    loss : str
    f_scale : 'mad' or float
    density_weighting : bool
    strengths : dict or None
        Prior strengths (alpha already applied); None for :data:`DEFAULT_PENALTIES`.
    b0_bounds : tuple of float
    prior_units : {'y', 'f_scale'}
        'y' (seed 000) states the priors in units of ``y``. 'f_scale' fits
        ``y / f_scale`` and scales the law back, so the priors are in units of the loss
        scale and the fit of ``c * y`` is ``c`` times the fit of ``y`` (with 'mad').
    n_starts : int
        Local refinements from the best-ranked candidate starts.
    max_nfev : int
    tol : float
        ``ftol``, ``xtol`` and ``gtol`` of each local refinement.
    n_jobs : int or None
    rng : numpy.random.Generator or None

    Returns
    -------
    result : MultiStartResult
        With extra attributes ``f_scale``, the loss scale used, in units of ``y``, and
        ``at_bounds``, a boolean mask of the parameters that end on a bound. Its
        ``cost`` is that of the problem solved: of ``y / f_scale`` when
        ``prior_units='f_scale'``.
    """
    if sample_weight is None:
        sample_weight = np.ones_like(y)
    strengths = DEFAULT_PENALTIES if strengths is None else strengths
    scale = mad_scale(y, sample_weight) if f_scale == "mad" else float(f_scale)
    if prior_units == "y" and not _SQUARABLE[0] < scale < _SQUARABLE[1]:
        raise ValueError(
            f"DoubleDescentRegressor with prior_units='y' states its priors and loss scale "
            f"in absolute units of y; a loss scale of {scale:.3g} (the spread of y) is "
            "beyond what the objective can square in floating point. Set "
            "prior_units='f_scale', which fits y in units of its own spread (the fit of "
            "c * y is then c times the fit of y), or rescale y."
        )
    unit = scale if prior_units == "f_scale" else 1.0
    sign = 1.0 if shape == "bump" else -1.0
    y = sign * y / unit
    b0_bounds = tuple(sorted(sign * np.asarray(b0_bounds, dtype=float) / unit))
    problem = double_descent_problem(
        x,
        y,
        sample_weight,
        loss=loss,
        f_scale=scale / unit,
        density_weighting=density_weighting,
        strengths=strengths,
        b0_bounds=b0_bounds,
        sign=sign,
    )
    rng = np.random.default_rng(0) if rng is None else rng
    starts = candidate_starts(x, y, problem.data_weight, b0_bounds, rng)
    result = minimize_multistart(
        problem,
        starts,
        n_refine=n_starts,
        min_separation=_START_SEPARATION,
        max_nfev=max_nfev,
        tolerance=tol,
        n_jobs=n_jobs,
    )
    # Bounds are checked in the space they were imposed in: before the scaling back,
    # since the raw box holds the raw parameters of the problem solved.
    result.at_bounds = at_bounds(result.x, problem.lower, problem.upper, problem=problem)
    # What the covariance needs: the problem solved, its solution, and the units of y.
    result.problem = problem
    result.internal_x = result.x.copy()
    result.unit, result.sign = unit, sign
    if unit != 1.0:
        result.x = _scale_linear_part(result.x, unit)
    result.x[0] *= sign
    result.f_scale = scale
    return result


def _scale_linear_part(params, factor):
    """Raw parameters of ``factor`` times the law of ``params``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_scaling.laws import double_descent
    >>> p, x = np.array([-0.5, 0.3, -0.2, 1.0, -1.0, 0.5]), np.linspace(-1, 3, 5)
    >>> scaled = _scale_linear_part(p, 1e-3)
    >>> bool(np.allclose(double_descent(x, scaled), 1e-3 * double_descent(x, p)))
    True
    """
    scaled = np.array(params, dtype=float)
    scaled[0] *= factor
    scaled[1:3] = inverse_softplus(factor * softplus(scaled[1:3]))
    return scaled


# ----------------------------------------------------------------- uncertainty


def coef_derivative(internal_x, unit, sign):
    """Diagonal of d coef / d theta: the fit's solution ``theta`` in units of the problem
    solved (``sign * y / unit``) against the raw parameters of the law of ``y``.

    Only ``b0`` and the raw amplitudes change with the units (see
    :func:`_scale_linear_part`): ``b0 -> sign * unit * b0`` and ``A_raw ->
    inverse_softplus(unit * softplus(A_raw))``, whose slope is ``unit * expit(A_raw) /
    expit(A_raw')``.
    """
    derivative = np.ones(6)
    derivative[0] = sign * unit
    if unit != 1.0:
        scaled = _scale_linear_part(internal_x, unit)
        derivative[1:3] = unit * expit(internal_x[1:3]) / expit(scaled[1:3])
    return derivative


def double_descent_covariance(result, sample_weight):
    """Sandwich covariance of a :func:`fit_double_descent` result, in units of ``coef_``.

    Computed on the problem the fit minimised (seed 000's objective with its priors and
    density weights, in units of ``y / f_scale`` for ``prior_units='f_scale'``) at its
    solution, parameters on a bound held, then carried to the raw parameters of the law
    of ``y`` by the (diagonal) derivative of that change of units.
    """
    covariance = sandwich_covariance(
        result.problem, result.internal_x, sample_weight, fixed=result.at_bounds
    )
    covariance.rescale(coef_derivative(result.internal_x, result.unit, result.sign))
    # A negative unit (the 'dip' sign) must not turn the infinities of unidentified
    # parameters into -inf off the diagonal.
    covariance.cov[covariance.unidentified, :] = np.inf
    covariance.cov[:, covariance.unidentified] = np.inf
    return covariance


#: The readable parameters of ``DoubleDescentRegressor.params_``, in order.
READABLE_PARAMS = ("b0", "A_up", "A_dn", "c1", "c2", "s_left", "s_right")


def shape_gradient(coef):
    """Gradient of the readable parameters with respect to the six raw ones: (7, 6).

    The derivative of :func:`~sklearn_scaling.laws.double_descent_shape`, rows in the
    order of :data:`READABLE_PARAMS`.

    Examples
    --------
    >>> import numpy as np
    >>> coef = np.array([-0.5, 0.3, -0.2, 1.0, -1.0, 0.5])
    >>> step = 1e-6 * np.eye(6)
    >>> def readable(p):
    ...     shape = double_descent_shape(p)
    ...     return np.array([shape[name] for name in READABLE_PARAMS])
    >>> numeric = np.column_stack(
    ...     [(readable(coef + h) - readable(coef - h)) / 2e-6 for h in step])
    >>> bool(np.allclose(shape_gradient(coef), numeric, atol=1e-8))
    True
    """
    coef = np.asarray(coef, dtype=float)
    shape = double_descent_shape(coef)
    s, ksp, g = shape["s"], shape["ksp"], shape["g"]
    slope_aup, slope_adn, slope_s, slope_k = expit(coef[[1, 2, 4, 5]])
    d_s = slope_s * _UNIT[4]
    d_k = slope_k * _UNIT[5]
    d_separation = (1.0 + ksp) * d_s + s * d_k
    d_g = d_k / (4.0 * g)
    return np.vstack(
        [
            _UNIT[0],
            slope_aup * _UNIT[1],
            slope_adn * _UNIT[2],
            _UNIT[3] - 0.5 * d_separation,
            _UNIT[3] + 0.5 * d_separation,
            g * d_s + s * d_g,
            d_s / g - s * d_g / (g * g),
        ]
    )


# ----------------------------------------------------------------- batched refits


def _batch_shape(thetas):
    """:func:`double_descent_shape` of ``(k, 6)`` parameters as ``(k, 1)`` columns."""
    shape = double_descent_shape(thetas)
    return {name: np.asarray(value, dtype=float)[:, None] for name, value in shape.items()}


def _clipped_sigmoid(z):
    # As the law's: clipped at +-60 so values match double_descent to the last bit.
    return 1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))


def _batch_values(x, thetas):
    """The bump law at ``(k, 6)`` parameters: ``(k, n)``."""
    return double_descent(x, thetas).T


def _batch_jacobian(x, thetas):
    """:func:`double_descent_jacobian` (bump) of ``(k, 6)`` parameters: (k, n) and (k, n, 6)."""
    shape = _batch_shape(thetas)
    s, ksp, g = shape["s"], shape["ksp"], shape["g"]
    x = x[None, :]
    dx = x - (shape["c1"] + shape["c2"]) / 2.0
    z_up = (x - shape["c1"]) / shape["s_left"]
    z_dn = (x - shape["c2"]) / shape["s_right"]
    sig_up, sig_dn = _clipped_sigmoid(z_up), _clipped_sigmoid(z_dn)
    slope_up = np.where(np.abs(z_up) < 60.0, sig_up * (1.0 - sig_up), 0.0)
    slope_dn = np.where(np.abs(z_dn) < 60.0, sig_dn * (1.0 - sig_dn), 0.0)
    a_up, a_dn = shape["A_up"], shape["A_dn"]
    dg_dk = 1.0 / (4.0 * g)
    dzup_ds = -dx / (s * s * g)
    dzdn_ds = -dx * g / (s * s)
    dzup_dk = -dx / (s * g * g) * dg_dk + 1.0 / (2.0 * g) - (1.0 + ksp) / (2.0 * g * g) * dg_dk
    dzdn_dk = dx / s * dg_dk - g / 2.0 - (1.0 + ksp) / 2.0 * dg_dk
    slopes = expit(thetas[:, [1, 2, 4, 5]])
    jac = np.empty((thetas.shape[0], x.shape[1], 6))
    jac[:, :, 0] = 1.0
    jac[:, :, 1] = slopes[:, [0]] * sig_up
    jac[:, :, 2] = -slopes[:, [1]] * sig_dn
    jac[:, :, 3] = -a_up * slope_up / shape["s_left"] + a_dn * slope_dn / shape["s_right"]
    jac[:, :, 4] = (a_up * slope_up * dzup_ds - a_dn * slope_dn * dzdn_ds) * slopes[:, [2]]
    jac[:, :, 5] = (a_up * slope_up * dzup_dk - a_dn * slope_dn * dzdn_dk) * slopes[:, [3]]
    return shape["b0"] + a_up * sig_up - a_dn * sig_dn, jac


def _batch_prior_residuals(thetas, pred, jac, row_share, x_min, x_max, strengths, sign):
    """:func:`_prior_residuals` of ``k`` problems at once: values (k, 9), rows (k, 9, 6).

    ``row_share``, ``x_min`` and ``x_max`` are per problem ((k, n), (k,), (k,)); with
    ``jac=None`` only the values are computed.
    """
    shape = double_descent_shape(thetas)
    s, ksp = shape["s"], shape["ksp"]
    root = np.sqrt(2.0 * strengths["amplitude"])
    z = np.column_stack(
        [
            shape["A_up"] - shape["A_dn"],
            -s * (0.7 + ksp),
            x_min - shape["c1"],
            shape["c2"] - x_max,
            sign * (shape["b0"] + shape["A_up"] - shape["A_dn"]),
        ]
    )
    strength = np.array(
        [
            strengths["order"],
            strengths["separation"],
            strengths["range"],
            strengths["range"],
            strengths["tail"],
        ]
    )
    q_softplus = np.sqrt(2.0 * strength * softplus(z))
    real_pred = sign * pred
    positive = real_pred > 0.0
    mean_positive = np.sum(row_share * np.where(positive, real_pred, 0.0), axis=1)
    q_positive = np.sqrt(2.0 * strengths["tail"] * np.maximum(mean_positive, 0.0))
    values = np.column_stack(
        [root * shape["A_up"], root * shape["A_dn"], root * s, q_softplus, q_positive]
    )
    if jac is None:
        return values, None
    slope_aup, slope_adn, slope_s, slope_k = expit(thetas[:, [1, 2, 4, 5]]).T
    unit = _UNIT
    d_aup = slope_aup[:, None] * unit[1]
    d_adn = slope_adn[:, None] * unit[2]
    d_s = slope_s[:, None] * unit[4]
    d_separation = (1.0 + ksp)[:, None] * d_s + (s * slope_k)[:, None] * unit[5]
    dz = np.stack(
        [
            d_aup - d_adn,
            -0.7 * d_s - (d_separation - d_s),
            -unit[3] + 0.5 * d_separation,
            unit[3] + 0.5 * d_separation,
            sign * (unit[0] + d_aup - d_adn),
        ],
        axis=1,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(q_softplus > 0.0, strength * expit(z) / q_softplus, 0.0)
        gradient = np.einsum("kn,knp->kp", row_share * positive, sign * jac)
        row_positive = np.where(
            (q_positive > 0.0)[:, None],
            strengths["tail"] * gradient / q_positive[:, None],
            0.0,
        )
    rows = np.concatenate(
        [
            root * np.stack([d_aup, d_adn, d_s], axis=1),
            scale[:, :, None] * dz,
            row_positive[:, None, :],
        ],
        axis=1,
    )
    return values, rows


def _shared_bounds(lower, upper):
    """Map per-problem bounds ``(B, p)`` onto shared ones: ``theta = offset + span * u``.

    :class:`~sklearn_scaling._batch.BatchProblem` has one box for all problems, but a
    resample's range of ``c0`` (0.2 beyond its own compute range) and, in units of the
    loss scale, its ``b0_bounds`` are its own. A coordinate whose bounds differ is
    solved in ``u``: on ``[0, 1]`` when both ends are finite, else shifted to its one
    finite end. Levenberg-Marquardt with Marquardt's diagonal damping takes the same
    steps in ``u`` as it would in ``theta``.
    """
    offset, span = np.zeros_like(lower), np.ones_like(lower)
    shared_lower, shared_upper = lower[0].copy(), upper[0].copy()
    for j in range(lower.shape[1]):
        low, high = lower[:, j], upper[:, j]
        if np.all(low == low[0]) and np.all(high == high[0]):
            continue
        finite_low, finite_high = np.isfinite(low[0]), np.isfinite(high[0])
        if finite_low and finite_high:
            offset[:, j], span[:, j] = low, high - low
            shared_lower[j], shared_upper[j] = 0.0, 1.0
        elif finite_low:
            offset[:, j] = low
            shared_lower[j], shared_upper[j] = 0.0, np.inf
        elif finite_high:
            offset[:, j] = high
            shared_lower[j], shared_upper[j] = -np.inf, 0.0
    return offset, span, shared_lower, shared_upper


def double_descent_refits(
    x,
    targets,
    weights,
    coef,
    *,
    shape="bump",
    loss="huber",
    f_scale="mad",
    density_weighting=True,
    strengths=None,
    b0_bounds=(-np.inf, np.inf),
    prior_units="y",
    max_iter=100,
    tol=1e-8,
):
    """Refit the law to many targets and weights at once, warm-started from ``coef``.

    Each problem is the one :func:`fit_double_descent` solves on its own rows (those of
    positive weight): its loss scale, density weights, tail-prior shares, compute range
    of the range prior and of ``c0``'s bounds, and units (``prior_units='f_scale'``)
    are its own. The law, its Jacobian and the priors are evaluated for all problems
    in one vectorised pass, and :func:`~sklearn_scaling._batch.solve_batch` takes the
    Levenberg-Marquardt steps of all at once. Each problem's residuals are divided by
    its own loss scale so that the batch shares the scale 1 (its cost is the problem's
    divided by the squared scale: the same minimiser).

    Parameters
    ----------
    x : ndarray of shape (n,)
    targets : ndarray of shape (B, n) or (n,)
        In units of ``y``.
    weights : ndarray of shape (B, n)
        Sample weights (e.g. bootstrap counts); rows of weight 0 are left out.
    coef : ndarray of shape (6,)
        The full-data fit, as ``DoubleDescentRegressor.coef_``.
    shape, loss, f_scale, density_weighting, strengths, b0_bounds, prior_units
        As for :func:`fit_double_descent`.
    max_iter : int, default=100
    tol : float, default=1e-8

    Returns
    -------
    coefs : ndarray of shape (B, 6)
        In the units of ``coef``.
    cost : ndarray of shape (B,)
        Each problem's objective, as ``cost_`` of a fit on its rows.
    converged : ndarray of bool, shape (B,)
    """
    weights = np.atleast_2d(np.asarray(weights, dtype=float))
    n_problems, n = weights.shape
    targets = np.broadcast_to(np.asarray(targets, dtype=float), (n_problems, n))
    strengths = DEFAULT_PENALTIES if strengths is None else strengths
    sign = 1.0 if shape == "bump" else -1.0
    data_weight = np.zeros((n_problems, n))
    row_share = np.zeros((n_problems, n))
    loss_scale = np.empty(n_problems)
    units = np.empty(n_problems)
    x_min, x_max = np.empty(n_problems), np.empty(n_problems)
    lower = np.empty((n_problems, 6))
    upper = np.empty((n_problems, 6))
    for b in range(n_problems):
        keep = weights[b] > 0
        xb, yb, wb = x[keep], targets[b, keep], weights[b, keep]
        scale = mad_scale(yb, wb) if f_scale == "mad" else float(f_scale)
        unit = scale if prior_units == "f_scale" else 1.0
        weight = wb * (density_weights(xb, wb) if density_weighting else 1.0)
        data_weight[b, keep] = weight / weight.sum()
        row_share[b, keep] = wb / wb.sum()
        loss_scale[b], units[b] = scale / unit, unit
        x_min[b], x_max[b] = float(xb.min()), float(xb.max())
        low, high = sorted(sign * np.asarray(b0_bounds, dtype=float) / unit)
        lower[b] = [low, -_RAW_BOUND, -_RAW_BOUND, x_min[b] - 0.2, -_RAW_BOUND, -_RAW_BOUND]
        upper[b] = [high, _RAW_BOUND, _RAW_BOUND, x_max[b] + 0.2, _RAW_BOUND, _RAW_BOUND]
    Z = sign * targets / units[:, None]
    offset, span, shared_lower, shared_upper = _shared_bounds(lower, upper)

    def internal(u, index):
        return offset[index] + span[index] * u

    def residuals(u, index):
        theta = internal(u, index)
        pred = _batch_values(x, theta)
        priors, _ = _batch_prior_residuals(
            theta, pred, None, row_share[index], x_min[index], x_max[index], strengths, sign
        )
        return np.hstack([pred - Z[index], priors]) / loss_scale[index, None]

    def jacobian(u, index):
        theta = internal(u, index)
        pred, jac = _batch_jacobian(x, theta)
        priors, rows = _batch_prior_residuals(
            theta, pred, jac, row_share[index], x_min[index], x_max[index], strengths, sign
        )
        return (
            np.concatenate([jac, rows], axis=1)
            * (span[index] / loss_scale[index, None])[:, None, :]
        )

    problem = BatchProblem(
        residuals=residuals,
        jacobian=jacobian,
        data_weight=data_weight,
        lower=shared_lower,
        upper=shared_upper,
        loss=loss,
        f_scale=1.0,
    )
    # The full fit in each problem's units, clipped into that problem's bounds.
    start = np.repeat(np.asarray(coef, dtype=float)[None], n_problems, axis=0)
    start[:, 0] *= sign
    rescale = units != 1.0
    if np.any(rescale):
        start[rescale, 0] /= units[rescale]
        start[rescale, 1:3] = inverse_softplus(softplus(start[rescale, 1:3]) / units[rescale, None])
    start = np.clip(start, lower, upper)
    with np.errstate(all="ignore"):
        result = solve_batch(problem, (start - offset) / span, max_iter=max_iter, tol=tol)
    theta = np.clip(internal(result.x, np.arange(n_problems)), lower, upper)
    coefs = theta.copy()
    if np.any(rescale):
        coefs[rescale, 0] *= units[rescale]
        coefs[rescale, 1:3] = inverse_softplus(units[rescale, None] * softplus(theta[rescale, 1:3]))
    coefs[:, 0] *= sign
    cost = result.cost * loss_scale**2
    finite = np.isfinite(cost) & np.all(np.isfinite(coefs), axis=1)
    return coefs, cost, result.converged & finite
