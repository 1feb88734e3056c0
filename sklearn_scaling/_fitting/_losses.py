"""A registry of robust losses in the form :func:`scipy.optimize.least_squares` takes.

Each loss is a function ``rho(z)`` of the squared scaled residual ``z = (r / f_scale)**2``
that returns an array of shape ``(3, m)``: ``rho``, its first and its second derivative
with respect to ``z``. ``0.5 * f_scale**2 * rho(z)`` is the penalty of one residual, so
``'huber'`` gives exactly the textbook Huber penalty ``0.5 r**2`` inside ``f_scale`` and
``f_scale * (|r| - f_scale / 2)`` outside it.

A function of ``r**2`` cannot tell a residual above the law from one below it, so the
asymmetric *pinball* loss of quantile ``q`` (for lower or upper envelopes) is not in
:data:`LOSSES`: its key is ``pinball_key(q)`` and the engine fits it as plain least
squares on the signed residuals of :func:`signed_residuals`, whose half squares are
the penalties.
"""

import numpy as np

__all__ = [
    "LOSSES",
    "irls_weight",
    "is_signed",
    "loss_derivatives",
    "loss_value",
    "pinball_key",
    "signed_residuals",
]


def _squared(z):
    return np.stack([z, np.ones_like(z), np.zeros_like(z)])


def _huber(z):
    inside = z <= 1.0
    # Guard the sqrt branches against z == 0, which np.where evaluates too.
    root = np.sqrt(np.where(inside, 1.0, z))
    return np.stack(
        [
            np.where(inside, z, 2.0 * root - 1.0),
            np.where(inside, 1.0, 1.0 / root),
            np.where(inside, 0.0, -0.5 / (root * root * root)),
        ]
    )


def _soft_l1(z):
    t = 1.0 + z
    root = np.sqrt(t)
    return np.stack([2.0 * (root - 1.0), 1.0 / root, -0.5 / (t * root)])


def _cauchy(z):
    t = 1.0 + z
    return np.stack([np.log1p(z), 1.0 / t, -1.0 / (t * t)])


#: Loss name -> ``rho(z)`` returning ``(rho, rho', rho'')`` stacked, as least_squares expects.
LOSSES = {"squared": _squared, "huber": _huber, "soft_l1": _soft_l1, "cauchy": _cauchy}


def pinball_key(quantile):
    """The loss key of the smoothed pinball loss of ``quantile`` in (0, 1).

    Examples
    --------
    >>> pinball_key(0.1)
    'pinball:0.1'
    """
    return f"pinball:{float(quantile)!r}"


def is_signed(loss):
    """Whether ``loss`` is a signed (asymmetric) loss key, such as ``pinball_key(q)``."""
    return isinstance(loss, str) and loss.startswith("pinball:")


def _pinball(residuals, loss, f_scale):
    """Penalty, first and second derivative of the smoothed pinball loss.

    Residuals are law minus target: the law's quantile ``q`` leaves a fraction ``q`` of
    the targets below it, so a residual above 0 (the law above the target) weighs
    ``2 (1 - q)`` and one below weighs ``2 q``, times the Huber penalty of scale
    ``f_scale`` (quadratic near 0, so the fit's Jacobian stays finite). ``q = 0.5`` is
    the Huber loss.
    """
    q = float(loss.split(":", 1)[1])
    r = np.asarray(residuals, dtype=float)
    weight = np.where(r > 0, 2.0 * (1.0 - q), 2.0 * q)
    inside = np.abs(r) <= f_scale
    value = weight * np.where(inside, 0.5 * r * r, f_scale * (np.abs(r) - 0.5 * f_scale))
    slope = weight * np.where(inside, r, f_scale * np.sign(r))
    return value, slope, weight * inside


def loss_value(residuals, loss, f_scale):
    """Penalty ``0.5 * f_scale**2 * rho((r / f_scale)**2)`` of each residual.

    Parameters
    ----------
    residuals : ndarray
        Residuals of any shape.
    loss : {'squared', 'huber', 'soft_l1', 'cauchy'} or a pinball key
        Name of the loss (:func:`pinball_key` for the pinball loss).
    f_scale : float
        Residual scale at which the robust losses start to down-weight.

    Returns
    -------
    penalty : ndarray of the same shape as ``residuals``

    Examples
    --------
    >>> import numpy as np
    >>> loss_value(np.array([0.5, 3.0]), "huber", 1.0)
    array([0.125, 2.5  ])
    >>> loss_value(np.array([-3.0, 3.0]), pinball_key(0.1), 1.0)
    array([0.5, 4.5])
    """
    if is_signed(loss):
        return _pinball(residuals, loss, f_scale)[0]
    # As a NumPy float, a scale whose square leaves the float range gives inf (which the
    # callers treat as a failed start) instead of Python's OverflowError.
    f_scale = np.float64(f_scale)
    z = (np.asarray(residuals, dtype=float) / f_scale) ** 2
    return 0.5 * f_scale**2 * LOSSES[loss](z.ravel())[0].reshape(z.shape)


def loss_derivatives(residuals, loss, f_scale):
    """``l'(r)`` and ``l''(r)`` of the penalty ``l`` of :func:`loss_value`."""
    if is_signed(loss):
        return _pinball(residuals, loss, f_scale)[1:]
    z = (residuals / f_scale) ** 2
    _, first, second = LOSSES[loss](z)
    return first * residuals, first + 2.0 * z * second


def irls_weight(residuals, loss, f_scale):
    """``l'(r) / r``: the weight of each residual in iteratively reweighted least squares."""
    if is_signed(loss):
        _, slope, curvature = _pinball(residuals, loss, f_scale)
        with np.errstate(divide="ignore", invalid="ignore"):
            # Inside the quadratic zone l'(r) / r is the curvature, at 0 included.
            return np.where(curvature > 0, curvature, slope / residuals)
    z = (residuals / f_scale) ** 2
    return LOSSES[loss](z.ravel())[1].reshape(z.shape)


def signed_residuals(residuals, loss, f_scale):
    """Residuals ``g`` with ``0.5 g**2`` the penalty of a signed loss, and ``dg / dr``.

    ``g = sign(r) sqrt(2 l(r))`` keeps the sign, so plain least squares on ``g`` minimises
    the asymmetric loss; near 0 the penalty is quadratic, so ``dg / dr`` is finite.

    Examples
    --------
    >>> import numpy as np
    >>> g, slope = signed_residuals(np.array([-2.0, 0.0, 2.0]), pinball_key(0.5), 1.0)
    >>> bool(np.allclose(0.5 * g**2, loss_value(np.array([-2.0, 0.0, 2.0]), "huber", 1.0)))
    True
    """
    value, slope, _ = _pinball(residuals, loss, f_scale)
    g = np.sign(residuals) * np.sqrt(2.0 * value)
    q = float(loss.split(":", 1)[1])
    at_zero = np.sqrt(np.where(residuals > 0, 2.0 * (1.0 - q), 2.0 * q))
    with np.errstate(divide="ignore", invalid="ignore"):
        return g, np.where(g != 0, slope / g, at_zero)
