"""Pure scaling-law functions and their analytic Jacobians.

Every function here is a plain NumPy function of ``(X, params)``: no fitting, no
state, no scikit-learn. The estimators in :mod:`sklearn_scaling` call them, and so
can anyone who wants to evaluate a law at a parameter vector found elsewhere.

Two laws come from the two programs the package was built from, called *seed 000*
and *seed 001* throughout (see the package docstring):

* :func:`double_descent` -- seed 000's U-shaped (double-descent) law of log10
  compute with six raw parameters ``[b0, A_up_raw, A_dn_raw, c0, s_raw, k_raw]``;
* :func:`log_power` -- seed 001's ten-parameter law of learning rate, batch size,
  data size and non-embedding parameter count ``[a, b, alpha, c, beta, d, lr_opt, e,
  gamma, interaction]``.

:func:`log_power_scaling` extends the second law so that the optimal learning rate
and batch size move with model and data size.

Deliberate differences from seed 001: :func:`log_power` does not clamp its inputs
(the seed clamped data size to at most 1e12 tokens and parameters to at most 1e10,
which silently freezes the law beyond those sizes) nor its parameters (the fitter
enforces bounds instead), and it clips its output only when ``prediction_bounds`` is
given (the seed always clipped to ``(1.5, 4.5)``).
"""

import math

import numpy as np
from scipy.special import expit, xlogy

__all__ = [
    "DOUBLE_DESCENT_PARAMS",
    "LOG_POWER_PARAMS",
    "LOG_POWER_SCALING_PARAMS",
    "SKEW_PARAMS",
    "SIZE_TERMS",
    "double_descent",
    "double_descent_jacobian",
    "double_descent_shape",
    "double_descent_sigmoids",
    "log_power",
    "log_power_jacobian",
    "log_power_scaling",
    "log_power_scaling_jacobian",
    "softplus",
    "inverse_softplus",
]

#: Names of the raw parameters of :func:`double_descent`, in order.
DOUBLE_DESCENT_PARAMS = ("b0", "A_up_raw", "A_dn_raw", "c0", "s_raw", "k_raw")

#: Names of the parameters of :func:`log_power`, in order.
LOG_POWER_PARAMS = ("a", "b", "alpha", "c", "beta", "d", "lr_opt", "e", "gamma", "interaction")

#: Names of the parameters of :func:`log_power_scaling`, in order.
LOG_POWER_SCALING_PARAMS = (
    "a", "b", "alpha", "c", "beta", "d", "e", "interaction",
    "lr_0", "lr_N", "lr_D", "bsz_0", "bsz_N", "bsz_D",
)  # fmt: skip

#: Extra parameters of :func:`log_power_scaling` with skew: cubic terms in u and v.
SKEW_PARAMS = ("skew_lr", "skew_bsz")

# The minimum width the seed adds to softplus(s_raw), so that no sigmoid is a step.
_MIN_WIDTH = 1e-3


def softplus(z):
    """Numerically stable ``log(1 + exp(z))``.

    Examples
    --------
    >>> softplus([-1000.0, 0.0, 1000.0]).tolist()
    [0.0, 0.6931..., 1000.0]
    """
    z = np.asarray(z, dtype=float)
    return np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0)


def inverse_softplus(v):
    """Inverse of :func:`softplus` for ``v > 0``: ``log(expm1(v))``, stable for large ``v``.

    Examples
    --------
    >>> float(softplus(inverse_softplus(0.25)))
    0.25
    """
    v = np.asarray(v, dtype=float)
    return v + np.log(-np.expm1(-v))


def _clipped_sigmoid(z):
    # The seed clips at +-60 before exp; kept so predictions match it to the last bit.
    return 1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))


def _compute_column(X):
    X = np.asarray(X, dtype=float)
    if X.ndim == 2:
        X = X[:, 0]
    return np.atleast_1d(X)


