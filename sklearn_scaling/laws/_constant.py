"""A flat curve at the data's recent level: the last-value baseline, as a law."""

import numpy as np

from ._base import Law, register_law

__all__ = ["constant", "constant_jacobian", "recency_weights"]


def constant(X, level):
    """``L = level`` at every ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> constant(np.array([[1.0], [1e9]]), 0.7)
    array([0.7, 0.7])
    """
    return level + 0.0 * X[:, 0]


def constant_jacobian(X, level):
    """Derivative of :func:`constant` in ``level``: one everywhere (broadcasting)."""
    ones = np.ones_like(level + 0.0 * X[:, 0])
    return ones[..., None]


def recency_weights(X):
    """Weight of each row in the fit of :func:`constant`: a third with each step back.

    The rows at the largest ``x`` weigh 1, those at the next largest distinct ``x``
    1/3, then 1/9, and so on. So the fitted level is the data's **recent level**: with
    the default robust loss (Huber with a small scale, close to least absolute
    deviations) it is the weighted median, which is the value observed at the largest
    ``x`` (their median when several rows share it), since those rows outweigh all
    earlier ones together (1 against at most 1/2); with ``loss='squared'`` it is the
    weighted mean, an exponential smoothing of the curve's last values that gives the
    last one 2/3 of the weight.

    Examples
    --------
    >>> import numpy as np
    >>> recency_weights(np.array([[3.0], [1.0], [10.0], [10.0]]))
    array([0.333..., 0.111..., 1. , 1. ])
    """
    x = X[:, 0]
    distinct = np.unique(x)
    steps_back = distinct.size - 1 - np.searchsorted(distinct, x)
    return 3.0 ** -steps_back.astype(float)


CONSTANT = register_law(
    Law(
        "constant",
        constant,
        bounds={"level": (-np.inf, np.inf)},
        linear=("level",),
        jacobian=constant_jacobian,
        domain={"x": "finite"},
        # Only the order of x matters (which rows are recent): any scale will do.
        scale="any",
        weights=recency_weights,
        formula="L = level (the recent level: the last observations count most)",
        latex=r"L(x) = \ell",
        reference="The last-value baseline of learning-curve extrapolation, e.g. "
        "Alabdulmohsin et al. (2022), Revisiting Neural Scaling Laws in Language and Vision",
        description=(
            "A flat curve at the data's recent level: the rows at the largest x count "
            "most, each step back a third as much."
        ),
    )
)
