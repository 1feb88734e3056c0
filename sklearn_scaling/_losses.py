"""A registry of robust losses in the form :func:`scipy.optimize.least_squares` takes.

Each loss is a function ``rho(z)`` of the squared scaled residual ``z = (r / f_scale)**2``
that returns an array of shape ``(3, m)``: ``rho``, its first and its second derivative
with respect to ``z``. ``0.5 * f_scale**2 * rho(z)`` is the penalty of one residual, so
``'huber'`` gives exactly the textbook Huber penalty ``0.5 r**2`` inside ``f_scale`` and
``f_scale * (|r| - f_scale / 2)`` outside it.
"""

import numpy as np

__all__ = ["LOSSES", "loss_value"]


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


def loss_value(residuals, loss, f_scale):
    """Penalty ``0.5 * f_scale**2 * rho((r / f_scale)**2)`` of each residual.

    Parameters
    ----------
    residuals : ndarray
        Residuals of any shape.
    loss : {'squared', 'huber', 'soft_l1', 'cauchy'}
        Name of the loss.
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
    """
    # As a NumPy float, a scale whose square leaves the float range gives inf (which the
    # callers treat as a failed start) instead of Python's OverflowError.
    f_scale = np.float64(f_scale)
    z = (np.asarray(residuals, dtype=float) / f_scale) ** 2
    return 0.5 * f_scale**2 * LOSSES[loss](z.ravel())[0].reshape(z.shape)