def double_descent_shape(params):
    """Decode raw double-descent parameters into readable quantities.

    Parameters
    ----------
    params : array-like of shape (6,) or (n_laws, 6)
        Raw parameters ``[b0, A_up_raw, A_dn_raw, c0, s_raw, k_raw]``.

    Returns
    -------
    shape : dict of ndarray
        ``b0`` (level before the bump), ``A_up`` and ``A_dn`` (heights of the rising and
        falling sigmoids, both >= 0), ``c1`` and ``c2`` (their centres, ``c1 < c2``),
        ``s_left`` and ``s_right`` (their widths), plus the intermediate ``s`` (base
        width), ``ksp`` (softplus of ``k_raw``) and ``g`` (asymmetry factor). Each
        value is a float for 1-D ``params`` and an array of length ``n_laws`` otherwise.

    Examples
    --------
    >>> shape = double_descent_shape([0.0, 0.0, 0.0, 1.0, 0.0, 0.0])
    >>> round(float(shape["A_up"]), 4), float(shape["c1"]) < float(shape["c2"])
    (0.6931, True)
    """
    p = np.asarray(params, dtype=float)
    if p.ndim == 1:
        # Fits decode one vector at every step: plain floats avoid NumPy's per-call cost.
        b0, a_up_raw, a_dn_raw, c0, s_raw, k_raw = (float(v) for v in p)
        a_up, a_dn, s, ksp = map(_scalar_softplus, (a_up_raw, a_dn_raw, s_raw, k_raw))
    else:
        a_up, a_dn, s, ksp = np.moveaxis(softplus(p[..., [1, 2, 4, 5]]), -1, 0)
        b0, c0 = p[..., 0], p[..., 3]
    s = s + _MIN_WIDTH
    separation = s * (1.0 + ksp)
    g = math.sqrt(1.0 + 0.5 * ksp) if p.ndim == 1 else np.sqrt(1.0 + 0.5 * ksp)
    shape = {
        "b0": b0,
        "A_up": a_up,
        "A_dn": a_dn,
        "c1": c0 - 0.5 * separation,
        "c2": c0 + 0.5 * separation,
        "s_left": s * g,
        # g >= 1 always (ksp >= 0); the seed's floor of 1e-6 never acts.
        "s_right": s / g,
        "s": s,
        "ksp": ksp,
        "g": g,
    }
    return shape


def _scalar_softplus(z):
    return math.log1p(math.exp(-abs(z))) + max(z, 0.0)


def _sigmoids(x, shape):
    return (
        _clipped_sigmoid((x - shape["c1"]) / shape["s_left"]),
        _clipped_sigmoid((x - shape["c2"]) / shape["s_right"]),
    )


def double_descent(X, params, shape="bump"):
    r"""U-shaped (double-descent) law of log10 compute.

    .. math::

        f(x) = b_0 + A_\uparrow \sigma\!\left(\frac{x - c_1}{s_l}\right)
                   - A_\downarrow \sigma\!\left(\frac{x - c_2}{s_r}\right)

    with :math:`A_\uparrow = \mathrm{softplus}(A_{up,raw})`, :math:`A_\downarrow =
    \mathrm{softplus}(A_{dn,raw})`, base width :math:`s = \mathrm{softplus}(s_{raw}) +
    10^{-3}`, :math:`k = \mathrm{softplus}(k_{raw})`, separation :math:`d = s(1 + k)`,
    centres :math:`c_{1,2} = c_0 \mp d/2` and widths :math:`s_l = s g`, :math:`s_r = s /
    g` with :math:`g = \sqrt{1 + k/2}`. The first sigmoid makes the score rise (or the
    loss worsen), the second makes it fall back: a bump between ``c1`` and ``c2``.

    With ``shape='dip'`` the two sigmoids swap roles, :math:`f(x) = b_0 - A_\uparrow
    \sigma(\cdot) + A_\downarrow \sigma(\cdot)`: the curve first falls by ``A_up`` and
    then rises by ``A_dn``, the U shape of scores that get worse before they emerge.

    Parameters
    ----------
    X : array-like of shape (n_samples, 1) or (n_samples,)
        log10 of training compute.
    params : array-like of shape (6,) or (n_laws, 6)
        Raw parameters ``[b0, A_up_raw, A_dn_raw, c0, s_raw, k_raw]``; several rows
        evaluate several laws at once.
    shape : {'bump', 'dip'}, default='bump'
        'bump' is seed 000's law (rise, then fall); 'dip' its mirror image about ``b0``
        (fall, then rise).

    Returns
    -------
    y : ndarray of shape (n_samples,) or (n_samples, n_laws)
        The law's value; 2-D exactly when ``params`` is 2-D.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[-1.0], [0.0], [1.0], [2.0], [3.0]])
    >>> double_descent(x, [-0.5, 0.0, 0.5, 1.0, -1.0, 0.0]).round(3)
    array([-0.494, -0.427, -0.298, -0.741, -0.781])
    """
    law_shape = shape
    p = np.asarray(params, dtype=float)
    p2 = p[None, :] if p.ndim == 1 else p
    shape = double_descent_shape(p2)
    sig_up, sig_dn = _sigmoids(_compute_column(X)[:, None], shape)
    pred = shape["b0"] + _shape_sign(law_shape) * (shape["A_up"] * sig_up - shape["A_dn"] * sig_dn)
    return pred[:, 0] if p.ndim == 1 else pred


