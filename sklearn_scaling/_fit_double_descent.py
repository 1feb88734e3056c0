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

__all__ = ["DEFAULT_PENALTIES", "density_weights", "fit_double_descent", "mad_scale"]

#: Seed 000's prior strengths.
DEFAULT_PENALTIES = {
    "amplitude": 3e-4,
    "order": 1.5e-4,
    "separation": 2e-4,
    "range": 1e-4,
    "tail": 1e-5,
}

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
    result.at_bounds = at_bounds(result.x, problem.lower, problem.upper)
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