def _shape_sign(shape):
    if shape not in ("bump", "dip"):
        raise ValueError(f"shape must be 'bump' or 'dip'; got {shape!r}.")
    return 1.0 if shape == "bump" else -1.0


def double_descent_sigmoids(X, params):
    """The rising and falling sigmoids of :func:`double_descent`, without amplitudes.

    Given the centres and widths, the law is linear in ``b0`` and the two amplitudes:
    ``b0 + A_up * sig_up - A_dn * sig_dn``. Fitters use this to solve that part exactly.

    Parameters
    ----------
    X : array-like of shape (n_samples, 1) or (n_samples,)
    params : array-like of shape (n_laws, 6)

    Returns
    -------
    sig_up, sig_dn : ndarray of shape (n_samples, n_laws)

    Examples
    --------
    >>> up, dn = double_descent_sigmoids([0.0, 5.0], [[0.0, 0.0, 0.0, 1.0, -1.0, 0.0]])
    >>> up.ravel().round(3), dn.ravel().round(3)
    (array([0.118, 1.   ]), array([0.009, 1.   ]))
    """
    x = _compute_column(X)[:, None]
    shape = double_descent_shape(np.atleast_2d(np.asarray(params, dtype=float)))
    return _sigmoids(x, shape)


def double_descent_jacobian(X, params, shape="bump", *, return_value=False):
    """Jacobian of :func:`double_descent` with respect to its six raw parameters.

    Parameters
    ----------
    X : array-like of shape (n_samples, 1) or (n_samples,)
        log10 of training compute.
    params : array-like of shape (6,) or (n_laws, 6)
        Raw parameters; several rows differentiate several laws at once.
    shape : {'bump', 'dip'}, default='bump'
    return_value : bool, default=False
        Also return the law's value, computed from the same sigmoids: a fit needs
        both at every step.

    Returns
    -------
    value : ndarray of shape (n_samples,) or (n_laws, n_samples)
        :func:`double_descent` at ``params`` (one row per law); only when
        ``return_value`` is True.
    jac : ndarray of shape (n_samples, 6) or (n_laws, n_samples, 6)
        ``jac[..., i, j]`` is the derivative of the law at sample ``i`` with respect to
        ``params[..., j]``.

    Examples
    --------
    >>> import numpy as np
    >>> jac = double_descent_jacobian(np.linspace(-1, 3, 4), [-0.5, 0.0, 0.5, 1.0, -1.0, 0.0])
    >>> jac.shape, bool(np.all(jac[:, 0] == 1.0))
    ((4, 6), True)
    >>> value, _ = double_descent_jacobian([0.0, 1.0], [0.0] * 6, return_value=True)
    >>> bool(np.allclose(value, double_descent([0.0, 1.0], [0.0] * 6)))
    True
    >>> many = double_descent_jacobian([0.0, 1.0], np.zeros((3, 6)))
    >>> many.shape
    (3, 2, 6)
    """
    sign = _shape_sign(shape)
    p = np.asarray(params, dtype=float)
    decoded, sig_up, sig_dn, d_up, d_dn = _sigmoid_derivatives(X, p)
    a_up, a_dn = decoded["A_up"], decoded["A_dn"]
    # The softplus slopes of the raw amplitudes: (1,) or (k, 1) each.
    slope_aup, slope_adn = expit(p[..., [1]]), expit(p[..., [2]])
    jac = np.empty((*sig_up.shape, 6))
    jac[..., 0] = 1.0
    jac[..., 1] = slope_aup * sig_up
    jac[..., 2] = -slope_adn * sig_dn
    jac[..., 3:] = np.expand_dims(a_up, -1) * d_up - np.expand_dims(a_dn, -1) * d_dn
    jac[..., 1:] *= sign
    if return_value:
        return decoded["b0"] + sign * (a_up * sig_up - a_dn * sig_dn), jac
    return jac


def _sigmoid_derivatives(X, p):
    """The two sigmoids of :func:`double_descent` and their derivatives in ``c0, s_raw,
    k_raw``.

    ``p`` is one raw vector (6,) or many (k, 6). Returns the decoded shape (floats, or
    (k, 1) columns), ``sig_up`` and ``sig_dn`` ((n,) or (k, n)) and their derivatives
    ((n, 3) or (k, n, 3)), so every expression serves one law and many alike.
    """
    x = _compute_column(X)
    # One vector decodes to floats (the fast path of a fit's steps); many to (k, 1)
    # columns against x as a row.
    shape = double_descent_shape(p)
    if p.ndim == 2:
        shape = {key: value[:, None] for key, value in shape.items()}
        x = x[None, :]
    s, ksp, g = shape["s"], shape["ksp"], shape["g"]
    dx = x - (shape["c1"] + shape["c2"]) / 2.0
    z_up = (x - shape["c1"]) / shape["s_left"]
    z_dn = (x - shape["c2"]) / shape["s_right"]
    sig_up = _clipped_sigmoid(z_up)
    sig_dn = _clipped_sigmoid(z_dn)
    # Beyond the seed's +-60 clip the sigmoid is flat, so its slope there is zero.
    slope_up = np.where(np.abs(z_up) < 60.0, sig_up * (1.0 - sig_up), 0.0)
    slope_dn = np.where(np.abs(z_dn) < 60.0, sig_dn * (1.0 - sig_dn), 0.0)

    # z_up = dx / (s g) + (1 + k) / (2 g);  z_dn = dx g / s - (1 + k) g / 2
    dg_dk = 1.0 / (4.0 * g)
    dzup_ds = -dx / (s * s * g)
    dzdn_ds = -dx * g / (s * s)
    dzup_dk = -dx / (s * g * g) * dg_dk + 1.0 / (2.0 * g) - (1.0 + ksp) / (2.0 * g * g) * dg_dk
    dzdn_dk = dx / s * dg_dk - g / 2.0 - (1.0 + ksp) / 2.0 * dg_dk
    # The softplus slopes of the raw s and k: (1,) or (k, 1) each.
    slope_s, slope_k = expit(p[..., [4]]), expit(p[..., [5]])
    d_up = np.empty((*sig_up.shape, 3))
    d_dn = np.empty((*sig_up.shape, 3))
    d_up[..., 0] = -slope_up / shape["s_left"]
    d_dn[..., 0] = -slope_dn / shape["s_right"]
    d_up[..., 1] = slope_up * dzup_ds * slope_s
    d_dn[..., 1] = slope_dn * dzdn_ds * slope_s
    d_up[..., 2] = slope_up * dzup_dk * slope_k
    d_dn[..., 2] = slope_dn * dzdn_dk * slope_k
    return shape, sig_up, sig_dn, d_up, d_dn


def _hyperparameter_logs(X):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 4:
        raise ValueError(
            "X must have 4 columns (learning rate, batch size, data size, non-embedding "
            f"parameters); got shape {X.shape}."
        )
    return np.log(X[:, 0]), np.log(X[:, 1]), np.log(X[:, 2]), np.log(X[:, 3])


#: Size-term forms: the seed's log-power ``b (ln D)**alpha`` or a Chinchilla-style power
#: law ``b (D / 1e11)**-alpha`` (and the same in N around 1e9).
SIZE_TERMS = ("log_power", "power")


def _size_basis(log_size, exponent, size_terms, log_reference):
    """A size term without its coefficient, and its derivative in the exponent."""
    if size_terms == "log_power":
        basis = np.power(log_size, exponent)
        return basis, basis * np.log(log_size)
    if size_terms == "power":
        centred = log_size - log_reference
        basis = np.exp(-exponent * centred)
        return basis, -centred * basis
    raise ValueError(f"size_terms must be one of {SIZE_TERMS}; got {size_terms!r}.")


def _size_part(log_data, log_param, alpha, beta, size_terms):
    data_basis, data_slope = _size_basis(log_data, alpha, size_terms, np.log(1e11))
    param_basis, param_slope = _size_basis(log_param, beta, size_terms, np.log(1e9))
    return data_basis, data_slope, param_basis, param_slope


def log_power(X, params, prediction_bounds=None, size_terms="log_power"):
    r"""Log-power law of learning rate, batch size, data size and model size (seed 001).

    .. math::

        L = a + b (\ln D)^\alpha + c (\ln N)^\beta + d\,u^2 + e (\ln B)^\gamma
            + \iota\, u^2 \ln B, \qquad u = \ln \eta - \ln \eta^*

    where :math:`\eta` is the learning rate, :math:`B` the batch size, :math:`D` the
    number of training tokens, :math:`N` the non-embedding parameter count and
    :math:`\eta^*` (``lr_opt``) the optimal learning rate.

    Parameters
    ----------
    X : array-like of shape (n_samples, 4)
        Columns: learning rate, batch size, data size, non-embedding parameters. The
        law needs ``lr > 0``, ``batch size >= 1`` and data and parameter sizes above 1.
    params : array-like of shape (10,)
        ``[a, b, alpha, c, beta, d, lr_opt, e, gamma, interaction]``.
    prediction_bounds : tuple of float or None, default=None
        When given, clip the output to ``(low, high)``. Seed 001 always clipped to
        ``(1.5, 4.5)``; here nothing is clipped unless asked. Inputs and parameters are
        never clamped.
    size_terms : {'log_power', 'power'}, default='log_power'
        'log_power' is the seed's ``b (ln D)**alpha + c (ln N)**beta``; 'power' is the
        Chinchilla-style ``b (D / 1e11)**-alpha + c (N / 1e9)**-beta``.

    Returns
    -------
    y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[3e-3, 256, 2e10, 2e8], [3e-3, 256, 1e11, 1e9]])
    >>> params = [3.5, -0.01, 1.2, -0.02, 1.0, 0.05, 3e-3, 0.02, 0.8, 0.0]
    >>> log_power(X, params).round(4)
    array([2.7497, 2.6808])
    """
    params = np.asarray(params, dtype=float)
    log_lr, log_bsz, log_data, log_param = _hyperparameter_logs(X)
    a, b, alpha, c, beta, d, lr_opt, e, gamma, interaction = params
    data_basis, _, param_basis, _ = _size_part(log_data, log_param, alpha, beta, size_terms)
    lr_gap_sq = (log_lr - np.log(lr_opt)) ** 2
    pred = (
        a
        + b * data_basis
        + c * param_basis
        + d * lr_gap_sq
        + e * np.power(log_bsz, gamma)
        + interaction * lr_gap_sq * log_bsz
    )
    if prediction_bounds is not None:
        pred = np.clip(pred, *prediction_bounds)
    return pred


def log_power_jacobian(X, params, size_terms="log_power"):
    """Jacobian of :func:`log_power` (unclipped) with respect to its ten parameters.

    Parameters
    ----------
    X : array-like of shape (n_samples, 4)
    params : array-like of shape (10,), or ten (k, 1) columns
    size_terms : {'log_power', 'power'}, default='log_power'

    Returns
    -------
    jac : ndarray of shape (n_samples, 10), or (k, n_samples, 10) for columns

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[3e-3, 256, 2e10, 2e8], [1e-3, 1, 1e11, 1e9]])
    >>> params = [6.0, -0.05, 1.2, -0.1, 1.0, 0.05, 3e-3, 0.02, 0.8, 0.0]
    >>> log_power_jacobian(X, params).shape
    (2, 10)
    """
    params = np.asarray(params, dtype=float)
    log_lr, log_bsz, log_data, log_param = _hyperparameter_logs(X)
    _, b, alpha, c, beta, d, lr_opt, e, gamma, interaction = params
    data_basis, data_slope, param_basis, param_slope = _size_part(
        log_data, log_param, alpha, beta, size_terms
    )
    bsz_power = np.power(log_bsz, gamma)
    lr_gap = log_lr - np.log(lr_opt)
    columns = (
        np.ones_like(lr_gap),
        data_basis,
        b * data_slope,
        param_basis,
        c * param_slope,
        lr_gap**2,
        -2.0 * lr_gap * (d + interaction * log_bsz) / lr_opt,
        bsz_power,
        # xlogy gives the limit 0 at batch size 1, where log(batch) ** gamma is 0.
        e * xlogy(bsz_power, log_bsz),
        lr_gap**2 * log_bsz,
    )
    # Parameters given as (k, 1) columns (batched refits) give (k, n_samples, 10).
    return np.stack(np.broadcast_arrays(*columns), axis=-1)


def _scaling_optimum(log_data, log_param, params):
    lr_0, lr_n, lr_d, bsz_0, bsz_n, bsz_d = params[8:14]
    # Centred at 1e9 parameters and 1e11 tokens so the intercepts are readable.
    dn = log_param - np.log(1e9)
    dd = log_data - np.log(1e11)
    log_lr_opt = lr_0 + lr_n * dn + lr_d * dd
    log_bsz_opt = bsz_0 + bsz_n * dn + bsz_d * dd
    return log_lr_opt, log_bsz_opt, dn, dd


def log_power_scaling(X, params, prediction_bounds=None, size_terms="log_power"):
    r"""Log-power law whose optimal learning rate and batch size move with scale.

    .. math::

        L = a + b (\ln D)^\alpha + c (\ln N)^\beta + d\,u^2 + e\,v^2 + \iota\,u v,

    with :math:`u = \ln \eta - \ln \eta^*(N, D)` and :math:`v = \ln B - \ln B^*(N, D)`
    where :math:`\ln \eta^* = \ell_0 + \ell_N \ln(N/10^9) + \ell_D \ln(D/10^{11})` and
    :math:`\ln B^* = m_0 + m_N \ln(N/10^9) + m_D \ln(D/10^{11})`: power laws
    :math:`\eta^* \propto N^{\ell_N} D^{\ell_D}` and :math:`B^* \propto N^{m_N} D^{m_D}`.
    With ``d, e > 0`` and ``4 d e > iota**2`` the bowl in :math:`(u, v)` has its
    minimum at :math:`(\eta^*, B^*)`.

    With 16 parameters, two skew terms :math:`\kappa_\eta u^3 + \kappa_B v^3` make the
    bowl asymmetric (loss usually climbs faster above the optimal learning rate than
    below it). They have zero slope and curvature at the optimum, so its location is
    still :math:`(\eta^*, B^*)`.

    Parameters
    ----------
    X : array-like of shape (n_samples, 4)
        Columns: learning rate, batch size, data size, non-embedding parameters.
    params : array-like of shape (14,) or (16,)
        ``[a, b, alpha, c, beta, d, e, interaction, lr_0, lr_N, lr_D, bsz_0, bsz_N,
        bsz_D]`` (see :data:`LOG_POWER_SCALING_PARAMS`), optionally followed by
        ``[skew_lr, skew_bsz]``.
    prediction_bounds : tuple of float or None, default=None
        When given, clip the output to ``(low, high)``.
    size_terms : {'log_power', 'power'}, default='log_power'
        As in :func:`log_power`.

    Returns
    -------
    y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[3e-3, 256, 1e11, 1e9], [1e-2, 256, 1e11, 1e9]])
    >>> params = [6.0, -0.05, 1.2, -0.1, 1.0, 0.05, 0.02, 0.0,
    ...           np.log(3e-3), -0.7, 0.3, np.log(256), 0.0, 0.5]
    >>> pred = log_power_scaling(X, params)
    >>> bool(pred[0] < pred[1])  # the first row sits at the optimum
    True
    """
    params = np.asarray(params, dtype=float)
    log_lr, log_bsz, log_data, log_param = _hyperparameter_logs(X)
    a, b, alpha, c, beta, d, e, interaction = params[:8]
    log_lr_opt, log_bsz_opt, _, _ = _scaling_optimum(log_data, log_param, params)
    u = log_lr - log_lr_opt
    v = log_bsz - log_bsz_opt
    data_basis, _, param_basis, _ = _size_part(log_data, log_param, alpha, beta, size_terms)
    pred = a + b * data_basis + c * param_basis + d * u * u + e * v * v + interaction * u * v
    if params.shape[0] == 16:
        pred = pred + params[14] * u**3 + params[15] * v**3
    if prediction_bounds is not None:
        pred = np.clip(pred, *prediction_bounds)
    return pred


def log_power_scaling_jacobian(X, params, size_terms="log_power"):
    """Jacobian of :func:`log_power_scaling` with respect to its 14 (or 16) parameters.

    Parameters
    ----------
    X : array-like of shape (n_samples, 4)
    params : array-like of shape (14,) or (16,)
    size_terms : {'log_power', 'power'}, default='log_power'

    Returns
    -------
    jac : ndarray of shape (n_samples, n_params)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[3e-3, 256, 1e11, 1e9]])
    >>> params = [6.0, -0.05, 1.2, -0.1, 1.0, 0.05, 0.02, 0.0, -5.8, -0.7, 0.3, 5.5, 0.0, 0.5]
    >>> log_power_scaling_jacobian(X, params).shape
    (1, 14)
    """
    params = np.asarray(params, dtype=float)
    log_lr, log_bsz, log_data, log_param = _hyperparameter_logs(X)
    _, b, alpha, c, beta, d, e, interaction = params[:8]
    log_lr_opt, log_bsz_opt, dn, dd = _scaling_optimum(log_data, log_param, params)
    u = log_lr - log_lr_opt
    v = log_bsz - log_bsz_opt
    data_basis, data_slope, param_basis, param_slope = _size_part(
        log_data, log_param, alpha, beta, size_terms
    )
    dpred_du = 2.0 * d * u + interaction * v
    dpred_dv = 2.0 * e * v + interaction * u
    jac = np.empty((log_lr.shape[0], params.shape[0]))
    if params.shape[0] == 16:
        jac[:, 14] = u**3
        jac[:, 15] = v**3
        dpred_du = dpred_du + 3.0 * params[14] * u * u
        dpred_dv = dpred_dv + 3.0 * params[15] * v * v
    jac[:, 0] = 1.0
    jac[:, 1] = data_basis
    jac[:, 2] = b * data_slope
    jac[:, 3] = param_basis
    jac[:, 4] = c * param_slope
    jac[:, 5] = u * u
    jac[:, 6] = v * v
    jac[:, 7] = u * v
    jac[:, 8] = -dpred_du
    jac[:, 9] = -dpred_du * dn
    jac[:, 10] = -dpred_du * dd
    jac[:, 11] = -dpred_dv
    jac[:, 12] = -dpred_dv * dn
    jac[:, 13] = -dpred_dv * dd
    return jac
